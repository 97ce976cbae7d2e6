package org.pclora.core.adapter;

import org.pclora.core.adapter.plugin.LoraAdapterFactory;
import org.pclora.core.adapter.plugin.PcLoraAdapterFactory;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.PcLoraException;
import org.pclora.core.adapter.AdapterSpec.BiasPolicy;
import org.pclora.core.adapter.AdapterSpec.InitPolicy;
import org.pclora.core.model.Batch;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.Parameter;
import org.pclora.core.model.Features;
import org.pclora.core.testing.GradientCheck;
import org.pclora.core.testing.TinyClassifierModel;

class AdaptersTest {
    private static final AdapterSpec SPEC = new AdapterSpec(2, 4, BiasPolicy.ADAPTER, InitPolicy.KAIMING_UNIFORM, 3);

    private static INDArray logits(TinyClassifierModel m, Batch b) {
        return m.forward(b, false, Set.of()).get("logits");
    }

    @Test
    void appliesToWholeNameMatchesOnly() {
        TinyClassifierModel m = new TinyClassifierModel(4, 6, 3, 5, DataType.FLOAT, 1);
        Batch batch = m.randomBatch(3, 2, DataType.FLOAT);
        INDArray before = logits(m, batch);
        // "fc1" alone is not a whole-name match
        assertThrows(PcLoraException.class, () -> Adapters.apply(m, new PcLoraAdapterFactory(), SPEC, "fc1"));
        List<AdapterLayer> a = Adapters.apply(m, new PcLoraAdapterFactory(), SPEC, ".*\\.fc1");
        assertEquals(1, a.size());
        assertEquals("tiny.layer.0.fc1", a.get(0).name());
        assertInstanceOf(PcLoraLinear.class, m.linearSlots().get(0).layer());
        assertInstanceOf(Linear.class, m.linearSlots().get(1).layer());
        assertEquals(a, Adapters.adapters(m));
        // B = 0: the adapted model computes what the dense one did, bit for bit
        assertEquals(before, logits(m, batch));
        assertTrue(m.parameters().stream().anyMatch(p -> p.name().equals("tiny.layer.0.fc1.lora_A.weight")));
        assertFalse(m.parameters().stream().filter(p -> p.name().equals("tiny.layer.0.fc1.weight")).findFirst()
                .orElseThrow().isTrainable());
        PcLoraException again = assertThrows(PcLoraException.class,
                () -> Adapters.apply(m, new PcLoraAdapterFactory(), SPEC, ".*"));
        assertTrue(again.getMessage().contains("tiny.layer.0.fc1"), again.getMessage());
    }

    @Test
    void badPatternsAndRanksLeaveTheModelUntouched() {
        TinyClassifierModel m = new TinyClassifierModel(4, 6, 3, 5, DataType.FLOAT, 1);
        PcLoraException none = assertThrows(PcLoraException.class,
                () -> Adapters.apply(m, new PcLoraAdapterFactory(), SPEC, ".*query"));
        assertTrue(none.getMessage().contains(".*query") && none.getMessage().contains("tiny.layer.0.fc2"), none.getMessage());
        assertThrows(PcLoraException.class, () -> Adapters.apply(m, new PcLoraAdapterFactory(), SPEC, "(["));
        AdapterSpec tooBig = new AdapterSpec(5, 5, BiasPolicy.ADAPTER, InitPolicy.KAIMING_UNIFORM, 3);
        PcLoraException rank = assertThrows(PcLoraException.class,
                () -> Adapters.apply(m, new PcLoraAdapterFactory(), tooBig, ".*"));
        assertTrue(rank.getMessage().contains("rank 5"), rank.getMessage());
        assertTrue(m.linearSlots().stream().allMatch(s -> s.layer() instanceof Linear));
        assertTrue(m.linearSlots().stream().allMatch(s -> s.parameters().get(0).isTrainable()));
    }

    @Test
    void setLambdaReachesEveryAdapterAndCompressNeedsLambdaZero() {
        TinyClassifierModel m = new TinyClassifierModel(4, 6, 3, 5, DataType.FLOAT, 1);
        List<AdapterLayer> adapters = Adapters.apply(m, new PcLoraAdapterFactory(), SPEC, ".*");
        for (AdapterLayer a : adapters) {
            PcLoraLinear p = (PcLoraLinear) a;
            p.b().value().assign(GradientCheck.random(p.name().hashCode(), p.outFeatures(), 2).castTo(DataType.FLOAT));
            p.adapterBias().value().assign(GradientCheck.random(5, p.outFeatures()).castTo(DataType.FLOAT));
        }
        Adapters.setLambda(m, 0.5);
        assertTrue(adapters.stream().allMatch(a -> a.lambda() == 0.5));
        assertThrows(PcLoraException.class, () -> Adapters.setLambda(m, 1.5));
        assertFalse(Adapters.compressible(m));
        PcLoraException notYet = assertThrows(PcLoraException.class, () -> Adapters.compress(m));
        assertTrue(notYet.getMessage().contains("lambda 0.5"), notYet.getMessage());
        assertTrue(m.linearSlots().stream().allMatch(s -> s.layer() instanceof PcLoraLinear));

        Adapters.setLambda(m, 0);
        assertTrue(Adapters.compressible(m));
        Batch batch = m.randomBatch(3, 2, DataType.FLOAT);
        INDArray before = logits(m, batch);
        Adapters.compress(m);
        assertTrue(m.linearSlots().stream().allMatch(s -> s.layer() instanceof CompressedLinear));
        // float32, values of order 1: the two evaluation orders differ by rounding only
        assertArrayEquals(before.ravel().toDoubleVector(), logits(m, batch).ravel().toDoubleVector(), 1e-5);
        assertTrue(Adapters.adapters(m).isEmpty());
    }

    @Test
    void plainLoraCannotBeCompressed() {
        TinyClassifierModel m = new TinyClassifierModel(4, 6, 3, 5, DataType.FLOAT, 1);
        Adapters.apply(m, new LoraAdapterFactory(), SPEC, ".*");
        Adapters.setLambda(m, 0);
        assertFalse(Adapters.compressible(m));
        assertThrows(PcLoraException.class, () -> Adapters.compress(m));
    }

    @Test
    void gradientsThroughAnAdaptedModel() {
        // The model-level backward reaches A, B and b_A of both slots (float64 central differences).
        TinyClassifierModel m = new TinyClassifierModel(4, 6, 3, 5, DataType.DOUBLE, 1);
        List<AdapterLayer> adapters = Adapters.apply(m, new PcLoraAdapterFactory(), SPEC, ".*");
        for (AdapterLayer a : adapters) {
            ((PcLoraLinear) a).b().value().assign(GradientCheck.random(7, a.outFeatures(), 2));
        }
        Adapters.setLambda(m, 0.5);
        Batch batch = m.randomBatch(3, 2, DataType.DOUBLE);
        INDArray r = GradientCheck.random(9, 3, 3);
        m.forward(batch, true, Set.of());
        m.backward(new Features().put("logits", r));
        for (Parameter p : m.parameters()) {
            if (p.isTrainable() && p.name().contains("lora")) {
                double err = GradientCheck.maxRelativeError(p.grad(),
                        GradientCheck.numeric(p.value(), () -> logits(m, batch), r));
                assertTrue(err < 1e-7, p.name() + ": " + err); // float64: rounding ~1e-10
            }
        }
    }
}
