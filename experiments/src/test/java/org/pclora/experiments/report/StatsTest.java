package org.pclora.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void meanAndSampleStdByHand() {
        // 50, 52, 57: mean 53; deviations -3, -1, 4; squares 9 + 1 + 16 = 26; 26 / (3 - 1) = 13
        Stats s = Stats.of(50, 52, 57);
        assertEquals(53.0, s.mean(), 1e-12);
        assertEquals(Math.sqrt(13), s.std(), 1e-12);
        assertEquals(3, s.n());
        assertEquals("53.00 ± 3.61", s.format(2));
    }

    @Test
    void twoValuesUseDivisorOne() {
        // 0.1, 0.3: mean 0.2, squares 0.01 + 0.01 = 0.02 over n - 1 = 1 -> std sqrt(0.02) = 0.141421...
        Stats s = Stats.of(0.1, 0.3).times(100);
        assertEquals(20.0, s.mean(), 1e-9);
        assertEquals(14.142135623730951, s.std(), 1e-9);
    }

    @Test
    void oneValueHasNoStdAndNaNIsLeftOut() {
        Stats one = Stats.of(7.5, Double.NaN);
        assertEquals(1, one.n());
        assertEquals(7.5, one.mean());
        assertTrue(Double.isNaN(one.std()));
        assertEquals("7.50", one.format(2));
        assertEquals(0, Stats.of().n());
        assertEquals("", Stats.of(Double.NaN).format(2));
    }

    @Test
    void largeOffsetDoesNotCancel() {
        // sum(x^2) - n*mean^2 would lose these digits; the centred sum keeps them: std of 1e9 + {1, 2, 3} is 1
        assertEquals(1.0, Stats.of(1e9 + 1, 1e9 + 2, 1e9 + 3).std(), 1e-6);
    }
}
