package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.train.CheckpointStore;
import org.pclora.experiments.run.RunDirectory;

/**
 * SIGTERM (what SLURM sends at a time limit or on preemption) to a real {@code pclora run}
 * process: it leaves a one-line failure.txt, only complete checkpoints and metrics lines, and
 * {@code resume=} finishes the run from its last checkpoint.
 */
class SigtermTest {

    @Test
    void sigtermLeavesOneLineFailureAndLoadableCheckpointsAndTheRunResumes(@TempDir Path wd) throws Exception {
        Path dir = wd.resolve("outputs/run");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-modules") || a.startsWith("-Xmx") || a.startsWith("-Dorg.bytedeco")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), PcLoraCli.class.getName(), "run",
                "--config-dir=" + Path.of("..", "conf").toAbsolutePath(), "output.root=" + wd.resolve("outputs"),
                "output.dir=run", "output.teacher_cache=teachers", "model.depth=1", "model.width=16", "model.heads=2",
                "model.mlp=32", "+dataset.limit=256", "+dataset.test_limit=32", "teacher.epochs=1", "student.epochs=3",
                "teacher.batch_size=32", "student.batch_size=16", "train.checkpoint_every=1", "train.log_every=1"));
        Process p = new ProcessBuilder(cmd).directory(wd.toFile()).redirectErrorStream(true)
                .redirectOutput(wd.resolve("child.log").toFile()).start();
        Path studentCkpt = new CheckpointStore(dir.resolve("checkpoints")).file("student");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(studentCkpt) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(p.isAlive(), "the run ended before its student phase was under way: " + Files.readString(wd.resolve("child.log")));
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String log = Files.readString(wd.resolve("child.log"));
        assertEquals(143, p.exitValue(), "128 + SIGTERM: " + log);

        List<String> failure = Files.readAllLines(dir.resolve(RunDirectory.FAILURE));
        assertEquals(1, failure.size(), failure.toString());
        assertTrue(failure.get(0).startsWith("stopped by a signal (SIGTERM") && failure.get(0).contains("resume=" + dir),
                failure.get(0));
        assertFalse(Files.exists(dir.resolve(RunDirectory.SUMMARY)));
        CheckpointStore store = new CheckpointStore(dir.resolve("checkpoints"));
        long step = store.load("student").orElseThrow().step();
        assertTrue(step >= 1, "student checkpoint at step " + step);
        assertTrue(store.load("teacher").isPresent());
        ObjectMapper om = new ObjectMapper();
        for (String line : Files.readAllLines(dir.resolve(RunDirectory.METRICS))) {
            om.readValue(line, Map.class); // every line complete
        }

        CliRun resumed = CliRun.of(wd, "run", "resume=" + dir);
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.err().contains("resuming " + dir), resumed.err());
        assertTrue(Files.isRegularFile(dir.resolve(RunDirectory.SUMMARY)));
        // the student's steps are logged once each, 1..total, across the stop and the resumption
        List<Long> steps = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(RunDirectory.METRICS))) {
            Map<?, ?> m = om.readValue(line, Map.class);
            if ("student".equals(m.get("phase"))) {
                steps.add(((Number) m.get("step")).longValue());
            }
        }
        assertEquals(3 * 256 / 16, steps.size(), steps.toString());
        for (int i = 0; i < steps.size(); i++) {
            assertEquals(i + 1, steps.get(i));
        }
    }
}
