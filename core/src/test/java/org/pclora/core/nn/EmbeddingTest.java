package org.pclora.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.testing.GradientCheck;

class EmbeddingTest {
    @Test
    void forwardGathersRowsInCOrder() {
        INDArray table = Nd4j.create(new double[][] {{0, 0.5}, {1, 1.5}, {2, 2.5}, {3, 3.5}});
        Embedding e = new Embedding("emb", table);
        INDArray ids = Nd4j.createFromArray(new long[][] {{3, 0, 3}, {1, 2, 1}});
        INDArray y = e.forward(ids);
        assertArrayEquals(new long[] {6, 2}, y.shape());
        assertArrayEquals(new double[] {3, 3.5, 0, 0.5, 3, 3.5, 1, 1.5, 2, 2.5, 1, 1.5}, y.data().asDouble(), 0);
    }

    @Test
    void backwardSumsRepeatedIdsAndMatchesFiniteDifferences() {
        Embedding e = Embedding.random("emb", 5, 3, 0.5, DataType.DOUBLE, new SplittableRandom(1));
        // ids 1 and 4 repeat, 0 and 3 never occur (their gradient rows must stay zero)
        INDArray ids = Nd4j.createFromArray(new int[][] {{1, 4, 1}, {2, 4, 1}});
        INDArray r = GradientCheck.random(41, 6, 3);
        e.forward(ids);
        e.backward(r);
        INDArray grad = e.weight().grad();
        // row 1 gets dy rows 0, 2 and 5 by hand
        assertArrayEquals(r.getRow(0).add(r.getRow(2)).add(r.getRow(5)).toDoubleVector(),
                grad.getRow(1).toDoubleVector(), 1e-12);
        assertArrayEquals(new double[] {0, 0, 0}, grad.getRow(3).toDoubleVector(), 0);
        INDArray numeric = GradientCheck.numeric(e.weight().value(), () -> e.forward(ids), r);
        // float64 central differences of a linear map: exact up to rounding ~1e-10 relative
        assertTrue(GradientCheck.maxRelativeError(grad, numeric) < 1e-7);
    }

    @Test
    void randomTableIsSeededAndNamed() {
        Embedding a = Embedding.random("bert.embeddings.word_embeddings", 7, 4, 0.02, DataType.FLOAT, new SplittableRandom(5));
        Embedding b = Embedding.random("x", 7, 4, 0.02, DataType.FLOAT, new SplittableRandom(5));
        assertEquals("bert.embeddings.word_embeddings.weight", a.weight().name());
        assertEquals(DataType.FLOAT, a.weight().value().dataType());
        assertArrayEquals(a.weight().value().data().asFloat(), b.weight().value().data().asFloat());
        double std = a.weight().value().stdNumber().doubleValue();
        assertTrue(std > 0.01 && std < 0.03, "std " + std);
    }

    @Test
    void rejectsIdsOutOfRange() {
        Embedding e = new Embedding("emb", Nd4j.zeros(DataType.DOUBLE, 4, 2));
        PcLoraException ex = assertThrows(PcLoraException.class, () -> e.forward(Nd4j.createFromArray(new int[] {1, 4})));
        assertEquals("embedding emb: token id 4 is out of range; accepted ids are 0..3", ex.getMessage());
    }
}
