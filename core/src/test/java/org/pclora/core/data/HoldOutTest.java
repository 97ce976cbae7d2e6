package org.pclora.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.testing.ArrayDataset;

class HoldOutTest {
    /** 30 examples: x = the example's index, labels 0 for the first 20, 1 for the last 10. */
    private static ArrayDataset data() {
        float[][] x = new float[30][1];
        int[] y = new int[30];
        for (int i = 0; i < 30; i++) {
            x[i][0] = i;
            y[i] = i < 20 ? 0 : 1;
        }
        return new ArrayDataset(Nd4j.create(x), y, 2);
    }

    private static Set<Integer> ids(Dataset d) {
        Set<Integer> s = new HashSet<>();
        d.batches(64, false, 0, false).forEachRemaining(b -> {
            for (float v : b.inputs().dup().data().asFloat()) {
                s.add((int) v);
            }
        });
        return s;
    }

    @Test
    void holdsOutAStratifiedSeededShareDisjointFromTraining() {
        HoldOut.Split s = HoldOut.stratified(data(), 0.1, 0);
        // 10 % of 20 = 2 of class 0, 10 % of 10 = 1 of class 1
        assertEquals(3, s.validation().size());
        assertEquals(27, s.train().size());
        Set<Integer> v = ids(s.validation());
        Set<Integer> t = ids(s.train());
        assertEquals(2, v.stream().filter(i -> i < 20).count());
        assertEquals(1, v.stream().filter(i -> i >= 20).count());
        assertTrue(v.stream().noneMatch(t::contains));
        assertEquals(30, v.size() + t.size());
        assertEquals(v, ids(HoldOut.stratified(data(), 0.1, 0).validation()), "fixed for a seed");
        // the draws of a Fisher-Yates shuffle per class from SplittableRandom(0).split(), written apart
        assertEquals(Set.of(9, 10, 23), v);
        assertEquals(6, HoldOut.stratified(data(), 0.2, 0).validation().size()); // 4 + 2
        assertThrows(PcLoraException.class, () -> HoldOut.stratified(data(), 0, 0));
    }

    @Test
    void subsetKeepsClassShares() {
        Dataset d = HoldOut.subset(data(), 15, 3);
        Set<Integer> ids = ids(d);
        assertEquals(15, ids.size());
        assertEquals(10, ids.stream().filter(i -> i < 20).count()); // 15 * 20/30
        assertEquals(5, ids.stream().filter(i -> i >= 20).count());
        assertEquals(30, HoldOut.subset(data(), 0, 3).size());
        // the first 10 of class 0 and 5 of class 1 in a Fisher-Yates order from SplittableRandom(3), written apart
        assertEquals(Set.of(1, 2, 4, 5, 6, 9, 13, 15, 18, 19, 20, 21, 22, 26, 27), ids);
    }

    @Test
    void subsetIndicesFillTheRoundedDownSharesThenTheSeededOrder() {
        // Batches.order(7, true, 5) = [0, 4, 3, 6, 2, 5, 1]; shares floor(4 * 3/7) = 1, 1, floor(4/7) = 0:
        // example 0 (class 0) and 4 (class 1) first, then 3 and 6, the next ones of the order not yet kept
        assertEquals(java.util.List.of(0, 4, 3, 6, 2, 5, 1),
                java.util.Arrays.stream(Batches.order(7, true, 5)).boxed().toList());
        assertEquals(java.util.List.of(0, 3, 4, 6), java.util.Arrays.stream(
                HoldOut.subsetIndices(new int[] {0, 0, 0, 1, 1, 1, 2}, 3, 4, 5)).boxed().toList());
        assertEquals(7, HoldOut.subsetIndices(new int[] {0, 0, 0, 1, 1, 1, 2}, 3, 0, 5).length);
    }
}
