package org.pclora.schedulers;

import com.typesafe.config.Config;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.PluginValues;
import org.pclora.core.spi.PluginParameters;

/**
 * {@code lambda = 1} at every step: the frozen path never fades, i.e. plain LoRA + KD with nothing
 * compressed (a baseline). No parameters.
 */
public final class ConstantSchedule implements DecaySchedule {
    @Override
    public String name() {
        return "constant";
    }

    @Override
    public PluginParameters parameters() {
        return PluginParameters.none();
    }

    @Override
    public String description() {
        return "lambda = 1 always (LoRA + KD baseline, nothing compressed)";
    }

    @Override
    public double lambda(long step, long decayEndStep) {
        return 1.0;
    }

    @Override
    public DecaySchedule configure(Config params) {
        PluginValues.of("schedule '" + name() + "'", this, params);
        return this;
    }
}
