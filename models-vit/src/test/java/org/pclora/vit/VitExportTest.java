package org.pclora.vit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.adapter.Adapters;
import org.pclora.core.adapter.CompressedLinear;
import org.pclora.core.adapter.plugin.PcLoraAdapterFactory;
import org.pclora.core.io.Safetensors;
import org.pclora.core.io.StateDict;
import org.pclora.core.model.Batch;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.Parameter;
import org.pclora.core.testing.GradientCheck;

/** The compressed student exported as lora_A/lora_B tensors loads back into an equal model. */
class VitExportTest {
    @TempDir
    Path dir;

    @Test
    void compressedExportLoadsBackWithTheSameLogits() {
        VitFamily family = new VitFamily();
        VitModel model = (VitModel) family.load(Fixtures.tiny("model.safetensors"), null, true);
        Adapters.apply(model, new PcLoraAdapterFactory(), new AdapterSpec(4, 8, AdapterSpec.BiasPolicy.ADAPTER,
                AdapterSpec.InitPolicy.KAIMING_UNIFORM, 5), family.defaultTargets());
        // Give B and b_A values (they start at zero) so that the adapters carry the layers.
        long seed = 11;
        for (Parameter p : model.parameters()) {
            if (p.name().endsWith(".lora_B.weight") || p.name().endsWith(".lora_B.bias")) {
                p.set(GradientCheck.random(seed++, p.value().shape()).castTo(p.value().dataType()).muli(0.3));
            }
        }
        Adapters.setLambda(model, 0);
        INDArray input = Fixtures.npy("input.npy");
        INDArray before = model.forward(Batch.images(input, null), false, Set.of()).get("logits").dup();
        Adapters.compress(model);
        INDArray compressed = model.forward(Batch.images(input, null), false, Set.of()).get("logits").dup();
        // Compression folds the scaling into B: float32 rounding only.
        assertTrue(Fixtures.maxAbsDiff(before, compressed) < 1e-5);

        Path file = dir.resolve("student.safetensors");
        StateDict.save(file, model, null);
        Map<String, INDArray> stored = Safetensors.read(file).tensors();
        String q = "vit.encoder.layer.0.attention.attention.query";
        assertArrayEquals(new long[] {4, 16}, stored.get(q + ".lora_A.weight").shape());
        assertArrayEquals(new long[] {16, 4}, stored.get(q + ".lora_B.weight").shape());
        assertFalse(stored.containsKey(q + ".weight"));
        assertTrue(stored.containsKey("classifier.weight"));
        assertTrue(stored.containsKey("vit.embeddings.patch_embeddings.projection.weight"));

        // No config.json beside the export: the architecture comes from its metadata.
        VitModel reloaded = (VitModel) family.load(file, null, true);
        assertEquals(model.config(), reloaded.config());
        for (LinearSlot s : reloaded.linearSlots()) {
            assertTrue(s.layer() instanceof CompressedLinear, s.name());
        }
        INDArray after = reloaded.forward(Batch.images(input, null), false, Set.of()).get("logits");
        assertTrue(Fixtures.maxAbsDiff(compressed, after) < 1e-6);
    }
}
