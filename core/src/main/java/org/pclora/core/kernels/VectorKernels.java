package org.pclora.core.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Vector API bodies of {@link Kernels}. Loaded only when {@code jdk.incubator.vector} is
 * present; everything here reads and writes ND4J's native buffers in place through direct
 * ByteBuffers, so no copy to the Java heap is made.
 */
final class VectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    static final float INV_SQRT2 = (float) (1.0 / Math.sqrt(2.0));
    private static final float INV_SQRT_2PI = (float) (1.0 / Math.sqrt(2.0 * Math.PI));
    // erf(z) = 1 - t (A1 + t (A2 + t (A3 + t (A4 + t A5)))) exp(-z^2), t = 1 / (1 + P z), z >= 0:
    // Abramowitz & Stegun 7.1.26, absolute error below 1.5e-7, under float32's 6e-8 ulp at 1 times 3.
    static final float P = 0.3275911f;
    static final float A1 = 0.254829592f;
    static final float A2 = -0.284496736f;
    static final float A3 = 1.421413741f;
    static final float A4 = -1.453152027f;
    static final float A5 = 1.061405429f;

    // exp(x) = 2^k exp(r), k = round(x / ln 2), r = x - k ln 2 in [-ln2/2, ln2/2], exp(r) by its
    // Taylor series to r^7 (truncation below 6e-9 relative). Written with plain IEEE operations
    // rather than VectorOperators.EXP, whose result differs between the interpreter (Math.exp per
    // lane) and C2 (SVML): a run must not depend on when the JIT compiled a kernel.
    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693145752f;
    private static final float LN2_LO = 1.42860677e-6f;
    private static final float ROUNDER = 12582912f; // 1.5 * 2^23: adding it rounds to an integer
    private static final float EXP_MIN = -87f;
    private static final float EXP_MAX = 88f;
    private static final float T7 = 1f / 5040;
    private static final float T6 = 1f / 720;
    private static final float T5 = 1f / 120;
    private static final float T4 = 1f / 24;
    private static final float T3 = 1f / 6;
    private static final float T2 = 0.5f;

    private VectorKernels() {
    }

    /** exp of every lane, deterministic (see the constants above). */
    static FloatVector exp(FloatVector in) {
        FloatVector x = in.max(EXP_MIN).min(EXP_MAX);
        FloatVector t = x.fma(LOG2E, ROUNDER);
        FloatVector k = t.sub(ROUNDER);
        FloatVector r = k.fma(FloatVector.broadcast(S, -LN2_HI), x);
        r = k.fma(FloatVector.broadcast(S, -LN2_LO), r);
        // Horner written out: a loop over the coefficient array kept C2 from scalar-replacing the
        // vectors (measured 2x slower)
        FloatVector p = r.fma(FloatVector.broadcast(S, T7), FloatVector.broadcast(S, T6));
        p = p.fma(r, FloatVector.broadcast(S, T5));
        p = p.fma(r, FloatVector.broadcast(S, T4));
        p = p.fma(r, FloatVector.broadcast(S, T3));
        p = p.fma(r, FloatVector.broadcast(S, T2));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        // 2^k from k's bits in t: the low mantissa bits of t hold k + 0x400000
        IntVector bits = t.reinterpretAsInts().sub(0x4B400000 - 127).lanewise(VectorOperators.LSHL, 23);
        // below e^-87 the result is 0, as exp underflows (masked attention keys get exactly 0)
        return p.mul(bits.reinterpretAsFloats()).blend(0f, in.compare(VectorOperators.LT, EXP_MIN));
    }

    /** The same arithmetic as {@link #exp(FloatVector)} on one float (for row tails). */
    static float exp(float in) {
        if (in < EXP_MIN) {
            return 0f;
        }
        float x = Math.min(in, EXP_MAX);
        float t = Math.fma(x, LOG2E, ROUNDER);
        float k = t - ROUNDER;
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float p = Math.fma(r, T7, T6);
        p = Math.fma(p, r, T5);
        p = Math.fma(p, r, T4);
        p = Math.fma(p, r, T3);
        p = Math.fma(p, r, T2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(t) - (0x4B400000 - 127)) << 23);
    }

    /** GELU of one float: the arithmetic of the GELU pass's row tail (and of the fused epilogue's lanes). */
    static float gelu(float v) {
        float z = Math.abs(v * INV_SQRT2);
        float g = exp(-z * z);
        float t = 1f / (1f + P * z);
        float erfAbs = 1f - ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t * g;
        float cdf = 0.5f + 0.5f * (v < 0 ? -erfAbs : erfAbs);
        return v * cdf;
    }

    /** Sum of the lanes in lane order (reduceLanes may add in a different order once compiled). */
    static float sum(FloatVector v, float[] scratch) {
        v.intoArray(scratch, 0);
        float s = 0;
        for (int i = 0; i < scratch.length; i++) {
            s += scratch[i];
        }
        return s;
    }

    /** A float32 array's native memory: the buffer and the byte offset of element 0. */
    record Span(ByteBuffer buffer, int base) {
        int at(int i) {
            return base + 4 * i;
        }
    }

    static Span span(INDArray a) {
        ByteBuffer b = a.data().asNio().duplicate().order(ORDER);
        long base = 4 * a.offset();
        if (b.capacity() < base + 4 * a.length() || base + 4 * a.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("kernels: array of " + a.length() + " floats is not in one direct buffer");
        }
        return new Span(b, (int) base);
    }

    /** The floats of a dense array, copied to the heap in one bulk read. */
    static float[] read(INDArray a) {
        Span s = span(a);
        float[] f = new float[(int) a.length()];
        ByteBuffer b = s.buffer().duplicate().order(ORDER);
        b.position(s.base());
        b.asFloatBuffer().get(f);
        return f;
    }

    static int lanes() {
        return S.length();
    }

    // Masked loads and stores are not intrinsified on JDK 17 (they run ~10x slower), so the loops
    // below use whole vectors and finish each row or range with scalar code of the same formula.
    // Loads and stores are written out (fromByteBuffer / intoByteBuffer), not behind helper methods:
    // a compiled helper is too large for C2 to inline into the loops, and a vector crossing a call
    // that is not inlined is boxed (perf showed the helper as its own hot symbol).

    // int indices throughout: C2 (JDK 17) optimises int-indexed loops better than long-indexed ones
    static void gelu(Span xs, Span ys, Span ds, int lo, int hi) {
        int i = lo;
        int end = lo + S.loopBound(hi - lo);
        // the lane body stays in this loop: vectors crossing a call that C2 does not inline are boxed
        for (; i < end; i += S.length()) {
            FloatVector x = FloatVector.fromByteBuffer(S, xs.buffer(), xs.at(i), ORDER);
            FloatVector z = x.mul(INV_SQRT2).abs();
            // exp(-z^2) = exp(-x^2 / 2) serves erf and the normal density alike
            FloatVector g = exp(z.mul(z).neg());
            FloatVector t = FloatVector.broadcast(S, 1f).div(z.mul(P).add(1f));
            FloatVector poly = t.mul(A5).add(A4).mul(t).add(A3).mul(t).add(A2).mul(t).add(A1).mul(t);
            FloatVector erfAbs = poly.mul(g).neg().add(1f);
            FloatVector cdf = erfAbs.blend(erfAbs.neg(), x.compare(VectorOperators.LT, 0f)).mul(0.5f).add(0.5f);
            x.mul(cdf).intoByteBuffer(ys.buffer(), ys.at(i), ORDER);
            if (ds != null) {
                x.mul(g).mul(INV_SQRT_2PI).add(cdf).intoByteBuffer(ds.buffer(), ds.at(i), ORDER);
            }
        }
        for (; i < hi; i++) {
            float v = xs.buffer().getFloat(xs.at(i));
            float z = Math.abs(v * INV_SQRT2);
            float g = exp(-z * z);
            float t = 1f / (1f + P * z);
            float erfAbs = 1f - ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t * g;
            float cdf = 0.5f + 0.5f * (v < 0 ? -erfAbs : erfAbs);
            ys.buffer().putFloat(ys.at(i), v * cdf);
            if (ds != null) {
                ds.buffer().putFloat(ds.at(i), v * g * INV_SQRT_2PI + cdf);
            }
        }
    }

    static void layerNormForward(Span x, float[] w, float[] b, float eps, Span y, Span xhat, float[] rstdOut,
                                 int width, int lo, int hi) {
        int bound = S.loopBound(width);
        float[] lanes = new float[S.length()];
        for (int r = lo; r < hi; r++) {
            int row = r * width;
            FloatVector acc = FloatVector.zero(S);
            int j = 0;
            for (; j < bound; j += S.length()) {
                acc = acc.add(FloatVector.fromByteBuffer(S, x.buffer(), x.at(row + j), ORDER));
            }
            float sum = sum(acc, lanes);
            for (; j < width; j++) {
                sum += x.buffer().getFloat(x.at(row + j));
            }
            float mean = sum / width;
            acc = FloatVector.zero(S);
            for (j = 0; j < bound; j += S.length()) {
                FloatVector c = FloatVector.fromByteBuffer(S, x.buffer(), x.at(row + j), ORDER).sub(mean);
                acc = c.fma(c, acc);
            }
            float sq = sum(acc, lanes);
            for (; j < width; j++) {
                float c = x.buffer().getFloat(x.at(row + j)) - mean;
                sq += c * c;
            }
            float rstd = (float) (1.0 / Math.sqrt(sq / width + eps));
            if (rstdOut != null) {
                rstdOut[r] = rstd;
            }
            for (j = 0; j < bound; j += S.length()) {
                FloatVector h = FloatVector.fromByteBuffer(S, x.buffer(), x.at(row + j), ORDER).sub(mean).mul(rstd);
                if (xhat != null) {
                    h.intoByteBuffer(xhat.buffer(), xhat.at(row + j), ORDER);
                }
                h.fma(FloatVector.fromArray(S, w, j), FloatVector.fromArray(S, b, j)).intoByteBuffer(y.buffer(), y.at(row + j), ORDER);
            }
            for (; j < width; j++) {
                float h = (x.buffer().getFloat(x.at(row + j)) - mean) * rstd;
                if (xhat != null) {
                    xhat.buffer().putFloat(xhat.at(row + j), h);
                }
                y.buffer().putFloat(y.at(row + j), h * w[j] + b[j]);
            }
        }
    }

    static void layerNormBackward(Span dy, Span xhat, float[] rstd, float[] w, Span dx, float[] dWeight,
                                  float[] dBias, int width, int lo, int hi) {
        int bound = S.loopBound(width);
        float[] lanes = new float[S.length()];
        for (int r = lo; r < hi; r++) {
            int row = r * width;
            FloatVector sg = FloatVector.zero(S);
            FloatVector sgh = FloatVector.zero(S);
            int j = 0;
            for (; j < bound; j += S.length()) {
                FloatVector d = FloatVector.fromByteBuffer(S, dy.buffer(), dy.at(row + j), ORDER);
                FloatVector h = FloatVector.fromByteBuffer(S, xhat.buffer(), xhat.at(row + j), ORDER);
                FloatVector g = d.mul(FloatVector.fromArray(S, w, j));
                sg = sg.add(g);
                sgh = g.fma(h, sgh);
                d.fma(h, FloatVector.fromArray(S, dWeight, j)).intoArray(dWeight, j);
                d.add(FloatVector.fromArray(S, dBias, j)).intoArray(dBias, j);
            }
            float meanG = sum(sg, lanes);
            float meanGh = sum(sgh, lanes);
            for (; j < width; j++) {
                float d = dy.buffer().getFloat(dy.at(row + j));
                float h = xhat.buffer().getFloat(xhat.at(row + j));
                meanG += d * w[j];
                meanGh += d * w[j] * h;
                dWeight[j] += d * h;
                dBias[j] += d;
            }
            meanG /= width;
            meanGh /= width;
            float s = rstd[r];
            for (j = 0; j < bound; j += S.length()) {
                FloatVector g = FloatVector.fromByteBuffer(S, dy.buffer(), dy.at(row + j), ORDER).mul(FloatVector.fromArray(S, w, j));
                FloatVector h = FloatVector.fromByteBuffer(S, xhat.buffer(), xhat.at(row + j), ORDER);
                g.sub(meanG).sub(h.mul(meanGh)).mul(s).intoByteBuffer(dx.buffer(), dx.at(row + j), ORDER);
            }
            for (; j < width; j++) {
                float g = dy.buffer().getFloat(dy.at(row + j)) * w[j];
                float h = xhat.buffer().getFloat(xhat.at(row + j));
                dx.buffer().putFloat(dx.at(row + j), (g - meanG - h * meanGh) * s);
            }
        }
    }

    /**
     * Softmax over each row of length {@code cols} in rows [lo, hi), in place; with a key mask
     * [batches, cols] (1 keep, 0 pad), {@code maskedScore * (1 - mask)} is added to a row's scores
     * first, the mask row being {@code row / rowsPerBatch}.
     */
    static void softmaxRows(Span p, Span mask, float maskedScore, int cols, int rowsPerBatch, int lo, int hi) {
        int bound = S.loopBound(cols);
        float[] lanes = new float[S.length()];
        ByteBuffer pb = p.buffer();
        for (int r = lo; r < hi; r++) {
            int row = r * cols;
            int mrow = mask == null ? 0 : (r / rowsPerBatch) * cols;
            if (mask != null) {
                int j = 0;
                for (; j < bound; j += S.length()) {
                    FloatVector keep = FloatVector.fromByteBuffer(S, mask.buffer(), mask.at(mrow + j), ORDER);
                    keep.neg().add(1f).mul(maskedScore).add(FloatVector.fromByteBuffer(S, p.buffer(), p.at(row + j), ORDER)).intoByteBuffer(p.buffer(), p.at(row + j), ORDER);
                }
                for (; j < cols; j++) {
                    float keep = mask.buffer().getFloat(mask.at(mrow + j));
                    pb.putFloat(p.at(row + j), (1f - keep) * maskedScore + pb.getFloat(p.at(row + j)));
                }
            }
            FloatVector mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            int j = 0;
            for (; j < bound; j += S.length()) {
                mx = mx.max(FloatVector.fromByteBuffer(S, p.buffer(), p.at(row + j), ORDER));
            }
            float max = mx.reduceLanes(VectorOperators.MAX);
            for (; j < cols; j++) {
                max = Math.max(max, pb.getFloat(p.at(row + j)));
            }
            FloatVector acc = FloatVector.zero(S);
            for (j = 0; j < bound; j += S.length()) {
                FloatVector e = exp(FloatVector.fromByteBuffer(S, p.buffer(), p.at(row + j), ORDER).sub(max));
                e.intoByteBuffer(p.buffer(), p.at(row + j), ORDER);
                acc = acc.add(e);
            }
            float total = sum(acc, lanes);
            for (; j < cols; j++) {
                float e = exp(pb.getFloat(p.at(row + j)) - max);
                pb.putFloat(p.at(row + j), e);
                total += e;
            }
            float inv = 1f / total;
            for (j = 0; j < bound; j += S.length()) {
                FloatVector.fromByteBuffer(S, p.buffer(), p.at(row + j), ORDER).mul(inv).intoByteBuffer(p.buffer(), p.at(row + j), ORDER);
            }
            for (; j < cols; j++) {
                pb.putFloat(p.at(row + j), pb.getFloat(p.at(row + j)) * inv);
            }
        }
    }

    /** Softmax backward in place over rows [lo, hi): {@code dp = p * (dp - sum_j dp_j p_j)}. */
    static void softmaxBackwardRows(Span dp, Span p, int cols, int lo, int hi) {
        int bound = S.loopBound(cols);
        float[] lanes = new float[S.length()];
        ByteBuffer db = dp.buffer();
        ByteBuffer pb = p.buffer();
        for (int r = lo; r < hi; r++) {
            int row = r * cols;
            FloatVector acc = FloatVector.zero(S);
            int j = 0;
            for (; j < bound; j += S.length()) {
                acc = FloatVector.fromByteBuffer(S, dp.buffer(), dp.at(row + j), ORDER).fma(FloatVector.fromByteBuffer(S, p.buffer(), p.at(row + j), ORDER), acc);
            }
            float dot = sum(acc, lanes);
            for (; j < cols; j++) {
                dot += db.getFloat(dp.at(row + j)) * pb.getFloat(p.at(row + j));
            }
            for (j = 0; j < bound; j += S.length()) {
                FloatVector.fromByteBuffer(S, dp.buffer(), dp.at(row + j), ORDER).sub(dot).mul(FloatVector.fromByteBuffer(S, p.buffer(), p.at(row + j), ORDER)).intoByteBuffer(dp.buffer(), dp.at(row + j), ORDER);
            }
            for (; j < cols; j++) {
                db.putFloat(dp.at(row + j), (db.getFloat(dp.at(row + j)) - dot) * pb.getFloat(p.at(row + j)));
            }
        }
    }

    static void fillRowsPlus(Span y, Span res, float[] row, int width, int lo, int hi) {
        int bound = S.loopBound(width);
        ByteBuffer yb = y.buffer();
        ByteBuffer rb = res.buffer();
        for (int r = lo; r < hi; r++) {
            int at = r * width;
            int j = 0;
            for (; j < bound; j += S.length()) {
                FloatVector.fromByteBuffer(S, rb, res.at(at + j), ORDER).add(FloatVector.fromArray(S, row, j))
                        .intoByteBuffer(yb, y.at(at + j), ORDER);
            }
            for (; j < width; j++) {
                yb.putFloat(y.at(at + j), rb.getFloat(res.at(at + j)) + row[j]);
            }
        }
    }

    static void copyColumns(Span src, int ld, int col, Span dst, int width, int lo, int hi) {
        int bound = S.loopBound(width);
        ByteBuffer sb = src.buffer();
        ByteBuffer db = dst.buffer();
        for (int r = lo; r < hi; r++) {
            int from = r * ld + col;
            int to = r * width;
            int j = 0;
            for (; j < bound; j += S.length()) {
                FloatVector.fromByteBuffer(S, sb, src.at(from + j), ORDER).intoByteBuffer(db, dst.at(to + j), ORDER);
            }
            for (; j < width; j++) {
                db.putFloat(dst.at(to + j), sb.getFloat(src.at(from + j)));
            }
        }
    }

    static void fillRows(Span y, float[] row, int width, int lo, int hi) {
        int bound = S.loopBound(width);
        ByteBuffer yb = y.buffer();
        for (int r = lo; r < hi; r++) {
            int at = r * width;
            int j = 0;
            for (; j < bound; j += S.length()) {
                FloatVector.fromArray(S, row, j).intoByteBuffer(y.buffer(), y.at(at + j), ORDER);
            }
            for (; j < width; j++) {
                yb.putFloat(y.at(at + j), row[j]);
            }
        }
    }

    /** {@code acc[j] += sum_i x[i, j]} over rows 0 .. rows-1 in order. */
    static void columnSums(Span x, int width, int rows, float[] acc) {
        int bound = S.loopBound(width);
        ByteBuffer xb = x.buffer();
        for (int r = 0; r < rows; r++) {
            int at = r * width;
            int j = 0;
            for (; j < bound; j += S.length()) {
                FloatVector.fromArray(S, acc, j).add(FloatVector.fromByteBuffer(S, xb, x.at(at + j), ORDER))
                        .intoArray(acc, j);
            }
            for (; j < width; j++) {
                acc[j] += xb.getFloat(x.at(at + j));
            }
        }
    }

    /** {@code y[j] += add[j]} for the add.length floats of y. */
    static void addInto(Span y, float[] add) {
        ByteBuffer yb = y.buffer();
        for (int j = 0; j < add.length; j++) {
            yb.putFloat(y.at(j), yb.getFloat(y.at(j)) + add[j]);
        }
    }
}
