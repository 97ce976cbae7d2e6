package org.pclora.vit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pclora.core.PcLoraException;
import org.pclora.core.model.Batch;
import org.pclora.core.model.Embeddings;
import org.pclora.core.model.Encoder;
import org.pclora.core.model.EncoderSpec;
import org.pclora.core.model.FirstTokenHead;
import org.pclora.core.model.InputSpec;
import org.pclora.core.model.TransformerClassifier;
import org.pclora.core.nn.Init;
import org.pclora.core.nn.LayerNorm;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.Parameter;
import org.pclora.core.nn.TransformerBlock;

/**
 * The Vision Transformer of HF's {@code ViTForImageClassification}, declared on the core model
 * kit: patch projection ({@code vit.embeddings.patch_embeddings.projection}), class token and
 * learned position embeddings, pre-LayerNorm blocks ({@code vit.encoder.layer.N.{layernorm_before,
 * attention.attention.{query,key,value}, attention.output.dense, layernorm_after,
 * intermediate.dense, output.dense}}), the final {@code vit.layernorm} and the {@code classifier}
 * on the class token. Input: images [B, C, S, S], already normalised. Everything is trainable.
 */
public final class VitModel extends TransformerClassifier {
    /** Standard deviation of the initial weights, HF's {@code initializer_range}. */
    public static final double INIT_STD = 0.02;
    /** The block names of HF's ViT. */
    public static final EncoderSpec.LayerNames NAMES = EncoderSpec.LayerNames.hf("vit.encoder.layer.", "attention",
            "layernorm_before", "layernorm_after");

    private final VitConfig cfg;

    /** A freshly initialised float32 model. */
    public VitModel(VitConfig cfg, long seed) {
        this(cfg, seed, DataType.FLOAT);
    }

    /**
     * A freshly initialised model: weights N(0, 0.02^2) drawn in a fixed order from {@code seed}
     * (class token, positions, patch projection, the blocks, the head), biases zero, LayerNorms
     * one and zero. {@code dtype} is FLOAT in production and DOUBLE in gradient checks.
     */
    public VitModel(VitConfig cfg, long seed, DataType dtype) {
        super(parts(cfg, seed, dtype));
        this.cfg = cfg;
    }

    private static Parts parts(VitConfig cfg, long seed, DataType dtype) {
        SplittableRandom rng = new SplittableRandom(seed);
        int d = cfg.width();
        Patches embeddings = new Patches(cfg, dtype, rng);
        // ViT uses no dropout (HF's hidden_dropout_prob and attention_probs_dropout_prob are 0).
        EncoderSpec spec = new EncoderSpec(cfg.depth(), d, cfg.heads(), cfg.mlp(), TransformerBlock.Norm.PRE,
                cfg.qkvBias(), cfg.layerNormEps(), 0.0, 0.0, INIT_STD, NAMES);
        Encoder encoder = new Encoder(spec, rng, dtype, () -> seed);
        LayerNorm finalNorm = new LayerNorm("vit.layernorm", d, cfg.layerNormEps(), dtype);
        Linear classifier = Linear.create("classifier", d, cfg.numClasses(), true, INIT_STD, dtype, rng);
        InputSpec inputs = new InputSpec(List.of(InputSpec.Input.floats("pixel_values", "images NCHW, normalised", -1,
                cfg.channels(), cfg.imageSize(), cfg.imageSize())));
        return new Parts(VitFamily.NAME, cfg.toConfig(), dtype, cfg.tokens(), inputs, embeddings, encoder, finalNorm,
                new FirstTokenHead(null, null, classifier));
    }

    /** The sizes of this model. */
    public VitConfig config() {
        return cfg;
    }

    /** The dtype of the parameters (inputs are cast to it). */
    public DataType dataType() {
        return dtype();
    }

    /** Whether {@link #backward} also computes the gradient with respect to the input images. */
    public void setComputeInputGradient(boolean on) {
        ((Patches) parts().embeddings()).inputGradient = on;
    }

    /** Gradient of the loss with respect to the images of the last backward, or null. */
    public INDArray lastInputGradient() {
        return ((Patches) parts().embeddings()).lastInputGradient;
    }

    /** Class token, then the patch embeddings, plus the learned positions. */
    private static final class Patches implements Embeddings {
        private final VitConfig cfg;
        private final DataType dtype;
        private final Parameter clsToken;
        private final Parameter positions;
        private final PatchEmbedding patch;
        private boolean inputGradient;
        private INDArray lastInputGradient;
        private int lastBatch;

        Patches(VitConfig cfg, DataType dtype, SplittableRandom rng) {
            this.cfg = cfg;
            this.dtype = dtype;
            int d = cfg.width();
            String e = "vit.embeddings.";
            clsToken = Parameter.trainable(e + "cls_token", Init.normal(rng, INIT_STD, dtype, 1, 1, d), false);
            positions = Parameter.trainable(e + "position_embeddings",
                    Init.normal(rng, INIT_STD, dtype, 1, cfg.tokens(), d), false);
            patch = new PatchEmbedding(Parameter.trainable(e + "patch_embeddings.projection.weight",
                    Init.normal(rng, INIT_STD, dtype, d, cfg.channels(), cfg.patchSize(), cfg.patchSize()), true),
                    Parameter.trainable(e + "patch_embeddings.projection.bias", Nd4j.zeros(dtype, d), false));
        }

        @Override
        public Embedded forward(Batch batch, boolean training) {
            INDArray images = batch.inputs();
            int s = cfg.imageSize();
            if (images.rank() != 4 || images.size(1) != cfg.channels() || images.size(2) != s || images.size(3) != s) {
                throw new PcLoraException("vit model " + cfg.name() + ": input shape "
                        + java.util.Arrays.toString(images.shape()) + " is not accepted; expected [batch, "
                        + cfg.channels() + ", " + s + ", " + s + "]");
            }
            if (images.dataType() != dtype) {
                images = images.castTo(dtype);
            }
            int b = (int) images.size(0);
            int t = cfg.tokens();
            int d = cfg.width();
            INDArray patches = patch.forward(images, training);
            INDArray x = Nd4j.createUninitialized(dtype, b, t, d);
            x.get(NDArrayIndex.all(), NDArrayIndex.interval(1, t), NDArrayIndex.all())
                    .assign(patches.reshape('c', b, t - 1, d));
            x.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).assign(
                    clsToken.value().reshape(1, d).broadcast(b, d));
            // Adding [1, T*D] to every row of the [B, T*D] view adds the position embeddings per image.
            x.reshape('c', b, (long) t * d).addiRowVector(positions.value().reshape(1, (long) t * d));
            lastBatch = b;
            return new Embedded(x.reshape('c', (long) b * t, d), b, t, null);
        }

        @Override
        public void backward(INDArray dRows) {
            int b = lastBatch;
            int t = cfg.tokens();
            int d = cfg.width();
            INDArray dx = dRows.reshape('c', b, t, d);
            if (positions.isTrainable()) {
                positions.grad().addi(dx.reshape('c', b, (long) t * d).sum(0).reshape('c', 1, t, d));
            }
            if (clsToken.isTrainable()) {
                clsToken.grad().addi(dx.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).sum(0)
                        .reshape('c', 1, 1, d));
            }
            INDArray dPatches = dx.get(NDArrayIndex.all(), NDArrayIndex.interval(1, t), NDArrayIndex.all()).dup('c')
                    .reshape('c', (long) b * (t - 1), d);
            lastInputGradient = patch.backward(dPatches, inputGradient);
        }

        @Override
        public List<Parameter> parameters() {
            List<Parameter> ps = new ArrayList<>(List.of(clsToken, positions));
            ps.addAll(patch.parameters());
            return ps;
        }

        /** The patch projection: N * D * C*P*P per example. */
        @Override
        public Map<String, Long> macs() {
            return Map.of("patch_embedding", (long) cfg.patches() * cfg.width() * cfg.patchLength());
        }
    }
}
