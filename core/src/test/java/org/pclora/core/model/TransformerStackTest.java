package org.pclora.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.nn.Parameter;
import org.pclora.core.model.Features;
import org.pclora.core.testing.GradientAssert;
import org.pclora.core.testing.GradientCheck;

class TransformerStackTest {
    @Test
    void parameterCountByHand() {
        // per block: 4*(8*8+8) attention + (8*16+16) + (16*8+8) MLP + 2*2*8 LayerNorms = 288+144+136+32 = 600
        // final LayerNorm 16, head 8*3+3 = 27 -> 2*600 + 16 + 27 = 1243
        TransformerStack s = new TransformerStack(2, 8, 2, 16, 5, 3, 1, DataType.FLOAT);
        assertEquals(1243, s.parameters().stream().mapToLong(Parameter::size).sum());
        assertEquals(12, s.linearSlots().size());
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        TransformerStack s = new TransformerStack(2, 4, 2, 8, 3, 3, 7, DataType.DOUBLE);
        INDArray x = GradientCheck.random(1, 2, 3, 4);
        INDArray r = GradientCheck.random(2, 2, 3);
        Batch b = Batch.images(x, null);
        s.parameters().forEach(Parameter::zeroGrad);
        s.forward(b, true, Set.of());
        s.backward(new Features().put("logits", r));
        // float64 central differences; GradientAssert's tolerance: 1e-6 relative plus a 1e-8 absolute floor
        for (String name : new String[] {"encoder.layer.0.attention.query.weight", "encoder.layer.1.output.dense.bias",
                "encoder.layer.0.layernorm_before.weight", "classifier.weight"}) {
            Parameter p = s.parameters().stream().filter(q -> q.name().equals(name)).findFirst().orElseThrow();
            INDArray numeric = GradientCheck.numeric(p.value(), () -> s.forward(b, false, Set.of()).get("logits"), r);
            GradientAssert.assertClose(name, p.grad(), numeric);
        }
    }
}
