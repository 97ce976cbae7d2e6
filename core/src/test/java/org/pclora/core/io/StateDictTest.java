package org.pclora.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.adapter.AdapterLayer;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.adapter.Adapters;
import org.pclora.core.adapter.CompressedLinear;
import org.pclora.core.adapter.plugin.PcLoraAdapterFactory;
import org.pclora.core.adapter.PcLoraLinear;
import org.pclora.core.model.Batch;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.Parameter;
import org.pclora.core.testing.GradientCheck;
import org.pclora.core.testing.TinyClassifierModel;

class StateDictTest {
    @TempDir
    Path dir;

    private static final AdapterSpec SPEC = new AdapterSpec(2, 8, AdapterSpec.BiasPolicy.ADAPTER,
            AdapterSpec.InitPolicy.KAIMING_UNIFORM, 3);

    private static INDArray logits(TinyClassifierModel m, Batch b) {
        return m.forward(b, false, Set.of()).get("logits");
    }

    /** fc1 and fc2 adapted with nonzero B and b_A (as after some training). */
    private static TinyClassifierModel adapted(long seed) {
        TinyClassifierModel m = new TinyClassifierModel(4, 6, 3, 5, DataType.FLOAT, seed);
        for (AdapterLayer a : Adapters.apply(m, new PcLoraAdapterFactory(), SPEC, ".*")) {
            PcLoraLinear p = (PcLoraLinear) a;
            p.b().value().assign(GradientCheck.random(seed + 10, p.outFeatures(), 2).castTo(DataType.FLOAT));
            p.adapterBias().value().assign(GradientCheck.random(seed + 11, p.outFeatures()).castTo(DataType.FLOAT));
        }
        return m;
    }

    @Test
    void denseExportIsTheParametersByName() {
        TinyClassifierModel m = new TinyClassifierModel(4, 6, 3, 5, DataType.FLOAT, 1);
        Map<String, INDArray> sd = StateDict.export(m);
        assertEquals(m.parameters().stream().map(Parameter::name).toList(), List.copyOf(sd.keySet()));
        for (Parameter p : m.parameters()) {
            assertEquals(p.value(), sd.get(p.name()));
        }
    }

    @Test
    void adaptersAtLambdaZeroExportCompressed() {
        TinyClassifierModel m = adapted(1);
        Adapters.setLambda(m, 0);
        Map<String, INDArray> sd = StateDict.export(m);
        assertEquals(List.of("tiny.embeddings.word_embeddings.weight",
                "tiny.layer.0.fc1.lora_A.weight", "tiny.layer.0.fc1.lora_B.weight", "tiny.layer.0.fc1.lora_B.bias",
                "tiny.layer.0.fc2.lora_A.weight", "tiny.layer.0.fc2.lora_B.weight", "tiny.layer.0.fc2.lora_B.bias",
                "tiny.layernorm.weight", "tiny.layernorm.bias", "classifier.weight", "classifier.bias"),
                List.copyOf(sd.keySet()));
        PcLoraLinear fc1 = (PcLoraLinear) m.linearSlots().get(0).layer();
        assertEquals(4.0, fc1.scaling()); // alpha 8 / r 2
        // s folded into B: 4 * B
        assertArrayEquals(fc1.b().value().mul(4).ravel().toFloatVector(),
                sd.get("tiny.layer.0.fc1.lora_B.weight").ravel().toFloatVector(), 1e-6f);
        assertArrayEquals(new long[] {2, 4}, sd.get("tiny.layer.0.fc1.lora_A.weight").shape());
        assertArrayEquals(new long[] {6, 2}, sd.get("tiny.layer.0.fc1.lora_B.weight").shape());
    }

    @Test
    void compressedRoundTripThroughAFileGivesTheSameFunction() {
        TinyClassifierModel m = adapted(1);
        Adapters.setLambda(m, 0);
        Batch batch = m.randomBatch(4, 5, DataType.FLOAT);
        INDArray expected = logits(m, batch);
        Path p = dir.resolve("student.safetensors");
        StateDict.save(p, m, "{\"seed\":1}");

        TinyClassifierModel fresh = new TinyClassifierModel(4, 6, 3, 5, DataType.FLOAT, 99);
        SafetensorsFile f = Safetensors.read(p);
        LoadReport r = StateDict.load(fresh, f.tensors(), true);
        assertTrue(r.clean(), r.summary());
        assertInstanceOf(CompressedLinear.class, fresh.linearSlots().get(0).layer());
        assertInstanceOf(CompressedLinear.class, fresh.linearSlots().get(1).layer());
        // float32 values of order 1 through the same operations in a different order
        assertArrayEquals(expected.ravel().toDoubleVector(), logits(fresh, batch).ravel().toDoubleVector(), 1e-5);
        assertEquals("{\"seed\":1}", f.metadata().get(StateDict.PROVENANCE_KEY));
        // exported again, the compressed model gives the same tensors
        assertEquals(f.tensors().keySet(), StateDict.export(fresh).keySet());
    }

    @Test
    void adaptersMidDecayExportTheMergedDenseFunction() throws Exception {
        TinyClassifierModel m = adapted(1);
        Adapters.setLambda(m, 0.5);
        Map<String, INDArray> sd = StateDict.export(m);
        assertTrue(sd.containsKey("tiny.layer.0.fc1.weight"));
        assertFalse(sd.keySet().stream().anyMatch(k -> k.contains("lora")));
        TinyClassifierModel dense = new TinyClassifierModel(4, 6, 3, 5, DataType.FLOAT, 99);
        assertTrue(StateDict.load(dense, sd, true).clean());
        Batch batch = m.randomBatch(4, 5, DataType.FLOAT);
        assertArrayEquals(logits(m, batch).ravel().toDoubleVector(), logits(dense, batch).ravel().toDoubleVector(), 1e-5);
        // merged weight by hand for one entry: 0.5 * W0[0,0] + sum_k s B[0,k] A[k,0]
        PcLoraLinear fc1 = (PcLoraLinear) m.linearSlots().get(0).layer();
        double w = 0.5 * fc1.dense().weight().value().getDouble(0, 0);
        for (int k = 0; k < 2; k++) {
            w += fc1.scaling() * fc1.b().value().getDouble(0, k) * fc1.a().value().getDouble(k, 0);
        }
        assertEquals(w, sd.get("tiny.layer.0.fc1.weight").getDouble(0, 0), 1e-6);
    }

    @Test
    void nonStrictLoadReportsMissingUnexpectedAndMismatched() {
        TinyClassifierModel source = new TinyClassifierModel(4, 6, 3, 5, DataType.FLOAT, 1);
        Map<String, INDArray> sd = new LinkedHashMap<>(StateDict.export(source));
        sd.remove("classifier.bias");
        sd.put("pooler.dense.weight", Nd4j.ones(DataType.FLOAT, 2, 2));
        sd.put("tiny.layernorm.weight", Nd4j.ones(DataType.FLOAT, 5));
        TinyClassifierModel target = new TinyClassifierModel(4, 6, 3, 5, DataType.DOUBLE, 2);
        INDArray normBefore = target.parameters().stream().filter(p -> p.name().equals("tiny.layernorm.weight"))
                .findFirst().orElseThrow().value().dup();
        INDArray embBefore = target.parameters().get(0).value().dup();

        PcLoraException e = assertThrows(PcLoraException.class, () -> StateDict.load(target, sd, true, "ckpt.safetensors"));
        assertTrue(e.getMessage().contains("ckpt.safetensors") && e.getMessage().contains("classifier.bias")
                && e.getMessage().contains("pooler.dense.weight") && e.getMessage().contains("tiny.layernorm.weight"),
                e.getMessage());
        // strict failure changed nothing
        assertEquals(embBefore, target.parameters().get(0).value());
        assertFalse(target.parameters().get(0).value().equalsWithEps(source.parameters().get(0).value().castTo(DataType.DOUBLE), 1e-6));

        LoadReport r = StateDict.load(target, sd, false);
        assertEquals(List.of("classifier.bias"), r.missing());
        assertEquals(List.of("pooler.dense.weight"), r.unexpected());
        assertEquals(List.of("tiny.layernorm.weight: checkpoint [5] vs model [4]"), r.mismatched());
        // loaded ones now hold the source's values, cast to the model's float64
        Parameter emb = target.parameters().get(0);
        assertEquals(DataType.DOUBLE, emb.value().dataType());
        assertTrue(emb.value().equalsWithEps(source.parameters().get(0).value().castTo(DataType.DOUBLE), 1e-7));
        Parameter norm = target.parameters().stream().filter(p -> p.name().equals("tiny.layernorm.weight")).findFirst().orElseThrow();
        assertEquals(normBefore, norm.value());
    }

    @Test
    void badCompressedTensorsAreReported() {
        TinyClassifierModel m = new TinyClassifierModel(4, 6, 3, 5, DataType.FLOAT, 1);
        Map<String, INDArray> sd = new LinkedHashMap<>(StateDict.export(m));
        sd.remove("tiny.layer.0.fc1.weight");
        sd.remove("tiny.layer.0.fc1.bias");
        sd.put("tiny.layer.0.fc1.lora_A.weight", Nd4j.ones(DataType.FLOAT, 2, 4));
        sd.put("tiny.layer.0.fc1.lora_B.weight", Nd4j.ones(DataType.FLOAT, 6, 3)); // rank 3 vs A's 2
        sd.put("tiny.layer.0.fc2.lora_A.weight", Nd4j.ones(DataType.FLOAT, 2, 6)); // B missing
        LoadReport r = StateDict.load(m, sd, false);
        assertTrue(r.missing().contains("tiny.layer.0.fc2.lora_B.weight"), r.summary());
        assertTrue(r.mismatched().stream().anyMatch(s -> s.startsWith("tiny.layer.0.fc1.lora_*")), r.summary());
        assertInstanceOf(Linear.class, m.linearSlots().get(0).layer());
        assertInstanceOf(Linear.class, m.linearSlots().get(1).layer());
    }

    @Test
    void metadataCarriesTheArchitectureWithFamily() throws Exception {
        TinyClassifierModel m = new TinyClassifierModel(4, 6, 3, 5, DataType.FLOAT, 1);
        Map<String, String> meta = StateDict.metadata(m, null);
        JsonNode arch = new ObjectMapper().readTree(meta.get(StateDict.ARCHITECTURE_KEY));
        assertEquals("tiny", arch.get("family").asText());
        assertEquals(6, arch.get("hidden").asInt());
        assertFalse(meta.containsKey(StateDict.PROVENANCE_KEY));
    }
}
