package org.pclora.schedulers;

import com.typesafe.config.Config;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.PluginValues;
import org.pclora.core.spi.PluginParameters;
import org.pclora.core.spi.PluginParameter;

/**
 * {@code lambda = (1 - t)^power} with {@code t = min(step / decayEndStep, 1)}. Parameter
 * {@code power} (default 2, must be &gt; 0): power 1 is {@code linear}, larger powers fall faster
 * early, powers below 1 keep lambda high for longer.
 */
public final class PolynomialSchedule implements DecaySchedule {
    /** The default power. */
    public static final double DEFAULT_POWER = 2.0;

    private final double power;

    /** The schedule with the default power (the form ServiceLoader creates). */
    public PolynomialSchedule() {
        this(DEFAULT_POWER);
    }

    private PolynomialSchedule(double power) {
        this.power = power;
    }

    /** The configured power. */
    public double power() {
        return power;
    }

    @Override
    public String name() {
        return "polynomial";
    }

    @Override
    public PluginParameters parameters() {
        return PluginParameters.of(PluginParameter.number("power", DEFAULT_POWER,
                "> 0; lambda = (1 - t)^power"));
    }

    @Override
    public String description() {
        return "lambda = (1 - t)^power; power > 0 (default 2)";
    }

    @Override
    public double lambda(long step, long decayEndStep) {
        return Math.pow(1.0 - DecaySchedule.progress(step, decayEndStep), power);
    }

    @Override
    public DecaySchedule configure(Config params) {
        PluginValues p = PluginValues.of("schedule '" + name() + "'", this, params);
        return new PolynomialSchedule(p.positive("power", DEFAULT_POWER));
    }
}
