package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run command end to end on a very small ViT and 64 embedded Fashion-MNIST images. */
class RunCommandTest {
    private static final String[] TINY = {"model.depth=1", "model.width=16", "model.heads=2", "model.mlp=32",
        "+dataset.limit=64", "+dataset.test_limit=32", "teacher.epochs=1", "student.epochs=1",
        "teacher.batch_size=32", "student.batch_size=32"};

    private static int run(Path wd, StringWriter out, StringWriter err, String... args) {
        return PcLoraCli.run(args, new PrintWriter(out), new PrintWriter(err), Map.of(), wd);
    }

    private static String[] args(Path wd, String... extra) {
        String[] a = new String[4 + TINY.length + extra.length];
        a[0] = "run";
        a[1] = "--config-dir=" + Path.of("..", "conf").toAbsolutePath();
        a[2] = "output.root=" + wd.resolve("outputs");
        a[3] = "output.teacher_cache=teachers";
        System.arraycopy(TINY, 0, a, 4, TINY.length);
        System.arraycopy(extra, 0, a, 4 + TINY.length, extra.length);
        return a;
    }

    @Test
    void outputPathsOutsideTheRootAreRejectedBeforeAnythingIsWritten(@TempDir Path wd) {
        for (String bad : new String[] {"output.dir=../elsewhere", "output.dir=" + wd}) {
            StringWriter err = new StringWriter();
            assertEquals(PcLoraCli.USER_ERROR, run(wd, new StringWriter(), err, args(wd, bad)));
            assertTrue(err.toString().contains("lies outside output.root"), err.toString());
        }
        assertTrue(!Files.exists(wd.resolve("outputs")) && !Files.exists(wd.resolve("elsewhere")));
    }

    @Test
    void unwritableOutputRootIsAnErrorBeforeTraining(@TempDir Path wd) throws Exception {
        Path file = Files.writeString(wd.resolve("not-a-dir"), "x");
        String[] a = args(wd);
        a[2] = "output.root=" + file.resolve("outputs"); // below a regular file: cannot be created
        StringWriter err = new StringWriter();
        assertEquals(PcLoraCli.USER_ERROR, run(wd, new StringWriter(), err, a));
        assertTrue(err.toString().contains("cannot create run directory"), err.toString());
        assertTrue(!err.toString().contains("teacher:"), "no training started: " + err);
    }

    @Test
    void sweepKeepsGoingPastAFailedRunAndSkipsCompleteOnesWhenRepeated(@TempDir Path wd) throws Exception {
        String[] a = args(wd, "-m", "pclora.rank=2,999");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(1, run(wd, out, err, a), err.toString());
        Path sweep;
        try (Stream<Path> s = Files.list(wd.resolve("outputs/mini-vit-fmnist"))) {
            sweep = s.filter(p -> p.getFileName().toString().startsWith("multirun-")).findFirst().orElseThrow();
        }
        List<Map<String, Object>> status = new ObjectMapper().readValue(sweep.resolve("multirun.json").toFile(), List.class);
        assertEquals("complete", status.get(0).get("status"));
        assertEquals("failed", status.get(1).get("status"));
        assertTrue(String.valueOf(status.get(1).get("error")).contains("adapter rank 999"), status.toString());
        assertTrue(Files.isRegularFile(sweep.resolve("0/summary.json")));
        assertTrue(out.toString().contains("| vit-1x16 | 2 |"), out.toString());

        StringWriter err2 = new StringWriter();
        assertEquals(1, run(wd, new StringWriter(), err2, a));
        assertTrue(err2.toString().contains("0 is complete, skipped"), err2.toString());
        // one teacher trained for the whole sweep
        try (Stream<Path> s = Files.list(wd.resolve("outputs/teachers"))) {
            assertEquals(1, s.filter(p -> p.toString().endsWith(".safetensors")).count());
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> summary(Path dir) throws Exception {
        return new ObjectMapper().readValue(dir.resolve("summary.json").toFile(), Map.class);
    }

    private static double maxWall(Path metrics) throws Exception {
        double max = 0;
        for (String line : Files.readAllLines(metrics)) {
            Object w = new ObjectMapper().readValue(line, Map.class).get("wall_s");
            max = Math.max(max, ((Number) w).doubleValue());
        }
        return max;
    }

    /**
     * A run directory in use refuses a second run and a resume, naming the holder; a resumed run
     * reports the wall time of both segments, records its directory absolute and drops the stale
     * failure.txt; the teacher goes to the per-user cache (PCLORA_CACHE), not below the outputs.
     */
    @Test
    void lockedRunsRefuseAndAResumedRunReportsItsWholeTime(@TempDir Path wd) throws Exception {
        Map<String, String> env = Map.of("PCLORA_CACHE", wd.resolve("cache").toString());
        String[] a = args(wd, "train.checkpoint_every=1");
        a[3] = "output.dir=r"; // and no output.teacher_cache: the per-user cache
        Path dir = wd.resolve("outputs/r");

        Files.createDirectories(dir);
        try (org.pclora.experiments.run.RunLock held = org.pclora.experiments.run.RunLock.acquire(dir)) {
            CliRun refused = CliRun.of(env, wd, a);
            assertEquals(PcLoraCli.USER_ERROR, refused.status(), refused.err());
            assertEquals("run directory " + dir + " is in use by another run (pid " + ProcessHandle.current().pid(),
                    refused.err().strip().substring(0, refused.err().strip().indexOf(" on host ")));
            try (Stream<Path> s = Files.list(dir)) {
                assertEquals(List.of(".lock"), s.map(p -> p.getFileName().toString()).toList(), "nothing written");
            }
        }

        CliRun first = CliRun.of(env, wd, a);
        assertEquals(0, first.status(), first.err());
        try (Stream<Path> s = Files.list(wd.resolve("cache/teachers"))) {
            assertEquals(1, s.filter(p -> p.toString().endsWith(".safetensors")).count());
        }
        assertTrue(!Files.exists(wd.resolve("outputs/teachers")));
        assertTrue(first.out().contains("run directory: " + dir), first.out());
        first.out().lines().forEach(l -> assertTrue(l.length() <= 100, l));
        assertEquals(dir.toString(), summary(dir).get("run_dir"));

        // Stop it as a kill would have: no summary, a failure.txt, the checkpoints and metrics kept.
        Files.delete(dir.resolve("summary.json"));
        Files.writeString(dir.resolve("failure.txt"), "killed\n");
        assertTrue(Files.isRegularFile(dir.resolve("checkpoints/student.ckpt.safetensors")));
        double prior = maxWall(dir.resolve("metrics.jsonl"));
        assertTrue(prior > 0);

        try (org.pclora.experiments.run.RunLock held = org.pclora.experiments.run.RunLock.acquire(dir)) {
            CliRun refused = CliRun.of(env, wd, "run", "resume=outputs/r");
            assertEquals(PcLoraCli.USER_ERROR, refused.status(), refused.err());
            assertTrue(refused.err().contains("is in use by another run (pid "), refused.err());
            assertTrue(Files.isRegularFile(dir.resolve("failure.txt")) && !Files.exists(dir.resolve("summary.json")));
        }

        CliRun resumed = CliRun.of(env, wd, "run", "resume=outputs/./r/../r");
        assertEquals(0, resumed.status(), resumed.err());
        Map<String, Object> s = summary(dir);
        assertEquals(dir.toString(), s.get("run_dir"), "absolute and normalised, not as typed");
        assertTrue(!Files.exists(dir.resolve("failure.txt")), "the stale failure.txt is removed on completion");
        double total = ((Number) s.get("wall_time_s")).doubleValue();
        double segment = ((Number) s.get("wall_time_segment_s")).doubleValue();
        assertEquals(prior + segment, total, 1e-9);
        assertTrue(segment > 0 && total > segment);
    }

    /** With two workers, every progress line names its run; the compact table fits 100 columns. */
    @Test
    void parallelSweepLabelsEachProgressLineWithItsRun(@TempDir Path wd) throws Exception {
        java.io.PrintStream before = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        CliRun r;
        try {
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            r = CliRun.of(wd, args(wd, "-m", "pclora.rank=2,4", "train.workers=2"));
        } finally {
            System.setErr(before);
        }
        assertEquals(0, r.status(), r.err());
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        List<String> progress = log.lines().filter(l -> l.contains("steps/s")).toList();
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("[run 0] student: ")), log);
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("[run 1] student: ")), log);
        for (String l : progress) {
            assertTrue(l.startsWith("[run 0] ") || l.startsWith("[run 1] "), l);
        }
        r.out().lines().forEach(l -> assertTrue(l.length() <= 100, l));
        assertTrue(r.out().contains("run directories: "), r.out());
    }
}
