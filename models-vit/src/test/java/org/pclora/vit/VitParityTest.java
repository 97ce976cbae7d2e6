package org.pclora.vit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.Safetensors;
import org.pclora.core.model.Batch;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;

/**
 * Parity with an independent torch implementation (fixture script in src/test/python). The
 * model runs in float32 while torch computed in float64 from the same float32 weights: over two
 * blocks of width 16 the float32 rounding stays near 1e-6, so 1e-4 leaves ample room while still
 * catching any layout or formula error (those give differences of order 0.1).
 */
class VitParityTest {
    private static final double TOL = 1e-4;

    @TempDir
    Path dir;

    private final VitFamily family = new VitFamily();

    private static Config tinyArch(Map<String, Object> overrides) {
        Map<String, Object> m = new LinkedHashMap<>(Map.of("arch", "vit-ti16", "image_size", 8, "patch_size", 4,
                "channels", 3, "depth", 2, "width", 16, "heads", 2, "mlp", 32, "num_classes", 3));
        m.putAll(overrides);
        return new VitFamily().resolve(ConfigFactory.parseMap(m));
    }

    @Test
    void matchesTorchLogitsHiddenStatesAndTaps() {
        VitModel model = (VitModel) family.load(Fixtures.tiny("model.safetensors"), null, true);
        VitConfig c = model.config();
        assertEquals(16, c.width());
        assertEquals(2, c.depth());
        assertEquals(2, c.heads());
        assertEquals(32, c.mlp());
        assertEquals(3, c.numClasses());
        assertEquals(1e-12, c.layerNormEps());
        Features f = model.forward(Batch.images(Fixtures.npy("input.npy"), null), false,
                Set.of(FeatureKind.BLOCK_OUTPUT, FeatureKind.ATTENTION_PROBS, FeatureKind.LOGITS));
        assertTrue(Fixtures.maxAbsDiff(f.get("logits"), Fixtures.npy("logits.npy")) < TOL);
        assertArrayEquals(new long[] {2, 5, 16}, model.lastHidden().shape());
        assertTrue(Fixtures.maxAbsDiff(model.lastHidden(), Fixtures.npy("hidden.npy")) < TOL);
        for (int i = 0; i < 2; i++) {
            assertTrue(Fixtures.maxAbsDiff(f.get("block." + i), Fixtures.npy("block_" + i + ".npy")) < TOL, "block " + i);
            assertTrue(Fixtures.maxAbsDiff(f.get("attention." + i), Fixtures.npy("attention_" + i + ".npy")) < TOL,
                    "attention " + i);
        }
    }

    @Test
    void loadsWithAnExplicitArchitectureAndTrainingModeGivesTheSameLogits() {
        VitModel model = (VitModel) family.load(Fixtures.tiny("model.safetensors"), tinyArch(Map.of()), true);
        INDArray logits = model.forward(Batch.images(Fixtures.npy("input.npy"), null), true, Set.of()).get("logits");
        assertTrue(Fixtures.maxAbsDiff(logits, Fixtures.npy("logits.npy")) < TOL);
        INDArray hidden = model.lastHiddenState(Batch.images(Fixtures.npy("input.npy"), null));
        assertTrue(Fixtures.maxAbsDiff(hidden, Fixtures.npy("hidden.npy")) < TOL);
    }

    @Test
    void interpolatesPositionEmbeddingsForAnotherImageSize() {
        VitModel model = (VitModel) family.load(Fixtures.tiny("model.safetensors"), tinyArch(Map.of("image_size", 12)),
                true);
        INDArray pos = model.parameters().stream().filter(p -> p.name().equals("vit.embeddings.position_embeddings"))
                .findFirst().orElseThrow().value();
        // torch's F.interpolate(bilinear, align_corners=False) result, stored as float32.
        assertTrue(Fixtures.maxAbsDiff(pos, Fixtures.npy("pos_embed_12.npy")) < 1e-6);
        INDArray logits = model.forward(Batch.images(Fixtures.npy("input_12.npy"), null), false, Set.of()).get("logits");
        assertTrue(Fixtures.maxAbsDiff(logits, Fixtures.npy("logits_12.npy")) < TOL);
    }

    @Test
    void replacesTheHeadWhenTheClassCountDiffers() {
        VitModel model = (VitModel) family.load(Fixtures.tiny("model.safetensors"), tinyArch(Map.of("num_classes", 5)),
                true);
        INDArray logits = model.forward(Batch.images(Fixtures.npy("input.npy"), null), false, Set.of()).get("logits");
        assertArrayEquals(new long[] {2, 5}, logits.shape());
        assertTrue(Fixtures.maxAbsDiff(model.lastHidden(), Fixtures.npy("hidden.npy")) < TOL, "backbone loaded");
    }

    private Path copyWithConfig(Map<String, INDArray> tensors, boolean withConfig) throws IOException {
        Path sub = Files.createDirectories(dir.resolve("ckpt" + System.nanoTime()));
        Path file = sub.resolve("model.safetensors");
        Safetensors.write(file, tensors, Map.of());
        if (withConfig) {
            Files.copy(Fixtures.tiny("config.json"), sub.resolve("config.json"));
        }
        return file;
    }

    @Test
    void loadsHeadlessViTModelNamesAndIgnoresThePooler() throws IOException {
        Map<String, INDArray> headless = new LinkedHashMap<>();
        Safetensors.read(Fixtures.tiny("model.safetensors")).tensors().forEach((k, v) -> {
            if (k.startsWith("vit.")) {
                headless.put(k.substring(4), v);
            }
        });
        headless.put("pooler.dense.weight", org.nd4j.linalg.factory.Nd4j.zeros(16, 16));
        headless.put("pooler.dense.bias", org.nd4j.linalg.factory.Nd4j.zeros(16));
        Path file = copyWithConfig(headless, false);
        VitModel model = (VitModel) family.load(file, tinyArch(Map.of()), true);
        model.forward(Batch.images(Fixtures.npy("input.npy"), null), false, Set.of());
        assertTrue(Fixtures.maxAbsDiff(model.lastHidden(), Fixtures.npy("hidden.npy")) < TOL);
    }

    @Test
    void strictLoadNamesMissingTensorsAndArchitectureMismatches() throws IOException {
        Map<String, INDArray> t = new LinkedHashMap<>(Safetensors.read(Fixtures.tiny("model.safetensors")).tensors());
        t.remove("vit.encoder.layer.1.output.dense.bias");
        Path file = copyWithConfig(t, true);
        PcLoraException e = assertThrows(PcLoraException.class, () -> family.load(file, null, true));
        assertTrue(e.getMessage().contains("vit.encoder.layer.1.output.dense.bias"), e.getMessage());
        // Non-strict: loads, keeping the initial value for the missing tensor.
        family.load(file, null, false);

        PcLoraException wide = assertThrows(PcLoraException.class,
                () -> family.load(Fixtures.tiny("model.safetensors"), tinyArch(Map.of("width", 32, "heads", 2)), true));
        assertTrue(wide.getMessage().contains("width (hidden_size) = 16 in the checkpoint vs 32"), wide.getMessage());

        Path bare = copyWithConfig(Safetensors.read(Fixtures.tiny("model.safetensors")).tensors(), false);
        PcLoraException noArch = assertThrows(PcLoraException.class, () -> family.load(bare, null, true));
        assertTrue(noArch.getMessage().contains("config.json"), noArch.getMessage());
    }

    @Test
    void readsTheArchitectureOfACheckpointFromConfigJson() {
        Config a = new VitFamily().architectureOf(Fixtures.tiny("model.safetensors")).orElseThrow();
        assertEquals(8, a.getInt("image_size"));
        assertEquals(4, a.getInt("patch_size"));
        assertEquals(3, a.getInt("num_classes"));
        assertEquals("vit", a.getString("family"));
    }
}
