package org.pclora.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.nn.Parameter;

class GradientClippingTest {
    private static Parameter withGrad(String name, double... g) {
        Parameter p = Parameter.trainable(name, Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, g.length), true);
        p.grad().assign(Nd4j.create(g));
        return p;
    }

    @Test
    void scalesToMaxNormAndReturnsNormBefore() {
        // grads [3, 4] and [12]: global norm sqrt(9 + 16 + 144) = 13; max 6.5 -> scale 6.5 / (13 + 1e-6)
        Parameter a = withGrad("a", 3, 4);
        Parameter b = withGrad("b", 12);
        Parameter frozen = Parameter.frozen("f", Nd4j.ones(3));
        double norm = GradientClipping.clipGlobalNorm(List.of(a, b, frozen), 6.5);
        assertEquals(13.0, norm, 1e-12);
        double scale = 6.5 / (13 + 1e-6);
        assertArrayEquals(new double[] {3 * scale, 4 * scale}, a.grad().toDoubleVector(), 1e-12);
        assertArrayEquals(new double[] {12 * scale}, b.grad().toDoubleVector(), 1e-12);
    }

    @Test
    void leavesSmallGradientsAlone() {
        Parameter a = withGrad("a", 3, 4);
        assertEquals(5.0, GradientClipping.clipGlobalNorm(List.of(a), 5.0), 1e-12);
        assertArrayEquals(new double[] {3, 4}, a.grad().toDoubleVector(), 0);
    }

    @Test
    void rejectsNonPositiveMaxNorm() {
        PcLoraException e = assertThrows(PcLoraException.class, () -> GradientClipping.clipGlobalNorm(List.of(), 0));
        assertEquals("gradient clipping max norm 0.0 is out of range; accepted: a number > 0", e.getMessage());
    }
}
