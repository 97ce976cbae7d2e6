package org.pclora.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class EvaluatorTest {
    @Test
    void countsArgMaxMatches() {
        // row arg-maxes: 2, 0, 1 ; labels 2, 1, 1 -> 2 correct
        var logits = Nd4j.create(new float[][] {{0f, 1f, 3f}, {5f, 1f, 2f}, {0f, 9f, -1f}});
        var labels = Nd4j.createFromArray(2, 1, 1);
        assertEquals(2, Evaluator.countCorrect(logits, labels));
    }
}
