package org.pclora.core.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API body of {@link Kernels#attention}: inference attention per (example, head), fused.
 * It reads q, k and v straight from the projections' [B*T, D] rows and writes the context straight
 * into merged [B*T, D] rows, so the head split and merge copies, the transposed key copy and the
 * [B, H, T, T] score tensor of the unfused path are never made. Per head, the head's q (scaled), k
 * (transposed, keys padded to whole vectors) and v are copied into small heap arrays that stay in
 * cache; then for each tile of four query rows the scores are a register-blocked product (four
 * rows x four key vectors, broadcast q times K^T rows), the softmax runs over the tile's rows, and
 * the context is a second register-blocked product (four rows x four value vectors), divided by
 * the softmax sum at the end.
 *
 * <p>Deterministic: each (example, head) is computed by one thread in a fixed order, with the
 * IEEE operations and the {@code exp} of {@link VectorKernels}, so the result does not depend on
 * the thread count nor on when the JIT compiled this code.
 */
final class AttentionKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int ROWS = 4;

    private AttentionKernel() {
    }

    /**
     * Attention for items [lo, hi) of batch * heads (item = example * heads + head). Layouts: q
     * [B*T, qWidth] with head h at column h*dh; k and v [B*T, kvWidth] with head h at column
     * h*kvHead ({@code kvHead} 0: every head reads the same dh columns, as in attention computed in a
     * low-rank space, and they are copied once per example); out [B*T, outWidth] with head h at
     * column h*dh.
     *
     * @param mask        [batch, tokens] 1 attend / 0 padding, or null
     * @param maskedScore added to the scores of padded keys
     * @param probs       [batch, heads, tokens, tokens] receiving the softmax output (for training), or null
     */
    static void run(VectorKernels.Span q, int qWidth, VectorKernels.Span k, VectorKernels.Span v, int kvWidth, int kvHead,
                    VectorKernels.Span mask, float maskedScore, VectorKernels.Span out, int outWidth,
                    VectorKernels.Span probs, int tokens, int heads, int dh, float scale, int lo, int hi) {
        int tp = (tokens + L - 1) / L * L;
        float[] qs = new float[tokens * dh];
        float[] kt = new float[dh * tp];
        float[] vs = new float[tokens * dh];
        float[] s = new float[ROWS * tp];
        float[] bias = mask == null ? null : new float[tokens];
        float[] inv = new float[ROWS];
        float[] o = new float[ROWS * dh];
        float[] ks = new float[tokens * dh];
        float[] lanes = new float[L];
        ByteBuffer qb = q.buffer();
        ByteBuffer kb = k.buffer();
        ByteBuffer vb = v.buffer();
        int loaded = -1; // the example whose shared k and v are in ks, kt and vs (kvHead 0)
        for (int item = lo; item < hi; item++) {
            int b = item / heads;
            int h = item % heads;
            int qBase = b * tokens * qWidth + h * dh;
            int kvBase = b * tokens * kvWidth + h * kvHead;
            int bound = S.loopBound(dh);
            boolean loadKv = kvHead != 0 || loaded != b;
            loaded = b;
            for (int t = 0; t < tokens; t++) {
                int row = qBase + t * qWidth;
                int d = 0;
                for (; d < bound; d += L) {
                    FloatVector.fromByteBuffer(S, qb, q.at(row + d), ORDER).mul(scale).intoArray(qs, t * dh + d);
                }
                for (; d < dh; d++) {
                    qs[t * dh + d] = qb.getFloat(q.at(row + d)) * scale;
                }
            }
            if (loadKv) {
                for (int t = 0; t < tokens; t++) {
                    int row = kvBase + t * kvWidth;
                    int d = 0;
                    for (; d < bound; d += L) {
                        FloatVector.fromByteBuffer(S, kb, k.at(row + d), ORDER).intoArray(ks, t * dh + d);
                        FloatVector.fromByteBuffer(S, vb, v.at(row + d), ORDER).intoArray(vs, t * dh + d);
                    }
                    for (; d < dh; d++) {
                        ks[t * dh + d] = kb.getFloat(k.at(row + d));
                        vs[t * dh + d] = vb.getFloat(v.at(row + d));
                    }
                }
                // K^T from the heap copy: array reads are cheaper than the buffer's checked scalar reads
                for (int t = 0; t < tokens; t++) {
                    for (int d = 0; d < dh; d++) {
                        kt[d * tp + t] = ks[t * dh + d];
                    }
                }
            }
            if (mask != null) {
                for (int j = 0; j < tokens; j++) {
                    bias[j] = (1f - mask.buffer().getFloat(mask.at(b * tokens + j))) * maskedScore;
                }
            }
            for (int i0 = 0; i0 < tokens; i0 += ROWS) {
                int rows = Math.min(ROWS, tokens - i0);
                scores(qs, kt, s, i0, rows, dh, tp, 0);
                for (int r = 0; r < rows; r++) {
                    inv[r] = softmaxRow(s, r * tp, tokens, bias, lanes);
                    if (probs != null) {
                        writeRow(s, r * tp, inv[r], probs, (item * tokens + i0 + r) * tokens, tokens);
                    }
                }
                context(s, 0, vs, o, rows, tokens, dh, tp);
                write(o, inv, out, b * tokens * outWidth + h * dh + i0 * outWidth, outWidth, rows, dh);
            }
        }
    }

    /** s[r][0, tp) = q[i0 + r] . K^T for the tile's rows (rows past the last are computed from it and ignored). */
    private static void scores(float[] qs, float[] kt, float[] s, int i0, int rows, int dh, int tp, int sAt) {
        int r0 = i0 * dh;
        int r1 = (i0 + Math.min(1, rows - 1)) * dh;
        int r2 = (i0 + Math.min(2, rows - 1)) * dh;
        int r3 = (i0 + Math.min(3, rows - 1)) * dh;
        int c = 0;
        for (; c + 4 * L <= tp; c += 4 * L) {
            FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
            FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
            FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            for (int d = 0; d < dh; d++) {
                int kr = d * tp + c;
                FloatVector k0 = FloatVector.fromArray(S, kt, kr);
                FloatVector k1 = FloatVector.fromArray(S, kt, kr + L);
                FloatVector k2 = FloatVector.fromArray(S, kt, kr + 2 * L);
                FloatVector k3 = FloatVector.fromArray(S, kt, kr + 3 * L);
                FloatVector q0 = FloatVector.broadcast(S, qs[r0 + d]);
                FloatVector q1 = FloatVector.broadcast(S, qs[r1 + d]);
                FloatVector q2 = FloatVector.broadcast(S, qs[r2 + d]);
                FloatVector q3 = FloatVector.broadcast(S, qs[r3 + d]);
                a00 = k0.fma(q0, a00);
                a01 = k1.fma(q0, a01);
                a02 = k2.fma(q0, a02);
                a03 = k3.fma(q0, a03);
                a10 = k0.fma(q1, a10);
                a11 = k1.fma(q1, a11);
                a12 = k2.fma(q1, a12);
                a13 = k3.fma(q1, a13);
                a20 = k0.fma(q2, a20);
                a21 = k1.fma(q2, a21);
                a22 = k2.fma(q2, a22);
                a23 = k3.fma(q2, a23);
                a30 = k0.fma(q3, a30);
                a31 = k1.fma(q3, a31);
                a32 = k2.fma(q3, a32);
                a33 = k3.fma(q3, a33);
            }
            a00.intoArray(s, sAt + c);
            a01.intoArray(s, sAt + c + L);
            a02.intoArray(s, sAt + c + 2 * L);
            a03.intoArray(s, sAt + c + 3 * L);
            a10.intoArray(s, sAt + tp + c);
            a11.intoArray(s, sAt + tp + c + L);
            a12.intoArray(s, sAt + tp + c + 2 * L);
            a13.intoArray(s, sAt + tp + c + 3 * L);
            a20.intoArray(s, sAt + 2 * tp + c);
            a21.intoArray(s, sAt + 2 * tp + c + L);
            a22.intoArray(s, sAt + 2 * tp + c + 2 * L);
            a23.intoArray(s, sAt + 2 * tp + c + 3 * L);
            a30.intoArray(s, sAt + 3 * tp + c);
            a31.intoArray(s, sAt + 3 * tp + c + L);
            a32.intoArray(s, sAt + 3 * tp + c + 2 * L);
            a33.intoArray(s, sAt + 3 * tp + c + 3 * L);
        }
        for (; c < tp; c += L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0; d < dh; d++) {
                FloatVector k0 = FloatVector.fromArray(S, kt, d * tp + c);
                a0 = k0.fma(FloatVector.broadcast(S, qs[r0 + d]), a0);
                a1 = k0.fma(FloatVector.broadcast(S, qs[r1 + d]), a1);
                a2 = k0.fma(FloatVector.broadcast(S, qs[r2 + d]), a2);
                a3 = k0.fma(FloatVector.broadcast(S, qs[r3 + d]), a3);
            }
            a0.intoArray(s, sAt + c);
            a1.intoArray(s, sAt + tp + c);
            a2.intoArray(s, sAt + 2 * tp + c);
            a3.intoArray(s, sAt + 3 * tp + c);
        }
    }

    /**
     * Replaces s[at, at + tokens) by exp(score + bias - max) and returns 1 / their sum; the sum is
     * taken in a fixed order (lanes in order, then the tail).
     */
    private static float softmaxRow(float[] s, int at, int tokens, float[] bias, float[] lanes) {
        int bound = S.loopBound(tokens);
        if (bias != null) {
            for (int j = 0; j < tokens; j++) {
                s[at + j] += bias[j];
            }
        }
        FloatVector mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (; j < bound; j += L) {
            mx = mx.max(FloatVector.fromArray(S, s, at + j));
        }
        float max = mx.reduceLanes(VectorOperators.MAX);
        for (; j < tokens; j++) {
            max = Math.max(max, s[at + j]);
        }
        FloatVector acc = FloatVector.zero(S);
        for (j = 0; j < bound; j += L) {
            FloatVector e = VectorKernels.exp(FloatVector.fromArray(S, s, at + j).sub(max));
            e.intoArray(s, at + j);
            acc = acc.add(e);
        }
        float total = VectorKernels.sum(acc, lanes);
        for (; j < tokens; j++) {
            float e = VectorKernels.exp(s[at + j] - max);
            s[at + j] = e;
            total += e;
        }
        return 1f / total;
    }

    /**
     * o[r][0, dh) = sum_j e[r][j] v[j] for the tile's rows (rows past the last are computed from it
     * and ignored). Results go to a heap tile, as in {@link #scores}: C2 keeps the sixteen
     * accumulators in registers only when no vector leaves this method.
     */
    private static void context(float[] s, int sAt, float[] vs, float[] o, int rows, int tokens, int dh, int tp) {
        int p0 = sAt;
        int p1 = sAt + Math.min(1, rows - 1) * tp;
        int p2 = sAt + Math.min(2, rows - 1) * tp;
        int p3 = sAt + Math.min(3, rows - 1) * tp;
        int dv = 0;
        for (; dv + 4 * L <= dh; dv += 4 * L) {
            FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
            FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
            FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            for (int j = 0; j < tokens; j++) {
                int vr = j * dh + dv;
                FloatVector v0 = FloatVector.fromArray(S, vs, vr);
                FloatVector v1 = FloatVector.fromArray(S, vs, vr + L);
                FloatVector v2 = FloatVector.fromArray(S, vs, vr + 2 * L);
                FloatVector v3 = FloatVector.fromArray(S, vs, vr + 3 * L);
                FloatVector e0 = FloatVector.broadcast(S, s[p0 + j]);
                FloatVector e1 = FloatVector.broadcast(S, s[p1 + j]);
                FloatVector e2 = FloatVector.broadcast(S, s[p2 + j]);
                FloatVector e3 = FloatVector.broadcast(S, s[p3 + j]);
                a00 = v0.fma(e0, a00);
                a01 = v1.fma(e0, a01);
                a02 = v2.fma(e0, a02);
                a03 = v3.fma(e0, a03);
                a10 = v0.fma(e1, a10);
                a11 = v1.fma(e1, a11);
                a12 = v2.fma(e1, a12);
                a13 = v3.fma(e1, a13);
                a20 = v0.fma(e2, a20);
                a21 = v1.fma(e2, a21);
                a22 = v2.fma(e2, a22);
                a23 = v3.fma(e2, a23);
                a30 = v0.fma(e3, a30);
                a31 = v1.fma(e3, a31);
                a32 = v2.fma(e3, a32);
                a33 = v3.fma(e3, a33);
            }
            a00.intoArray(o, dv);
            a01.intoArray(o, dv + L);
            a02.intoArray(o, dv + 2 * L);
            a03.intoArray(o, dv + 3 * L);
            a10.intoArray(o, dh + dv);
            a11.intoArray(o, dh + dv + L);
            a12.intoArray(o, dh + dv + 2 * L);
            a13.intoArray(o, dh + dv + 3 * L);
            a20.intoArray(o, 2 * dh + dv);
            a21.intoArray(o, 2 * dh + dv + L);
            a22.intoArray(o, 2 * dh + dv + 2 * L);
            a23.intoArray(o, 2 * dh + dv + 3 * L);
            a30.intoArray(o, 3 * dh + dv);
            a31.intoArray(o, 3 * dh + dv + L);
            a32.intoArray(o, 3 * dh + dv + 2 * L);
            a33.intoArray(o, 3 * dh + dv + 3 * L);
        }
        for (; dv + 2 * L <= dh; dv += 2 * L) {
            FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00;
            FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            for (int j = 0; j < tokens; j++) {
                int vr = j * dh + dv;
                FloatVector v0 = FloatVector.fromArray(S, vs, vr);
                FloatVector v1 = FloatVector.fromArray(S, vs, vr + L);
                FloatVector e0 = FloatVector.broadcast(S, s[p0 + j]);
                FloatVector e1 = FloatVector.broadcast(S, s[p1 + j]);
                FloatVector e2 = FloatVector.broadcast(S, s[p2 + j]);
                FloatVector e3 = FloatVector.broadcast(S, s[p3 + j]);
                a00 = v0.fma(e0, a00);
                a01 = v1.fma(e0, a01);
                a10 = v0.fma(e1, a10);
                a11 = v1.fma(e1, a11);
                a20 = v0.fma(e2, a20);
                a21 = v1.fma(e2, a21);
                a30 = v0.fma(e3, a30);
                a31 = v1.fma(e3, a31);
            }
            a00.intoArray(o, dv);
            a01.intoArray(o, dv + L);
            a10.intoArray(o, dh + dv);
            a11.intoArray(o, dh + dv + L);
            a20.intoArray(o, 2 * dh + dv);
            a21.intoArray(o, 2 * dh + dv + L);
            a30.intoArray(o, 3 * dh + dv);
            a31.intoArray(o, 3 * dh + dv + L);
        }
        for (; dv + L <= dh; dv += L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0; j < tokens; j++) {
                FloatVector v0 = FloatVector.fromArray(S, vs, j * dh + dv);
                a0 = v0.fma(FloatVector.broadcast(S, s[p0 + j]), a0);
                a1 = v0.fma(FloatVector.broadcast(S, s[p1 + j]), a1);
                a2 = v0.fma(FloatVector.broadcast(S, s[p2 + j]), a2);
                a3 = v0.fma(FloatVector.broadcast(S, s[p3 + j]), a3);
            }
            a0.intoArray(o, dv);
            a1.intoArray(o, dh + dv);
            a2.intoArray(o, 2 * dh + dv);
            a3.intoArray(o, 3 * dh + dv);
        }
        for (; dv < dh; dv++) {
            for (int r = 0; r < rows; r++) {
                float acc = 0f;
                for (int j = 0; j < tokens; j++) {
                    acc = Math.fma(s[sAt + r * tp + j], vs[j * dh + dv], acc);
                }
                o[r * dh + dv] = acc;
            }
        }
    }

    /** dst[at, at + n) = s[from, from + n) * f. */
    private static void writeRow(float[] s, int from, float f, VectorKernels.Span dst, int at, int n) {
        ByteBuffer db = dst.buffer();
        int bound = S.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector.fromArray(S, s, from + j).mul(f).intoByteBuffer(db, dst.at(at + j), ORDER);
        }
        for (; j < n; j++) {
            db.putFloat(dst.at(at + j), s[from + j] * f);
        }
    }

    /** Copies one head's rows of x [B*T, width] into dst [tokens, dh], times f. */
    private static void readHead(VectorKernels.Span x, int base, int width, int tokens, int dh, float f, float[] dst) {
        ByteBuffer xb = x.buffer();
        int bound = S.loopBound(dh);
        for (int t = 0; t < tokens; t++) {
            int row = base + t * width;
            int d = 0;
            for (; d < bound; d += L) {
                FloatVector.fromByteBuffer(S, xb, x.at(row + d), ORDER).mul(f).intoArray(dst, t * dh + d);
            }
            for (; d < dh; d++) {
                dst[t * dh + d] = xb.getFloat(x.at(row + d)) * f;
            }
        }
    }

    /** dst [cols, tp] = src [rows, cols]^T with src rows of stride {@code srcStride}; columns past rows untouched. */
    private static void transpose(float[] src, int rows, int cols, int srcStride, float[] dst, int tp) {
        for (int t = 0; t < rows; t++) {
            for (int d = 0; d < cols; d++) {
                dst[d * tp + t] = src[t * srcStride + d];
            }
        }
    }

    /** For every 4-row tile of a [tokens, tp] matrix m: out head rows = (m x v) * f, written merged. */
    private static void product(float[] m, float[] v, float[] o, float f, VectorKernels.Span out, int base,
                                int width, int tokens, int dh, int tp, float[] ones) {
        for (int i0 = 0; i0 < tokens; i0 += ROWS) {
            int rows = Math.min(ROWS, tokens - i0);
            context(m, i0 * tp, v, o, rows, tokens, dh, tp);
            ones[0] = f;
            ones[1] = f;
            ones[2] = f;
            ones[3] = f;
            write(o, ones, out, base + i0 * width, width, rows, dh);
        }
    }

    /**
     * Backward of {@link #run} with kept probabilities, for items [lo, hi) of batch * heads: from
     * the forward's q, k, v and probabilities and dc = dL/dcontext (all [B*T, width] merged rows,
     * probabilities [B, H, T, T]), writes dq, dk, dv in the same layout:
     * dP = dc v^T (+ the probabilities' own gradient, or null), dS = P (dP - rowsum(dP P)),
     * dq = scale dS k, dk = dS^T (scale q), dv = P^T dc.
     */
    static void backward(VectorKernels.Span q, VectorKernels.Span k, VectorKernels.Span v, VectorKernels.Span probs,
                         VectorKernels.Span probsGrad, VectorKernels.Span dc, VectorKernels.Span dq,
                         VectorKernels.Span dk, VectorKernels.Span dv, int tokens, int heads, int dh, float scale,
                         int lo, int hi) {
        int width = heads * dh;
        int tp = (tokens + L - 1) / L * L;
        float[] qs = new float[tokens * dh];
        float[] ks = new float[tokens * dh];
        float[] dcs = new float[tokens * dh];
        float[] vt = new float[dh * tp];
        float[] vs = new float[tokens * dh];
        float[] p = new float[tokens * tp];
        float[] pt = new float[tokens * tp];
        float[] ds = new float[(tokens + ROWS) * tp]; // the last tile's score rows may run past the last token
        float[] dst = new float[tokens * tp];
        float[] o = new float[ROWS * dh];
        float[] f = new float[ROWS];
        float[] lanes = new float[L];
        ByteBuffer pb = probs.buffer();
        ByteBuffer gb = probsGrad == null ? null : probsGrad.buffer();
        int bound = S.loopBound(tokens);
        for (int item = lo; item < hi; item++) {
            int b = item / heads;
            int h = item % heads;
            int base = b * tokens * width + h * dh;
            readHead(q, base, width, tokens, dh, scale, qs);
            readHead(k, base, width, tokens, dh, 1f, ks);
            readHead(v, base, width, tokens, dh, 1f, vs);
            readHead(dc, base, width, tokens, dh, 1f, dcs);
            transpose(vs, tokens, dh, dh, vt, tp);
            int pAt = item * tokens * tokens;
            for (int i = 0; i < tokens; i++) {
                for (int j = 0; j < tokens; j++) {
                    p[i * tp + j] = pb.getFloat(probs.at(pAt + i * tokens + j));
                }
            }
            // dP = dc v^T, tile by tile, then dS row by row
            for (int i0 = 0; i0 < tokens; i0 += ROWS) {
                int rows = Math.min(ROWS, tokens - i0);
                scores(dcs, vt, ds, i0, rows, dh, tp, i0 * tp);
            }
            for (int i = 0; i < tokens; i++) {
                int at = i * tp;
                if (gb != null) {
                    for (int j = 0; j < tokens; j++) {
                        ds[at + j] += gb.getFloat(probsGrad.at(pAt + i * tokens + j));
                    }
                }
                FloatVector acc = FloatVector.zero(S);
                int j = 0;
                for (; j < bound; j += L) {
                    acc = FloatVector.fromArray(S, ds, at + j).fma(FloatVector.fromArray(S, p, at + j), acc);
                }
                float dot = VectorKernels.sum(acc, lanes);
                for (; j < tokens; j++) {
                    dot += ds[at + j] * p[at + j];
                }
                for (j = 0; j < bound; j += L) {
                    FloatVector.fromArray(S, ds, at + j).sub(dot).mul(FloatVector.fromArray(S, p, at + j))
                            .intoArray(ds, at + j);
                }
                for (; j < tokens; j++) {
                    ds[at + j] = (ds[at + j] - dot) * p[at + j];
                }
            }
            transpose(p, tokens, tokens, tp, pt, tp);
            transpose(ds, tokens, tokens, tp, dst, tp);
            product(ds, ks, o, scale, dq, base, width, tokens, dh, tp, f);   // dq = scale dS k
            product(dst, qs, o, 1f, dk, base, width, tokens, dh, tp, f);     // dk = dS^T (scale q)
            product(pt, dcs, o, 1f, dv, base, width, tokens, dh, tp, f);     // dv = P^T dc
        }
    }

    /** out row (outRow + r * width) head columns = o[r] * inv[r] for the tile's rows. */
    private static void write(float[] o, float[] inv, VectorKernels.Span out, int outRow, int width, int rows, int dh) {
        ByteBuffer ob = out.buffer();
        int bound = S.loopBound(dh);
        for (int r = 0; r < rows; r++) {
            int at = outRow + r * width;
            float f = inv[r];
            int d = 0;
            for (; d < bound; d += L) {
                FloatVector.fromArray(S, o, r * dh + d).mul(f).intoByteBuffer(ob, out.at(at + d), ORDER);
            }
            for (; d < dh; d++) {
                ob.putFloat(out.at(at + d), o[r * dh + d] * f);
            }
        }
    }
}
