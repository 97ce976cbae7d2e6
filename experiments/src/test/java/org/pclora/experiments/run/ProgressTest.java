package org.pclora.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void aResumedPhaseCountsOnlyTheStepsDoneSinceTheRestart() {
        AtomicLong now = new AtomicLong(0);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress p = new Progress("[run 1] student", 300, "steps", new PrintStream(bytes, true, StandardCharsets.UTF_8),
                false, now::get).startingAt(100);
        now.set(4_000_000_000L); // 4 s later, step 300: 200 steps in 4 s (not 300 in 4 s)
        p.update(300, "loss 0.5");
        assertEquals("[run 1] student: 300/300 steps, 50.00 steps/s, elapsed 0:04, ETA 0:00, loss 0.5\n",
                bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void etaComesFromTheRateSinceTheRestart() {
        AtomicLong now = new AtomicLong(0);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress p = new Progress("teacher", 1000, "steps", new PrintStream(bytes, true, StandardCharsets.UTF_8),
                false, now::get).startingAt(400);
        now.set(20_000_000_000L); // 100 steps in 20 s: 5 steps/s, 500 left: 100 s
        p.update(500, "");
        assertEquals("teacher: 500/1000 steps, 5.00 steps/s, elapsed 0:20, ETA 1:40\n", bytes.toString(StandardCharsets.UTF_8));
    }
}
