package org.pclora.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.testing.GradientCheck;

class LayerNormTest {
    /** float64 central differences: truncation ~1e-12, rounding ~1e-10 relative. */
    private static final double TOL = 1e-7;

    @Test
    void forwardMatchesHandComputedValues() {
        // row 1 [1,3,1,3]: mean 2, var 1, eps 3 -> std 2, xhat [-0.5,0.5,-0.5,0.5]
        // row 2 [5,5,5,5]: var 0, so eps keeps 1/std finite and xhat = 0 -> y = bias
        // y = xhat * [1,2,3,4] + [0.1,0.2,0.3,0.4]
        LayerNorm ln = new LayerNorm("ln", 4, 3.0, DataType.DOUBLE);
        ln.weight().set(Nd4j.create(new double[] {1, 2, 3, 4}));
        ln.bias().set(Nd4j.create(new double[] {0.1, 0.2, 0.3, 0.4}));
        INDArray y = ln.forward(Nd4j.create(new double[][] {{1, 3, 1, 3}, {5, 5, 5, 5}}), false);
        assertArrayEquals(new double[] {-0.4, 1.2, -1.2, 2.4}, y.getRow(0).toDoubleVector(), 1e-12);
        assertArrayEquals(new double[] {0.1, 0.2, 0.3, 0.4}, y.getRow(1).toDoubleVector(), 1e-12);
    }

    @Test
    void matchesLibnd4jLayerNormWithoutEpsilon() {
        // libnd4j's layer_norm (standardize, then gain and bias) has no epsilon: an independent
        // implementation to compare with at eps = 0, forward and backward (layer_norm_bp)
        LayerNorm ln = new LayerNorm("ln", 6, 0.0, DataType.DOUBLE);
        ln.weight().set(GradientCheck.random(15, 6).addi(1.5));
        ln.bias().set(GradientCheck.random(16, 6));
        INDArray x = GradientCheck.random(17, 4, 6).muli(3);
        INDArray dy = GradientCheck.random(18, 4, 6);
        INDArray expected = x.ulike();
        Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.custom.LayerNorm(x, ln.weight().value(),
                ln.bias().value(), expected, false, 1));
        assertArrayEquals(expected.data().asDouble(), ln.forward(x, true).data().asDouble(), 1e-12);
        INDArray dx = x.ulike();
        INDArray dGain = ln.weight().value().ulike();
        INDArray dBias = ln.bias().value().ulike();
        Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.custom.LayerNormBp(x, ln.weight().value(),
                ln.bias().value(), dy, dx, dGain, dBias, false, 1));
        assertArrayEquals(dx.data().asDouble(), ln.backward(dy).data().asDouble(), 1e-12);
        assertArrayEquals(dGain.toDoubleVector(), ln.weight().grad().toDoubleVector(), 1e-12);
        assertArrayEquals(dBias.toDoubleVector(), ln.bias().grad().toDoubleVector(), 1e-12);
    }

    @Test
    void parametersAreNamedTrainableAndWithoutDecay() {
        LayerNorm ln = new LayerNorm("enc.ln", 3, 1e-12, DataType.FLOAT);
        assertEquals("enc.ln.weight", ln.parameters().get(0).name());
        assertEquals("enc.ln.bias", ln.parameters().get(1).name());
        assertArrayEquals(new double[] {1, 1, 1}, ln.weight().value().toDoubleVector(), 0);
        assertArrayEquals(new double[] {0, 0, 0}, ln.bias().value().toDoubleVector(), 0);
        for (Parameter p : ln.parameters()) {
            assertTrue(p.isTrainable());
            assertFalse(p.weightDecay());
            assertEquals(DataType.FLOAT, p.value().dataType());
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        LayerNorm ln = new LayerNorm("ln", 5, 1e-5, DataType.DOUBLE);
        ln.weight().set(GradientCheck.random(11, 5).addi(1.5));
        ln.bias().set(GradientCheck.random(12, 5));
        INDArray x = GradientCheck.random(13, 3, 5).muli(2);
        INDArray r = GradientCheck.random(14, 3, 5);
        ln.forward(x, true);
        INDArray dx = ln.backward(r);
        assertTrue(GradientCheck.maxRelativeError(dx, GradientCheck.numeric(x, () -> ln.forward(x, false), r)) < TOL);
        assertTrue(GradientCheck.maxRelativeError(ln.weight().grad(),
                GradientCheck.numeric(ln.weight().value(), () -> ln.forward(x, false), r)) < TOL);
        assertTrue(GradientCheck.maxRelativeError(ln.bias().grad(),
                GradientCheck.numeric(ln.bias().value(), () -> ln.forward(x, false), r)) < TOL);
    }

    @Test
    void backwardAccumulatesIntoParameterGradients() {
        LayerNorm ln = new LayerNorm("ln", 4, 1e-5, DataType.DOUBLE);
        INDArray x = GradientCheck.random(21, 2, 4);
        INDArray r = GradientCheck.random(22, 2, 4);
        ln.forward(x, true);
        ln.backward(r);
        INDArray once = ln.bias().grad().dup();
        ln.forward(x, true);
        ln.backward(r);
        assertArrayEquals(once.muli(2).toDoubleVector(), ln.bias().grad().toDoubleVector(), 1e-12);
    }

    @Test
    void overwritingForwardEqualsForwardBitForBit() {
        // 37 rows of 50: the vector loop and its scalar tail; weight and bias not trivial
        INDArray x = GradientCheck.random(51, 37, 50).muli(4).addi(1).castTo(DataType.FLOAT);
        INDArray dy = GradientCheck.random(52, 37, 50).castTo(DataType.FLOAT);
        INDArray w = GradientCheck.random(53, 50).addi(1).castTo(DataType.FLOAT);
        INDArray b = GradientCheck.random(54, 50).castTo(DataType.FLOAT);
        LayerNorm plain = new LayerNorm("a", 50, 1e-12, DataType.FLOAT);
        LayerNorm inPlace = new LayerNorm("b", 50, 1e-12, DataType.FLOAT);
        for (LayerNorm ln : new LayerNorm[] {plain, inPlace}) {
            ln.weight().set(w.dup());
            ln.bias().set(b.dup());
        }
        INDArray y = plain.forward(x.dup(), true);
        INDArray dx = plain.backward(dy.dup());
        INDArray y2 = inPlace.forwardOverwriting(x.dup(), true);
        INDArray dx2 = inPlace.backward(dy.dup());
        assertArrayEquals(y.dup().data().asFloat(), y2.dup().data().asFloat());
        assertArrayEquals(dx.dup().data().asFloat(), dx2.dup().data().asFloat());
        assertArrayEquals(plain.weight().grad().dup().data().asFloat(), inPlace.weight().grad().dup().data().asFloat());
        assertArrayEquals(plain.bias().grad().dup().data().asFloat(), inPlace.bias().grad().dup().data().asFloat());
    }
}
