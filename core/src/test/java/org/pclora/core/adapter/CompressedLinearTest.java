package org.pclora.core.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.nn.Parameter;
import org.pclora.core.testing.GradientCheck;

class CompressedLinearTest {
    @Test
    void forwardMatchesHandComputedValues() {
        // A = [[1,2]], B = [[1],[-1],[3]], b = [0,1,2], x = [2,1]: Ax = 4 -> [4, -3, 14]
        CompressedLinear c = new CompressedLinear("l",
                Parameter.trainable("l.lora_A.weight", Nd4j.create(new double[][] {{1, 2}}), true),
                Parameter.trainable("l.lora_B.weight", Nd4j.create(new double[][] {{1}, {-1}, {3}}), true),
                Parameter.trainable("l.lora_B.bias", Nd4j.create(new double[] {0, 1, 2}), false));
        assertArrayEquals(new double[] {4, -3, 14}, c.forward(Nd4j.create(new double[][] {{2, 1}}), false).toDoubleVector(), 1e-12);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        INDArray a = GradientCheck.random(1, 3, 6);
        INDArray b = GradientCheck.random(2, 5, 3);
        INDArray bias = GradientCheck.random(3, 5);
        CompressedLinear c = new CompressedLinear("l", Parameter.trainable("l.lora_A.weight", a, true),
                Parameter.trainable("l.lora_B.weight", b, true), Parameter.trainable("l.lora_B.bias", bias, false));
        INDArray x = GradientCheck.random(4, 7, 6);
        INDArray r = GradientCheck.random(5, 7, 5);
        c.forward(x, true);
        INDArray dx = c.backward(r);
        double tol = 1e-7; // float64 central differences: truncation ~1e-12, rounding ~1e-10
        assertTrue(GradientCheck.maxRelativeError(dx, GradientCheck.numeric(x, () -> c.forward(x, false), r)) < tol);
        assertTrue(GradientCheck.maxRelativeError(c.a().grad(), GradientCheck.numeric(a, () -> c.forward(x, false), r)) < tol);
        assertTrue(GradientCheck.maxRelativeError(c.b().grad(), GradientCheck.numeric(b, () -> c.forward(x, false), r)) < tol);
        assertTrue(GradientCheck.maxRelativeError(c.bias().grad(), GradientCheck.numeric(bias, () -> c.forward(x, false), r)) < tol);
    }
}
