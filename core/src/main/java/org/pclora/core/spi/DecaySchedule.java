package org.pclora.core.spi;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/**
 * The decay factor lambda(n) of PC-LoRA: multiplies the frozen pre-trained path and falls from
 * 1 to 0 as training proceeds, reaching 0 at {@code decayEndStep} (except baselines such as
 * {@code constant}).
 */
public interface DecaySchedule extends Plugin {

    /**
     * lambda at optimizer step {@code step} (0-based) for a schedule that ends at
     * {@code decayEndStep} (at least 1). The result lies in [0, 1].
     */
    double lambda(long step, long decayEndStep);

    /**
     * A copy configured from the schedule's own parameters (for example {@code rate} or
     * {@code power}). Unknown or out-of-range parameters raise
     * {@link org.pclora.core.PcLoraException} naming the parameter and the accepted values.
     */
    default DecaySchedule configure(Config params) {
        return this;
    }

    /** Shorthand for {@code configure(ConfigFactory.empty())}. */
    default DecaySchedule withDefaults() {
        return configure(ConfigFactory.empty());
    }

    /** {@code t = min(step / decayEndStep, 1)}, the progress all standard schedules are written in. */
    static double progress(long step, long decayEndStep) {
        if (decayEndStep <= 0) {
            return 1.0;
        }
        return Math.min(Math.max(step, 0) / (double) decayEndStep, 1.0);
    }

    /** {@code round(ratio * totalSteps)}, at least 1: the step at which lambda reaches 0. */
    static long decayEndStep(double ratio, long totalSteps) {
        return Math.max(1L, Math.round(ratio * totalSteps));
    }
}
