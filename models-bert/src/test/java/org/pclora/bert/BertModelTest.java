package org.pclora.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.Safetensors;
import org.pclora.core.io.SafetensorsFile;
import org.pclora.core.model.Batch;
import org.pclora.core.nn.Parameter;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;

/** Parity with the independent torch fixture, parameter counts, family config and loading. */
class BertModelTest {
    private static final BertFamily FAMILY = new BertFamily();

    @TempDir
    Path tmp;

    static Path fixture(String name) throws Exception {
        return Path.of(BertModelTest.class.getResource("fixture/" + name).toURI());
    }

    static Batch fixtureBatch(SafetensorsFile expected) {
        Map<String, INDArray> e = expected.tensors();
        return BertModel.batch(e.get("input_ids"), e.get("attention_mask").castTo(DataType.FLOAT),
                e.get("token_type_ids"), null);
    }

    static org.pclora.core.family.TransformerFamily.Loaded<BertModel> loadFixture() throws Exception {
        Config arch = FAMILY.resolve(BertFamily.architectureFromHfConfig(fixture("config.json")));
        return BertFamily.loadWithReport(fixture("model.safetensors"), arch, true, 0);
    }

    @Test
    void matchesTheTorchFixture() throws Exception {
        var loaded = loadFixture();
        assertTrue(loaded.report().clean(), loaded.summary());
        assertFalse(loaded.freshClassifier());
        // config.json beside the file gives the same architecture when none is passed.
        var own = BertFamily.loadWithReport(fixture("model.safetensors"), null, true, 0);
        assertEquals(loaded.model().architecture(), own.model().architecture());
        SafetensorsFile expected = Safetensors.read(fixture("expected.safetensors"));
        Features f = loaded.model().forward(fixtureBatch(expected), false,
                EnumSet.of(FeatureKind.BLOCK_OUTPUT, FeatureKind.ATTENTION_PROBS));
        // float32 forward against a float64 reference of the same float32 weights: 1e-4 absolute
        // leaves room for float32 rounding through two layers (values are O(1) after LayerNorm).
        for (String name : List.of("hidden.0", "hidden.1", "attention.0", "logits")) {
            String ours = name.startsWith("hidden.") ? "block." + name.substring(7) : name;
            INDArray want = expected.tensors().get(name);
            INDArray got = f.get(ours);
            assertArrayEquals(want.shape(), got.shape(), name);
            double diff = Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.reduce.same.AMax(
                    got.castTo(DataType.DOUBLE).sub(want.castTo(DataType.DOUBLE)))).getDouble(0);
            assertTrue(diff < 1e-4, name + " differs by " + diff);
        }
    }

    @Test
    void paddingDoesNotChangeRealTokens() throws Exception {
        BertModel model = loadFixture().model();
        SafetensorsFile expected = Safetensors.read(fixture("expected.safetensors"));
        Batch padded = fixtureBatch(expected);
        INDArray all = model.forward(padded, false, Set.of()).get("logits");
        // Example 2 has 3 real tokens: alone and unpadded it must give the same logits.
        INDArray ids = padded.inputs().get(NDArrayIndex.interval(2, 3), NDArrayIndex.interval(0, 3)).dup();
        INDArray alone = model.forward(BertModel.batch(ids, null, null, null), false, Set.of()).get("logits");
        double diff = all.getRow(2).sub(alone.getRow(0)).norm1Number().doubleValue();
        assertTrue(diff < 1e-5, "padding changed the logits by " + diff);
    }

    /**
     * Every mask stream a training forward draws from is listed by {@code dropouts()}: a second model
     * of the same seed, given the first one's listed stream positions after one training forward,
     * draws the same masks in the next forward (an unlisted stream would still be at its start).
     */
    @Test
    void dropoutsListsEveryMaskStreamATrainingForwardDrawsFrom() {
        BertConfig c = BertConfig.of(FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "custom", "depth", 2,
                "width", 4, "heads", 2, "mlp", 6, "vocab_size", 7, "max_positions", 5, "num_classes", 3,
                "hidden_dropout", 0.3, "attention_dropout", 0.3))));
        BertModel a = new BertModel(c, 3, DataType.FLOAT);
        BertModel b = new BertModel(c, 3, DataType.FLOAT);
        assertEquals(1 + 3 * 2 + 1, a.dropouts().size(), "embeddings, 3 per block, pooler output");
        Batch batch = BertGradientTest.batch();
        a.forward(batch, true, Set.of());
        for (int i = 0; i < a.dropouts().size(); i++) {
            b.dropouts().get(i).restoreStreamState(a.dropouts().get(i).streamState());
        }
        INDArray la = a.forward(batch, true, Set.of()).get(FeatureKind.LOGITS.prefix());
        INDArray lb = b.forward(batch, true, Set.of()).get(FeatureKind.LOGITS.prefix());
        assertArrayEquals(la.data().asFloat(), lb.data().asFloat());
        INDArray first = new BertModel(c, 3, DataType.FLOAT).forward(batch, true, Set.of()).get(FeatureKind.LOGITS.prefix());
        assertFalse(java.util.Arrays.equals(first.data().asFloat(), la.data().asFloat()), "masks differ between steps");
    }

    @Test
    void bertBaseParameterCount() {
        BertConfig base = BertConfig.of(FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "bert-base"))));
        // The reference count of BERT-base-uncased without a task head, pooler included.
        assertEquals(109_482_240L, base.parameterCountWithoutHead());
        assertEquals(109_482_240L + 768 * 2 + 2, base.parameterCount());
        // The analytic rule agrees with the parameters a created model actually holds.
        Config small = FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "custom", "depth", 2, "width", 32,
                "heads", 4, "mlp", 48, "vocab_size", 100, "max_positions", 20, "num_classes", 5)));
        BertModel m = (BertModel) FAMILY.create(small, 1);
        long n = m.parameters().stream().mapToLong(Parameter::size).sum();
        assertEquals(m.config().parameterCount(), n);
        long head = m.parameters().stream().filter(p -> p.name().startsWith("classifier.")).mapToLong(Parameter::size)
                .sum();
        assertEquals(m.config().parameterCountWithoutHead(), n - head);
        assertEquals(12, m.linearSlots().size());
        assertTrue(m.linearSlots().stream().allMatch(s -> s.name().matches(FAMILY.defaultTargets())));
    }

    @Test
    void namedArchitecturesAndStrictKeys() {
        Config tiny = FAMILY.resolve(ConfigFactory.parseMap(Map.of("family", "bert", "arch", "bert-tiny")));
        assertEquals(2, tiny.getInt("depth"));
        assertEquals(128, tiny.getInt("width"));
        assertEquals(2, tiny.getInt("heads"));
        assertEquals(512, tiny.getInt("mlp"));
        assertEquals(30522, tiny.getInt("vocab_size"));
        assertEquals(1e-12, tiny.getDouble("layer_norm_eps"));
        Config large = FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "bert-large", "num_classes", 6)));
        assertEquals(24, large.getInt("depth"));
        assertEquals(1024, large.getInt("width"));
        assertEquals(16, large.getInt("heads"));
        assertEquals(6, large.getInt("num_classes"));
        assertEquals(List.of("bert-tiny", "bert-mini", "bert-small", "bert-medium", "bert-base", "bert-large"),
                FAMILY.architectures());
        assertThrows(PcLoraException.class, () -> FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "bert-huge"))));
        assertThrows(PcLoraException.class, () -> FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "bert-base",
                "widht", 10))));
        assertThrows(PcLoraException.class, () -> FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "custom",
                "depth", 2))));
        assertThrows(PcLoraException.class, () -> FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "custom",
                "depth", 2, "width", 30, "heads", 4))));
        assertThrows(PcLoraException.class, () -> FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "bert-tiny",
                "max_length", 600))));
        assertTrue(PluginRegistry.load().names(PluginRegistry.Kind.MODEL).contains("bert"));
    }

    @Test
    void mismatchedConfigJsonIsRejected() throws Exception {
        Config wrong = FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "custom", "depth", 2, "width", 16,
                "heads", 2, "mlp", 32, "vocab_size", 40, "max_positions", 12, "num_classes", 3)));
        PcLoraException e = assertThrows(PcLoraException.class,
                () -> BertFamily.loadWithReport(fixture("model.safetensors"), wrong, true, 0));
        assertTrue(e.getMessage().contains("intermediate_size"), e.getMessage());
    }
}
