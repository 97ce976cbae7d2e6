package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.experiments.run.Multirun;
import org.pclora.experiments.run.RunLock;

/** {@code pclora sweep status} on a sweep run on this machine: done, failed, running (its lock held), missing. */
class LocalSweepStatusTest {
    @TempDir
    Path dir;

    @Test
    void eachPointIsReadFromItsRunDirectory() throws Exception {
        Path sweep = dir.resolve("multirun-abc");
        Multirun.record(sweep, List.of(
                new Multirun.Entry(0, List.of("pclora.rank=4"), "pending", null, null),
                new Multirun.Entry(1, List.of("pclora.rank=8"), "pending", null, null),
                new Multirun.Entry(2, List.of("pclora.rank=16"), "pending", null, null),
                new Multirun.Entry(3, List.of("pclora.rank=32"), "pending", null, null)));
        Files.createDirectories(sweep.resolve("0"));
        Files.writeString(sweep.resolve("0/summary.json"), "{}");
        Files.createDirectories(sweep.resolve("1"));
        Files.writeString(sweep.resolve("1/failure.txt"), "student training diverged at step 7\n");
        Files.createDirectories(sweep.resolve("2"));
        try (RunLock lock = RunLock.acquire(sweep.resolve("2"))) {
            CliRun r = CliRun.of(dir, "sweep", "status", "multirun-abc");
            assertEquals(0, r.status(), r.err());
            List<String> lines = r.out().lines().toList();
            assertEquals("sweep " + sweep + ": 4 points, 1 pending, 1 running, 1 done, 1 failed", lines.get(0));
            assertEquals("   0  done     -            pclora.rank=4", lines.get(1));
            assertEquals("   1  failed   -            pclora.rank=8  (student training diverged at step 7)", lines.get(2));
            assertTrue(lines.get(3).matches("   2  running  -            pclora.rank=16  \\(pid \\d+ on host .* since .*\\)"),
                    lines.get(3));
            assertEquals("   3  pending  -            pclora.rank=32  (waiting for a worker)", lines.get(4));
        }
        // the process is gone: the begun point is stopped, the other never started; both are missing
        CliRun r = CliRun.of(dir, "sweep", "status", "multirun-abc");
        List<String> lines = r.out().lines().toList();
        assertEquals("sweep " + sweep + ": 4 points, 1 done, 1 failed, 2 missing", lines.get(0));
        assertTrue(lines.get(3).startsWith("   2  missing  -            pclora.rank=16  (stopped without a summary"), lines.get(3));
        assertEquals("   3  missing  -            pclora.rank=32  (never started; run the sweep's command again)", lines.get(4));
        assertTrue(lines.get(5).startsWith("run the failed and missing points again with the sweep's own command"), lines.get(5));
    }

    @Test
    void aDirectoryThatIsNoSweepIsSaidSo() throws Exception {
        Files.createDirectories(dir.resolve("plain"));
        CliRun r = CliRun.of(dir, "sweep", "status", "plain");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("sweep status: " + dir.resolve("plain") + " is not a sweep directory: it has no sweep.json"),
                r.err());
    }
}
