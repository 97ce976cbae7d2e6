package org.pclora.core.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API bodies of the two thin products of a low-rank layer's inference forward
 * ({@link Kernels#thinProduct}, {@link Kernels#lowRankExpand}).
 *
 * <p>Both are register-blocked: four rows times up to four column vectors of accumulators, one
 * broadcast of the left operand per row and step of the inner dimension, the right operand laid out
 * on the heap as [inner, columns] so that its rows are vector loads. Every output element is one
 * chain of fused multiply-adds over the inner dimension in increasing order, whichever block
 * (64, 32, 16 columns or the scalar tail) computes it, so its bits do not depend on the column
 * blocking, the row split over threads, nor on whether C2 compiled the code (vector and scalar
 * {@code fma} are the same IEEE operation). OpenBLAS 0.3.19 packs the whole [rows, in] operand to
 * multiply it by 32 columns; here it is read once, in place.
 */
final class LowRankKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int ROWS = 4;

    private LowRankKernel() {
    }

    /**
     * {@code out[i, j] = sum_k x[i, k] at[k, j]} for rows [lo, hi): x [rows, inner] in native memory,
     * at [inner, n] on the heap, out [rows, n] in native memory.
     */
    static void thin(VectorKernels.Span x, float[] at, int inner, int n, VectorKernels.Span out, int lo, int hi) {
        float[] xs = new float[2 * ROWS * inner];
        float[] tile = new float[ROWS * 4 * L];
        ByteBuffer xb = x.buffer();
        int bound = S.loopBound(inner);
        int[] ro = new int[2 * ROWS];
        for (int i0 = lo; i0 < hi; i0 += 2 * ROWS) {
            int rows = Math.min(2 * ROWS, hi - i0);
            // the block's rows on the heap: broadcasts from an array are cheaper than the buffer's checked reads
            for (int r = 0; r < rows; r++) {
                int src = (i0 + r) * inner;
                int k = 0;
                for (; k < bound; k += L) {
                    FloatVector.fromByteBuffer(S, xb, x.at(src + k), ORDER).intoArray(xs, r * inner + k);
                }
                for (; k < inner; k++) {
                    xs[r * inner + k] = xb.getFloat(x.at(src + k));
                }
            }
            for (int r = 0; r < 2 * ROWS; r++) {
                ro[r] = Math.min(r, rows - 1) * inner;
            }
            int c = 0;
            // 8 rows x 2 vectors (16 accumulators) where the width allows: twice the independent chains
            // of 4 x 2, which a 32-wide product (rank 32) otherwise gets
            for (; c + 2 * L <= n; c += 2 * L) {
                block2x8(xs, ro, inner, at, n, c, tile);
                epilogue(tile, 2 * L, rows, null, false, null, out, i0, n, c);
            }
            for (; c + L <= n; c += L) {
                block1(xs, ro[0], ro[1], ro[2], ro[3], inner, at, n, c, tile);
                epilogue(tile, L, Math.min(ROWS, rows), null, false, null, out, i0, n, c);
                if (rows > ROWS) {
                    block1(xs, ro[4], ro[5], ro[6], ro[7], inner, at, n, c, tile);
                    epilogue(tile, L, rows - ROWS, null, false, null, out, i0 + ROWS, n, c);
                }
            }
            for (; c < n; c++) {
                scalar(xs, 0, inner, at, n, c, null, false, null, out, i0, rows, n);
            }
        }
    }

    /** Columns [c, c + 2L) for the eight rows at offsets ro of the heap left operand; sums to tile [8][2L]. */
    private static void block2x8(float[] a, int[] ro, int inner, float[] bt, int n, int c, float[] tile) {
        int r0 = ro[0], r1 = ro[1], r2 = ro[2], r3 = ro[3], r4 = ro[4], r5 = ro[5], r6 = ro[6], r7 = ro[7];
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        FloatVector a40 = a00, a41 = a00, a50 = a00, a51 = a00, a60 = a00, a61 = a00, a70 = a00, a71 = a00;
        for (int k = 0; k < inner; k++) {
            int br = k * n + c;
            FloatVector b0 = FloatVector.fromArray(S, bt, br);
            FloatVector b1 = FloatVector.fromArray(S, bt, br + L);
            FloatVector x = FloatVector.broadcast(S, a[r0 + k]);
            a00 = x.fma(b0, a00);
            a01 = x.fma(b1, a01);
            x = FloatVector.broadcast(S, a[r1 + k]);
            a10 = x.fma(b0, a10);
            a11 = x.fma(b1, a11);
            x = FloatVector.broadcast(S, a[r2 + k]);
            a20 = x.fma(b0, a20);
            a21 = x.fma(b1, a21);
            x = FloatVector.broadcast(S, a[r3 + k]);
            a30 = x.fma(b0, a30);
            a31 = x.fma(b1, a31);
            x = FloatVector.broadcast(S, a[r4 + k]);
            a40 = x.fma(b0, a40);
            a41 = x.fma(b1, a41);
            x = FloatVector.broadcast(S, a[r5 + k]);
            a50 = x.fma(b0, a50);
            a51 = x.fma(b1, a51);
            x = FloatVector.broadcast(S, a[r6 + k]);
            a60 = x.fma(b0, a60);
            a61 = x.fma(b1, a61);
            x = FloatVector.broadcast(S, a[r7 + k]);
            a70 = x.fma(b0, a70);
            a71 = x.fma(b1, a71);
        }
        int w = 2 * L;
        a00.intoArray(tile, 0);
        a01.intoArray(tile, L);
        a10.intoArray(tile, w);
        a11.intoArray(tile, w + L);
        a20.intoArray(tile, 2 * w);
        a21.intoArray(tile, 2 * w + L);
        a30.intoArray(tile, 3 * w);
        a31.intoArray(tile, 3 * w + L);
        a40.intoArray(tile, 4 * w);
        a41.intoArray(tile, 4 * w + L);
        a50.intoArray(tile, 5 * w);
        a51.intoArray(tile, 5 * w + L);
        a60.intoArray(tile, 6 * w);
        a61.intoArray(tile, 6 * w + L);
        a70.intoArray(tile, 7 * w);
        a71.intoArray(tile, 7 * w + L);
    }

    /**
     * {@code y[i, j] = e(sum_k h[i, hCol + k] bt[k, j] + bias[j]) (+ residual[i, j])} for rows
     * [lo, hi), with e the exact-form GELU when {@code gelu}, else the identity: h [rows, ldh] in
     * native memory (the product reads columns [hCol, hCol + inner)), bt [inner, n] and bias [n] (or
     * null) on the heap, residual and y [rows, n] in native memory (residual may be null).
     */
    static void expand(VectorKernels.Span h, int ldh, int hCol, float[] bt, int inner, int n, float[] bias,
                       boolean gelu, VectorKernels.Span residual, VectorKernels.Span y, int lo, int hi) {
        int count = hi - lo;
        float[] hs = new float[count * inner];
        ByteBuffer hb = h.buffer();
        int bound = S.loopBound(inner);
        for (int i = 0; i < count; i++) {
            int src = (lo + i) * ldh + hCol;
            int k = 0;
            for (; k < bound; k += L) {
                FloatVector.fromByteBuffer(S, hb, h.at(src + k), ORDER).intoArray(hs, i * inner + k);
            }
            for (; k < inner; k++) {
                hs[i * inner + k] = hb.getFloat(h.at(src + k));
            }
        }
        // columns outside, rows inside: the [inner, w] slice of bt stays in L1 while all rows pass
        float[] tile = new float[ROWS * 4 * L];
        int c = 0;
        for (int w = 4 * L; w >= L; w /= 2) {
            for (; c + w <= n; c += w) {
                for (int i0 = 0; i0 < count; i0 += ROWS) {
                    int rows = Math.min(ROWS, count - i0);
                    int b = i0 * inner;
                    block(hs, b, b + Math.min(1, rows - 1) * inner, b + Math.min(2, rows - 1) * inner,
                            b + Math.min(3, rows - 1) * inner, inner, bt, n, c, w, tile);
                    epilogue(tile, w, rows, bias, gelu, residual, y, lo + i0, n, c);
                }
            }
        }
        for (; c < n; c++) {
            for (int i0 = 0; i0 < count; i0 += ROWS) {
                scalar(hs, i0 * inner, inner, bt, n, c, bias, gelu, residual, y, lo + i0, Math.min(ROWS, count - i0), n);
            }
        }
    }

    // The blocks: rows at offsets r0..r3 of the heap left operand (rows past the block's last repeat
    // it and are ignored), columns [c, c + w) of the [inner, n] right operand; the sums go to
    // tile [ROWS][w]. No vector leaves a block or may be null: C2 keeps them in registers only then.

    private static void block4(float[] a, int r0, int r1, int r2, int r3, int inner, float[] bt, int n, int c,
                               float[] tile) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int k = 0; k < inner; k++) {
            int br = k * n + c;
            FloatVector b0 = FloatVector.fromArray(S, bt, br);
            FloatVector b1 = FloatVector.fromArray(S, bt, br + L);
            FloatVector b2 = FloatVector.fromArray(S, bt, br + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bt, br + 3 * L);
            FloatVector x = FloatVector.broadcast(S, a[r0 + k]);
            a00 = x.fma(b0, a00);
            a01 = x.fma(b1, a01);
            a02 = x.fma(b2, a02);
            a03 = x.fma(b3, a03);
            x = FloatVector.broadcast(S, a[r1 + k]);
            a10 = x.fma(b0, a10);
            a11 = x.fma(b1, a11);
            a12 = x.fma(b2, a12);
            a13 = x.fma(b3, a13);
            x = FloatVector.broadcast(S, a[r2 + k]);
            a20 = x.fma(b0, a20);
            a21 = x.fma(b1, a21);
            a22 = x.fma(b2, a22);
            a23 = x.fma(b3, a23);
            x = FloatVector.broadcast(S, a[r3 + k]);
            a30 = x.fma(b0, a30);
            a31 = x.fma(b1, a31);
            a32 = x.fma(b2, a32);
            a33 = x.fma(b3, a33);
        }
        int w = 4 * L;
        a00.intoArray(tile, 0);
        a01.intoArray(tile, L);
        a02.intoArray(tile, 2 * L);
        a03.intoArray(tile, 3 * L);
        a10.intoArray(tile, w);
        a11.intoArray(tile, w + L);
        a12.intoArray(tile, w + 2 * L);
        a13.intoArray(tile, w + 3 * L);
        a20.intoArray(tile, 2 * w);
        a21.intoArray(tile, 2 * w + L);
        a22.intoArray(tile, 2 * w + 2 * L);
        a23.intoArray(tile, 2 * w + 3 * L);
        a30.intoArray(tile, 3 * w);
        a31.intoArray(tile, 3 * w + L);
        a32.intoArray(tile, 3 * w + 2 * L);
        a33.intoArray(tile, 3 * w + 3 * L);
    }

    private static void block2(float[] a, int r0, int r1, int r2, int r3, int inner, float[] bt, int n, int c,
                               float[] tile) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00;
        FloatVector a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00;
        FloatVector a30 = a00, a31 = a00;
        for (int k = 0; k < inner; k++) {
            int br = k * n + c;
            FloatVector b0 = FloatVector.fromArray(S, bt, br);
            FloatVector b1 = FloatVector.fromArray(S, bt, br + L);
            FloatVector x = FloatVector.broadcast(S, a[r0 + k]);
            a00 = x.fma(b0, a00);
            a01 = x.fma(b1, a01);
            x = FloatVector.broadcast(S, a[r1 + k]);
            a10 = x.fma(b0, a10);
            a11 = x.fma(b1, a11);
            x = FloatVector.broadcast(S, a[r2 + k]);
            a20 = x.fma(b0, a20);
            a21 = x.fma(b1, a21);
            x = FloatVector.broadcast(S, a[r3 + k]);
            a30 = x.fma(b0, a30);
            a31 = x.fma(b1, a31);
        }
        int w = 2 * L;
        a00.intoArray(tile, 0);
        a01.intoArray(tile, L);
        a10.intoArray(tile, w);
        a11.intoArray(tile, w + L);
        a20.intoArray(tile, 2 * w);
        a21.intoArray(tile, 2 * w + L);
        a30.intoArray(tile, 3 * w);
        a31.intoArray(tile, 3 * w + L);
    }

    private static void block1(float[] a, int r0, int r1, int r2, int r3, int inner, float[] bt, int n, int c,
                               float[] tile) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < inner; k++) {
            FloatVector b0 = FloatVector.fromArray(S, bt, k * n + c);
            a0 = FloatVector.broadcast(S, a[r0 + k]).fma(b0, a0);
            a1 = FloatVector.broadcast(S, a[r1 + k]).fma(b0, a1);
            a2 = FloatVector.broadcast(S, a[r2 + k]).fma(b0, a2);
            a3 = FloatVector.broadcast(S, a[r3 + k]).fma(b0, a3);
        }
        a0.intoArray(tile, 0);
        a1.intoArray(tile, L);
        a2.intoArray(tile, 2 * L);
        a3.intoArray(tile, 3 * L);
    }

    /** Columns [c, c + w) of the block's sums, one 4-row block: the blocks' result for w = 4L, 2L or L. */
    private static void block(float[] a, int r0, int r1, int r2, int r3, int inner, float[] bt, int n, int c, int w,
                              float[] tile) {
        if (w == 4 * L) {
            block4(a, r0, r1, r2, r3, inner, bt, n, c, tile);
        } else if (w == 2 * L) {
            block2(a, r0, r1, r2, r3, inner, bt, n, c, tile);
        } else {
            block1(a, r0, r1, r2, r3, inner, bt, n, c, tile);
        }
    }

    /**
     * Writes the tile [rows][w] of sums to out rows o0.. (stride ldo), columns [c, c + w), after the
     * epilogue: + bias[c..] (when not null), GELU, residual + (when not null), in that order. One
     * loop per variant, each without a conditionally reassigned vector: on JDK 17 a vector merged
     * at an if (a phi) is boxed, an allocation per vector (measured: such an epilogue took more time
     * than the products), and so is one that crosses a call C2 does not inline, hence the GELU
     * written out.
     */
    private static void epilogue(float[] tile, int w, int rows, float[] bias, boolean gelu, VectorKernels.Span res,
                                 VectorKernels.Span out, int o0, int ldo, int c) {
        if (gelu) {
            epilogueGelu(tile, w, rows, bias == null ? new float[c + w] : bias, res, out, o0, ldo, c);
        } else if (res != null) {
            epilogueResidual(tile, w, rows, bias == null ? new float[c + w] : bias, res, out, o0, ldo, c);
        } else if (bias != null) {
            epilogueBias(tile, w, rows, bias, out, o0, ldo, c);
        } else {
            ByteBuffer ob = out.buffer();
            for (int r = 0; r < rows; r++) {
                int o = (o0 + r) * ldo + c;
                for (int d = 0; d < w; d += L) {
                    FloatVector.fromArray(S, tile, r * w + d).intoByteBuffer(ob, out.at(o + d), ORDER);
                }
            }
        }
    }

    private static void epilogueBias(float[] tile, int w, int rows, float[] bias, VectorKernels.Span out, int o0,
                                     int ldo, int c) {
        ByteBuffer ob = out.buffer();
        for (int r = 0; r < rows; r++) {
            int o = (o0 + r) * ldo + c;
            for (int d = 0; d < w; d += L) {
                FloatVector.fromArray(S, tile, r * w + d).add(FloatVector.fromArray(S, bias, c + d))
                        .intoByteBuffer(ob, out.at(o + d), ORDER);
            }
        }
    }

    private static void epilogueResidual(float[] tile, int w, int rows, float[] bias, VectorKernels.Span res,
                                         VectorKernels.Span out, int o0, int ldo, int c) {
        ByteBuffer ob = out.buffer();
        ByteBuffer rb = res.buffer();
        for (int r = 0; r < rows; r++) {
            int o = (o0 + r) * ldo + c;
            for (int d = 0; d < w; d += L) {
                FloatVector v = FloatVector.fromArray(S, tile, r * w + d).add(FloatVector.fromArray(S, bias, c + d));
                FloatVector.fromByteBuffer(S, rb, res.at(o + d), ORDER).add(v).intoByteBuffer(ob, out.at(o + d), ORDER);
            }
        }
    }

    private static void epilogueGelu(float[] tile, int w, int rows, float[] bias, VectorKernels.Span res,
                                     VectorKernels.Span out, int o0, int ldo, int c) {
        ByteBuffer ob = out.buffer();
        for (int r = 0; r < rows; r++) {
            int o = (o0 + r) * ldo + c;
            for (int d = 0; d < w; d += L) {
                FloatVector x = FloatVector.fromArray(S, tile, r * w + d).add(FloatVector.fromArray(S, bias, c + d));
                // the GELU pass's lane arithmetic (VectorKernels.gelu), written out (see above)
                FloatVector z = x.mul(VectorKernels.INV_SQRT2).abs();
                FloatVector g = VectorKernels.exp(z.mul(z).neg());
                FloatVector t = FloatVector.broadcast(S, 1f).div(z.mul(VectorKernels.P).add(1f));
                FloatVector poly = t.mul(VectorKernels.A5).add(VectorKernels.A4).mul(t).add(VectorKernels.A3).mul(t)
                        .add(VectorKernels.A2).mul(t).add(VectorKernels.A1).mul(t);
                FloatVector erfAbs = poly.mul(g).neg().add(1f);
                FloatVector cdf = erfAbs.blend(erfAbs.neg(), x.compare(VectorOperators.LT, 0f)).mul(0.5f).add(0.5f);
                x.mul(cdf).intoByteBuffer(ob, out.at(o + d), ORDER);
            }
            if (res != null) {
                // rare (no block asks for GELU and a residual): a second pass over the row's stretch
                ByteBuffer rb = res.buffer();
                for (int d = 0; d < w; d += L) {
                    FloatVector.fromByteBuffer(S, rb, res.at(o + d), ORDER)
                            .add(FloatVector.fromByteBuffer(S, ob, out.at(o + d), ORDER)).intoByteBuffer(ob, out.at(o + d), ORDER);
                }
            }
        }
    }

    /** Column c, rows of the block at heap offset {@code base}: the lane arithmetic of the blocks, one float at a time. */
    private static void scalar(float[] a, int base, int inner, float[] bt, int n, int c, float[] bias, boolean gelu,
                                 VectorKernels.Span res, VectorKernels.Span out, int o0, int rows, int ldo) {
        ByteBuffer ob = out.buffer();
        for (int r = 0; r < rows; r++) {
            int ar = base + r * inner;
            float acc = 0f;
            for (int k = 0; k < inner; k++) {
                acc = Math.fma(a[ar + k], bt[k * n + c], acc);
            }
            int o = (o0 + r) * ldo + c;
            if (bias != null) {
                acc = acc + bias[c];
            } else if (gelu || res != null) {
                acc = acc + 0f; // as the vector epilogues, which add a zero bias there (-0 becomes +0)
            }
            if (gelu) {
                acc = VectorKernels.gelu(acc);
            }
            if (res != null) {
                acc = res.buffer().getFloat(res.at(o)) + acc;
            }
            ob.putFloat(out.at(o), acc);
        }
    }
}
