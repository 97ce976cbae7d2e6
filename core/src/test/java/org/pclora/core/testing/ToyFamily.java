package org.pclora.core.testing;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.pclora.core.family.TransformerFamily;
import org.pclora.core.model.Encoder;
import org.pclora.core.model.EncoderSpec;
import org.pclora.core.model.FirstTokenHead;
import org.pclora.core.model.InputSpec;
import org.pclora.core.model.TokenEmbeddings;
import org.pclora.core.model.TransformerClassifier;
import org.pclora.core.nn.LayerNorm;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.TransformerBlock;

/**
 * A third model family declared on the kit, to show what a new family costs: token ids through
 * word and position tables, pre-LayerNorm blocks, a final LayerNorm and a classifier on token 0.
 */
public final class ToyFamily extends TransformerFamily<ToyFamily.ToyModel> {
    private static final org.pclora.core.spi.PluginParameter.Type INT = org.pclora.core.spi.PluginParameter.Type.INTEGER;

    public ToyFamily() {
        super("toy", "toy-2", null, Map.of("toy-2", Map.of("depth", 2, "width", 4, "heads", 2, "mlp", 8, "vocab_size", 7,
                "tokens", 3, "num_classes", 3)), Map.of("depth", INT, "width", INT, "heads", INT, "mlp", INT,
                "vocab_size", INT, "tokens", INT, "num_classes", INT));
    }

    @Override
    public String description() {
        return "test family";
    }

    @Override
    public String defaultTargets() {
        return ToyModel.NAMES.allLinears();
    }

    @Override
    protected Config complete(Config merged, String arch) {
        return merged.withFallback(com.typesafe.config.ConfigFactory.parseMap(Map.of("arch", arch, "family", "toy")));
    }

    @Override
    protected ToyModel build(Config a, long seed) {
        return new ToyModel(a, seed, DataType.FLOAT);
    }

    @Override
    protected Map<String, String> hfKeys() {
        return Map.of("hidden_size", "width", "num_hidden_layers", "depth");
    }

    @Override
    protected List<String> structuralKeys() {
        return List.of("depth", "width", "heads", "mlp", "vocab_size");
    }

    @Override
    protected String tensorName(String name) {
        return name;
    }

    /** The toy model: word table, kit encoder (PRE), final LayerNorm, first-token classifier. */
    public static final class ToyModel extends TransformerClassifier {
        static final EncoderSpec.LayerNames NAMES = EncoderSpec.LayerNames.hf("toy.layer.", "self", "ln1", "ln2");

        public ToyModel(Config a, long seed, DataType dtype) {
            super(parts(a, seed, dtype));
        }

        private static Parts parts(Config a, long seed, DataType dtype) {
            SplittableRandom rng = new SplittableRandom(seed);
            int d = a.getInt("width");
            TokenEmbeddings words = new TokenEmbeddings("toy", "toy.", a.getInt("vocab_size"), a.getInt("tokens"), 0, d,
                    0, 0, 0.5, dtype, rng);
            Encoder encoder = new Encoder(new EncoderSpec(a.getInt("depth"), d, a.getInt("heads"), a.getInt("mlp"),
                    TransformerBlock.Norm.PRE, true, 1e-12, 0, 0, 0.5, NAMES), rng, dtype, () -> seed);
            return new Parts("toy", a, dtype, a.getInt("tokens"), new InputSpec(List.of(InputSpec.Input.ids("input_ids",
                    "token ids", a.getInt("tokens"), a.getInt("tokens"), a.getInt("vocab_size")))), words, encoder,
                    new LayerNorm("toy.norm", d, 1e-12, dtype), new FirstTokenHead(null, null,
                    Linear.create("classifier", d, a.getInt("num_classes"), true, 0.5, dtype, rng)));
        }
    }
}
