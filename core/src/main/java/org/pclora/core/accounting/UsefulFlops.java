package org.pclora.core.accounting;

/**
 * The one FLOP rule of the project (used by {@code pclora bench} and the JMH report): useful
 * floating-point operations of the engine's building blocks, counted analytically so that
 * measured times become GFLOP/s comparable with plain sgemm. A multiply-add counts 2; only the
 * matrix products count (LayerNorm, GELU, softmax, bias and residual adds are left out: they are
 * overhead against this count, which is the point of comparing with sgemm). R is rows = batch x
 * tokens.
 */
public final class UsefulFlops {
    private UsefulFlops() {
    }

    /** One product x W^T with x [R, in] and W [out, in]: 2 R in out. */
    public static double gemm(long rows, long in, long out) {
        return 2.0 * rows * in * out;
    }

    /**
     * A frozen dense linear layer, forward and backward: y = x W^T and dx = dy W, no dW
     * (4 R in out).
     */
    public static double frozenLinearForwardBackward(long rows, long in, long out) {
        return 2 * gemm(rows, in, out);
    }

    /** A trainable dense linear layer, forward and backward: y, dW and dx (6 R in out). */
    public static double trainableLinearForwardBackward(long rows, long in, long out) {
        return 3 * gemm(rows, in, out);
    }

    /**
     * A PC-LoRA layer, forward and backward. The adapter costs 6 R r (in + out): forward x A^T and
     * h B^T, backward dB, dh, dA and dx through A. At lambda &gt; 0 the frozen path adds its
     * forward and its dx, 4 R in out; at lambda 0 it is not computed.
     */
    public static double pcLoraForwardBackward(long rows, long in, long out, long rank, double lambda) {
        double adapter = 6.0 * rows * rank * (in + out);
        return lambda == 0 ? adapter : frozenLinearForwardBackward(rows, in, out) + adapter;
    }

    /**
     * One of the two batched attention products (q k^T, or probs v) over all heads:
     * 2 B H T T dh = 2 B T T D.
     */
    public static double attentionProduct(long batch, long tokens, long width) {
        return 2.0 * batch * tokens * tokens * width;
    }

    /**
     * The attention core (no projections), forward: scores q k^T and context probs v, 2 products.
     */
    public static double attentionCoreForward(long batch, long tokens, long width) {
        return 2 * attentionProduct(batch, tokens, width);
    }

    /**
     * The attention core, forward and backward: 2 products forward and 4 backward (d probs,
     * dv, dq, dk).
     */
    public static double attentionCoreForwardBackward(long batch, long tokens, long width) {
        return 3 * attentionCoreForward(batch, tokens, width);
    }

    /**
     * Self-attention with four frozen dense [D, D] projections, forward: the core plus the four
     * projections' forward products.
     */
    public static double frozenAttentionForward(long batch, long tokens, long width) {
        return attentionCoreForward(batch, tokens, width) + 4 * gemm(batch * tokens, width, width);
    }

    /**
     * Self-attention with four frozen dense projections, forward and backward: the core plus each
     * projection's forward and input-gradient products (no weight gradients).
     */
    public static double frozenAttentionForwardBackward(long batch, long tokens, long width) {
        return attentionCoreForwardBackward(batch, tokens, width)
                + 4 * frozenLinearForwardBackward(batch * tokens, width, width);
    }

    /**
     * A transformer block, forward and backward, with all six linear slots (q, k, v, attention
     * output, fc1 [mlp, D], fc2 [D, mlp]) either PC-LoRA adapters of the given rank at the given
     * lambda, or frozen dense layers when {@code rank} is 0: the sum of its parts.
     */
    public static double blockForwardBackward(long batch, long tokens, long width, long mlp, long rank,
                                              double lambda) {
        long rows = batch * tokens;
        double core = attentionCoreForwardBackward(batch, tokens, width);
        if (rank == 0) {
            return core + 4 * frozenLinearForwardBackward(rows, width, width)
                    + frozenLinearForwardBackward(rows, width, mlp) + frozenLinearForwardBackward(rows, mlp, width);
        }
        return core + 4 * pcLoraForwardBackward(rows, width, width, rank, lambda)
                + pcLoraForwardBackward(rows, width, mlp, rank, lambda)
                + pcLoraForwardBackward(rows, mlp, width, rank, lambda);
    }

    /** How {@link #trainingStep} counts, for reports. */
    public static final String TRAINING_STEP_RULE = "per adapted linear with n = batch*tokens rows: 4*n*in*out for the"
            + " frozen path when lambda != 0 (forward and input gradient; no weight gradient), 6*n*r*(in+out) for A and B;"
            + " per dense linear 6*n*in*out; plus 6*batch*(other MACs: attention products, embeddings, head); LayerNorm,"
            + " softmax, GELU and the optimizer are not counted";

    /** Useful FLOPs of one training step of {@code model} at {@code batch} examples (see {@link #TRAINING_STEP_RULE}). */
    public static double trainingStep(org.pclora.core.model.ClassifierModel model, int batch, double lambda) {
        long rows = (long) batch * model.tokens();
        double f = 0;
        for (org.pclora.core.nn.LinearSlot s : model.linearSlots()) {
            if (s.layer() instanceof org.pclora.core.adapter.AdapterLayer a) {
                f += pcLoraForwardBackward(rows, s.inFeatures(), s.outFeatures(), a.rank(), lambda);
            } else {
                f += trainableLinearForwardBackward(rows, s.inFeatures(), s.outFeatures());
            }
        }
        for (long macs : model.otherMacs().values()) {
            f += 6.0 * batch * macs;
        }
        return f;
    }
}
