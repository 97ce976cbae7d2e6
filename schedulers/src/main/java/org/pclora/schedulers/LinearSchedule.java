package org.pclora.schedulers;

import com.typesafe.config.Config;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.PluginValues;
import org.pclora.core.spi.PluginParameters;

/** {@code lambda = 1 - t} with {@code t = min(step / decayEndStep, 1)}: a straight fall from 1 to 0. No parameters. */
public final class LinearSchedule implements DecaySchedule {
    @Override
    public String name() {
        return "linear";
    }

    @Override
    public PluginParameters parameters() {
        return PluginParameters.none();
    }

    @Override
    public String description() {
        return "lambda = 1 - t, t = min(step / decayEndStep, 1)";
    }

    @Override
    public double lambda(long step, long decayEndStep) {
        return 1.0 - DecaySchedule.progress(step, decayEndStep);
    }

    @Override
    public DecaySchedule configure(Config params) {
        PluginValues.of("schedule '" + name() + "'", this, params);
        return this;
    }
}
