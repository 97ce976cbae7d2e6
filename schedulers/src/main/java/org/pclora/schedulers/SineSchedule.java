package org.pclora.schedulers;

import com.typesafe.config.Config;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.PluginValues;
import org.pclora.core.spi.PluginParameters;

/**
 * {@code lambda = 1 - sin(pi t / 2)} with {@code t = min(step / decayEndStep, 1)}: falls fastest at
 * first (slope -pi/2 in t) and flattens as it reaches 0. No parameters.
 */
public final class SineSchedule implements DecaySchedule {
    @Override
    public String name() {
        return "sine";
    }

    @Override
    public PluginParameters parameters() {
        return PluginParameters.none();
    }

    @Override
    public String description() {
        return "lambda = 1 - sin(pi t / 2)";
    }

    @Override
    public double lambda(long step, long decayEndStep) {
        double t = DecaySchedule.progress(step, decayEndStep);
        // sin(pi/2) is exactly 1.0 in double arithmetic, so lambda(decayEndStep) is exactly 0.
        return 1.0 - Math.sin(Math.PI * t / 2.0);
    }

    @Override
    public DecaySchedule configure(Config params) {
        PluginValues.of("schedule '" + name() + "'", this, params);
        return this;
    }
}
