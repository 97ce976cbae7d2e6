package org.pclora.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each random choice of a run has its own stream, and every stream follows the run's seed. */
class RunSeedsTest {
    @Test
    void streamsMatchAnIndependentSplitMix64AndDifferByNameAndSeed() {
        // values from a Python transcription of the rule (FNV-1a-64 of the name, SplitMix64 finaliser)
        assertEquals(-398445259086114621L, new RunSeeds(1).of(RunSeeds.HEAD_INIT));
        assertEquals(-1904062828474349544L, new RunSeeds(2).of(RunSeeds.HEAD_INIT));
        assertEquals(5043476811016708539L, new RunSeeds(1).of(RunSeeds.DROPOUT));
        assertEquals(-8288444647028574132L, new RunSeeds(1).epochOrder(0));
        Set<Long> seen = new HashSet<>();
        for (long seed : new long[] {0, 1, 2, 3}) {
            RunSeeds s = new RunSeeds(seed);
            for (String name : List.of(RunSeeds.MODEL_INIT, RunSeeds.HEAD_INIT, RunSeeds.DROPOUT, RunSeeds.ADAPTER_INIT,
                    RunSeeds.DATA_ORDER, RunSeeds.DATA_SUBSET)) {
                seen.add(s.of(name));
            }
            for (int e = 0; e < 4; e++) {
                seen.add(s.epochOrder(e));
            }
        }
        assertEquals(4 * (6 + 4), seen.size(), "no two streams of any of four seeds share a seed");
        // seed s's epoch 1 is not seed s+1's epoch 0 (as seed + epoch was)
        assertNotEquals(new RunSeeds(1).epochOrder(1), new RunSeeds(2).epochOrder(0));
    }
}
