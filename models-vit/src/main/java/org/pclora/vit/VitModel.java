package org.pclora.vit;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pclora.core.PcLoraException;
import org.pclora.core.model.Batch;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.Init;
import org.pclora.core.nn.LayerNorm;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.MultiHeadSelfAttention;
import org.pclora.core.nn.Parameter;
import org.pclora.core.nn.TransformerBlock;
import org.pclora.core.spi.FeatureKind;
import org.pclora.core.spi.Features;

/**
 * The Vision Transformer of HF's {@code ViTForImageClassification}, with its tensor names:
 * patch projection ({@code vit.embeddings.patch_embeddings.projection}), class token and
 * learned position embeddings, pre-LayerNorm blocks
 * ({@code vit.encoder.layer.N.{layernorm_before, attention.attention.{query,key,value},
 * attention.output.dense, layernorm_after, intermediate.dense, output.dense}}), the final
 * {@code vit.layernorm} and the {@code classifier} on the class token.
 *
 * <p>Input: images [B, C, S, S], already normalised. Taps: {@code block.<i>} (block outputs
 * [B, T, D]), {@code attention.<i>} ([B, H, T, T]), {@code layer.<slot>} (output of every block
 * linear, [B*T, out]) and {@code logits}. Everything is trainable, embeddings included.
 */
public final class VitModel implements ClassifierModel {
    /** Standard deviation of the initial weights, HF's {@code initializer_range}. */
    public static final double INIT_STD = 0.02;

    private final VitConfig cfg;
    private final DataType dtype;
    private final PatchEmbedding patch;
    private final Parameter clsToken;
    private final Parameter positions;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final List<List<LinearSlot>> blockSlots = new ArrayList<>();
    private final List<LayerNorm[]> blockNorms = new ArrayList<>();
    private final Map<String, LinearSlot> slotsByName = new LinkedHashMap<>();
    private final LayerNorm finalNorm;
    private final Linear classifier;

    private boolean computeInputGradient;
    private int lastBatch = -1;
    private INDArray lastHidden;
    private INDArray lastInputGradient;

    /** A freshly initialised float32 model. */
    public VitModel(VitConfig cfg, long seed) {
        this(cfg, seed, DataType.FLOAT);
    }

    /**
     * A freshly initialised model: weights N(0, 0.02^2) drawn in a fixed order from {@code seed},
     * biases zero, LayerNorms one and zero. {@code dtype} is FLOAT in production and DOUBLE in
     * gradient checks.
     */
    public VitModel(VitConfig cfg, long seed, DataType dtype) {
        this.cfg = cfg;
        this.dtype = dtype;
        SplittableRandom rng = new SplittableRandom(seed);
        int d = cfg.width();
        String e = "vit.embeddings.";
        clsToken = Parameter.trainable(e + "cls_token", Init.normal(rng, INIT_STD, dtype, 1, 1, d), false);
        positions = Parameter.trainable(e + "position_embeddings",
                Init.normal(rng, INIT_STD, dtype, 1, cfg.tokens(), d), false);
        patch = new PatchEmbedding(
                Parameter.trainable(e + "patch_embeddings.projection.weight", Init.normal(rng, INIT_STD, dtype, d,
                        cfg.channels(), cfg.patchSize(), cfg.patchSize()), true),
                Parameter.trainable(e + "patch_embeddings.projection.bias", Nd4j.zeros(dtype, d), false));
        for (int i = 0; i < cfg.depth(); i++) {
            String p = "vit.encoder.layer." + i + ".";
            LinearSlot q = slot(p + "attention.attention.query", d, d, cfg.qkvBias(), rng);
            LinearSlot k = slot(p + "attention.attention.key", d, d, cfg.qkvBias(), rng);
            LinearSlot v = slot(p + "attention.attention.value", d, d, cfg.qkvBias(), rng);
            LinearSlot o = slot(p + "attention.output.dense", d, d, true, rng);
            LinearSlot fc1 = slot(p + "intermediate.dense", d, cfg.mlp(), true, rng);
            LinearSlot fc2 = slot(p + "output.dense", cfg.mlp(), d, true, rng);
            LayerNorm ln1 = new LayerNorm(p + "layernorm_before", d, cfg.layerNormEps(), dtype);
            LayerNorm ln2 = new LayerNorm(p + "layernorm_after", d, cfg.layerNormEps(), dtype);
            // ViT uses no dropout (HF's hidden_dropout_prob and attention_probs_dropout_prob are 0).
            MultiHeadSelfAttention attention = new MultiHeadSelfAttention(q, k, v, o, cfg.heads(), 0.0, seed + i);
            blocks.add(new TransformerBlock(TransformerBlock.Norm.PRE, attention, ln1, fc1, fc2, ln2, 0.0, seed + i));
            blockSlots.add(List.of(q, k, v, o, fc1, fc2));
            blockNorms.add(new LayerNorm[] {ln1, ln2});
        }
        finalNorm = new LayerNorm("vit.layernorm", d, cfg.layerNormEps(), dtype);
        classifier = Linear.create("classifier", d, cfg.numClasses(), true, INIT_STD, dtype, rng);
    }

    private LinearSlot slot(String name, int in, int out, boolean bias, SplittableRandom rng) {
        LinearSlot s = new LinearSlot(Linear.create(name, in, out, bias, INIT_STD, dtype, rng));
        slotsByName.put(name, s);
        return s;
    }

    /** The sizes of this model. */
    public VitConfig config() {
        return cfg;
    }

    /** The dtype of the parameters (inputs are cast to it). */
    public DataType dataType() {
        return dtype;
    }

    @Override
    public String family() {
        return VitFamily.NAME;
    }

    @Override
    public Config architecture() {
        return cfg.toConfig();
    }

    @Override
    public int tokens() {
        return cfg.tokens();
    }

    /** The transformer blocks in order. */
    public List<TransformerBlock> blocks() {
        return List.copyOf(blocks);
    }

    /** The final LayerNorm output [B, T, D] of the last forward (HF's {@code last_hidden_state}). */
    public INDArray lastHidden() {
        return lastHidden;
    }

    /**
     * The final LayerNorm output [B, T, D] for a batch (HF's {@code last_hidden_state}), in
     * evaluation mode.
     */
    public INDArray lastHiddenState(Batch batch) {
        forward(batch, false, Set.of());
        return lastHidden;
    }

    /** Whether {@link #backward} also computes the gradient with respect to the input images. */
    public void setComputeInputGradient(boolean on) {
        this.computeInputGradient = on;
    }

    /** Gradient of the loss with respect to the images of the last backward, or null. */
    public INDArray lastInputGradient() {
        return lastInputGradient;
    }

    @Override
    public Features forward(Batch batch, boolean training, Set<FeatureKind> taps) {
        INDArray images = batch.inputs();
        int s = cfg.imageSize();
        if (images.rank() != 4 || images.size(1) != cfg.channels() || images.size(2) != s || images.size(3) != s) {
            throw new PcLoraException("vit model " + cfg.name() + ": input shape "
                    + java.util.Arrays.toString(images.shape()) + " is not accepted; expected [batch, " + cfg.channels()
                    + ", " + s + ", " + s + "]");
        }
        if (images.dataType() != dtype) {
            images = images.castTo(dtype);
        }
        int b = (int) images.size(0);
        int t = cfg.tokens();
        int d = cfg.width();
        boolean tapBlocks = taps.contains(FeatureKind.BLOCK_OUTPUT);
        boolean tapProbs = taps.contains(FeatureKind.ATTENTION_PROBS);
        boolean tapLayers = taps.contains(FeatureKind.ADAPTED_LAYER_OUTPUT);
        Features out = new Features();

        INDArray patches = patch.forward(images, training);
        INDArray x = Nd4j.createUninitialized(dtype, b, t, d);
        x.get(NDArrayIndex.all(), NDArrayIndex.interval(1, t), NDArrayIndex.all())
                .assign(patches.reshape('c', b, t - 1, d));
        x.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).assign(
                clsToken.value().reshape(1, d).broadcast(b, d));
        // Adding [1, T*D] to every row of the [B, T*D] view adds the position embeddings per image.
        x.reshape('c', b, (long) t * d).addiRowVector(positions.value().reshape(1, (long) t * d));

        INDArray h = x.reshape('c', (long) b * t, d);
        for (int i = 0; i < blocks.size(); i++) {
            TransformerBlock block = blocks.get(i);
            block.attention().setKeepProbs(tapProbs);
            for (LinearSlot sl : blockSlots.get(i)) {
                sl.setKeepOutput(tapLayers);
            }
            h = block.forward(h, b, t, null, training);
            if (tapBlocks) {
                out.put(FeatureKind.BLOCK_OUTPUT.prefix() + i, h.reshape('c', b, t, d));
            }
            if (tapProbs) {
                out.put(FeatureKind.ATTENTION_PROBS.prefix() + i, block.attention().lastProbs());
            }
        }
        if (tapLayers) {
            for (LinearSlot sl : slotsByName.values()) {
                out.put(FeatureKind.ADAPTED_LAYER_OUTPUT.prefix() + sl.name(), sl.lastOutput());
            }
        }
        INDArray hidden = finalNorm.forward(h, training).reshape('c', b, t, d);
        lastHidden = hidden;
        INDArray cls = hidden.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).dup('c');
        out.put(FeatureKind.LOGITS.prefix(), classifier.forward(cls, training));
        lastBatch = training ? b : -1;
        return out;
    }

    @Override
    public void backward(Features gradients) {
        if (lastBatch < 0) {
            throw new IllegalStateException("vit model: backward without a training forward");
        }
        int b = lastBatch;
        int t = cfg.tokens();
        int d = cfg.width();
        for (Map.Entry<String, INDArray> g : gradients.asMap().entrySet()) {
            String name = g.getKey();
            if (FeatureKind.ATTENTION_PROBS.matches(name)) {
                blocks.get(blockIndex(name, FeatureKind.ATTENTION_PROBS)).attention().addProbsGradient(g.getValue());
            } else if (FeatureKind.ADAPTED_LAYER_OUTPUT.matches(name)) {
                LinearSlot sl = slotsByName.get(name.substring(FeatureKind.ADAPTED_LAYER_OUTPUT.prefix().length()));
                if (sl == null) {
                    throw new IllegalArgumentException("vit model: no linear slot for feature gradient " + name);
                }
                sl.addOutputGradient(g.getValue());
            } else if (!FeatureKind.BLOCK_OUTPUT.matches(name) && !FeatureKind.LOGITS.matches(name)) {
                throw new IllegalArgumentException("vit model: unknown feature gradient " + name);
            }
        }
        INDArray dLogits = gradients.get(FeatureKind.LOGITS.prefix());
        INDArray dHidden = Nd4j.zeros(dtype, b, t, d);
        if (dLogits != null) {
            INDArray dCls = classifier.backward(dLogits.castTo(dtype));
            dHidden.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).assign(dCls);
        }
        INDArray dh = finalNorm.backward(dHidden.reshape('c', (long) b * t, d));
        for (int i = blocks.size() - 1; i >= 0; i--) {
            INDArray gb = gradients.get(FeatureKind.BLOCK_OUTPUT.prefix() + i);
            if (gb != null) {
                dh = dh.add(gb.castTo(dtype).reshape('c', (long) b * t, d));
            }
            dh = blocks.get(i).backward(dh);
        }
        INDArray dx = dh.reshape('c', b, t, d);
        if (positions.isTrainable()) {
            positions.grad().addi(dx.reshape('c', b, (long) t * d).sum(0).reshape('c', 1, t, d));
        }
        if (clsToken.isTrainable()) {
            clsToken.grad().addi(dx.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).sum(0)
                    .reshape('c', 1, 1, d));
        }
        INDArray dPatches = dx.get(NDArrayIndex.all(), NDArrayIndex.interval(1, t), NDArrayIndex.all()).dup('c')
                .reshape('c', (long) b * (t - 1), d);
        lastInputGradient = patch.backward(dPatches, computeInputGradient);
        lastBatch = -1;
    }

    private static int blockIndex(String name, FeatureKind kind) {
        return Integer.parseInt(name.substring(kind.prefix().length()));
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        ps.add(clsToken);
        ps.add(positions);
        ps.addAll(patch.parameters());
        for (int i = 0; i < blocks.size(); i++) {
            LayerNorm[] norms = blockNorms.get(i);
            List<LinearSlot> slots = blockSlots.get(i);
            ps.addAll(norms[0].parameters());
            for (int k = 0; k < 4; k++) {
                ps.addAll(slots.get(k).parameters());
            }
            ps.addAll(norms[1].parameters());
            ps.addAll(slots.get(4).parameters());
            ps.addAll(slots.get(5).parameters());
        }
        ps.addAll(finalNorm.parameters());
        ps.addAll(classifier.parameters());
        return ps;
    }

    @Override
    public List<LinearSlot> linearSlots() {
        return List.copyOf(slotsByName.values());
    }

    /**
     * Per example: the patch projection (N * D * C*P*P), the attention score and context products
     * of every block (2 * T * T * D each) and the head (D * classes).
     */
    @Override
    public Map<String, Long> otherMacs() {
        Map<String, Long> m = new LinkedHashMap<>();
        long t = cfg.tokens();
        long d = cfg.width();
        m.put("patch_embedding", (long) cfg.patches() * d * cfg.patchLength());
        m.put("attention_scores", cfg.depth() * 2 * t * t * d);
        m.put("classifier", d * cfg.numClasses());
        return m;
    }
}
