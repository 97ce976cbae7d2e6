package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.experiments.run.slurm.Slurm;
import org.pclora.experiments.run.slurm.SweepManifest;
import org.pclora.experiments.run.slurm.SweepStatus;

/**
 * A 2 x 2 sweep of a tiny ViT through a real SLURM ({@code .ci/slurm-localhost.sh up} brings up
 * a one-node cluster; {@code .ci/run} does so in CI): one teacher job, one job array, the four
 * summaries, the report, one point failing at run time while the others complete, and that point
 * resubmitted and resumed from its checkpoint after the cause is removed. Skipped when no SLURM
 * answers here.
 */
class SlurmClusterTest {

    @BeforeEach
    void needsACluster() throws Exception {
        assumeTrue(onPath("sbatch") && onPath("sinfo") && onPath("squeue"),
                "SLURM's client commands (sbatch, sinfo, squeue) are not on PATH: run .ci/slurm-localhost.sh up"
                        + " (Debian's slurm-wlm and munge) to include this test");
        Process p = new ProcessBuilder("sinfo", "-h", "-o", "%t").redirectErrorStream(true).start();
        boolean answered = p.waitFor(15, TimeUnit.SECONDS);
        String out = answered ? new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) : "";
        if (!answered) {
            p.destroyForcibly();
        }
        assumeTrue(answered && p.exitValue() == 0 && out.lines().anyMatch(l -> l.matches("(idle|mix|alloc|comp)\\*?")),
                "no SLURM cluster answers with a usable node (sinfo: " + out.strip() + "): run .ci/slurm-localhost.sh up");
    }

    private static boolean onPath(String cmd) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, cmd))) {
                return true;
            }
        }
        return false;
    }

    @Test
    @Timeout(value = 420, unit = TimeUnit.SECONDS)
    void aTwoByTwoSweepRunsAsAJobArrayIsolatesAFailureAndResubmitsIt(@TempDir Path wd) throws Exception {
        List<String> args = SlurmLauncherTest.args(wd, "schedule=linear,sine", "pclora.rank=2,4",
                "launcher.cpus_per_task=1", "launcher.time=10", "launcher.mem=1500M");
        List<String> dry = new ArrayList<>(args);
        dry.add("launcher.submit=false");
        CliRun written = CliRun.of(wd, dry.toArray(String[]::new));
        assertEquals(0, written.status(), written.err());
        Path sweep = Path.of(written.out().strip());
        // Point 3 fails at run time: its export target is taken by a directory (as a full disk or a
        // permission problem would fail it); the other points must not notice.
        Path blocker = sweep.resolve("3").resolve("student.safetensors");
        Files.createDirectories(blocker);
        Files.writeString(blocker.resolve("occupied"), "x");

        try {
            CliRun submitted = CliRun.of(wd, args.toArray(String[]::new));
            assertEquals(0, submitted.status(), submitted.err());
            assertEquals(sweep.toString(), submitted.out().strip(), "launcher keys do not change the sweep directory");
            assertTrue(submitted.err().contains("submitted teacher job"), submitted.err());

            CliRun first = CliRun.of(wd, "sweep", "status", "--wait", "--poll=2", sweep.toString());
            assertEquals(0, first.status(), first.err());
            List<SweepStatus.Point> st = SweepStatus.of(sweep, SweepManifest.read(sweep), Slurm.commands());
            assertEquals(List.of(SweepStatus.State.DONE, SweepStatus.State.DONE, SweepStatus.State.DONE,
                    SweepStatus.State.FAILED), st.stream().map(SweepStatus.Point::state).toList(), first.out() + logs(sweep));
            assertTrue(st.get(3).detail().contains("cannot write") && st.get(3).detail().contains("student.safetensors"),
                    st.get(3).detail());
            assertTrue(first.out().contains("4 points, 3 done, 1 failed"), first.out());
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> mr = new ObjectMapper().readValue(sweep.resolve("multirun.json").toFile(), List.class);
            assertEquals(List.of("complete", "complete", "complete", "failed"), mr.stream().map(e -> e.get("status")).toList());
            assertEquals(1, Files.readAllLines(sweep.resolve("3/failure.txt")).size());
            assertEquals(3, reportRows(wd, sweep));

            // remove the cause, resubmit: only point 3 goes, without a teacher job (cached), and resumes
            Files.delete(blocker.resolve("occupied"));
            Files.delete(blocker);
            CliRun again = CliRun.of(wd, "sweep", "resubmit", sweep.toString());
            assertEquals(0, again.status(), again.err());
            CliRun second = CliRun.of(wd, "sweep", "status", "--wait", "--poll=2", sweep.toString());
            assertTrue(second.out().contains("4 points, 4 done"), second.out() + logs(sweep));
            SweepManifest m = SweepManifest.read(sweep);
            assertEquals(2, m.submissions().size());
            assertNull(m.submissions().get(1).teacherJob());
            assertEquals(List.of(3), m.submissions().get(1).points());
            String log3 = Files.readString(sweep.resolve("logs/" + m.submissions().get(1).arrayJob() + "_3.out"));
            assertTrue(log3.contains("resuming " + sweep.resolve("3")), log3);
            assertEquals(4, reportRows(wd, sweep));
            try (Stream<Path> s = Files.list(wd.resolve("outputs/teachers"))) {
                assertEquals(1, s.filter(p -> p.toString().endsWith(".safetensors")).count(), "one teacher for the sweep");
            }
        } finally {
            cancelAll(sweep);
        }
    }

    private static int reportRows(Path wd, Path sweep) throws Exception {
        CliRun report = CliRun.of(wd, "report", sweep.toString());
        assertEquals(0, report.status(), report.err());
        return (int) Files.readAllLines(sweep.resolve("runs.csv")).stream().skip(1).filter(l -> !l.isBlank()).count();
    }

    private static String logs(Path sweep) throws Exception {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> s = Files.list(sweep.resolve("logs"))) {
            for (Path p : s.sorted().toList()) {
                List<String> lines = Files.readAllLines(p, StandardCharsets.ISO_8859_1);
                b.append("\n--- ").append(p.getFileName()).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
            }
        }
        return b.toString();
    }

    private static void cancelAll(Path sweep) {
        if (!Files.isRegularFile(sweep.resolve(SweepManifest.FILE))) {
            return;
        }
        List<String> ids = new ArrayList<>();
        for (SweepManifest.Submission s : SweepManifest.read(sweep).submissions()) {
            if (s.teacherJob() != null) {
                ids.add(s.teacherJob());
            }
            ids.add(s.arrayJob());
        }
        Slurm.commands().scancel(ids); // nothing of this test keeps running after it
    }
}
