package org.pclora.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.testing.GradientCheck;

class SoftmaxCrossEntropyTest {
    @Test
    void lossAndGradientMatchHandComputedValues() {
        // row 0: logits [1,2,3], label 2: loss = log(e^1+e^2+e^3) - 3 = 0.4076059644443806,
        //        softmax = [0.09003057317038043, 0.24472847105479759, 0.6652409557748217]
        // row 1: logits [1,1,1], label 0: loss = log 3 = 1.09861228866811, softmax = 1/3 each
        // mean loss 0.7531091265562453; dLogits = (softmax - onehot) / 2
        INDArray logits = Nd4j.create(new double[][] {{1, 2, 3}, {1, 1, 1}});
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.lossAndGradient(logits, Nd4j.createFromArray(2, 0));
        assertEquals(0.7531091265562453, r.loss(), 1e-14);
        assertArrayEquals(new double[] {0.09003057317038043 / 2, 0.24472847105479759 / 2, (0.6652409557748217 - 1) / 2},
                r.dLogits().getRow(0).toDoubleVector(), 1e-14);
        assertArrayEquals(new double[] {(1.0 / 3 - 1) / 2, 1.0 / 6, 1.0 / 6}, r.dLogits().getRow(1).toDoubleVector(), 1e-14);
        assertArrayEquals(new double[] {0.09003057317038043, 0.24472847105479759, 0.6652409557748217},
                SoftmaxCrossEntropy.softmax(logits).getRow(0).toDoubleVector(), 1e-14);
    }

    @Test
    void stableForLargeLogits() {
        // exp(1000) overflows a double; the shifted form gives loss 0 and 2000 exactly
        INDArray logits = Nd4j.create(new double[][] {{1000, 0, -1000}, {1000, 0, -1000}});
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.lossAndGradient(logits, Nd4j.createFromArray(0L, 2L));
        assertEquals(1000.0, r.loss(), 1e-9);
        assertArrayEquals(new double[] {0.5, 0, -0.5}, r.dLogits().getRow(1).toDoubleVector(), 1e-12);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        INDArray logits = GradientCheck.random(51, 4, 5).muli(3);
        INDArray labels = Nd4j.createFromArray(4, 0, 2, 2);
        INDArray analytic = SoftmaxCrossEntropy.lossAndGradient(logits, labels).dLogits();
        INDArray one = Nd4j.scalar(1.0);
        INDArray numeric = GradientCheck.numeric(logits,
                () -> Nd4j.scalar(SoftmaxCrossEntropy.lossAndGradient(logits, labels).loss()), one);
        // float64 central differences: truncation ~1e-12, rounding ~1e-10 relative
        assertTrue(GradientCheck.maxRelativeError(analytic, numeric) < 1e-7);
    }

    @Test
    void rejectsLabelsOutOfRange() {
        PcLoraException e = assertThrows(PcLoraException.class,
                () -> SoftmaxCrossEntropy.lossAndGradient(Nd4j.zeros(2, 3), Nd4j.createFromArray(1, 3)));
        assertEquals("label 3 is out of range for a classifier with 3 classes; accepted labels are 0..2", e.getMessage());
    }
}
