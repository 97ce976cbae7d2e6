package org.pclora.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.testing.GradientCheck;

class DropoutTest {
    @Test
    void identityInEvaluationAndWithZeroProbability() {
        INDArray x = GradientCheck.random(1, 3, 4);
        assertSame(x, new Dropout(0.5, 1).forward(x, false));
        Dropout none = new Dropout(0.0, 1);
        assertSame(x, none.forward(x, true));
        INDArray r = GradientCheck.random(2, 3, 4);
        assertSame(r, none.backward(r));
    }

    @Test
    void trainingKeepsOrZeroesWithInvertedScaleAndGradientIsMaskTimesScale() {
        double p = 0.25;
        Dropout d = new Dropout(p, 7);
        INDArray x = GradientCheck.random(3, 20, 30).addi(2); // entries in [1, 3): never zero
        INDArray y = d.forward(x, true);
        INDArray ratio = y.div(x);
        double[] v = ratio.data().asDouble();
        int zeros = 0;
        for (double e : v) {
            // each element is either dropped (0) or kept and scaled by 1/(1-p) = 4/3
            assertTrue(e == 0 || Math.abs(e - 4.0 / 3.0) < 1e-12, "element ratio " + e);
            zeros += e == 0 ? 1 : 0;
        }
        // 600 Bernoulli(0.25) draws: mean 150, sd ~10.6; 6 sd either side
        assertTrue(zeros > 86 && zeros < 214, "dropped " + zeros + " of 600");
        INDArray r = GradientCheck.random(4, 20, 30);
        INDArray dx = d.backward(r);
        assertArrayEquals(r.mul(ratio).data().asDouble(), dx.data().asDouble(), 1e-12);
    }

    @Test
    void sameSeedSameMasksDifferentSeedDifferentMasks() {
        INDArray x = Nd4j.ones(DataType.FLOAT, 8, 16);
        Dropout a = new Dropout(0.5, 42);
        Dropout b = new Dropout(0.5, 42);
        Dropout c = new Dropout(0.5, 43);
        float[] a1 = a.forward(x, true).data().asFloat();
        float[] b1 = b.forward(x, true).data().asFloat();
        float[] c1 = c.forward(x, true).data().asFloat();
        assertArrayEquals(a1, b1);
        assertFalse(Arrays.equals(a1, c1));
        // successive masks of one layer differ, and the sequence repeats for the same seed
        float[] a2 = a.forward(x, true).data().asFloat();
        assertFalse(Arrays.equals(a1, a2));
        assertArrayEquals(a2, b.forward(x, true).data().asFloat());
    }

    @Test
    void aRestoredStreamStateContinuesTheSequenceOfMasks() {
        INDArray x = Nd4j.ones(DataType.FLOAT, 8, 16);
        Dropout a = new Dropout(0.3, 7);
        a.forward(x, true);
        a.forward(Nd4j.ones(DataType.FLOAT, 3, 5), true); // the stream advances by any shape
        long[] state = a.streamState();
        float[] third = a.forward(x, true).data().asFloat();
        float[] fourth = a.forward(x, true).data().asFloat();

        Dropout fresh = new Dropout(0.3, 7); // what a resumed run builds: the stream at its start
        assertFalse(Arrays.equals(third, fresh.forward(x, true).data().asFloat()));
        fresh.restoreStreamState(state);
        assertArrayEquals(third, fresh.forward(x, true).data().asFloat());
        assertArrayEquals(fourth, fresh.forward(x, true).data().asFloat());
        assertThrows(IllegalArgumentException.class, () -> fresh.restoreStreamState(new long[] {1}));
    }

    @Test
    void rejectsProbabilityOutsideRange() {
        PcLoraException e = assertThrows(PcLoraException.class, () -> new Dropout(1.0, 1));
        assertEquals("dropout probability 1.0 is out of range; accepted: a number in [0, 1)", e.getMessage());
        assertThrows(PcLoraException.class, () -> new Dropout(-0.1, 1));
    }
}
