package org.pclora.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.testing.GradientCheck;

class LinearTest {
    @Test
    void forwardMatchesHandComputedValues() {
        // W = [[1,2],[3,4],[5,6]] (out=3,in=2), b = [0.5,0,-1], x = [[1,-1]] -> y = [-0.5,-1,-2]
        INDArray w = Nd4j.create(new double[][] {{1, 2}, {3, 4}, {5, 6}});
        INDArray b = Nd4j.create(new double[] {0.5, 0, -1});
        Linear l = new Linear("l", Parameter.trainable("l.weight", w, true), Parameter.trainable("l.bias", b, false));
        INDArray y = l.forward(Nd4j.create(new double[][] {{1, -1}}), false);
        assertArrayEquals(new double[] {-0.5, -1, -2}, y.toDoubleVector(), 1e-12);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        INDArray w = GradientCheck.random(1, 4, 3);
        INDArray b = GradientCheck.random(2, 4);
        INDArray x = GradientCheck.random(3, 5, 3);
        INDArray r = GradientCheck.random(4, 5, 4);
        Linear l = new Linear("l", Parameter.trainable("l.weight", w, true), Parameter.trainable("l.bias", b, false));
        l.forward(x, true);
        INDArray dx = l.backward(r);
        double tol = 1e-7; // float64 central differences: truncation ~1e-12, rounding ~1e-10
        assertTrue(GradientCheck.maxRelativeError(dx, GradientCheck.numeric(x, () -> l.forward(x, false), r)) < tol);
        assertTrue(GradientCheck.maxRelativeError(l.weight().grad(),
                GradientCheck.numeric(w, () -> l.forward(x, false), r)) < tol);
        assertTrue(GradientCheck.maxRelativeError(l.bias().grad(),
                GradientCheck.numeric(b, () -> l.forward(x, false), r)) < tol);
    }
}
