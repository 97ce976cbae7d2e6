package org.pclora.experiments.report;

import java.util.Arrays;
import java.util.Locale;

/**
 * Mean, sample standard deviation (divisor n - 1) and count of a set of values; NaN values are
 * left out. With one value the deviation is undefined (NaN), printed as a blank.
 *
 * @param mean arithmetic mean, NaN when n = 0
 * @param std  sample standard deviation, NaN when n < 2
 * @param n    number of values
 */
public record Stats(double mean, double std, int n) {

    /** The statistics of {@code values}, ignoring NaN. */
    public static Stats of(double... values) {
        double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).toArray();
        int n = v.length;
        if (n == 0) {
            return new Stats(Double.NaN, Double.NaN, 0);
        }
        double mean = Arrays.stream(v).sum() / n;
        if (n == 1) {
            return new Stats(mean, Double.NaN, 1);
        }
        // two passes: the centred sum of squares does not cancel the way sum(x^2) - n*mean^2 does
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        return new Stats(mean, Math.sqrt(ss / (n - 1)), n);
    }

    /** The same statistics of the values multiplied by {@code k} (e.g. 100 for fractions as percentages). */
    public Stats times(double k) {
        return new Stats(mean * k, std * Math.abs(k), n);
    }

    /** {@code mean ± std} with {@code decimals} decimals, the mean alone when n = 1, "" when n = 0. */
    public String format(int decimals) {
        if (n == 0) {
            return "";
        }
        String f = "%." + decimals + "f";
        String m = String.format(Locale.ROOT, f, mean);
        return n == 1 ? m : m + " ± " + String.format(Locale.ROOT, f, std);
    }

    /** Whether every value was the same (within a relative 1e-12), so that the mean is that value. */
    public boolean constant() {
        return n <= 1 || std <= 1e-12 * Math.max(1, Math.abs(mean));
    }
}
