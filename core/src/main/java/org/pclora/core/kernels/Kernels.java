package org.pclora.core.kernels;

import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.env.EngineSettings;

/**
 * Entry point to the fused float32 kernels. ND4J runs each elementwise operation as its own pass
 * over memory (the erf GELU is about a dozen passes forward and backward); these kernels do one
 * pass with the JDK Vector API and split rows over the machine's cores.
 *
 * <p>They run only when the JVM was started with {@code --add-modules jdk.incubator.vector} (the
 * launcher, Surefire and the JMH forks do so), the system property {@code pclora.simd} is not
 * {@code false}, and the arrays are float32 and dense in C order. Otherwise {@link #supports}
 * answers false and the layers use their ND4J code, which is also what float64 gradient checks
 * exercise. Thread count: {@code pclora.threads}, else {@code OMP_NUM_THREADS}, else all cores.
 */
public final class Kernels {
    private static final boolean MODULE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    /** Threads on which every kernel runs on the calling thread alone (see {@link #serially}). */
    private static final ThreadLocal<Boolean> SERIAL = ThreadLocal.withInitial(() -> Boolean.FALSE);
    /** Below this many elements one thread does the work: forking costs more than it saves. */
    static final long PARALLEL_MIN = 1L << 16;

    private Kernels() {
    }

    /** Whether the Vector API module is in this JVM (started with {@code --add-modules jdk.incubator.vector}). */
    public static boolean moduleAvailable() {
        return MODULE;
    }

    /** Whether the fused kernels are in use (module present and not switched off). */
    public static boolean enabled() {
        return MODULE && EngineSettings.current().simd();
    }

    /**
     * Switches the fused kernels on or off for this JVM (tests compare both paths); returns the
     * previous setting. Switching on without the module has no effect.
     */
    public static boolean setEnabled(boolean on) {
        return MODULE && EngineSettings.update(s -> s.withSimd(on)).simd();
    }

    /**
     * Whether the low-rank inference kernels ({@link #thinProduct}, {@link #lowRankExpand}) are in use:
     * the fused kernels are enabled and {@code pclora.lowrank} is not {@code false}.
     */
    public static boolean lowRankEnabled() {
        return enabled() && EngineSettings.current().lowRank();
    }

    /** Switches the low-rank inference kernels on or off (A/B measurements, tests); returns the previous setting. */
    public static boolean setLowRankEnabled(boolean on) {
        return EngineSettings.update(s -> s.withLowRank(on)).lowRank();
    }

    /** Threads the kernels split rows over. */
    public static int threads() {
        return EngineSettings.current().threads();
    }

    /** Sets the number of threads the kernels split rows over (at least 1); returns the previous one. */
    public static int setThreads(int n) {
        return EngineSettings.update(s -> s.withThreads(n)).threads();
    }

    /**
     * Runs {@code body} with every kernel it calls on this thread alone (no row split over the other
     * threads): for work that is itself split between threads, such as the examples of an inference
     * batch ({@code core.model.BatchParallel}). Nests; the previous setting is restored.
     */
    public static void serially(Runnable body) {
        boolean was = SERIAL.get();
        SERIAL.set(Boolean.TRUE);
        try {
            body.run();
        } finally {
            SERIAL.set(was);
        }
    }

    /** Whether kernels called on this thread run on it alone (inside {@link #serially}). */
    public static boolean serialHere() {
        return SERIAL.get();
    }

    /** Whether every array is float32, dense in C order and the kernels are enabled. */
    public static boolean supports(INDArray... arrays) {
        if (!enabled()) {
            return false;
        }
        for (INDArray a : arrays) {
            if (a == null || a.dataType() != DataType.FLOAT || !denseC(a)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code a} occupies one contiguous C-order run of its buffer. */
    static boolean denseC(INDArray a) {
        if (a.ordering() != 'c' && a.rank() > 1) {
            return false;
        }
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /**
     * Exact-form GELU over float32 {@code x}: {@code y = x Phi(x)} and, when {@code derivative}
     * is not null, {@code derivative = Phi(x) + x phi(x)}. Arrays have the same length.
     */
    public static void gelu(INDArray x, INDArray y, INDArray derivative) {
        long n = x.length();
        check(n == y.length() && (derivative == null || derivative.length() == n), "gelu: lengths differ");
        VectorKernels.Span xs = VectorKernels.span(x);
        VectorKernels.Span ys = VectorKernels.span(y);
        VectorKernels.Span ds = derivative == null ? null : VectorKernels.span(derivative);
        forParts(n, 1, (part, lo, hi) -> VectorKernels.gelu(xs, ys, ds, (int) lo, (int) hi));
    }

    /**
     * LayerNorm forward over the rows of x [rows, width]: {@code xhat = (x - mean) / sqrt(var + eps)}
     * (biased variance), {@code y = xhat * weight + bias}. When {@code xhatOut} is not null it
     * receives xhat; {@code rstdOut} (length rows, or null) receives {@code 1 / sqrt(var + eps)}.
     */
    public static void layerNormForward(INDArray x, INDArray weight, INDArray bias, double eps, INDArray y,
                                        INDArray xhatOut, float[] rstdOut) {
        int rows = (int) x.size(0);
        int width = (int) x.size(1);
        check(weight.length() == width && bias.length() == width && y.length() == x.length()
                && (xhatOut == null || xhatOut.length() == x.length())
                && (rstdOut == null || rstdOut.length >= rows), "layerNormForward: shapes differ");
        VectorKernels.Span xs = VectorKernels.span(x);
        VectorKernels.Span ys = VectorKernels.span(y);
        VectorKernels.Span hs = xhatOut == null ? null : VectorKernels.span(xhatOut);
        float[] wf = weight.toFloatVector();
        float[] bf = bias.toFloatVector();
        forParts(rows, width, (part, lo, hi) -> VectorKernels.layerNormForward(xs, wf, bf, (float) eps, ys, hs, rstdOut,
                width, (int) lo, (int) hi));
    }

    /**
     * LayerNorm backward from the forward's xhat [rows, width] and rstd: writes
     * {@code dx = rstd (g - mean(g) - xhat mean(g xhat))} with {@code g = dy * weight}, and returns
     * the column sums of {@code dy * xhat} (weight gradient) and of {@code dy} (bias gradient) as
     * {@code [2][width]}.
     */
    public static float[][] layerNormBackward(INDArray dy, INDArray xhat, float[] rstd, INDArray weight, INDArray dx) {
        int rows = (int) dy.size(0);
        int width = (int) dy.size(1);
        check(xhat.length() == dy.length() && dx.length() == dy.length() && weight.length() == width
                && rstd.length >= rows, "layerNormBackward: shapes differ");
        VectorKernels.Span dys = VectorKernels.span(dy);
        VectorKernels.Span hs = VectorKernels.span(xhat);
        VectorKernels.Span dxs = VectorKernels.span(dx);
        float[] w = weight.toFloatVector();
        int parts = parts(rows, width);
        float[][][] partial = new float[parts][2][width]; // column sums per part, added in part order
        runParts(parts, rows, (p, lo, hi) -> VectorKernels.layerNormBackward(dys, hs, rstd, w, dxs, partial[p][0],
                partial[p][1], width, (int) lo, (int) hi));
        float[][] sums = new float[2][width];
        for (float[][] part : partial) {
            for (int j = 0; j < width; j++) {
                sums[0][j] += part[0][j];
                sums[1][j] += part[1][j];
            }
        }
        return sums;
    }

    /**
     * In-place softmax over the last axis of {@code scores} (C order, last axis of length
     * {@code cols}). With {@code keyMask} [batches, cols] (1 attend, 0 padding; float32), each row
     * first gets {@code maskedScore * (1 - mask)} added, from mask row {@code row / rowsPerBatch}
     * (for attention scores [B, H, T, T], rowsPerBatch = H * T).
     */
    public static void softmaxRows(INDArray scores, INDArray keyMask, double maskedScore, int rowsPerBatch) {
        int cols = (int) scores.size(scores.rank() - 1);
        long rows = scores.length() / cols;
        check(keyMask == null || (rowsPerBatch > 0 && keyMask.length() == rows / rowsPerBatch * cols),
                "softmaxRows: mask shape differs");
        VectorKernels.Span ps = VectorKernels.span(scores);
        VectorKernels.Span ms = keyMask == null ? null : VectorKernels.span(keyMask);
        forParts(rows, cols, (part, lo, hi) -> VectorKernels.softmaxRows(ps, ms, (float) maskedScore, cols,
                Math.max(1, rowsPerBatch), (int) lo, (int) hi));
    }

    /**
     * Softmax backward over the last axis, in place: {@code dp = p * (dp - sum_j dp_j p_j)} per row,
     * where {@code p} is the softmax output and {@code dp} the gradient with respect to it.
     */
    public static void softmaxBackwardRows(INDArray dp, INDArray p) {
        int cols = (int) p.size(p.rank() - 1);
        check(dp.length() == p.length(), "softmaxBackwardRows: lengths differ");
        long rows = p.length() / cols;
        VectorKernels.Span ds = VectorKernels.span(dp);
        VectorKernels.Span ps = VectorKernels.span(p);
        forParts(rows, cols, (part, lo, hi) -> VectorKernels.softmaxBackwardRows(ds, ps, cols, (int) lo, (int) hi));
    }

    /**
     * Writes {@code row} [width] into every row of {@code y} [rows, width]. A GEMM with beta 1 then
     * adds its product to the bias in place: OpenBLAS skips its zeroing pass over C at beta 1, so
     * the bias costs one write pass instead of a zeroing pass plus a read-and-write pass.
     */
    public static void fillRows(INDArray y, INDArray row) {
        int rows = (int) y.size(0);
        int width = (int) y.size(1);
        check(y.rank() == 2 && row.length() == width, "fillRows: shapes differ");
        VectorKernels.Span ys = VectorKernels.span(y);
        float[] r = row.toFloatVector();
        forParts(rows, width, (part, lo, hi) -> VectorKernels.fillRows(ys, r, width, (int) lo, (int) hi));
    }

    /** {@code y[i, :] = row} for every row of y [rows, row.length] (a row made on the heap). */
    public static void fillRows(INDArray y, float[] row) {
        int rows = (int) y.size(0);
        int width = (int) y.size(1);
        check(y.rank() == 2 && row.length == width, "fillRows: shapes differ");
        VectorKernels.Span ys = VectorKernels.span(y);
        forParts(rows, width, (part, lo, hi) -> VectorKernels.fillRows(ys, row, width, (int) lo, (int) hi));
    }

    /**
     * {@code sum[j] += sum_i x[i, j]} for x [rows, width] and sum [width] (a bias gradient), in one
     * pass over x. Rows are added in order on one thread, so the result does not depend on the
     * thread count.
     */
    public static void addColumnSums(INDArray x, INDArray sum) {
        int rows = (int) x.size(0);
        int width = (int) x.size(1);
        check(x.rank() == 2 && sum.length() == width, "addColumnSums: shapes differ");
        float[] acc = new float[width];
        VectorKernels.columnSums(VectorKernels.span(x), width, rows, acc);
        VectorKernels.Span ss = VectorKernels.span(sum);
        VectorKernels.addInto(ss, acc);
    }

    /**
     * {@code y[i, :] = residual[i, :] + row} (row [width] or null for zeros): the C of a beta-1 GEMM
     * that then adds a layer's product, so the bias and a residual sum cost one pass over y.
     */
    public static void fillRowsPlus(INDArray y, INDArray residual, INDArray row) {
        int rows = (int) y.size(0);
        int width = (int) y.size(1);
        check(y.rank() == 2 && residual.length() == y.length() && (row == null || row.length() == width),
                "fillRowsPlus: shapes differ");
        VectorKernels.Span ys = VectorKernels.span(y);
        VectorKernels.Span rs = VectorKernels.span(residual);
        float[] r = row == null ? new float[width] : row.toFloatVector();
        forParts(rows, width, (part, lo, hi) -> VectorKernels.fillRowsPlus(ys, rs, r, width, (int) lo, (int) hi));
    }

    /**
     * Inference self-attention, fused: for q, k, v [batch * tokens, heads * dh] (rows batch-major,
     * each row's heads side by side, as the projections produce them) writes
     * {@code out = softmax(scale q k^T + keyMask bias) v} per example and head into
     * {@code out} [batch * tokens, heads * dh] with the heads merged. With {@code keyMask}
     * [batch, tokens] (1 attend, 0 padding) the scores of padded keys get
     * {@code maskedScore * (1 - mask)} added. No [B, H, T, T] scores are kept: for training, or when
     * the probabilities are wanted, use the unfused path.
     */
    public static void attention(INDArray q, INDArray k, INDArray v, INDArray keyMask, double maskedScore, int batch,
                                 int tokens, int heads, double scale, INDArray out) {
        attention(q, k, v, keyMask, maskedScore, batch, tokens, heads, scale, out, null);
    }

    /**
     * {@link #attention} that also writes the softmax output into {@code probs} [batch, heads,
     * tokens, tokens] (when not null), for {@link #attentionBackward}.
     */
    public static void attention(INDArray q, INDArray k, INDArray v, INDArray keyMask, double maskedScore, int batch,
                                 int tokens, int heads, double scale, INDArray out, INDArray probs) {
        long width = q.size(1);
        check(q.rank() == 2 && q.size(0) == (long) batch * tokens && width % heads == 0
                && k.length() == q.length() && v.length() == q.length() && out.length() == q.length()
                && (keyMask == null || keyMask.length() == (long) batch * tokens), "attention: shapes differ");
        int dh = (int) (width / heads);
        check(probs == null || probs.length() == (long) batch * heads * tokens * tokens, "attention: probs shape differs");
        runAttention(q, k, v, (int) width, dh, keyMask, maskedScore, out, probs, batch, tokens, heads, dh, scale);
    }

    /** Runs {@link AttentionKernel#run} over batch * heads items, split over the threads. */
    private static void runAttention(INDArray q, INDArray k, INDArray v, int kvWidth, int kvHead, INDArray keyMask,
                                     double maskedScore, INDArray out, INDArray probs, int batch, int tokens, int heads,
                                     int dh, double scale) {
        int width = heads * dh;
        VectorKernels.Span qs = VectorKernels.span(q);
        VectorKernels.Span ks = VectorKernels.span(k);
        VectorKernels.Span vs = VectorKernels.span(v);
        VectorKernels.Span ms = keyMask == null ? null : VectorKernels.span(keyMask);
        VectorKernels.Span os = VectorKernels.span(out);
        VectorKernels.Span ps = probs == null ? null : VectorKernels.span(probs);
        forParts((long) batch * heads, 2L * tokens * tokens * dh, (part, lo, hi) -> AttentionKernel.run(qs, width, ks, vs,
                kvWidth, kvHead, ms, (float) maskedScore, os, width, ps, tokens, heads, dh, (float) scale, (int) lo, (int) hi));
    }

    /**
     * Inference attention whose heads share one key and one value matrix: q [batch * tokens,
     * heads * dh] (head h at column h*dh), k and v [batch * tokens, dh], each head attending with its
     * own queries over the same keys and values; out [batch * tokens, heads * dh]. This is attention
     * computed in a low-rank space ({@code MultiHeadSelfAttention} with low-rank projections), where
     * dh is the rank. Same arithmetic per (example, head) as {@link #attention}.
     */
    public static void attentionSharedKeys(INDArray q, INDArray k, INDArray v, INDArray keyMask, double maskedScore,
                                           int batch, int tokens, int heads, double scale, INDArray out) {
        long width = q.size(1);
        check(q.rank() == 2 && k.rank() == 2 && q.size(0) == (long) batch * tokens && width % heads == 0
                && k.size(1) == width / heads && k.length() == v.length() && k.size(0) == q.size(0)
                && out.length() == q.length() && (keyMask == null || keyMask.length() == (long) batch * tokens),
                "attentionSharedKeys: shapes differ");
        int dh = (int) (width / heads);
        runAttention(q, k, v, dh, 0, keyMask, maskedScore, out, null, batch, tokens, heads, dh, scale);
    }

    /**
     * Backward of {@link #attention} with kept probabilities: from its q, k, v [batch * tokens,
     * heads * dh], its {@code probs} [batch, heads, tokens, tokens] and {@code dContext} (same
     * layout as q) writes {@code dq}, {@code dk}, {@code dv} (same layout): dP = dContext v^T plus
     * {@code probsGradient} (a gradient with respect to the probabilities, or null),
     * dS = P (dP - rowsum(dP P)), dq = scale dS k, dk = dS^T (scale q), dv = P^T dContext.
     */
    public static void attentionBackward(INDArray q, INDArray k, INDArray v, INDArray probs, INDArray probsGradient,
                                         INDArray dContext, int batch, int tokens, int heads, double scale,
                                         INDArray dq, INDArray dk, INDArray dv) {
        long width = q.size(1);
        long n = q.length();
        check(q.rank() == 2 && q.size(0) == (long) batch * tokens && width % heads == 0 && k.length() == n
                && v.length() == n && dContext.length() == n && dq.length() == n && dk.length() == n
                && dv.length() == n && probs.length() == (long) batch * heads * tokens * tokens
                && (probsGradient == null || probsGradient.length() == probs.length()), "attentionBackward: shapes differ");
        int dh = (int) (width / heads);
        VectorKernels.Span qs = VectorKernels.span(q);
        VectorKernels.Span ks = VectorKernels.span(k);
        VectorKernels.Span vs = VectorKernels.span(v);
        VectorKernels.Span ps = VectorKernels.span(probs);
        VectorKernels.Span gs = probsGradient == null ? null : VectorKernels.span(probsGradient);
        VectorKernels.Span cs = VectorKernels.span(dContext);
        VectorKernels.Span dqs = VectorKernels.span(dq);
        VectorKernels.Span dks = VectorKernels.span(dk);
        VectorKernels.Span dvs = VectorKernels.span(dv);
        forParts((long) batch * heads, 5L * tokens * tokens * dh, (part, lo, hi) -> AttentionKernel.backward(qs, ks, vs,
                ps, gs, cs, dqs, dks, dvs, tokens, heads, dh, (float) scale, (int) lo, (int) hi));
    }

    /**
     * The row-stacked matrices {@code [m_0; m_1; ...]} (each float32 [r_i, inner], dense C order),
     * transposed onto the heap as [inner, sum r_i]: the right operand of {@link #thinProduct} (for
     * {@code x A^T}) and of {@link #lowRankExpand} (for {@code h B^T}, with {@code B} [out, r]).
     */
    public static float[] stackTransposed(INDArray... ms) {
        int inner = (int) ms[0].size(1);
        int n = 0;
        for (INDArray m : ms) {
            check(m.rank() == 2 && m.size(1) == inner && m.dataType() == DataType.FLOAT && denseC(m),
                    "stackTransposed: matrices differ in width or are not dense float32");
            n += (int) m.size(0);
        }
        float[] t = new float[inner * n];
        int col = 0;
        for (INDArray m : ms) {
            int r = (int) m.size(0);
            float[] f = VectorKernels.read(m);
            for (int j = 0; j < r; j++) {
                for (int k = 0; k < inner; k++) {
                    t[k * n + col + j] = f[j * inner + k];
                }
            }
            col += r;
        }
        return t;
    }

    /**
     * {@code out = x at}: x float32 [rows, inner], {@code at} [inner, n] from {@link #stackTransposed},
     * out float32 [rows, n]. Made for thin products (n up to ~128: the rank-r {@code x A^T} of an
     * adapter, or of three adapters sharing x): x is read once, in place, with no packing.
     */
    public static void thinProduct(INDArray x, float[] at, INDArray out) {
        int rows = (int) x.size(0);
        int inner = (int) x.size(1);
        int n = (int) out.size(1);
        check(x.rank() == 2 && out.rank() == 2 && out.size(0) == rows && at.length == inner * n,
                "thinProduct: shapes differ");
        VectorKernels.Span xs = VectorKernels.span(x);
        VectorKernels.Span os = VectorKernels.span(out);
        forParts(rows, (long) inner * n / 4, (part, lo, hi) -> LowRankKernel.thin(xs, at, inner, n, os, (int) lo, (int) hi));
    }

    /**
     * The expanding product of a low-rank layer with its epilogue, in one pass over the output:
     * {@code y = e(h[:, col, col + r) bt + bias) + residual}, with {@code bt} [r, out] from
     * {@link #stackTransposed} (of B [out, r]), {@code bias} [out] or null, e the exact-form GELU
     * (the arithmetic of {@link #gelu}) when {@code gelu} is set, {@code residual} [rows, out] or null.
     * h is float32 [rows, width] with {@code col + r <= width}; y [rows, out].
     */
    public static void lowRankExpand(INDArray h, int col, float[] bt, float[] bias, boolean gelu, INDArray residual,
                                     INDArray y) {
        int rows = (int) h.size(0);
        int ldh = (int) h.size(1);
        int out = (int) y.size(1);
        int r = bt.length / Math.max(1, out);
        check(h.rank() == 2 && y.rank() == 2 && y.size(0) == rows && r * out == bt.length && col >= 0
                && col + r <= ldh && (bias == null || bias.length == out)
                && (residual == null || residual.length() == y.length()), "lowRankExpand: shapes differ");
        VectorKernels.Span hs = VectorKernels.span(h);
        VectorKernels.Span ys = VectorKernels.span(y);
        VectorKernels.Span rs = residual == null ? null : VectorKernels.span(residual);
        forParts(rows, (long) r * out / 4, (part, lo, hi) -> LowRankKernel.expand(hs, ldh, col, bt, r, out, bias, gelu,
                rs, ys, (int) lo, (int) hi));
    }

    /** {@code dst = src[:, col, col + dst.width)}: a block of columns copied into a dense array. */
    public static void copyColumns(INDArray src, int col, INDArray dst) {
        int rows = (int) src.size(0);
        int ld = (int) src.size(1);
        int width = (int) dst.size(1);
        check(src.rank() == 2 && dst.rank() == 2 && dst.size(0) == rows && col >= 0 && col + width <= ld,
                "copyColumns: shapes differ");
        VectorKernels.Span ss = VectorKernels.span(src);
        VectorKernels.Span ds = VectorKernels.span(dst);
        forParts(rows, width, (part, lo, hi) -> VectorKernels.copyColumns(ss, ld, col, ds, width, (int) lo, (int) hi));
    }

    /** The elements of a float32 array dense in C order, copied onto the heap. */
    public static float[] toHeap(INDArray a) {
        check(a.dataType() == DataType.FLOAT && denseC(a), "toHeap: not dense float32");
        return VectorKernels.read(a);
    }

    private interface Range {
        void run(int part, long lo, long hi);
    }

    private static int parts(long items, long weight) {
        return items * weight < PARALLEL_MIN || SERIAL.get() ? 1 : (int) Math.min(threads(), items);
    }

    /** Splits [0, items) into one contiguous part per thread (items weighing {@code weight} elements each). */
    private static void forParts(long items, long weight, Range body) {
        runParts(parts(items, weight), items, body);
    }

    /** Splits [0, items) into {@code parts} contiguous parts run in parallel (the caller's thread alone for one). */
    private static void runParts(int parts, long items, Range body) {
        if (parts == 1) {
            body.run(0, 0, items);
            return;
        }
        IntStream.range(0, parts).parallel().forEach(p -> body.run(p, items * p / parts, items * (p + 1) / parts));
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Float lanes of the fused kernels' vectors on this CPU (16 with AVX-512, 8 with AVX2); 0 without the module. */
    public static int lanes() {
        return MODULE ? VectorKernels.lanes() : 0;
    }

    /** For diagnostics: which path the kernels take. */
    public static String describe() {
        return enabled() ? "vector(" + VectorKernels.lanes() + " lanes, " + threads() + " threads)"
                : MODULE ? "nd4j (fused kernels switched off)" : "nd4j (start the JVM with --add-modules jdk.incubator.vector for fused kernels)";
    }
}
