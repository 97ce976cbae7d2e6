package org.pclora.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.env.EngineSettings;
import org.pclora.core.kernels.Kernels;

/**
 * The inference forward of a low-rank linear map {@code y = (x A^T) B^T + bias}, shared by the
 * compressed layer and the PC-LoRA layer at lambda 0 so that compressing changes no output bit, and
 * by the blocks, which fuse what follows the map into its output pass: the MLP's GELU after the
 * up-projection, the residual sum after the output projections ({@link LinearSlot#forwardInference}),
 * and one product {@code x [A_q; A_k; A_v]^T} for the three attention projections that share their
 * input ({@link #applyShared}).
 *
 * <p>With the fused kernels ({@link Kernels#lowRankEnabled()}, float32) the products are OpenBLAS
 * GEMMs arranged to save passes: {@code residual + bias} is written into the output first and the
 * expanding GEMM adds to it (beta 1), the GELU runs in place on its output, q/k/v share one GEMM.
 * The Vector API kernels {@link Kernels#thinProduct} and {@link Kernels#lowRankExpand} (x read once
 * without packing, bias/GELU/residual in registers) can take any of the products instead
 * ({@link #setKernels}); they are off by default because they did not beat OpenBLAS on the
 * machine this was measured on (docs/performance.md). Without the fused kernels (float64, no Vector
 * API, {@code -Dpclora.lowrank=false}) the code the blocks ran before runs: two GEMMs, then the GELU
 * layer's pass and a residual add.
 */
public final class LowRank {
    /**
     * Which products the Vector API kernels compute instead of OpenBLAS (property
     * {@code pclora.lowrank.kernels}: a comma list of {@code thin} (the {@code x A^T} products),
     * {@code expand} (the {@code h B^T} products with bias or residual), {@code gelu} (the up-projection
     * with bias and GELU in its output pass); default none: OpenBLAS measured as fast or faster for each,
     * see docs/performance.md).
     */
    private LowRank() {
    }

    /**
     * Sets which products the Vector API kernels compute (a comma list of {@code thin},
     * {@code expand}, {@code gelu}; empty for none), for A/B measurements; returns the previous list.
     * The setting lives in {@link EngineSettings#lowRankKernels}.
     */
    public static String setKernels(String list) {
        java.util.Set<String> names = EngineSettings.parseKernels(list);
        EngineSettings was = EngineSettings.update(s -> s.withLowRankKernels(names));
        return (String) was.asMap().get("pclora.lowrank.kernels");
    }

    private static boolean kernel(String name) {
        return EngineSettings.current().lowRankKernels().contains(name);
    }

    /**
     * A layer whose inference forward may be a low-rank product: {@link #lowRankFactors} answers its
     * factors when it is one now (a compressed layer always, a PC-LoRA layer at lambda 0), else null.
     */
    public interface Layer extends org.pclora.core.nn.Layer {
        /** The factors of this layer's inference forward when it is {@code (x A^T) B^T + bias} now, else null. */
        Factors lowRankFactors();
    }

    /**
     * The factors A [r, in], B [out, r] (scaling folded in) and bias [out] (or null) of a low-rank
     * map. {@code temporaryB} marks a B made for this call (a PC-LoRA layer's {@code s B}), which
     * {@link #release} frees.
     */
    public record Factors(INDArray a, INDArray b, INDArray bias, boolean temporaryB) {
        /** The rank r. */
        public int rank() {
            return (int) a.size(0);
        }

        /** Frees a temporary B's native memory now (outside workspaces). */
        public void release() {
            if (temporaryB && b.closeable()) {
                b.close();
            }
        }
    }

    /**
     * {@code y = e((x A^T) B^T + bias) + residual}, with e the exact-form GELU when {@code gelu} and
     * the identity otherwise, {@code residual} [rows, out] or null. Neither x nor residual is modified.
     */
    public static INDArray apply(INDArray x, Factors f, boolean gelu, INDArray residual) {
        INDArray h = Nd4j.createUninitialized(x.dataType(), x.size(0), f.rank());
        if (fused(x, f, residual)) {
            if (kernel("thin")) {
                Kernels.thinProduct(x, Kernels.stackTransposed(f.a()), h);
            } else {
                Nd4j.gemm(x, f.a(), h, false, true, 1.0, 0.0);
            }
            return expand(h, 0, f, gelu, residual);
        }
        Nd4j.gemm(x, f.a(), h, false, true, 1.0, 0.0);
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.size(0), f.b().size(0));
        Linear.gemmPlusBias(h, f.b(), f.bias(), y);
        return epilogue(y, gelu, residual);
    }

    /**
     * The maps {@code y_i = (x A_i^T) B_i^T + bias_i} of layers sharing their input x, with one
     * product {@code x [A_0; A_1; ...]^T} for all the A's (x is read, and packed, once rather than
     * once per layer).
     */
    public static INDArray[] applyShared(INDArray x, Factors... fs) {
        INDArray[] ys = new INDArray[fs.length];
        boolean fused = true;
        int width = 0;
        INDArray[] as = new INDArray[fs.length];
        for (int i = 0; i < fs.length; i++) {
            fused &= fused(x, fs[i], null);
            as[i] = fs[i].a();
            width += fs[i].rank();
        }
        if (!fused) {
            for (int i = 0; i < fs.length; i++) {
                ys[i] = apply(x, fs[i], false, null);
            }
            return ys;
        }
        INDArray h = stackedProduct(x, as, width);
        int col = 0;
        for (int i = 0; i < fs.length; i++) {
            ys[i] = kernel("expand") ? expandByKernel(h, col, fs[i], false, null)
                    : expand(columns(h, col, fs[i].rank()), 0, fs[i], false, null);
            col += fs[i].rank();
        }
        return ys;
    }

    /**
     * The products {@code H_i = x A_i^T} [rows, r_i] of factors sharing their input x, from one
     * product {@code x [A_0; A_1; ...]^T}, each copied out contiguous (for attention computed in the
     * rank space, which needs the H's themselves). Float32 with the fused kernels only.
     */
    static INDArray[] inputProducts(INDArray x, Factors... fs) {
        INDArray[] as = new INDArray[fs.length];
        int width = 0;
        for (int i = 0; i < fs.length; i++) {
            as[i] = fs[i].a();
            width += fs[i].rank();
        }
        INDArray h = stackedProduct(x, as, width);
        INDArray[] hs = new INDArray[fs.length];
        int col = 0;
        for (int i = 0; i < fs.length; i++) {
            hs[i] = columns(h, col, fs[i].rank());
            col += fs[i].rank();
        }
        return hs;
    }

    /** {@code x [A_0; A_1; ...]^T} [rows, width]: the thin kernel or one OpenBLAS GEMM. */
    private static INDArray stackedProduct(INDArray x, INDArray[] as, int width) {
        INDArray h = Nd4j.createUninitialized(x.dataType(), x.size(0), width);
        if (kernel("thin")) {
            Kernels.thinProduct(x, Kernels.stackTransposed(as), h);
        } else {
            Nd4j.gemm(x, Nd4j.vstack(as), h, false, true, 1.0, 0.0);
        }
        return h;
    }

    /** Columns [col, col + r) of h as a contiguous array: OpenBLAS multiplies a strided column view ~2x slower. */
    private static INDArray columns(INDArray h, int col, int r) {
        INDArray c = Nd4j.createUninitialized(h.dataType(), h.size(0), r);
        Kernels.copyColumns(h, col, c);
        return c;
    }

    /**
     * {@code h B^T + bias + residual} for an h [rows, r] already in the factors' rank space (the
     * second half of {@link #apply}), residual [rows, out] or null; h is not modified.
     */
    static INDArray expandFactor(INDArray h, Factors f, INDArray residual) {
        if (fused(h, f, residual)) {
            return expand(h, 0, f, false, residual);
        }
        INDArray y = Nd4j.createUninitialized(h.dataType(), h.size(0), f.b().size(0));
        Linear.gemmPlusBias(h, f.b(), f.bias(), y);
        return residual == null ? y : residual.add(y);
    }

    private static boolean fused(INDArray x, Factors f, INDArray residual) {
        return Kernels.lowRankEnabled() && Kernels.supports(x, f.a(), f.b())
                && (f.bias() == null || Kernels.supports(f.bias())) && (residual == null || Kernels.supports(residual));
    }

    /** {@code e(h[:, col, col + r) B^T + bias) + residual} for a contiguous h when not the kernel's. */
    private static INDArray expand(INDArray h, int col, Factors f, boolean gelu, INDArray residual) {
        if (kernel(gelu ? "gelu" : "expand")) {
            return expandByKernel(h, col, f, gelu, residual);
        }
        INDArray y = Nd4j.createUninitialized(h.dataType(), h.size(0), f.b().size(0));
        if (residual != null) {
            // residual + bias written once, the GEMM adds to it (beta 1): one pass instead of the
            // bias write, the GEMM and a separate read-read-write residual sum
            Kernels.fillRowsPlus(y, residual, f.bias());
            Nd4j.gemm(h, f.b(), y, false, true, 1.0, 1.0);
        } else {
            Linear.gemmPlusBias(h, f.b(), f.bias(), y);
        }
        if (gelu) {
            Kernels.gelu(y, y, null); // in place: no second [rows, out] array
        }
        return y;
    }

    private static INDArray expandByKernel(INDArray h, int col, Factors f, boolean gelu, INDArray residual) {
        INDArray y = Nd4j.createUninitialized(h.dataType(), h.size(0), f.b().size(0));
        Kernels.lowRankExpand(h, col, Kernels.stackTransposed(f.b()), f.bias() == null ? null : Kernels.toHeap(f.bias()),
                gelu, residual, y);
        return y;
    }

    /**
     * What a block does after a linear map's output y when it is not fused: the GELU layer's
     * inference pass, then {@code residual + y}. Used by {@link LinearSlot#forwardInference} for
     * every layer, so the unfused path is the code the blocks ran before.
     */
    static INDArray epilogue(INDArray y, boolean gelu, INDArray residual) {
        INDArray out = gelu ? new Gelu().forward(y, false) : y;
        return residual == null ? out : residual.add(out);
    }
}
