package org.pclora.schedulers;

import com.typesafe.config.Config;
import java.util.Arrays;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.PluginValues;
import org.pclora.core.spi.PluginParameters;
import org.pclora.core.spi.PluginParameter;

/**
 * Piecewise constant: lambda is 1 until the first drop fraction, {@code levels[i]} from
 * {@code drops[i]} up to the next drop, and 0 from {@code t = 1} on, with
 * {@code t = min(step / decayEndStep, 1)}.
 *
 * <p>Parameters: {@code drops} (default {@code [0.25, 0.5, 0.75]}: strictly increasing fractions
 * in (0, 1)); {@code levels} (optional, one per drop, non-increasing, in [0, 1]). Without
 * {@code levels}, k drops give the equal levels {@code 1 - i / (k + 1)} for i = 1..k, so the
 * default is 1, 0.75, 0.5, 0.25 and then 0 at t = 1: the staircase under {@code linear}.
 */
public final class StepSchedule implements DecaySchedule {
    private static final double[] DEFAULT_DROPS = {0.25, 0.5, 0.75};

    private final double[] drops;
    private final double[] levels;

    /** The schedule with the default drops and equal levels (the form ServiceLoader creates). */
    public StepSchedule() {
        this(DEFAULT_DROPS, equalLevels(DEFAULT_DROPS.length));
    }

    private StepSchedule(double[] drops, double[] levels) {
        this.drops = drops;
        this.levels = levels;
    }

    /** The configured drop fractions. */
    public double[] drops() {
        return drops.clone();
    }

    /** The configured levels, one per drop. */
    public double[] levels() {
        return levels.clone();
    }

    @Override
    public String name() {
        return "step";
    }

    @Override
    public PluginParameters parameters() {
        return PluginParameters.of(
                PluginParameter.list("drops", java.util.List.of(0.25, 0.5, 0.75), "strictly increasing fractions in (0, 1)"),
                PluginParameter.optional("levels", PluginParameter.Type.LIST, "one level per drop, non-increasing, in [0, 1] (default equal steps)"));
    }

    @Override
    public String description() {
        return "piecewise constant: drops at fractions 'drops' (default [0.25,0.5,0.75]) to 'levels' (default equal), 0 at t = 1";
    }

    @Override
    public double lambda(long step, long decayEndStep) {
        double t = DecaySchedule.progress(step, decayEndStep);
        if (t >= 1.0) {
            return 0.0;
        }
        double lambda = 1.0;
        for (int i = 0; i < drops.length && t >= drops[i]; i++) {
            lambda = levels[i];
        }
        return lambda;
    }

    @Override
    public DecaySchedule configure(Config params) {
        PluginValues p = PluginValues.of("schedule '" + name() + "'", this, params);
        double[] d = p.numbers("drops");
        if (d == null) {
            d = DEFAULT_DROPS.clone();
        }
        if (d.length == 0) {
            throw p.invalid("drops", "a non-empty list of fractions in (0, 1)");
        }
        for (int i = 0; i < d.length; i++) {
            if (!(d[i] > 0 && d[i] < 1) || (i > 0 && d[i] <= d[i - 1])) {
                throw p.invalid("drops", "strictly increasing fractions in (0, 1)");
            }
        }
        double[] l = p.numbers("levels");
        if (l == null) {
            l = equalLevels(d.length);
        } else {
            if (l.length != d.length) {
                throw p.invalid("levels", "one level per drop (" + d.length + " values, drops = " + Arrays.toString(d) + ")");
            }
            for (int i = 0; i < l.length; i++) {
                if (!(l[i] >= 0 && l[i] <= 1) || (i > 0 && l[i] > l[i - 1])) {
                    throw p.invalid("levels", "non-increasing values in [0, 1]");
                }
            }
        }
        return new StepSchedule(d, l);
    }

    private static double[] equalLevels(int k) {
        double[] l = new double[k];
        for (int i = 0; i < k; i++) {
            l[i] = 1.0 - (i + 1) / (double) (k + 1);
        }
        return l;
    }
}
