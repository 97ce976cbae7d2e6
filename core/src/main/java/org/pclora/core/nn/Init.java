package org.pclora.core.nn;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeded parameter initialisation drawn on the JVM, so that a seed gives the same weights on
 * every machine and thread count.
 */
public final class Init {
    private Init() {
    }

    /** N(0, std^2) samples of the given shape. */
    public static INDArray normal(SplittableRandom rng, double std, DataType dtype, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (dtype == DataType.FLOAT) {
            // drawn in double and rounded to float as castTo would, without a native double copy
            float[] f = new float[Math.toIntExact(n)];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) (gaussian(rng) * std);
            }
            return Nd4j.create(f, shape, DataType.FLOAT);
        }
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = gaussian(rng) * std;
        }
        return Nd4j.create(v, shape, DataType.DOUBLE).castTo(dtype);
    }

    /** U(-bound, bound) samples of the given shape (Kaiming-uniform style). */
    public static INDArray uniform(SplittableRandom rng, double bound, DataType dtype, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (dtype == DataType.FLOAT) {
            float[] f = new float[Math.toIntExact(n)];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
            }
            return Nd4j.create(f, shape, DataType.FLOAT);
        }
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (rng.nextDouble() * 2 - 1) * bound;
        }
        return Nd4j.create(v, shape, DataType.DOUBLE).castTo(dtype);
    }

    /** Standard normal by Box-Muller. */
    public static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
