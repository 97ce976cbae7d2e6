package org.pclora.schedulers;

import com.typesafe.config.Config;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.PluginValues;
import org.pclora.core.spi.PluginParameters;

/**
 * {@code lambda = (1 + cos(pi t)) / 2} with {@code t = min(step / decayEndStep, 1)}: slow at both
 * ends, fastest in the middle. No parameters.
 */
public final class CosineSchedule implements DecaySchedule {
    @Override
    public String name() {
        return "cosine";
    }

    @Override
    public PluginParameters parameters() {
        return PluginParameters.none();
    }

    @Override
    public String description() {
        return "lambda = (1 + cos(pi t)) / 2";
    }

    @Override
    public double lambda(long step, long decayEndStep) {
        double t = DecaySchedule.progress(step, decayEndStep);
        if (t >= 1.0) {
            return 0.0; // cos(pi) is exactly -1 in doubles, but say so rather than rely on it
        }
        return (1.0 + Math.cos(Math.PI * t)) / 2.0;
    }

    @Override
    public DecaySchedule configure(Config params) {
        PluginValues.of("schedule '" + name() + "'", this, params);
        return this;
    }
}
