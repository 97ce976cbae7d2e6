package org.pclora.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pclora.core.spi.DecaySchedule;

/**
 * Per schedule: lambda(0), lambda(decayEndStep), monotone non-increasing over a grid, and three
 * interior values against the formula evaluated by hand (decayEndStep = 100, so step 25 is t = 0.25).
 */
class DecayScheduleTest {
    /** Values below are hand evaluations of closed forms; 1e-12 absorbs the last-bit rounding of sin/cos/exp. */
    private static final double TOL = 1e-12;
    private static final long END = 100;

    private static void assertEnds(DecaySchedule s, double atZero, double atEnd) {
        assertEquals(atZero, s.lambda(0, END), 0.0, s.name() + " lambda(0)");
        assertEquals(atEnd, s.lambda(END, END), 0.0, s.name() + " lambda(decayEndStep)");
        assertEquals(atEnd, s.lambda(END + 37, END), 0.0, s.name() + " lambda after decayEndStep");
    }

    /** Non-increasing and inside [0, 1] on every step of an odd-length schedule and beyond its end. */
    private static void assertMonotone(DecaySchedule s) {
        long end = 97;
        double previous = Double.POSITIVE_INFINITY;
        for (long step = 0; step <= end + 10; step++) {
            double l = s.lambda(step, end);
            assertTrue(l >= 0 && l <= 1, s.name() + " lambda(" + step + ") = " + l + " outside [0, 1]");
            assertTrue(l <= previous, s.name() + " rises at step " + step + ": " + previous + " -> " + l);
            previous = l;
        }
    }

    private static void assertAt(DecaySchedule s, long step, double expected) {
        assertEquals(expected, s.lambda(step, END), TOL, s.name() + " lambda(" + step + ")");
    }

    @Test
    void linear() {
        DecaySchedule s = new LinearSchedule().withDefaults();
        assertEnds(s, 1, 0);
        assertMonotone(s);
        assertAt(s, 25, 0.75); // 1 - 0.25
        assertAt(s, 50, 0.5);
        assertAt(s, 90, 0.1);
    }

    @Test
    void sine() {
        DecaySchedule s = new SineSchedule().withDefaults();
        assertEnds(s, 1, 0);
        assertMonotone(s);
        assertAt(s, 25, 0.6173165676349102); // 1 - sin(pi/8), sin(pi/8) = 0.38268343236508984
        assertAt(s, 50, 0.2928932188134524); // 1 - sin(pi/4) = 1 - sqrt(2)/2
        assertAt(s, 90, 0.01231165940486223); // 1 - sin(0.45 pi), sin(0.45 pi) = 0.9876883405951378
    }

    @Test
    void cosine() {
        DecaySchedule s = new CosineSchedule().withDefaults();
        assertEnds(s, 1, 0);
        assertMonotone(s);
        assertAt(s, 25, 0.8535533905932737); // (1 + sqrt(2)/2) / 2
        assertAt(s, 50, 0.5); // (1 + cos(pi/2)) / 2
        assertAt(s, 75, 0.14644660940672624); // (1 - sqrt(2)/2) / 2
    }

    @Test
    void exponentialDefaultRate() {
        DecaySchedule s = new ExponentialSchedule().withDefaults();
        assertEnds(s, 1, 0);
        assertMonotone(s);
        // (e^{-5t} - e^{-5}) / (1 - e^{-5}); at t = 1/2 it simplifies to 1 / (e^{2.5} + 1).
        assertAt(s, 50, 0.07585818002124355); // 1 / (12.182493960703473 + 1)
        assertAt(s, 25, 0.2816646916247862); // (0.28650479686019015 - 0.006737946999085467) / 0.9932620530009145
        assertAt(s, 90, 0.004400701230808839); // (0.011108996538242306 - 0.006737946999085467) / 0.9932620530009145
    }

    @Test
    void exponentialConfiguredRate() {
        DecaySchedule s = new ExponentialSchedule().configure(ConfigFactory.parseMap(Map.of("rate", 1.0)));
        assertEnds(s, 1, 0);
        assertMonotone(s);
        assertAt(s, 50, 0.3775406687981454); // 1 / (e^{0.5} + 1) = 1 / 2.6487212707001282
        assertAt(s, 25, 0.6500679912412273); // (e^{-0.25} - e^{-1}) / (1 - e^{-1})
        assertAt(s, 90, 0.0612070245600891); // (e^{-0.9} - e^{-1}) / (1 - e^{-1})
    }

    @Test
    void exponentialKeepsPrecisionForTinyRates() {
        // 1 / (e^{5e-7} + 1) = 0.49999987500000000...; a naive (e^-rt - e^-r) / (1 - e^-r) loses ~1e-10 here.
        DecaySchedule s = new ExponentialSchedule().configure(ConfigFactory.parseString("rate = 1e-6"));
        assertEquals(0.49999987500000000, s.lambda(50, END), 1e-15);
    }

    @Test
    void polynomial() {
        DecaySchedule s = new PolynomialSchedule().withDefaults();
        assertEnds(s, 1, 0);
        assertMonotone(s);
        assertAt(s, 25, 0.5625); // 0.75^2
        assertAt(s, 50, 0.25);
        assertAt(s, 90, 0.01);
        DecaySchedule root = new PolynomialSchedule().configure(ConfigFactory.parseString("power = 0.5"));
        assertEnds(root, 1, 0);
        assertMonotone(root);
        assertAt(root, 75, 0.5); // sqrt(0.25)
        assertAt(root, 0, 1.0);
        assertAt(root, 36, 0.8); // sqrt(0.64)
    }

    @Test
    void stepDefault() {
        DecaySchedule s = new StepSchedule().withDefaults();
        assertEnds(s, 1, 0);
        assertMonotone(s);
        assertAt(s, 24, 1.0); // before the first drop at t = 0.25
        assertAt(s, 25, 0.75); // three drops, equal levels 1 - i/4
        assertAt(s, 60, 0.5);
        assertAt(s, 99, 0.25);
    }

    @Test
    void stepExplicitLevels() {
        DecaySchedule s = new StepSchedule().configure(
                ConfigFactory.parseString("drops = [0.5, 0.8], levels = [0.9, 0.1]"));
        assertEnds(s, 1, 0);
        assertMonotone(s);
        assertAt(s, 49, 1.0);
        assertAt(s, 50, 0.9);
        assertAt(s, 85, 0.1);
        // The command-line form: a comma-separated string.
        DecaySchedule fromCli = new StepSchedule().configure(ConfigFactory.parseMap(Map.of("drops", "0.5")));
        assertAt(fromCli, 49, 1.0);
        assertAt(fromCli, 50, 0.5); // one drop: level 1 - 1/2
    }

    @Test
    void constantAndZero() {
        DecaySchedule one = new ConstantSchedule().withDefaults();
        assertEnds(one, 1, 1);
        assertMonotone(one);
        assertAt(one, 50, 1.0);
        DecaySchedule zero = new ZeroSchedule().withDefaults();
        assertEnds(zero, 0, 0);
        assertMonotone(zero);
        assertAt(zero, 1, 0.0);
    }
}
