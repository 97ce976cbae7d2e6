package org.pclora.core.model;

import com.typesafe.config.ConfigFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.nn.Dropout;
import org.pclora.core.nn.LayerNorm;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.Parameter;
import org.pclora.core.nn.TransformerBlock;

/**
 * A bare stack of pre-LayerNorm transformer blocks over given token vectors [B, T, D], a final
 * LayerNorm and a classification head on token 0, built from the model kit with no embeddings:
 * the benchmark model of the engine (and a small model for tests). Slot names follow ViT's
 * without its prefix: {@code encoder.layer.N.attention.query} ...
 */
public final class TransformerStack extends TransformerClassifier {
    /** Block names of the stack. */
    public static final EncoderSpec.LayerNames NAMES = new EncoderSpec.LayerNames("encoder.layer.", "attention.query",
            "attention.key", "attention.value", "attention.output.dense", "intermediate.dense", "output.dense",
            "layernorm_before", "layernorm_after");

    public TransformerStack(int layers, int width, int heads, int mlp, int tokens, int classes, long seed, DataType dtype) {
        this(layers, width, heads, mlp, tokens, classes, seed, dtype, 0.0);
    }

    /**
     * A stack with dropout {@code p} on the attention probabilities, on both sub-layer outputs of
     * every block and before the classifier (each layer its own mask stream).
     */
    public TransformerStack(int layers, int width, int heads, int mlp, int tokens, int classes, long seed, DataType dtype,
                            double p) {
        super(parts(layers, width, heads, mlp, tokens, classes, seed, dtype, p));
    }

    private static Parts parts(int layers, int width, int heads, int mlp, int tokens, int classes, long seed,
                               DataType dtype, double p) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layers", layers);
        m.put("width", width);
        m.put("heads", heads);
        m.put("mlp", mlp);
        m.put("tokens", tokens);
        m.put("num_classes", classes);
        EncoderSpec spec = new EncoderSpec(layers, width, heads, mlp, TransformerBlock.Norm.PRE, true, 1e-12, p, p,
                0.02, NAMES);
        long[] dropoutSeed = {seed};
        Encoder encoder = new Encoder(spec, rng, dtype, () -> dropoutSeed[0]++);
        return new Parts("stack", ConfigFactory.parseMap(m), dtype, tokens,
                new InputSpec(List.of(InputSpec.Input.floats("inputs_embeds", "token vectors", -1, tokens, width))),
                new RowsAsTokens(tokens, width, dtype), encoder, new LayerNorm("layernorm", width, 1e-12, dtype),
                new FirstTokenHead(null, p > 0 ? new Dropout(p, dropoutSeed[0]++) : null, Linear.create("classifier", width, classes, true, 0.02, dtype, rng)));
    }

    /** The identity input layer: the batch already holds token vectors [B, T, D]. */
    private record RowsAsTokens(int tokens, int width, DataType dtype) implements Embeddings {
        @Override
        public Embedded forward(Batch batch, boolean training) {
            INDArray x = batch.inputs();
            int b = (int) x.size(0);
            return new Embedded(x.castTo(dtype).reshape('c', (long) b * tokens, width), b, tokens, null);
        }

        @Override
        public void backward(INDArray dRows) {
        }

        @Override
        public List<Parameter> parameters() {
            return List.of();
        }

        @Override
        public Map<String, Long> macs() {
            return Map.of();
        }
    }
}
