package org.pclora.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.pclora.core.PcLoraException;

class LearningRateScheduleTest {
    @Test
    void warmUpThenCosine() {
        // peak 1e-3, min 1e-5, warm-up 10 steps, cosine until step 110
        LearningRateSchedule s = new LearningRateSchedule(1e-3, 1e-5, 10, 110);
        assertEquals(0.0, s.lr(0), 0);
        assertEquals(5e-4, s.lr(5), 1e-18);            // half-way through warm-up
        assertEquals(1e-3, s.lr(10), 1e-18);           // warm-up end = peak
        // progress 1/4: 1e-5 + 9.9e-4 * (1 + cos(pi/4)) / 2 = 0.000855017856687341
        assertEquals(0.000855017856687341, s.lr(35), 1e-18);
        assertEquals(5.05e-4, s.lr(60), 1e-18);        // midpoint: (peak + min) / 2
        assertEquals(1e-5, s.lr(110), 1e-18);          // end
        assertEquals(1e-5, s.lr(500), 0);              // constant after the end
    }

    @Test
    void noWarmUpStartsAtPeak() {
        LearningRateSchedule s = new LearningRateSchedule(2e-4, 0, 0, 4);
        assertEquals(2e-4, s.lr(0), 0);
        assertEquals(1e-4, s.lr(2), 1e-18);
        assertEquals(0, s.lr(4), 0);
    }

    @Test
    void rejectsInconsistentSettings() {
        PcLoraException e = assertThrows(PcLoraException.class, () -> new LearningRateSchedule(1e-3, 0, 20, 10));
        assertEquals("warm-up steps 20 is out of range; accepted: 0..10", e.getMessage());
        assertThrows(PcLoraException.class, () -> new LearningRateSchedule(0, 0, 0, 10));
        assertThrows(PcLoraException.class, () -> new LearningRateSchedule(1e-3, 2e-3, 0, 10));
        assertThrows(PcLoraException.class, () -> new LearningRateSchedule(1e-3, 0, 0, 0));
    }
}
