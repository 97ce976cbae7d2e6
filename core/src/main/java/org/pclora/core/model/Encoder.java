package org.pclora.core.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pclora.core.nn.Dropout;
import org.pclora.core.nn.LayerNorm;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.MultiHeadSelfAttention;
import org.pclora.core.nn.Parameter;
import org.pclora.core.nn.TransformerBlock;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;

/**
 * The transformer encoder every family shares: {@link TransformerBlock}s with their linear
 * slots, the distillation taps ({@code block.<i>}, {@code attention.<i>}, {@code layer.<slot>})
 * and the routing of feature gradients back to the layers that produced them. Rows are
 * [B*T, D], batch-major.
 */
public final class Encoder {
    private final EncoderSpec spec;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final Map<String, LinearSlot> slots = new LinkedHashMap<>();

    /**
     * Builds the blocks, drawing the initial weights from {@code rng} in model order (per block:
     * query, key, value, attention output, MLP in, MLP out). Dropout seeds come from
     * {@code dropoutSeeds}, asked after the attention output (attention dropout) and after MLP
     * out (hidden dropout) of every block.
     */
    public Encoder(EncoderSpec spec, SplittableRandom rng, DataType dtype, LongSupplier dropoutSeeds) {
        this.spec = spec;
        EncoderSpec.LayerNames n = spec.names();
        int d = spec.width();
        for (int i = 0; i < spec.depth(); i++) {
            String p = n.prefix() + i + ".";
            LinearSlot q = slot(p + n.query(), d, d, spec.qkvBias(), rng, dtype);
            LinearSlot k = slot(p + n.key(), d, d, spec.qkvBias(), rng, dtype);
            LinearSlot v = slot(p + n.value(), d, d, spec.qkvBias(), rng, dtype);
            LinearSlot o = slot(p + n.attentionOutput(), d, d, true, rng, dtype);
            MultiHeadSelfAttention attention = new MultiHeadSelfAttention(q, k, v, o, spec.heads(),
                    spec.attentionDropout(), dropoutSeeds.getAsLong());
            LinearSlot fc1 = slot(p + n.intermediate(), d, spec.mlp(), true, rng, dtype);
            LinearSlot fc2 = slot(p + n.output(), spec.mlp(), d, true, rng, dtype);
            LayerNorm ln1 = new LayerNorm(p + n.norm1(), d, spec.layerNormEps(), dtype);
            LayerNorm ln2 = new LayerNorm(p + n.norm2(), d, spec.layerNormEps(), dtype);
            blocks.add(new TransformerBlock(spec.norm(), attention, ln1, fc1, fc2, ln2, spec.hiddenDropout(),
                    dropoutSeeds.getAsLong()));
        }
    }

    private LinearSlot slot(String name, int in, int out, boolean bias, SplittableRandom rng, DataType dtype) {
        LinearSlot s = new LinearSlot(Linear.create(name, in, out, bias, spec.initStd(), dtype, rng));
        slots.put(name, s);
        return s;
    }

    /** The declaration this encoder was built from. */
    public EncoderSpec spec() {
        return spec;
    }

    /** The blocks in order. */
    public List<TransformerBlock> blocks() {
        return List.copyOf(blocks);
    }

    /** The linear slots in model order. */
    public List<LinearSlot> linearSlots() {
        return List.copyOf(slots.values());
    }

    /**
     * Forward over rows {@code h} [B*T, D] with an optional padding mask [B, T]; puts the tapped
     * features of the kinds in {@code taps} into {@code out} (blocks and attention per block,
     * then every slot's output).
     */
    public INDArray forward(INDArray h, int b, int t, INDArray mask, boolean training, Set<FeatureKind> taps,
                            Features out) {
        boolean tapBlocks = taps.contains(FeatureKind.BLOCK_OUTPUT);
        boolean tapProbs = taps.contains(FeatureKind.ATTENTION_PROBS);
        boolean tapLayers = taps.contains(FeatureKind.ADAPTED_LAYER_OUTPUT);
        for (LinearSlot s : slots.values()) {
            s.setKeepOutput(tapLayers);
        }
        if (!training && !tapBlocks && !tapProbs && !tapLayers) {
            int parts = BatchParallel.parts(b, h.size(0), h.size(1));
            if (parts > 1 && h.rank() == 2 && h.size(0) == (long) b * t) {
                return forwardSplit(h, b, t, mask, parts);
            }
        }
        for (int i = 0; i < blocks.size(); i++) {
            TransformerBlock block = blocks.get(i);
            block.attention().setKeepProbs(tapProbs);
            h = block.forward(h, b, t, mask, training);
            if (tapBlocks) {
                out.put(FeatureKind.BLOCK_OUTPUT.prefix() + i, h.reshape('c', b, t, spec.width()));
            }
            if (tapProbs) {
                out.put(FeatureKind.ATTENTION_PROBS.prefix() + i, block.attention().lastProbs());
            }
        }
        if (tapLayers) {
            for (LinearSlot s : slots.values()) {
                out.put(FeatureKind.ADAPTED_LAYER_OUTPUT.prefix() + s.name(), s.lastOutput());
            }
        }
        return h;
    }

    /**
     * The inference forward with the examples split into {@code parts} contiguous shares, each run
     * through every block on its own thread ({@link BatchParallel}); the shares' outputs are written
     * into one [B*T, D] array made here, in the caller's workspace.
     */
    private INDArray forwardSplit(INDArray h, int b, int t, INDArray mask, int parts) {
        for (TransformerBlock block : blocks) {
            block.attention().setKeepProbs(false);
        }
        INDArray x = h.ordering() == 'c' && !h.isView() ? h : h.dup('c');
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape());
        BatchParallel.run(parts, part -> {
            int e0 = (int) ((long) b * part / parts);
            int e1 = (int) ((long) b * (part + 1) / parts);
            INDArray rows = x.get(NDArrayIndex.interval((long) e0 * t, (long) e1 * t), NDArrayIndex.all());
            INDArray m = mask == null ? null : mask.get(NDArrayIndex.interval(e0, e1), NDArrayIndex.all());
            for (TransformerBlock block : blocks) {
                rows = block.forward(rows, e1 - e0, t, m, false);
            }
            out.get(NDArrayIndex.interval((long) e0 * t, (long) e1 * t), NDArrayIndex.all()).assign(rows);
        });
        return out;
    }

    /**
     * Hands gradients with respect to attention probabilities and slot outputs to their layers
     * (each adds them during its own backward). Returns false for a name that is neither of
     * those kinds, so the caller decides what else it accepts.
     */
    public boolean route(String name, INDArray g) {
        if (FeatureKind.ATTENTION_PROBS.matches(name)) {
            int i = index(name, FeatureKind.ATTENTION_PROBS);
            blocks.get(i).attention().addProbsGradient(g);
            return true;
        }
        if (FeatureKind.ADAPTED_LAYER_OUTPUT.matches(name)) {
            LinearSlot s = slots.get(name.substring(FeatureKind.ADAPTED_LAYER_OUTPUT.prefix().length()));
            if (s == null) {
                throw new IllegalArgumentException("no linear slot for feature gradient " + name);
            }
            s.addOutputGradient(g);
            return true;
        }
        if (FeatureKind.BLOCK_OUTPUT.matches(name)) {
            index(name, FeatureKind.BLOCK_OUTPUT);
            return true;
        }
        return false;
    }

    private int index(String name, FeatureKind kind) {
        try {
            int i = Integer.parseInt(name.substring(kind.prefix().length()));
            if (i >= 0 && i < blocks.size()) {
                return i;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException("feature gradient " + name + " names no block of " + blocks.size());
    }

    /**
     * Backward of the last training forward from {@code dh} [B*T, D], adding the gradients with
     * respect to block outputs in {@code gradients} on the way; returns dL/d(input rows).
     */
    public INDArray backward(INDArray dh, Features gradients, int b, int t) {
        for (int i = blocks.size() - 1; i >= 0; i--) {
            INDArray g = gradients.get(FeatureKind.BLOCK_OUTPUT.prefix() + i);
            if (g != null) {
                dh = dh.add(g.castTo(dh.dataType()).reshape('c', (long) b * t, spec.width()));
            }
            dh = blocks.get(i).backward(dh);
        }
        return dh;
    }

    /** The blocks' dropout layers, block by block (see {@link TransformerBlock#dropouts()}). */
    public List<Dropout> dropouts() {
        List<Dropout> ds = new ArrayList<>();
        for (TransformerBlock block : blocks) {
            ds.addAll(block.dropouts());
        }
        return ds;
    }

    /**
     * Parameters in the order the forward pass uses them: per block PRE ln1, attention, ln2, MLP
     * in, MLP out; POST attention, ln1, MLP in, MLP out, ln2.
     */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        for (TransformerBlock block : blocks) {
            if (block.norm() == TransformerBlock.Norm.PRE) {
                ps.addAll(block.ln1().parameters());
                ps.addAll(block.attention().parameters());
                ps.addAll(block.ln2().parameters());
                ps.addAll(block.fc1().parameters());
                ps.addAll(block.fc2().parameters());
            } else {
                ps.addAll(block.attention().parameters());
                ps.addAll(block.ln1().parameters());
                ps.addAll(block.fc1().parameters());
                ps.addAll(block.fc2().parameters());
                ps.addAll(block.ln2().parameters());
            }
        }
        return ps;
    }

    /** Multiply-adds per example of the attention score and context products: 2 T^2 D per block. */
    public long attentionMacs(long tokens) {
        return spec.depth() * 2 * tokens * tokens * spec.width();
    }
}
