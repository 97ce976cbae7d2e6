package org.pclora.core.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.adapter.plugin.PcLoraAdapterFactory;
import org.pclora.core.model.Batch;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.model.TransformerStack;
import org.pclora.core.nn.Parameter;

class BenchModelsTest {
    private static ClassifierModel stack(long seed) {
        return new TransformerStack(2, 16, 2, 32, 5, 3, seed, DataType.FLOAT);
    }

    @Test
    void theStudentHasAdaptersOnEverySlotAtTheGivenLambda() {
        ClassifierModel m = stack(1);
        List<Parameter> trainable = BenchModels.student(m, new PcLoraAdapterFactory(), 4, 0.25);
        assertEquals(12, Adapters.adapters(m).size());
        for (AdapterLayer a : Adapters.adapters(m)) {
            assertEquals(0.25, a.lambda());
            assertEquals(4, a.rank());
            assertTrue(a.dense().parameters().stream().noneMatch(Parameter::isTrainable));
        }
        assertEquals(m.parameters().stream().filter(Parameter::isTrainable).count(), trainable.size());
    }

    @Test
    void theLambdaZeroStudentCarriesTheDenseWeightsByNameAndContributingAdapters() {
        ClassifierModel dense = stack(1);
        ClassifierModel student = BenchModels.lambdaZeroStudent(dense, stack(2), new PcLoraAdapterFactory(), 4, 5);
        for (AdapterLayer a : Adapters.adapters(student)) {
            PcLoraLinear p = (PcLoraLinear) a;
            assertEquals(0.0, a.lambda());
            assertNotEquals(0.0, p.b().value().amaxNumber().doubleValue());
            assertNotEquals(0.0, p.adapterBias().value().amaxNumber().doubleValue());
        }
        // frozen W0 equal to the dense model's (stack(2) drew other weights)
        Parameter w0 = ((PcLoraLinear) Adapters.adapters(student).get(0)).dense().weight();
        Parameter d0 = dense.parameters().stream().filter(p -> p.name().equals(w0.name())).findFirst().orElseThrow();
        assertEquals(d0.value(), w0.value());
        // at lambda 0 the logits are the adapters' (not the dense model's), and compressing keeps them
        Batch b = dense.syntheticBatch(3, 4);
        INDArray before = student.forward(b, false, Set.of()).get("logits").dup();
        assertNotEquals(dense.forward(b, false, Set.of()).get("logits"), before);
        Adapters.compress(student);
        assertEquals(before, student.forward(b, false, Set.of()).get("logits"));
    }
}
