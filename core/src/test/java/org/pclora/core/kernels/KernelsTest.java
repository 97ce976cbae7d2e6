package org.pclora.core.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pclora.core.nn.Gelu;
import org.pclora.core.nn.LayerNorm;

/**
 * The fused kernels against the layers' ND4J code run in float64 (an independent implementation:
 * libnd4j's erf and row reductions). Surefire starts the JVM with the Vector API module, so these
 * tests fail if the kernels are not in use.
 */
class KernelsTest {
    private int threadsBefore;

    @BeforeEach
    void twoThreads() {
        assertTrue(Kernels.moduleAvailable(), "Surefire must start the JVM with --add-modules jdk.incubator.vector");
        Kernels.setEnabled(true);
        threadsBefore = Kernels.setThreads(2); // exercise the split into parts even under OMP_NUM_THREADS=1
    }

    @AfterEach
    void restore() {
        Kernels.setThreads(threadsBefore);
        Kernels.setEnabled(true);
    }

    private static INDArray random(SplittableRandom r, double scale, DataType dt, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * (2 * r.nextDouble() - 1);
        }
        return Nd4j.createFromArray(v).reshape(shape).castTo(dt);
    }

    /** float64 GELU and GELU' through the ND4J path (erf op), the reference. */
    private static INDArray[] geluReference(INDArray x32) {
        boolean was = Kernels.setEnabled(false);
        try {
            Gelu g = new Gelu();
            INDArray x = x32.castTo(DataType.DOUBLE);
            INDArray y = g.forward(x, true);
            INDArray d = g.backward(Nd4j.onesLike(x));
            return new INDArray[] {y, d};
        } finally {
            Kernels.setEnabled(was);
        }
    }

    @Test
    void geluMatchesFloat64ErfFormIncludingTailsAndExtremes() {
        // 16 * 40 + 7 elements: full vectors, a masked tail, and two parts
        INDArray x = random(new SplittableRandom(1), 6.0, DataType.FLOAT, 40 * 16 + 7, 1);
        x.putScalar(0, 0.0);
        x.putScalar(1, 30.0);
        x.putScalar(2, -30.0);
        x.putScalar(3, 1e-8);
        INDArray y = Nd4j.create(DataType.FLOAT, x.shape());
        INDArray d = Nd4j.create(DataType.FLOAT, x.shape());
        Kernels.gelu(x, y, d);
        INDArray[] ref = geluReference(x);
        // A&S 7.1.26 erf is within 1.5e-7, so Phi within 7.5e-8; |x| <= 6 scales it to 4.5e-7,
        // plus float32 rounding of the products: 1e-6 absolute.
        assertEquals(0.0, y.castTo(DataType.DOUBLE).sub(ref[0]).amaxNumber().doubleValue(), 1e-6);
        assertEquals(0.0, d.castTo(DataType.DOUBLE).sub(ref[1]).amaxNumber().doubleValue(), 1e-6);
        assertEquals(30.0, y.getDouble(1), 0.0);
        assertEquals(0.0, y.getDouble(2), 0.0);
        assertEquals(1.0, d.getDouble(1), 0.0);
        assertEquals(0.5, d.getDouble(0), 1e-7);
    }

    @Test
    void geluHandValues() {
        // GELU(1) = Phi(1) = 0.8413447461; GELU'(1) = Phi(1) + phi(1) = 0.8413447461 + 0.2419707245
        INDArray x = Nd4j.createFromArray(1f, -1f, 2f);
        INDArray y = Nd4j.create(DataType.FLOAT, 3);
        INDArray d = Nd4j.create(DataType.FLOAT, 3);
        Kernels.gelu(x, y, d);
        assertEquals(0.8413447461, y.getDouble(0), 3e-7);
        assertEquals(-0.1586552539, y.getDouble(1), 3e-7);
        assertEquals(2 * 0.9772498681, y.getDouble(2), 5e-7);
        assertEquals(1.0833154706, d.getDouble(0), 3e-7);
        assertEquals(0.1586552539 - 0.2419707245, d.getDouble(1), 3e-7);
    }

    @Test
    void geluReadsViewsAtTheirOffsetAndArraysInAWorkspace() {
        INDArray big = random(new SplittableRandom(2), 4.0, DataType.FLOAT, 10, 33);
        INDArray rows = big.get(NDArrayIndex.interval(3, 7), NDArrayIndex.all()); // contiguous, offset 99
        assertTrue(Kernels.supports(rows));
        INDArray y = Nd4j.create(DataType.FLOAT, 4, 33);
        Kernels.gelu(rows, y, null);
        assertEquals(0.0, y.castTo(DataType.DOUBLE).sub(geluReference(rows.dup())[0]).amaxNumber().doubleValue(), 1e-6);
        assertFalse(Kernels.supports(big.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 5))), "strided columns");
        assertFalse(Kernels.supports(big.castTo(DataType.DOUBLE)), "float64 takes the ND4J path");

        WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(1 << 20).build();
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "KERNELS_TEST")) {
            INDArray pad = Nd4j.create(DataType.FLOAT, 5); // the next array starts at an offset in the workspace
            INDArray x = big.dup();
            INDArray out = Nd4j.createUninitialized(DataType.FLOAT, 10, 33);
            Kernels.gelu(x, out, null);
            assertEquals(0.0, out.castTo(DataType.DOUBLE).sub(geluReference(big)[0]).amaxNumber().doubleValue(), 1e-6);
            assertEquals(5, pad.length());
        }
    }

    @Test
    void geluLayerUsesTheKernelAndMatchesTheNd4jPathInFloat32() {
        INDArray x = random(new SplittableRandom(3), 5.0, DataType.FLOAT, 300, 256);
        INDArray dy = random(new SplittableRandom(4), 1.0, DataType.FLOAT, 300, 256);
        Gelu fused = new Gelu();
        INDArray y1 = fused.forward(x, true);
        INDArray dx1 = fused.backward(dy);
        Kernels.setEnabled(false);
        Gelu plain = new Gelu();
        INDArray y2 = plain.forward(x, true);
        INDArray dx2 = plain.backward(dy);
        assertEquals(0.0, y1.sub(y2).amaxNumber().doubleValue(), 2e-6);
        assertEquals(0.0, dx1.sub(dx2).amaxNumber().doubleValue(), 2e-6);
    }

    /** LayerNorm through the ND4J path in float64, with the same weight and bias. */
    private static INDArray[] layerNormReference(INDArray x, INDArray w, INDArray b, INDArray dy) {
        boolean was = Kernels.setEnabled(false);
        try {
            int width = (int) x.size(1);
            LayerNorm ln = new LayerNorm("ln", width, 1e-5, DataType.DOUBLE);
            ln.weight().value().assign(w.castTo(DataType.DOUBLE));
            ln.bias().value().assign(b.castTo(DataType.DOUBLE));
            INDArray y = ln.forward(x.castTo(DataType.DOUBLE), true);
            INDArray dx = ln.backward(dy.castTo(DataType.DOUBLE));
            return new INDArray[] {y, dx, ln.weight().grad().dup(), ln.bias().grad().dup()};
        } finally {
            Kernels.setEnabled(was);
        }
    }

    private void checkLayerNorm(int rows, int width, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        INDArray x = random(r, 3.0, DataType.FLOAT, rows, width).addi(1.5); // non-zero mean
        INDArray w = random(r, 1.0, DataType.FLOAT, width).addi(1.0);
        INDArray b = random(r, 0.5, DataType.FLOAT, width);
        INDArray dy = random(r, 1.0, DataType.FLOAT, rows, width);
        LayerNorm ln = new LayerNorm("ln", width, 1e-5, DataType.FLOAT);
        ln.weight().value().assign(w);
        ln.bias().value().assign(b);
        INDArray y = ln.forward(x, true);
        INDArray dx = ln.backward(dy);
        INDArray[] ref = layerNormReference(x, w, b, dy);
        // float32 row sums of up to 768 terms: relative error ~1e-6 on O(1) values
        assertEquals(0.0, y.castTo(DataType.DOUBLE).sub(ref[0]).amaxNumber().doubleValue(), 2e-5, "y");
        assertEquals(0.0, dx.castTo(DataType.DOUBLE).sub(ref[1]).amaxNumber().doubleValue(), 2e-5, "dx");
        // column sums over `rows` terms of magnitude ~2
        double tol = 2e-6 * rows;
        assertEquals(0.0, ln.weight().grad().castTo(DataType.DOUBLE).sub(ref[2]).amaxNumber().doubleValue(), tol, "dweight");
        assertEquals(0.0, ln.bias().grad().castTo(DataType.DOUBLE).sub(ref[3]).amaxNumber().doubleValue(), tol, "dbias");
    }

    @Test
    void layerNormMatchesFloat64AtAnOddWidth() {
        checkLayerNorm(9, 37, 5); // 2 full vectors + a tail of 5, one part
    }

    @Test
    void layerNormMatchesFloat64AtBertWidthSplitOverTwoParts() {
        checkLayerNorm(200, 768, 6); // 153,600 elements: above PARALLEL_MIN, two parts
    }

    @Test
    void layerNormInferenceEqualsTrainingOutput() {
        INDArray x = random(new SplittableRandom(7), 2.0, DataType.FLOAT, 50, 40);
        LayerNorm ln = new LayerNorm("ln", 40, 1e-12, DataType.FLOAT);
        ln.weight().value().assign(random(new SplittableRandom(8), 1.0, DataType.FLOAT, 40));
        INDArray a = ln.forward(x, false);
        INDArray b = ln.forward(x, true);
        assertEquals(0.0, a.sub(b).amaxNumber().doubleValue(), 0.0);
    }

    /** Row softmax in float64 by hand, with the additive mask term, as the reference. */
    private static double[] softmaxReference(double[] row, double[] keep) {
        double[] z = new double[row.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < row.length; j++) {
            z[j] = row[j] + (keep == null ? 0 : -1e9 * (1 - keep[j]));
            max = Math.max(max, z[j]);
        }
        double sum = 0;
        for (int j = 0; j < z.length; j++) {
            z[j] = Math.exp(z[j] - max);
            sum += z[j];
        }
        for (int j = 0; j < z.length; j++) {
            z[j] /= sum;
        }
        return z;
    }

    @Test
    void softmaxRowsWithKeyMaskMatchesHandFloat64AndItsBackward() {
        int b = 2;
        int h = 3;
        int t = 37; // two full vectors and a tail of 5 per row
        INDArray scores = random(new SplittableRandom(9), 8.0, DataType.FLOAT, b, h, t, t);
        float[][] keep = new float[b][t];
        for (int j = 0; j < t; j++) {
            keep[0][j] = 1;
            keep[1][j] = j < 20 ? 1 : 0; // the second sequence is padded after 20 tokens
        }
        INDArray mask = Nd4j.createFromArray(keep);
        INDArray p = scores.dup();
        Kernels.softmaxRows(p, mask, -1e9, h * t);
        INDArray dp = random(new SplittableRandom(10), 1.0, DataType.FLOAT, b, h, t, t);
        INDArray ds = dp.dup();
        Kernels.softmaxBackwardRows(ds, p);
        double maxErr = 0;
        double maxGradErr = 0;
        for (int bi = 0; bi < b; bi++) {
            double[] k = new double[t];
            for (int j = 0; j < t; j++) {
                k[j] = keep[bi][j];
            }
            for (int hi = 0; hi < h; hi++) {
                for (int qi = 0; qi < t; qi++) {
                    double[] row = scores.get(NDArrayIndex.point(bi), NDArrayIndex.point(hi), NDArrayIndex.point(qi),
                            NDArrayIndex.all()).castTo(DataType.DOUBLE).toDoubleVector();
                    double[] ref = softmaxReference(row, k);
                    double[] g = dp.get(NDArrayIndex.point(bi), NDArrayIndex.point(hi), NDArrayIndex.point(qi),
                            NDArrayIndex.all()).castTo(DataType.DOUBLE).toDoubleVector();
                    double dot = 0;
                    for (int j = 0; j < t; j++) {
                        dot += g[j] * ref[j];
                    }
                    for (int j = 0; j < t; j++) {
                        maxErr = Math.max(maxErr, Math.abs(p.getDouble(bi, hi, qi, j) - ref[j]));
                        maxGradErr = Math.max(maxGradErr, Math.abs(ds.getDouble(bi, hi, qi, j) - ref[j] * (g[j] - dot)));
                        if (bi == 1 && j >= 20) {
                            assertEquals(0.0, p.getDouble(bi, hi, qi, j), 0.0, "padded keys get no attention");
                        }
                    }
                }
            }
        }
        // float32 exp and a 37-term sum: a few ulps of values <= 1
        assertEquals(0.0, maxErr, 1e-6);
        assertEquals(0.0, maxGradErr, 1e-6);
    }

    @Test
    void expIsAccurateAndTheVectorAndScalarFormsAgreeBitForBit() {
        float[] xs = new float[VectorKernels.lanes() * 200];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = -90f + 100f * i / xs.length; // [-90, 10): underflow region, negatives, positives
        }
        float[] lanes = new float[VectorKernels.lanes()];
        double worst = 0;
        for (int i = 0; i < xs.length; i += lanes.length) {
            jdk.incubator.vector.FloatVector v = VectorKernels.exp(jdk.incubator.vector.FloatVector.fromArray(
                    jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, xs, i));
            v.intoArray(lanes, 0);
            for (int j = 0; j < lanes.length; j++) {
                float x = xs[i + j];
                assertEquals(Float.floatToRawIntBits(VectorKernels.exp(x)), Float.floatToRawIntBits(lanes[j]), "x=" + x);
                if (x < -87f) {
                    assertEquals(0f, lanes[j], 0f);
                } else {
                    worst = Math.max(worst, Math.abs(lanes[j] / Math.exp(x) - 1));
                }
            }
        }
        // Taylor truncation 6e-9 plus a few float32 roundings (ulp/2 = 6e-8 each)
        assertTrue(worst < 3e-7, "max relative error " + worst);
    }

    @Test
    void resultsDoNotChangeWhenTheJitCompilesTheKernels() {
        // The first calls run interpreted, later ones C2-compiled: the bits must stay the same, or a
        // resumed run (fresh JVM) would differ from an uninterrupted one.
        INDArray x = random(new SplittableRandom(11), 6.0, DataType.FLOAT, 4, 300);
        INDArray y0 = Nd4j.create(DataType.FLOAT, 4, 300);
        INDArray p0 = x.dup();
        Kernels.gelu(x, y0, null);
        Kernels.softmaxRows(p0, null, -1e9, 1);
        INDArray y = Nd4j.create(DataType.FLOAT, 4, 300);
        for (int i = 0; i < 3000; i++) {
            Kernels.gelu(x, y, null);
            INDArray p = x.dup();
            Kernels.softmaxRows(p, null, -1e9, 1);
            if (i % 500 == 499) {
                assertArrayEquals(y0.ravel().toFloatVector(), y.ravel().toFloatVector(), "gelu after " + i + " calls");
                assertArrayEquals(p0.ravel().toFloatVector(), p.ravel().toFloatVector(), "softmax after " + i + " calls");
            }
        }
    }

    /** float64 attention by its definition: softmax(scale q k^T + mask bias) v per example and head. */
    private static double[][] attentionReference(INDArray q, INDArray k, INDArray v, float[][] keep, int b, int t,
                                                 int heads, double scale) {
        int width = (int) q.size(1);
        int dh = width / heads;
        double[][] qd = q.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] kd = k.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] vd = v.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] out = new double[b * t][width];
        for (int bi = 0; bi < b; bi++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < t; i++) {
                    double[] row = new double[t];
                    for (int j = 0; j < t; j++) {
                        double sc = 0;
                        for (int d = 0; d < dh; d++) {
                            sc += (double) (float) (qd[bi * t + i][h * dh + d] * (float) scale) * kd[bi * t + j][h * dh + d];
                        }
                        row[j] = sc;
                    }
                    double[] keepRow = new double[t];
                    for (int j = 0; j < t; j++) {
                        keepRow[j] = keep == null ? 1 : keep[bi][j];
                    }
                    double[] p = softmaxReference(row, keepRow);
                    for (int d = 0; d < dh; d++) {
                        double acc = 0;
                        for (int j = 0; j < t; j++) {
                            acc += p[j] * vd[bi * t + j][h * dh + d];
                        }
                        out[bi * t + i][h * dh + d] = acc;
                    }
                }
            }
        }
        return out;
    }

    private static void checkAttention(int b, int t, int heads, int dh, boolean masked, long seed) {
        int width = heads * dh;
        SplittableRandom r = new SplittableRandom(seed);
        INDArray q = random(r, 2.0, DataType.FLOAT, (long) b * t, width);
        INDArray k = random(r, 2.0, DataType.FLOAT, (long) b * t, width);
        INDArray v = random(r, 1.0, DataType.FLOAT, (long) b * t, width);
        float[][] keep = null;
        INDArray mask = null;
        if (masked) {
            keep = new float[b][t];
            for (int bi = 0; bi < b; bi++) {
                for (int j = 0; j < t; j++) {
                    keep[bi][j] = j < t - 3 * bi ? 1 : 0; // example bi is padded in its last 3 bi tokens
                }
            }
            mask = Nd4j.createFromArray(keep);
        }
        double scale = 1.0 / Math.sqrt(dh);
        INDArray out = Nd4j.create(DataType.FLOAT, (long) b * t, width);
        Kernels.attention(q, k, v, mask, -1e9, b, t, heads, scale, out);
        double[][] ref = attentionReference(q, k, v, keep, b, t, heads, scale);
        double worst = 0;
        for (int i = 0; i < b * t; i++) {
            for (int j = 0; j < width; j++) {
                worst = Math.max(worst, Math.abs(out.getDouble(i, j) - ref[i][j]));
            }
        }
        // float32 products of length dh and sums over t keys of values <= 1 in magnitude
        assertTrue(worst < 2e-6, "attention b=" + b + " t=" + t + " heads=" + heads + " dh=" + dh + ": max error " + worst);
        // the split over threads does not change a bit
        int was = Kernels.setThreads(1);
        INDArray one = Nd4j.create(DataType.FLOAT, (long) b * t, width);
        Kernels.attention(q, k, v, mask, -1e9, b, t, heads, scale, one);
        Kernels.setThreads(was);
        assertArrayEquals(one.ravel().toFloatVector(), out.ravel().toFloatVector(), "one thread vs two");
    }

    @Test
    void fusedAttentionMatchesFloat64DefinitionAtViTAndOddShapes() {
        checkAttention(2, 197, 2, 64, false, 21);  // ViT-B/16's 197 tokens and head size: 4x4 tiles and tails
        checkAttention(3, 17, 4, 32, false, 22);   // vit-mini: two value vectors per head
        checkAttention(2, 5, 3, 12, false, 23);    // a head narrower than a vector: scalar tails only
        checkAttention(2, 37, 2, 40, true, 24);    // padded keys, head size 2.5 vectors
    }

    @Test
    void fusedAttentionGivesPaddedKeysNoWeight() {
        // with v = 0 at padded keys and 1 elsewhere every output is exactly the weight on the kept keys
        int b = 1;
        int t = 9;
        INDArray q = random(new SplittableRandom(3), 3.0, DataType.FLOAT, t, 16);
        INDArray k = random(new SplittableRandom(4), 3.0, DataType.FLOAT, t, 16);
        INDArray v = Nd4j.zeros(DataType.FLOAT, t, 16);
        float[][] keep = new float[1][t];
        for (int j = 0; j < t; j++) {
            keep[0][j] = j < 6 ? 1 : 0;
            if (j < 6) {
                v.getRow(j).assign(1.0);
            }
        }
        INDArray out = Nd4j.create(DataType.FLOAT, t, 16);
        Kernels.attention(q, k, v, Nd4j.createFromArray(keep), -1e9, b, t, 1, 0.25, out);
        for (float f : out.ravel().toFloatVector()) {
            assertEquals(1.0, f, 1e-6);
        }
    }
}
