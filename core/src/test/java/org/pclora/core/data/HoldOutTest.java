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
    }
}
