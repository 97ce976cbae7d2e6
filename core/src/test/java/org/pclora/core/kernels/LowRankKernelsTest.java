package org.pclora.core.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The low-rank inference kernels ({@link Kernels#thinProduct}, {@link Kernels#lowRankExpand} and
 * their helpers) against plain double-precision loops, at shapes that exercise every column block
 * (64, 32, 16 columns and the scalar tail) and row tails. Tolerance of a float32 dot product of
 * length K accumulated with fused multiply-adds: {@code K * 2^-24 * sum_k |x_k a_k|} plus the
 * rounding of the result, which the assertions use as they are (a wrong index or a missed term is
 * orders of magnitude larger).
 */
class LowRankKernelsTest {
    private int threadsBefore;

    @BeforeEach
    void twoThreads() {
        assertTrue(Kernels.moduleAvailable(), "Surefire must start the JVM with --add-modules jdk.incubator.vector");
        Kernels.setEnabled(true);
        threadsBefore = Kernels.setThreads(2);
    }

    @AfterEach
    void restore() {
        Kernels.setThreads(threadsBefore);
        Kernels.setEnabled(true);
    }

    private static float[][] random(SplittableRandom r, double scale, int rows, int cols) {
        float[][] m = new float[rows][cols];
        for (float[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = (float) (scale * (2 * r.nextDouble() - 1));
            }
        }
        return m;
    }

    private static INDArray nd(float[][] m) {
        return Nd4j.createFromArray(m);
    }

    /** Checks out[i][j] = sum_k x[i][k] a[j][k] (a as [n, inner]) against a double loop. */
    private static void assertProduct(float[][] x, float[][] a, int xCol, float[][] out, float[] bias) {
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < a.length; j++) {
                double ref = 0;
                double mag = 0;
                int inner = a[j].length;
                for (int k = 0; k < inner; k++) {
                    ref += (double) x[i][xCol + k] * a[j][k];
                    mag += Math.abs((double) x[i][xCol + k] * a[j][k]);
                }
                if (bias != null) {
                    ref += bias[j];
                    mag += Math.abs(bias[j]);
                }
                double tol = (inner + 2) * Math.ulp(1f) / 2 * mag + 1e-30;
                double err = Math.abs(out[i][j] - ref);
                assertTrue(err <= tol, "[" + i + "][" + j + "] " + out[i][j] + " vs " + ref + " (tolerance " + tol + ")");
            }
        }
    }

    @Test
    void thinProductMatchesFloat64OverEveryColumnBlockAndRowTail() {
        SplittableRandom r = new SplittableRandom(1);
        // n = 96 (rank-32 q/k/v together), 83 = 64 + 16 + 3, 40 = 32 + 8, 7 (tail only); rows not a multiple of 8
        for (int[] s : new int[][] {{13, 37, 96}, {9, 64, 83}, {1, 5, 40}, {21, 17, 7}, {33, 768, 32}}) {
            float[][] x = random(r, 1.0, s[0], s[1]);
            float[][] a = random(r, 0.5, s[2], s[1]);
            INDArray out = Nd4j.create(DataType.FLOAT, s[0], s[2]);
            Kernels.thinProduct(nd(x), Kernels.stackTransposed(nd(a)), out);
            assertProduct(x, a, 0, out.toFloatMatrix(), null);
        }
    }

    @Test
    void expandMatchesFloat64FromAColumnOffsetWithBias() {
        SplittableRandom r = new SplittableRandom(2);
        for (int[] s : new int[][] {{11, 9, 83}, {6, 32, 96}, {17, 3, 5}, {4, 32, 768}}) {
            int rows = s[0];
            int rank = s[1];
            int outs = s[2];
            float[][] h = random(r, 1.0, rows, rank + 10); // the product reads columns [4, 4 + rank)
            float[][] b = random(r, 0.5, outs, rank);
            float[] bias = random(r, 0.3, 1, outs)[0];
            INDArray y = Nd4j.create(DataType.FLOAT, rows, outs);
            Kernels.lowRankExpand(nd(h), 4, Kernels.stackTransposed(nd(b)), bias, false, null, y);
            assertProduct(h, b, 4, y.toFloatMatrix(), bias);
        }
    }

    @Test
    void fusedEpiloguesEqualTheSeparatePassesBitForBit() {
        // GELU in the output pass is the GELU pass's arithmetic (itself checked against float64 erf in
        // KernelsTest), and the residual sum is one IEEE float add: the fused forms must give the same bits
        SplittableRandom r = new SplittableRandom(3);
        int rows = 10;
        int rank = 7;
        int outs = 83;
        INDArray h = nd(random(r, 2.0, rows, rank));
        float[] bt = Kernels.stackTransposed(nd(random(r, 1.0, outs, rank)));
        float[] bias = random(r, 0.5, 1, outs)[0];
        INDArray residual = nd(random(r, 3.0, rows, outs));
        INDArray plain = Nd4j.create(DataType.FLOAT, rows, outs);
        Kernels.lowRankExpand(h, 0, bt, bias, false, null, plain);
        INDArray gelu = Nd4j.create(DataType.FLOAT, rows, outs);
        Kernels.lowRankExpand(h, 0, bt, bias, true, null, gelu);
        INDArray separate = Nd4j.create(DataType.FLOAT, rows, outs);
        Kernels.gelu(plain, separate, null);
        assertArrayEquals(separate.ravel().toFloatVector(), gelu.ravel().toFloatVector());
        INDArray summed = Nd4j.create(DataType.FLOAT, rows, outs);
        Kernels.lowRankExpand(h, 0, bt, bias, false, residual, summed);
        assertArrayEquals(residual.add(plain).ravel().toFloatVector(), summed.ravel().toFloatVector());
        INDArray both = Nd4j.create(DataType.FLOAT, rows, outs);
        Kernels.lowRankExpand(h, 0, bt, bias, true, residual, both);
        assertArrayEquals(residual.add(separate).ravel().toFloatVector(), both.ravel().toFloatVector());
        // without a bias: the same as a zero bias
        INDArray noBias = Nd4j.create(DataType.FLOAT, rows, outs);
        Kernels.lowRankExpand(h, 0, bt, null, true, null, noBias);
        INDArray zeroBias = Nd4j.create(DataType.FLOAT, rows, outs);
        Kernels.lowRankExpand(h, 0, bt, new float[outs], true, null, zeroBias);
        assertArrayEquals(zeroBias.ravel().toFloatVector(), noBias.ravel().toFloatVector());
    }

    @Test
    void bitsDoNotDependOnThreadsStackingOrTheJit() {
        SplittableRandom r = new SplittableRandom(4);
        INDArray x = nd(random(r, 1.0, 37, 50));
        INDArray a1 = nd(random(r, 0.5, 32, 50));
        INDArray a2 = nd(random(r, 0.5, 32, 50));
        INDArray a3 = nd(random(r, 0.5, 32, 50));
        INDArray shared = Nd4j.create(DataType.FLOAT, 37, 96);
        Kernels.thinProduct(x, Kernels.stackTransposed(a1, a2, a3), shared);
        INDArray alone = Nd4j.create(DataType.FLOAT, 37, 32);
        Kernels.setThreads(1);
        Kernels.thinProduct(x, Kernels.stackTransposed(a2), alone);
        // one product for three A's gives each A's columns exactly as its own product would
        INDArray middle = Nd4j.create(DataType.FLOAT, 37, 32);
        Kernels.copyColumns(shared, 32, middle);
        assertArrayEquals(alone.ravel().toFloatVector(), middle.ravel().toFloatVector());
        Kernels.setThreads(2);
        float[] bt = Kernels.stackTransposed(nd(random(r, 0.5, 83, 32)));
        float[] bias = random(r, 0.5, 1, 83)[0];
        INDArray y0 = Nd4j.create(DataType.FLOAT, 37, 83);
        Kernels.lowRankExpand(shared, 32, bt, bias, true, null, y0);
        INDArray t0 = Nd4j.create(DataType.FLOAT, 37, 96);
        Kernels.thinProduct(x, Kernels.stackTransposed(a1, a2, a3), t0);
        // the first calls run interpreted, later ones C2-compiled: the bits must stay the same
        for (int i = 0; i < 1500; i++) {
            INDArray y = Nd4j.create(DataType.FLOAT, 37, 83);
            Kernels.lowRankExpand(shared, 32, bt, bias, true, null, y);
            INDArray t = Nd4j.create(DataType.FLOAT, 37, 96);
            Kernels.thinProduct(x, Kernels.stackTransposed(a1, a2, a3), t);
            if (i % 500 == 499) {
                assertArrayEquals(y0.ravel().toFloatVector(), y.ravel().toFloatVector(), "expand after " + i + " calls");
                assertArrayEquals(t0.ravel().toFloatVector(), t.ravel().toFloatVector(), "thin after " + i + " calls");
            }
        }
    }

    @Test
    void helpersCopyAndAddExactly() {
        INDArray src = Nd4j.createFromArray(new float[][] {{1, 2, 3, 4}, {5, 6, 7, 8}});
        INDArray dst = Nd4j.create(DataType.FLOAT, 2, 2);
        Kernels.copyColumns(src, 1, dst);
        assertArrayEquals(new float[] {2, 3, 6, 7}, dst.ravel().toFloatVector());
        INDArray y = Nd4j.create(DataType.FLOAT, 2, 4);
        Kernels.fillRowsPlus(y, src, Nd4j.createFromArray(0.5f, -1f, 0f, 10f));
        assertArrayEquals(new float[] {1.5f, 1, 3, 14, 5.5f, 5, 7, 18}, y.ravel().toFloatVector());
        // stackTransposed: [[1,2],[3,4]] over [[5,6]] -> [inner 2, n 3] = [[1,3,5],[2,4,6]]
        assertArrayEquals(new float[] {1, 3, 5, 2, 4, 6}, Kernels.stackTransposed(
                Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}}), Nd4j.createFromArray(new float[][] {{5, 6}})));
        assertThrows(IllegalArgumentException.class, () -> Kernels.thinProduct(src, new float[3], dst));
        assertThrows(IllegalArgumentException.class, () -> Kernels.copyColumns(src, 3, dst));
    }
}
