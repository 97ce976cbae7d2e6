package org.pclora.core.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.testing.GradientCheck;

/**
 * Elementwise comparison of an analytic gradient with a float64 central-difference one,
 * {@code |a - n| <= rel * (|a| + |n|) + abs}. The absolute floor is for gradients that are zero
 * in exact arithmetic (e.g. the key bias: softmax ignores a per-row constant), where the numeric
 * value is pure rounding noise (~1e-16 * |L| / 1e-6 = 1e-10 for the losses used here) and a
 * purely relative error is meaningless.
 */
public final class GradientAssert {
    /** Relative tolerance: truncation ~1e-12 and rounding ~1e-10 of float64 central differences. */
    public static final double REL = 1e-6;
    /** Absolute floor, 100x the rounding noise of the numeric gradients in these tests. */
    public static final double ABS = 1e-8;

    private GradientAssert() {
    }

    /** Fails naming {@code what} and the worst element when any element is outside tolerance. */
    public static void assertClose(String what, INDArray analytic, INDArray numeric) {
        double[] a = analytic.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] n = numeric.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        if (a.length != n.length) {
            fail(what + ": " + a.length + " analytic vs " + n.length + " numeric entries");
        }
        for (int i = 0; i < a.length; i++) {
            double allowed = REL * (Math.abs(a[i]) + Math.abs(n[i])) + ABS;
            if (!(Math.abs(a[i] - n[i]) <= allowed)) {
                fail(what + ": entry " + i + " analytic " + a[i] + " vs numeric " + n[i]);
            }
        }
    }

    /**
     * Checks a weight matrix's gradient along one seeded random direction V: the central
     * difference of {@code sum(f() * r)} in t at {@code param = param0 + t V} (one
     * {@link GradientCheck#numeric} over the scalar t) against {@code <grad, V>}. Two forward
     * passes instead of two per element; any wrong element would change the inner product
     * (the chance that an error is orthogonal to a random V is zero).
     */
    public static void assertDirectional(String what, INDArray param, INDArray grad, long seed, Supplier<INDArray> f,
                                  INDArray r) {
        INDArray direction = GradientCheck.random(seed, param.shape());
        INDArray p0 = param.dup();
        INDArray t = Nd4j.zeros(DataType.DOUBLE, 1);
        double numeric = GradientCheck.numeric(t, () -> {
            param.assign(direction.mul(t.getDouble(0)).addi(p0));
            return f.get();
        }, r).getDouble(0);
        param.assign(p0);
        double analytic = grad.castTo(DataType.DOUBLE).mul(direction).sumNumber().doubleValue();
        if (!(Math.abs(analytic - numeric) <= REL * (Math.abs(analytic) + Math.abs(numeric)) + ABS)) {
            fail(what + ": directional derivative analytic " + analytic + " vs numeric " + numeric);
        }
    }
}
