package org.pclora.core.testing;

import java.util.List;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.nn.Parameter;

/**
 * Central finite differences in float64, the oracle for every backward pass.
 *
 * <p>The scalar checked is {@code L = sum(f() * R)} for a fixed random projection R of f's
 * output, so {@code dL/dy = R} is what the analytic backward receives.
 */
public final class GradientCheck {
    /** Step for central differences; with float64 the truncation error is O(h^2) ~ 1e-12. */
    public static final double EPS = 1e-6;

    private GradientCheck() {
    }

    /** The largest relative error |a - n| / max(1e-8, |a| + |n|) between analytic and numeric gradients. */
    public static double maxRelativeError(INDArray analytic, INDArray numeric) {
        INDArray a = analytic.castTo(DataType.DOUBLE);
        INDArray n = numeric.castTo(DataType.DOUBLE);
        INDArray diff = Nd4j.math().abs(a.sub(n));
        INDArray denom = Nd4j.math().abs(a).add(Nd4j.math().abs(n));
        double worst = 0;
        for (long i = 0; i < diff.length(); i++) {
            double d = diff.getDouble(i);
            double s = Math.max(1e-8, denom.getDouble(i));
            worst = Math.max(worst, d / s);
        }
        return worst;
    }

    /**
     * Numeric gradient of {@code sum(f() * projection)} with respect to {@code x}, perturbing
     * x in place (restored afterwards). {@code f} must recompute everything from x.
     */
    public static INDArray numeric(INDArray x, Supplier<INDArray> f, INDArray projection) {
        INDArray g = Nd4j.zeros(DataType.DOUBLE, x.shape());
        if (x.isView() || x.ordering() != 'c') {
            throw new IllegalArgumentException("x must be a contiguous c-order array so that it can be perturbed in place");
        }
        org.nd4j.linalg.api.buffer.DataBuffer buf = x.data();
        double[] out = new double[(int) x.length()];
        for (int i = 0; i < out.length; i++) {
            double orig = buf.getDouble(i);
            buf.put(i, orig + EPS);
            double plus = f.get().castTo(DataType.DOUBLE).mul(projection).sumNumber().doubleValue();
            buf.put(i, orig - EPS);
            double minus = f.get().castTo(DataType.DOUBLE).mul(projection).sumNumber().doubleValue();
            buf.put(i, orig);
            out[i] = (plus - minus) / (2 * EPS);
        }
        g.assign(Nd4j.create(out, x.shape(), DataType.DOUBLE));
        return g;
    }

    /** Zeroes the gradients of all trainable parameters. */
    public static void zeroGrads(List<Parameter> ps) {
        ps.forEach(Parameter::zeroGrad);
    }

    /** A seeded random float64 array with entries in [-1, 1). */
    public static INDArray random(long seed, long... shape) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        double[] v = new double[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextDouble() * 2 - 1;
        }
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }
}
