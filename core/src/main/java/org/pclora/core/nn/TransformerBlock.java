package org.pclora.core.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.memory.StepWorkspace;

/**
 * One transformer encoder block: self-attention and a GELU MLP, each with a residual
 * connection, in one of two LayerNorm placements:
 * <ul>
 *   <li>{@link Norm#PRE} (ViT): {@code h = x + drop(attn(ln1(x)))},
 *       {@code y = h + drop(fc2(gelu(fc1(ln2(h)))))};</li>
 *   <li>{@link Norm#POST} (BERT): {@code h = ln1(x + drop(attn(x)))},
 *       {@code y = ln2(h + drop(fc2(gelu(fc1(h)))))}.</li>
 * </ul>
 * {@code drop} is the hidden dropout, placed where HF's ViT and BERT place it (ViT checkpoints
 * use p = 0, where PRE reduces to {@code h = x + attn(ln1(x))}). Inputs and outputs are
 * [B*T, D] with rows batch-major.
 */
public final class TransformerBlock {
    /** Where the LayerNorms sit relative to the residual connections. */
    public enum Norm {
        /** Normalise the input of each sub-layer (ViT). */
        PRE,
        /** Normalise after each residual sum (BERT). */
        POST
    }

    /** Id of the nested workspace a block's backward runs in (reset after each block). */
    public static final String BACKWARD_WORKSPACE = "PCLORA_BLOCK_BACKWARD";

    private final Norm norm;
    private final MultiHeadSelfAttention attention;
    private final LayerNorm ln1;
    private final LinearSlot fc1;
    private final Gelu gelu = new Gelu();
    private final LinearSlot fc2;
    private final LayerNorm ln2;
    private final Dropout attentionOutputDropout;
    private final Dropout mlpOutputDropout;

    /**
     * @param norm          PRE (ViT) or POST (BERT) placement
     * @param attention     the self-attention sub-layer
     * @param ln1           PRE: {@code layernorm_before}; POST: {@code attention.output.LayerNorm}
     * @param fc1           MLP in, [ffn, D] ({@code intermediate.dense})
     * @param fc2           MLP out, [D, ffn] ({@code output.dense})
     * @param ln2           PRE: {@code layernorm_after}; POST: {@code output.LayerNorm}
     * @param hiddenDropout dropout probability on the two sub-layer outputs
     * @param seed          seed of the hidden dropout masks
     */
    public TransformerBlock(Norm norm, MultiHeadSelfAttention attention, LayerNorm ln1, LinearSlot fc1,
                            LinearSlot fc2, LayerNorm ln2, double hiddenDropout, long seed) {
        this.norm = norm;
        this.attention = attention;
        this.ln1 = ln1;
        this.fc1 = fc1;
        this.fc2 = fc2;
        this.ln2 = ln2;
        SplittableRandom seeds = new SplittableRandom(seed);
        this.attentionOutputDropout = new Dropout(Dropout.checkProbability(hiddenDropout, "hidden dropout"),
                seeds.nextLong());
        this.mlpOutputDropout = new Dropout(hiddenDropout, seeds.nextLong());
    }

    /** The LayerNorm placement. */
    public Norm norm() {
        return norm;
    }

    /** The self-attention sub-layer. */
    public MultiHeadSelfAttention attention() {
        return attention;
    }

    /** First LayerNorm (see the constructor for its HF name). */
    public LayerNorm ln1() {
        return ln1;
    }

    /** Second LayerNorm (see the constructor for its HF name). */
    public LayerNorm ln2() {
        return ln2;
    }

    /** MLP input projection slot. */
    public LinearSlot fc1() {
        return fc1;
    }

    /** MLP output projection slot. */
    public LinearSlot fc2() {
        return fc2;
    }

    /** The six adaptable linear slots in model order: query, key, value, attention output, fc1, fc2. */
    public List<LinearSlot> linearSlots() {
        return List.of(attention.query(), attention.key(), attention.value(), attention.output(), fc1, fc2);
    }

    /**
     * Forward over x [B*T, D]; {@code mask} [B, T] (1 attend, 0 padding) or null.
     * The input is never modified; a sub-layer output is modified in place only where neither its
     * layer nor a tap keeps it ({@link Layer#outputDisposable}).
     */
    public INDArray forward(INDArray x, int batch, int tokens, INDArray mask, boolean training) {
        if (!training) {
            return inference(x, batch, tokens, mask);
        }
        // The residual sums and the fc1 output are temporaries of this forward: LayerNorm writes its
        // xhat over the sum and GELU its output over fc1's, so a step keeps fewer arrays.
        if (norm == Norm.PRE) {
            INDArray a = attention.forward(ln1.forward(x, training), batch, tokens, mask, training);
            INDArray h = residual(x, a, attentionOutputDropout, attention.output(), training);
            INDArray m = mlp(ln2.forward(h, training), training);
            return h.addi(m);
        }
        INDArray a = attention.forward(x, batch, tokens, mask, training);
        INDArray h = ln1.forwardOverwriting(residual(x, a, attentionOutputDropout, attention.output(), training), training);
        INDArray f = fc2.forward(gelu(fc1.forward(h, training), training), training);
        return ln2.forwardOverwriting(residual(h, f, mlpOutputDropout, fc2, training), training);
    }

    /**
     * {@code base + dropout(out)} as an array nothing else holds, {@code out} being the output of
     * {@code slot}'s last forward: when the slot's output is disposable the dropout and the sum run
     * in place in {@code out}; else the sum goes into the dropout's new array, or into a new one when
     * the dropout is the identity, leaving {@code out}, which a tap may keep, as it was. Float
     * addition commutes, so every way gives the bits of {@code base.add(dropout.forward(out))}.
     */
    private static INDArray residual(INDArray base, INDArray out, Dropout dropout, LinearSlot slot, boolean training) {
        if (slot.outputDisposable()) {
            return dropout.forwardOverwriting(out, training).addi(base);
        }
        INDArray dropped = dropout.forward(out, training);
        return dropped == out ? base.add(out) : dropped.addi(base);
    }

    /** GELU over fc1's output, in place when fc1's layer does not keep it (and no tap does). */
    private INDArray gelu(INDArray fc1Out, boolean training) {
        return fc1.outputDisposable() ? gelu.forwardOverwriting(fc1Out, training) : gelu.forward(fc1Out, training);
    }

    /**
     * The inference forward (dropout is the identity): the same sums as the training forward, with
     * the GELU and the residual sums handed to the slots, which fuse them into the output pass of a
     * low-rank layer ({@link LinearSlot#forwardInference}).
     */
    private INDArray inference(INDArray x, int batch, int tokens, INDArray mask) {
        if (norm == Norm.PRE) {
            INDArray h = attention.forwardInference(ln1.forward(x, false), batch, tokens, mask, x);
            INDArray hidden = fc1.forwardInference(ln2.forward(h, false), true, null);
            return fc2.forwardInference(hidden, false, h);
        }
        INDArray h = ln1.forward(attention.forwardInference(x, batch, tokens, mask, x), false);
        INDArray hidden = fc1.forwardInference(h, true, null);
        return ln2.forward(fc2.forwardInference(hidden, false, h), false);
    }

    /**
     * Backward of the last training forward: adds all trainable parameters' gradients and
     * returns dL/dx [B*T, D]. {@code dy} is not modified.
     */
    public INDArray backward(INDArray dy) {
        MemoryWorkspace outer = Nd4j.getMemoryManager().getCurrentWorkspace();
        if (outer == null) {
            return backwardBody(dy);
        }
        // Inside a step's workspace, this block's backward temporaries live in a nested workspace
        // reset when the block is done, so they do not add up over the blocks; dx moves out.
        try (MemoryWorkspace ignored = StepWorkspace.nested(BACKWARD_WORKSPACE)) {
            return backwardBody(dy).leverageTo(outer.getId());
        }
    }

    private INDArray backwardBody(INDArray dy) {
        if (norm == Norm.PRE) {
            INDArray dh = ln2.backward(mlpBackward(dy)).addi(dy);
            INDArray dln1 = attention.backward(attentionOutputDropout.backward(dh));
            return ln1.backward(dln1).addi(dh);
        }
        INDArray ds2 = ln2.backward(dy);
        INDArray dh = mlpBackward(ds2).addi(ds2);
        INDArray ds1 = ln1.backward(dh);
        return attention.backward(attentionOutputDropout.backward(ds1)).addi(ds1);
    }

    /** The attention-probability dropout, then the two hidden dropouts (attention output, MLP output). */
    public List<Dropout> dropouts() {
        List<Dropout> ds = new ArrayList<>(attention.dropouts());
        ds.add(attentionOutputDropout);
        ds.add(mlpOutputDropout);
        return ds;
    }

    /**
     * All parameters in HF checkpoint order: for PRE (ViT) attention, fc1, fc2, ln1, ln2; for
     * POST (BERT) attention, ln1, fc1, fc2, ln2.
     */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(attention.parameters());
        if (norm == Norm.PRE) {
            ps.addAll(fc1.parameters());
            ps.addAll(fc2.parameters());
            ps.addAll(ln1.parameters());
        } else {
            ps.addAll(ln1.parameters());
            ps.addAll(fc1.parameters());
            ps.addAll(fc2.parameters());
        }
        ps.addAll(ln2.parameters());
        return ps;
    }

    private INDArray mlp(INDArray in, boolean training) {
        INDArray hidden = gelu(fc1.forward(in, training), training);
        return mlpOutputDropout.forward(fc2.forward(hidden, training), training);
    }

    private INDArray mlpBackward(INDArray dOut) {
        return fc1.backward(gelu.backward(fc2.backward(mlpOutputDropout.backward(dOut))));
    }
}
