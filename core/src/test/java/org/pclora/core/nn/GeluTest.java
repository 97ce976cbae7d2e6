package org.pclora.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.testing.GradientCheck;

class GeluTest {
    @Test
    void forwardIsTheExactErfForm() {
        // 0.5 x (1 + erf(x / sqrt 2)) from Python's math.erf:
        // gelu(1) = 0.8413447460685429, gelu(-1) = -0.15865525393145707,
        // gelu(2) = 1.9544997361036416, gelu(-3) = -0.00404969409489031, gelu(0) = 0.
        // The tanh approximation gives gelu(1) = 0.8411919906, so 1e-12 tells the two apart.
        INDArray y = new Gelu().forward(Nd4j.create(new double[] {1, -1, 2, -3, 0}), false);
        assertArrayEquals(new double[] {0.8413447460685429, -0.15865525393145707, 1.9544997361036416,
                -0.00404969409489031, 0}, y.toDoubleVector(), 1e-12);
    }

    @Test
    void followsInputDtype() {
        INDArray y = new Gelu().forward(Nd4j.create(new float[] {1f}), false);
        assertTrue(y.dataType() == DataType.FLOAT);
        assertArrayEquals(new double[] {0.8413447460685429}, y.toDoubleVector(), 1e-6);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Gelu gelu = new Gelu();
        INDArray x = GradientCheck.random(31, 4, 6).muli(3);
        INDArray r = GradientCheck.random(32, 4, 6);
        gelu.forward(x, true);
        INDArray dx = gelu.backward(r);
        // float64 central differences: truncation ~1e-12, rounding ~1e-10 relative
        assertTrue(GradientCheck.maxRelativeError(dx, GradientCheck.numeric(x, () -> gelu.forward(x, false), r)) < 1e-7);
    }

    @Test
    void derivativeMatchesHandComputedValue() {
        // d/dx gelu at 1: Phi(1) + phi(1) = 0.8413447460685429 + 0.24197072451914337 = 1.0833154705876864
        Gelu gelu = new Gelu();
        gelu.forward(Nd4j.create(new double[] {1}), true);
        assertArrayEquals(new double[] {1.0833154705876864}, gelu.backward(Nd4j.create(new double[] {1})).toDoubleVector(), 1e-12);
    }

    @Test
    void overwritingForwardGivesTheForwardsBitsInTheInputsBuffer() {
        // 37 x 50 floats: the vector loop and its scalar tail both run in place
        INDArray x = GradientCheck.random(41, 37, 50).muli(3).castTo(DataType.FLOAT);
        INDArray dy = GradientCheck.random(42, 37, 50).castTo(DataType.FLOAT);
        Gelu plain = new Gelu();
        INDArray y = plain.forward(x.dup(), true);
        INDArray dx = plain.backward(dy.dup());
        Gelu inPlace = new Gelu();
        INDArray own = x.dup();
        INDArray y2 = inPlace.forwardOverwriting(own, true);
        assertArrayEquals(y.data().asFloat(), y2.data().asFloat());
        assertArrayEquals(dx.data().asFloat(), inPlace.backward(dy.dup()).data().asFloat());
        if (org.pclora.core.kernels.Kernels.supports(own)) {
            assertTrue(y2 == own, "the fused path writes over its input");
        }
    }
}
