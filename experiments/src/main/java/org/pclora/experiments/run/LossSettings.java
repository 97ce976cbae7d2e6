package org.pclora.experiments.run;

import com.typesafe.config.Config;
import org.pclora.core.PcLoraException;

/**
 * The {@code loss} group, read and checked once.
 *
 * @param alpha the task loss's weight in {@code alpha * task + (1 - alpha) * distill}, in [0, 1]
 */
public record LossSettings(double alpha) {
    /** Checks the range. */
    public LossSettings {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new PcLoraException("loss.alpha = " + alpha + " is out of range: it must be in [0, 1]");
        }
    }

    /** Reads the group from a run's configuration. */
    public static LossSettings of(Config config) {
        return new LossSettings(Settings.number(config, "loss.alpha"));
    }
}
