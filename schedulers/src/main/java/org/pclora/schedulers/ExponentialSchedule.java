package org.pclora.schedulers;

import com.typesafe.config.Config;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.PluginValues;
import org.pclora.core.spi.PluginParameters;
import org.pclora.core.spi.PluginParameter;

/**
 * An exponential fall shifted and rescaled to reach exactly 0 at {@code decayEndStep}:
 * {@code lambda = (exp(-rate t) - exp(-rate)) / (1 - exp(-rate))} with
 * {@code t = min(step / decayEndStep, 1)}. Parameter {@code rate} (default 5, must be &gt; 0):
 * larger rates fall faster early; as rate approaches 0 the curve approaches {@code linear}.
 */
public final class ExponentialSchedule implements DecaySchedule {
    /** The default rate: lambda(t = 0.5) is about 0.076, most of the decay in the first half. */
    public static final double DEFAULT_RATE = 5.0;

    private final double rate;

    /** The schedule with the default rate (the form ServiceLoader creates). */
    public ExponentialSchedule() {
        this(DEFAULT_RATE);
    }

    private ExponentialSchedule(double rate) {
        this.rate = rate;
    }

    /** The configured rate. */
    public double rate() {
        return rate;
    }

    @Override
    public String name() {
        return "exponential";
    }

    @Override
    public PluginParameters parameters() {
        return PluginParameters.of(PluginParameter.number("rate", DEFAULT_RATE,
                "> 0; larger rates fall faster early"));
    }

    @Override
    public String description() {
        return "lambda = (exp(-rate t) - exp(-rate)) / (1 - exp(-rate)); rate > 0 (default 5)";
    }

    @Override
    public double lambda(long step, long decayEndStep) {
        double t = DecaySchedule.progress(step, decayEndStep);
        if (t >= 1.0) {
            return 0.0;
        }
        // Written with expm1 (exp(x) - 1) so small rates keep their precision, and so that t = 0
        // gives exactly (0 - e) / -e = 1.
        double end = Math.expm1(-rate);
        return (Math.expm1(-rate * t) - end) / -end;
    }

    @Override
    public DecaySchedule configure(Config params) {
        PluginValues p = PluginValues.of("schedule '" + name() + "'", this, params);
        return new ExponentialSchedule(p.positive("rate", DEFAULT_RATE));
    }
}
