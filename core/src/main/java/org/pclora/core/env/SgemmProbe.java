package org.pclora.core.env;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One [m, k] x [k, n]^T float32 product through ND4J's BLAS, timed on demand: the machine's
 * reference speed that {@code pclora env} reports and {@code pclora bench} sets each step beside.
 */
public final class SgemmProbe {
    /** The shape {@code pclora env} times: a BERT-base MLP product over 1,040 tokens. */
    public static final long[] ENV_SHAPE = {1040, 768, 3072};

    private final INDArray x;
    private final INDArray w;
    private final INDArray y;
    private final double flop;

    public SgemmProbe(long m, long k, long n) {
        x = Nd4j.rand(DataType.FLOAT, m, k);
        w = Nd4j.rand(DataType.FLOAT, n, k);
        y = Nd4j.create(DataType.FLOAT, m, n);
        flop = 2.0 * m * k * n;
    }

    /** GFLOP/s of one product now. */
    public double gflops() {
        long t0 = System.nanoTime();
        Nd4j.gemm(x, w, y, false, true, 1.0, 0.0);
        return flop / ((System.nanoTime() - t0) / 1e9) / 1e9;
    }

    /** The median GFLOP/s of {@code repeats} products after {@code warmup} untimed ones. */
    public double medianGflops(int warmup, int repeats) {
        for (int i = 0; i < warmup; i++) {
            gflops();
        }
        double[] g = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            g[i] = gflops();
        }
        Arrays.sort(g);
        return repeats % 2 == 1 ? g[repeats / 2] : (g[repeats / 2 - 1] + g[repeats / 2]) / 2;
    }
}
