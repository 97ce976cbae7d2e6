package org.pclora.core.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.env.EngineSettings;
import org.pclora.core.kernels.Kernels;
import org.pclora.core.memory.StepWorkspace;

/**
 * Multi-head self-attention as in BERT and ViT: query, key, value and output projections held in
 * {@link LinearSlot}s (so adapters can replace them), scaled dot-product attention per head with
 * an additive padding mask on the keys, softmax, dropout on the attention probabilities.
 *
 * <p>Heads are batched: q, k, v become [B, H, T, dh] and the two attention products run as one
 * rank-4 batched matmul each, no Java loop over batch and heads. The softmax output (before
 * dropout) can be kept as the {@code attention.<i>} distillation tap, and a gradient with
 * respect to it can be injected for the next backward.
 */
public final class MultiHeadSelfAttention {
    /** Added to the scores of padded keys; exp() of it underflows to 0 in float32 and float64. */
    static final double MASKED_SCORE = -1e9;

    /** Id of the nested workspace the unfused forward's scratch arrays live in (reset per call). */
    public static final String SCRATCH_WORKSPACE = "PCLORA_ATTENTION_SCRATCH";
    private final LinearSlot query;
    private final LinearSlot key;
    private final LinearSlot value;
    private final LinearSlot output;
    private final int heads;
    private final int headSize;
    private final double scale;
    private final Dropout probsDropout;
    private boolean keepProbs;

    // state of the last training forward
    private int batch;
    private int tokens;
    private INDArray qh;    // scaled queries [B,H,T,dh]
    private INDArray kh;    // [B,H,T,dh]
    private INDArray vh;    // [B,H,T,dh]
    private INDArray probs; // softmax output [B,H,T,T]
    private INDArray dropMask; // scaled keep mask on probs, or null
    private boolean pending;
    /** Whether the last training forward took the fused path (qh, kh, vh then hold merged, unscaled rows). */
    private boolean fused;
    private INDArray lastProbs;
    private INDArray probsGradient;

    /**
     * @param query            [D, D] projection slot
     * @param key              [D, D] projection slot
     * @param value            [D, D] projection slot
     * @param output           [D, D] output projection slot
     * @param heads            number of heads; must divide D
     * @param attentionDropout dropout probability on the attention probabilities
     * @param seed             seed of the attention dropout masks
     */
    public MultiHeadSelfAttention(LinearSlot query, LinearSlot key, LinearSlot value, LinearSlot output,
                                  int heads, double attentionDropout, long seed) {
        int width = query.outFeatures();
        if (heads <= 0 || width % heads != 0) {
            throw new PcLoraException("attention " + query.name() + ": hidden size " + width
                    + " is not divisible by " + heads + " heads; accepted: a positive head count that divides "
                    + width);
        }
        for (LinearSlot s : List.of(query, key, value, output)) {
            if (s.inFeatures() != width || s.outFeatures() != width) {
                throw new IllegalArgumentException("attention slot " + s.name() + " is [" + s.outFeatures() + ", "
                        + s.inFeatures() + "], expected [" + width + ", " + width + "]");
            }
        }
        this.query = query;
        this.key = key;
        this.value = value;
        this.output = output;
        this.heads = heads;
        this.headSize = width / heads;
        this.scale = 1.0 / Math.sqrt(headSize);
        this.probsDropout = new Dropout(Dropout.checkProbability(attentionDropout, "attention dropout"), seed);
    }

    /**
     * Switches the fused attention kernels ({@link EngineSettings#fusedAttention}) on or off for this
     * JVM (measurements compare both paths); returns the previous setting. The unfused path is the reference the tests hold it to.
     */
    public static boolean setFusedEnabled(boolean on) {
        return EngineSettings.update(s -> s.withFusedAttention(on)).fusedAttention();
    }

    /** The query projection slot. */
    public LinearSlot query() {
        return query;
    }

    /** The key projection slot. */
    public LinearSlot key() {
        return key;
    }

    /** The value projection slot. */
    public LinearSlot value() {
        return value;
    }

    /** The output projection slot. */
    public LinearSlot output() {
        return output;
    }

    /** Number of heads. */
    public int heads() {
        return heads;
    }

    /** Whether forward keeps the attention probabilities for {@link #lastProbs()}. */
    public void setKeepProbs(boolean keep) {
        this.keepProbs = keep;
        if (!keep) {
            lastProbs = null;
        }
    }

    /**
     * The softmax output [B, H, T, T] of the last forward (before dropout) when
     * {@link #setKeepProbs} is on, else null. Shared with backward: read, do not modify.
     */
    public INDArray lastProbs() {
        return lastProbs;
    }

    /**
     * Adds a gradient [B, H, T, T] with respect to the attention probabilities (the softmax
     * output, before dropout) of the last forward, e.g. from an attention-distillation loss; it
     * enters the next {@link #backward}.
     */
    public void addProbsGradient(INDArray g) {
        probsGradient = probsGradient == null ? g.dup() : probsGradient.addi(g);
    }

    /**
     * Attention over x [B*T, D] (rows ordered batch-major).
     *
     * @param mask [B, T] with 1 for tokens to attend to and 0 for padding, or null for none
     * @return [B*T, D]
     */
    public INDArray forward(INDArray x, int batch, int tokens, INDArray mask, boolean training) {
        return forward(x, batch, tokens, mask, training, null);
    }

    /**
     * Inference attention plus a residual: {@code residual + attention(x)} [B*T, D], the sum fused
     * into the output projection's pass where that is a low-rank layer; the query, key and value
     * projections, when all three are low-rank now, share one product with x.
     *
     * @param residual [B*T, D], not modified
     */
    public INDArray forwardInference(INDArray x, int batch, int tokens, INDArray mask, INDArray residual) {
        return forward(x, batch, tokens, mask, false, residual);
    }

    private INDArray forward(INDArray x, int batch, int tokens, INDArray mask, boolean training, INDArray residual) {
        if (x.size(0) != (long) batch * tokens) {
            throw new IllegalArgumentException("attention: x has " + x.size(0) + " rows, expected batch "
                    + batch + " x tokens " + tokens);
        }
        // a probs gradient belongs to the forward it was computed from; drop any stale one
        probsGradient = null;
        EngineSettings settings = EngineSettings.current();
        if (!training && settings.fusedAttention() && settings.attentionRankSpace() && !keepProbs && Kernels.lowRankEnabled()) {
            INDArray y = lowRankForward(x, batch, tokens, mask, residual);
            if (y != null) {
                clear();
                lastProbs = null;
                return y;
            }
        }
        if (settings.fusedAttention() && !keepProbs && Kernels.enabled() && (!training || probsDropout.p() == 0)) {
            INDArray y = fusedForward(x, batch, tokens, mask, training, residual);
            if (y != null) {
                return y;
            }
        }
        INDArray[] qkv = project(x, training);
        INDArray q = splitHeads(qkv[0], batch, tokens);
        INDArray k = splitHeads(qkv[1], batch, tokens);
        INDArray v = splitHeads(qkv[2], batch, tokens);
        DataType dt = q.dataType();
        // scaling q instead of the scores costs T*D instead of H*T*T multiplications
        q.muli(scale);
        if (mask != null && (mask.rank() != 2 || mask.size(0) != batch || mask.size(1) != tokens)) {
            throw new IllegalArgumentException("attention mask must be [" + batch + ", " + tokens + "], got "
                    + Arrays.toString(mask.shape()));
        }
        // what backward reads (probabilities, dropout mask, merged context) is made here; the
        // transposed keys, the dropped probabilities and the per-head context are scratch, reset
        // when the scope closes (inside a step's workspace; plain allocations otherwise)
        INDArray p = Nd4j.createUninitialized(dt, batch, heads, tokens, tokens);
        INDArray m = training && probsDropout.p() > 0 ? probsDropout.drawMask(p) : null;
        INDArray merged = Nd4j.createUninitialized(dt, (long) batch * tokens, (long) heads * headSize);
        try (MemoryWorkspace ignored = StepWorkspace.scratch(SCRATCH_WORKSPACE)) {
            // libnd4j's batched matmul with transposeB ran ~5x slower than without at [16,4,65,192]:
            // a contiguous k^T copy costs less than the difference
            Nd4j.matmul(q, transposedCopy(k), p, false, false, false);
            INDArray keep = mask == null ? null : mask.castTo(dt);
            if (Kernels.supports(p) && (keep == null || Kernels.supports(keep))) {
                // mask, max, exp, sum and scale in one pass per row
                Kernels.softmaxRows(p, keep, MASKED_SCORE, heads * tokens);
            } else {
                if (keep != null) {
                    INDArray bias = keep.rsub(1.0).muli(MASKED_SCORE);
                    Nd4j.getExecutioner().exec(new BroadcastAddOp(p, bias, p, 0, 3));
                }
                Nd4j.exec(new SoftMax(p, p, 3));
            }
            INDArray attended = m == null ? p : p.mul(m);
            INDArray context = Nd4j.createUninitialized(dt, batch, heads, tokens, headSize);
            Nd4j.matmul(attended, v, context, false, false, false);
            // mergeHeads into an array made outside the scratch scope: the same copy
            merged.reshape('c', batch, tokens, heads, headSize).assign(context.permute(0, 2, 1, 3));
        }
        lastProbs = keepProbs ? p : null;
        INDArray y = outputProjection(merged, training, residual);
        if (training) {
            this.batch = batch;
            this.tokens = tokens;
            qh = q;
            kh = k;
            vh = v;
            probs = p;
            dropMask = m;
            pending = true;
            fused = false;
        } else {
            clear();
        }
        return y;
    }

    /**
     * The fused path (float32, no kept probabilities, no attention dropout): the kernel reads the
     * projections' outputs and writes the merged context, so no head split/merge copy, no
     * transposed key copy and, in inference, no [B, H, T, T] scores are made; a training forward
     * keeps the probabilities for the fused backward. Null when an array is not one the kernel takes
     * (then the unfused path runs).
     */
    private INDArray fusedForward(INDArray x, int batch, int tokens, INDArray mask, boolean training,
                                  INDArray residual) {
        INDArray[] qkv = project(x, training);
        INDArray q = qkv[0];
        INDArray k = qkv[1];
        INDArray v = qkv[2];
        checkMask(mask, batch, tokens);
        INDArray keep = mask == null ? null : mask.castTo(q.dataType());
        if (!Kernels.supports(q, k, v) || (keep != null && !Kernels.supports(keep))) {
            return null;
        }
        INDArray context = Nd4j.createUninitialized(q.dataType(), q.size(0), q.size(1));
        INDArray p = training ? Nd4j.createUninitialized(q.dataType(), batch, heads, tokens, tokens) : null;
        Kernels.attention(q, k, v, keep, MASKED_SCORE, batch, tokens, heads, scale, context, p);
        lastProbs = null;
        if (training) {
            this.batch = batch;
            this.tokens = tokens;
            qh = q; // unscaled, merged rows: the fused backward reads them as they are
            kh = k;
            vh = v;
            probs = p;
            dropMask = null;
            pending = true;
            fused = true;
        } else {
            clear();
        }
        return outputProjection(context, training, residual);
    }

    /**
     * Switches inference attention in the rank-r space ({@link #lowRankForward}, setting
     * {@link EngineSettings#attentionRankSpace}) on or off (A/B runs, tests); returns the previous setting.
     */
    public static boolean setLowRankSpace(boolean on) {
        return EngineSettings.update(s -> s.withAttentionRankSpace(on)).attentionRankSpace();
    }

    /**
     * Inference attention when the four projections are low-rank maps of one rank r below the head
     * size dh (compressed, or PC-LoRA at lambda 0): with {@code H_q, H_k, H_v = x A^T} [N, r] (one
     * product), head h's scores are {@code (H_q M_h + c_h) H_k^T} with {@code M_h = B_qh^T B_kh} and
     * {@code c_h = B_kh^T b_qh} (B_qh the head's dh rows of B_q): the dropped terms
     * {@code H_q B_qh^T b_kh} and {@code b_qh . b_kh} are the same for every key of a query and
     * cancel in the softmax. The context is {@code (P_h H_v) B_vh^T + b_vh} (rows of P sum to 1), and
     * the output projection's {@code context A_o^T} is {@code sum_h (P_h H_v) N_h + A_o b_v} with
     * {@code N_h = B_vh^T A_oh^T}. So the scores and the context products run over r columns instead
     * of dh, and q, k, v and the [N, D] context are never expanded. Equal to the expanded arithmetic
     * up to float32 rounding; returns null (the caller takes the expanded path) where it does not apply.
     */
    private INDArray lowRankForward(INDArray x, int batch, int tokens, INDArray mask, INDArray residual) {
        LowRank.Factors fq = query.lowRankFactors();
        LowRank.Factors fk = fq == null ? null : key.lowRankFactors();
        LowRank.Factors fv = fk == null ? null : value.lowRankFactors();
        LowRank.Factors fo = fv == null ? null : output.lowRankFactors();
        try {
            if (fo == null) {
                return null;
            }
            int r = fq.rank();
            if (fk.rank() != r || fv.rank() != r || fo.rank() != r || r >= headSize
                    || !Kernels.supports(x, fq.a(), fq.b(), fk.a(), fk.b(), fv.a(), fv.b(), fo.a(), fo.b())
                    || (residual != null && !Kernels.supports(residual))) {
                return null;
            }
            checkMask(mask, batch, tokens);
            INDArray keep = mask == null ? null : mask.castTo(x.dataType());
            if (keep != null && !Kernels.supports(keep)) {
                return null;
            }
            DataType dt = x.dataType();
            long n = x.size(0);
            int h = heads;
            int dh = headSize;
            // H = x [A_q; A_k; A_v]^T, as three contiguous [n, r] blocks
            INDArray[] hs = LowRank.inputProducts(x, fq, fk, fv);
            INDArray hq = hs[0];
            INDArray hk = hs[1];
            INDArray hv = hs[2];
            // per-head B blocks [h, dh, r] (B is [D, r], head j's rows j*dh .. (j+1)*dh)
            INDArray bq = fq.b().reshape('c', h, dh, r);
            INDArray bk = fk.b().reshape('c', h, dh, r);
            INDArray bv = fv.b().reshape('c', h, dh, r);
            // M [r, h*r]: column block j is M_j = B_qj^T B_kj
            INDArray m = Nd4j.matmul(bq, bk, true, false, false).permute(1, 0, 2).dup('c').reshape('c', r, (long) h * r);
            // queries in the rank space: H_q M + c, c_j = B_kj^T b_qj
            INDArray q = Nd4j.createUninitialized(dt, n, (long) h * r);
            if (fq.bias() != null) {
                INDArray c = Nd4j.matmul(bk, fq.bias().reshape('c', h, dh, 1), true, false, false).ravel();
                Kernels.fillRows(q, c);
                Nd4j.gemm(hq, m, q, false, false, 1.0, 1.0);
            } else {
                Nd4j.gemm(hq, m, q, false, false, 1.0, 0.0);
            }
            INDArray context = Nd4j.createUninitialized(dt, n, (long) h * r);
            Kernels.attentionSharedKeys(q, hk, hv, keep, MASKED_SCORE, batch, tokens, h, scale, context);
            // g = sum_j (P_j H_v) N_j + A_o b_v, N_j = B_vj^T A_oj^T stacked as [h*r, r]
            INDArray ao = fo.a().reshape('c', r, h, dh).permute(1, 2, 0).dup('c'); // [h, dh, r]: A_oj^T
            INDArray nStack = Nd4j.matmul(bv, ao, true, false, false).reshape('c', (long) h * r, r);
            INDArray g = Nd4j.createUninitialized(dt, n, r);
            if (fv.bias() != null) {
                Kernels.fillRows(g, fo.a().mmul(fv.bias().reshape(-1, 1)).ravel());
                Nd4j.gemm(context, nStack, g, false, false, 1.0, 1.0);
            } else {
                Nd4j.gemm(context, nStack, g, false, false, 1.0, 0.0);
            }
            return LowRank.expandFactor(g, fo, residual);
        } finally {
            for (LowRank.Factors f : new LowRank.Factors[] {fq, fk, fv, fo}) {
                if (f != null) {
                    f.release();
                }
            }
        }
    }

    /**
     * The query, key and value projections of x. In inference, when all three slots hold low-rank
     * maps of equal rank now (compressed, or PC-LoRA at lambda 0), their A products are one product
     * {@code x [A_q; A_k; A_v]^T}: x is read once instead of three times ({@link LowRank#applyShared}).
     */
    private INDArray[] project(INDArray x, boolean training) {
        if (!training) {
            LowRank.Factors fq = query.lowRankFactors();
            LowRank.Factors fk = fq == null ? null : key.lowRankFactors();
            LowRank.Factors fv = fk == null ? null : value.lowRankFactors();
            try {
                if (fv != null && fq.rank() == fk.rank() && fk.rank() == fv.rank()) {
                    return LowRank.applyShared(x, fq, fk, fv);
                }
            } finally {
                for (LowRank.Factors f : new LowRank.Factors[] {fq, fk, fv}) {
                    if (f != null) {
                        f.release();
                    }
                }
            }
        }
        return new INDArray[] {query.forward(x, training), key.forward(x, training), value.forward(x, training)};
    }

    /** The output projection, plus the residual (inference only) fused into its pass where it can be. */
    private INDArray outputProjection(INDArray context, boolean training, INDArray residual) {
        if (residual == null) {
            return output.forward(context, training);
        }
        if (training) {
            throw new IllegalStateException("attention: a fused residual is for inference only");
        }
        return output.forwardInference(context, false, residual);
    }

    private static void checkMask(INDArray mask, int batch, int tokens) {
        if (mask != null && (mask.rank() != 2 || mask.size(0) != batch || mask.size(1) != tokens)) {
            throw new IllegalArgumentException("attention mask must be [" + batch + ", " + tokens + "], got "
                    + Arrays.toString(mask.shape()));
        }
    }

    /**
     * Backward of the last training forward: adds the gradients of the four projections' trainable
     * parameters and returns dL/dx [B*T, D]. Any injected probabilities gradient is consumed.
     */
    public INDArray backward(INDArray dy) {
        if (!pending) {
            throw new IllegalStateException("attention " + query.name() + ": backward without a training forward");
        }
        if (fused) {
            return fusedBackward(dy);
        }
        DataType dt = probs.dataType();
        INDArray dContext = splitHeads(output.backward(dy), batch, tokens);
        INDArray attended = dropMask == null ? probs : probs.mul(dropMask);
        INDArray dv = Nd4j.createUninitialized(dt, batch, heads, tokens, headSize);
        Nd4j.matmul(attended, dContext, dv, true, false, false);
        INDArray dp = Nd4j.createUninitialized(dt, batch, heads, tokens, tokens);
        Nd4j.matmul(dContext, transposedCopy(vh), dp, false, false, false);
        if (dropMask != null) {
            dp.muli(dropMask);
        }
        if (probsGradient != null) {
            dp.addi(probsGradient);
            probsGradient = null;
        }
        // softmax backward in place: dS = P * (dP - sum_j(dP * P))
        INDArray ds;
        if (Kernels.supports(dp, probs)) {
            Kernels.softmaxBackwardRows(dp, probs);
            ds = dp;
        } else {
            INDArray rowDot = dp.mul(probs).sum(3);
            Nd4j.getExecutioner().exec(new BroadcastSubOp(dp, rowDot, dp, 0, 1, 2));
            ds = dp.muli(probs);
        }
        INDArray dq = Nd4j.createUninitialized(dt, batch, heads, tokens, headSize);
        Nd4j.matmul(ds, kh, dq, false, false, false);
        dq.muli(scale);
        INDArray dk = Nd4j.createUninitialized(dt, batch, heads, tokens, headSize);
        Nd4j.matmul(ds, qh, dk, true, false, false);
        int b = batch;
        int t = tokens;
        clear();
        INDArray dx = query.backward(mergeHeads(dq, b, t));
        key.backwardAdding(mergeHeads(dk, b, t), dx);
        value.backwardAdding(mergeHeads(dv, b, t), dx);
        return dx;
    }

    private INDArray fusedBackward(INDArray dy) {
        INDArray dContext = output.backward(dy);
        if (!Kernels.supports(dContext)) {
            dContext = dContext.dup('c');
        }
        INDArray g = probsGradient;
        if (g != null && !Kernels.supports(g)) {
            g = g.dup('c');
        }
        DataType dt = dContext.dataType();
        INDArray dq = Nd4j.createUninitialized(dt, dContext.size(0), dContext.size(1));
        INDArray dk = Nd4j.createUninitialized(dt, dContext.size(0), dContext.size(1));
        INDArray dv = Nd4j.createUninitialized(dt, dContext.size(0), dContext.size(1));
        Kernels.attentionBackward(qh, kh, vh, probs, g, dContext, batch, tokens, heads, scale, dq, dk, dv);
        probsGradient = null;
        clear();
        // the three input gradients accumulate into one dx (GEMM beta 1): no temporaries, no adds
        INDArray dx = query.backward(dq);
        key.backwardAdding(dk, dx);
        value.backwardAdding(dv, dx);
        return dx;
    }

    /** The dropout on the attention probabilities. */
    public List<Dropout> dropouts() {
        return List.of(probsDropout);
    }

    /** Parameters of the query, key, value and output slots, in that order. */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        ps.addAll(query.parameters());
        ps.addAll(key.parameters());
        ps.addAll(value.parameters());
        ps.addAll(output.parameters());
        return ps;
    }

    private void clear() {
        fused = false;
        qh = null;
        kh = null;
        vh = null;
        probs = null;
        dropMask = null;
        pending = false;
    }

    /** [B, H, T, dh] -> contiguous [B, H, dh, T]. */
    private static INDArray transposedCopy(INDArray perHead) {
        return perHead.permute(0, 1, 3, 2).dup('c');
    }

    /** [B*T, H*dh] -> contiguous [B, H, T, dh]. */
    private INDArray splitHeads(INDArray rows, int batch, int tokens) {
        return rows.reshape('c', batch, tokens, heads, headSize).permute(0, 2, 1, 3).dup('c');
    }

    /** [B, H, T, dh] -> contiguous [B*T, H*dh]. */
    private INDArray mergeHeads(INDArray perHead, int batch, int tokens) {
        return perHead.permute(0, 2, 1, 3).dup('c').reshape('c', (long) batch * tokens, (long) heads * headSize);
    }
}
