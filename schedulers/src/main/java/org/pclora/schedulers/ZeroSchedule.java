package org.pclora.schedulers;

import com.typesafe.config.Config;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.PluginValues;
import org.pclora.core.spi.PluginParameters;

/**
 * {@code lambda = 0} from step 0: the frozen path is off from the start and only the adapters
 * learn (a baseline). No parameters.
 */
public final class ZeroSchedule implements DecaySchedule {
    @Override
    public String name() {
        return "zero";
    }

    @Override
    public PluginParameters parameters() {
        return PluginParameters.none();
    }

    @Override
    public String description() {
        return "lambda = 0 from step 0 (adapters only baseline)";
    }

    @Override
    public double lambda(long step, long decayEndStep) {
        return 0.0;
    }

    @Override
    public DecaySchedule configure(Config params) {
        PluginValues.of("schedule '" + name() + "'", this, params);
        return this;
    }
}
