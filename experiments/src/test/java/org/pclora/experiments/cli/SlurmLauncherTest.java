package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.experiments.run.RunDirectory;
import org.pclora.experiments.run.slurm.SbatchScript;
import org.pclora.experiments.run.slurm.Slurm;
import org.pclora.experiments.run.slurm.SlurmLauncher;
import org.pclora.experiments.run.slurm.SweepManifest;
import org.pclora.experiments.run.slurm.SweepStatus;

/** launcher=slurm without a cluster: settings, the scripts, and status and resubmission against a scripted SLURM. */
class SlurmLauncherTest {
    static final String[] TINY = {"model.depth=1", "model.width=16", "model.heads=2", "model.mlp=32",
        "+dataset.limit=64", "+dataset.test_limit=32", "teacher.epochs=1", "student.epochs=1",
        "teacher.batch_size=32", "student.batch_size=32", "train.checkpoint_every=1"};

    /** The teacher key the scripted launcher uses (the tests name cache files by it). */
    private static final PcLoraCli CLI = new PcLoraCli(Map.of(), Path.of("").toAbsolutePath());
    static final java.util.function.Function<com.typesafe.config.Config, String> TEACHER_KEY =
            c -> SweepCommand.runner(CLI, c).teacherKey();

    static List<String> args(Path wd, String... extra) {
        List<String> a = new ArrayList<>(List.of("run", "-m", "--config-dir=" + Path.of("..", "conf").toAbsolutePath(),
                "output.root=" + wd.resolve("outputs"), "output.teacher_cache=teachers", "launcher=slurm"));
        a.addAll(List.of(TINY));
        a.addAll(List.of(extra));
        return a;
    }

    /** A SLURM that records submissions and answers squeue from a table the test fills. */
    static final class FakeSlurm implements Slurm {
        final List<String> calls = new ArrayList<>();
        final Map<String, Queued> queue = new LinkedHashMap<>();
        int next = 900100; // far from a real cluster's job ids: the status command asks the real squeue

        @Override
        public String sbatch(Path script, List<String> options) {
            String id = Integer.toString(next++);
            calls.add("sbatch " + String.join(" ", options) + " " + script.getFileName() + " -> " + id);
            return id;
        }

        @Override
        public Map<String, Queued> squeue(List<String> jobIds) {
            return queue;
        }

        @Override
        public Map<String, String> sacct(List<String> jobIds) {
            return Map.of();
        }

        @Override
        public void scancel(List<String> ids) {
            if (!ids.isEmpty()) {
                calls.add("scancel " + String.join(" ", ids));
            }
        }
    }

    @Test
    void badLauncherValuesAreOneLineErrorsBeforeAnythingIsWritten(@TempDir Path wd) {
        String[][] cases = {
            {"launcher.time=soon", "launcher.time = 'soon' is not accepted: expected a positive SLURM time"},
            {"launcher.time=0", "launcher.time = '0' is not accepted"},
            {"launcher.cpus_per_task=0", "launcher.cpus_per_task = '0' is not accepted: expected an integer >= 1"},
            {"launcher.mem=8GB", "launcher.mem = '8GB' is not accepted"},
            {"launcher.max_parallel=-1", "launcher.max_parallel = '-1' is not accepted"},
            {"launcher.extra=[\"constraint=avx\"]", "launcher.extra = 'constraint=avx' is not accepted"},
            {"launcher.partition=a b", "launcher.partition = 'a b' is not accepted"},
        };
        for (String[] c : cases) {
            CliRun r = CliRun.of(wd, args(wd, "schedule=linear,sine", c[0]).toArray(String[]::new));
            assertEquals(PcLoraCli.USER_ERROR, r.status(), c[0] + ": " + r.err());
            assertTrue(r.err().contains(c[1]), c[0] + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        CliRun swept = CliRun.of(wd, args(wd, "schedule=linear,sine", "launcher.time=10,20").toArray(String[]::new));
        assertEquals(PcLoraCli.USER_ERROR, swept.status());
        assertTrue(swept.err().contains("the launcher cannot be swept"), swept.err());
        assertFalse(Files.exists(wd.resolve("outputs")), "nothing written");
    }

    @Test
    void submitFalseWritesValidScriptsWithEveryOptionIntoTheSweepDirectory(@TempDir Path wd) throws Exception {
        CliRun r = CliRun.of(wd, args(wd, "schedule=linear,sine", "pclora.rank=2,4", "launcher.submit=false",
                "launcher.partition=short", "launcher.time=0-01:30", "launcher.cpus_per_task=3", "launcher.mem=6G",
                "launcher.gpus=1", "launcher.qos=low", "launcher.account=proj1", "launcher.max_parallel=2",
                "launcher.extra=[\"--constraint=avx512\", \"--nice=5\"]").toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        Path sweep = Path.of(r.out().strip());
        String array = Files.readString(sweep.resolve(SbatchScript.ARRAY));
        for (String line : List.of("#SBATCH --array=0-3%2", "#SBATCH --partition=short", "#SBATCH --time=0-01:30",
                "#SBATCH --cpus-per-task=3", "#SBATCH --mem=6G", "#SBATCH --gpus-per-task=1", "#SBATCH --qos=low",
                "#SBATCH --account=proj1", "#SBATCH --constraint=avx512", "#SBATCH --nice=5", "#SBATCH --requeue", "#SBATCH --open-mode=append",
                "#SBATCH --chdir=" + wd, "#SBATCH --output=" + sweep.resolve("logs") + "/%A_%a.out",
                "  3) point=(", "'schedule=sine' 'pclora.rank=4') ;;", "pclora run resume=\"$dir\"")) {
            assertTrue(array.contains(line), line + " in\n" + array);
        }
        assertFalse(array.contains("launcher"), "launcher keys configure the submission, not the runs:\n" + array);
        String teacher = Files.readString(sweep.resolve(SbatchScript.TEACHER));
        assertTrue(teacher.contains("pclora sweep teachers '" + sweep + "'"), teacher);
        String submit = Files.readString(sweep.resolve(SbatchScript.SUBMIT));
        assertTrue(submit.contains("--array=0-3%2 --dependency=afterok:${teacher%%;*} array.sbatch"), submit);
        assertTrue(submit.contains("pclora sweep submit '" + sweep + "'"), submit);
        for (String f : List.of(SbatchScript.ARRAY, SbatchScript.TEACHER, SbatchScript.SUBMIT)) {
            Process p = new ProcessBuilder("bash", "-n", sweep.resolve(f).toString()).redirectErrorStream(true).start();
            assertEquals(0, p.waitFor(), f + ": " + new String(p.getInputStream().readAllBytes()));
        }
        SweepManifest m = SweepManifest.read(sweep);
        assertEquals(4, m.points().size());
        assertEquals(1, m.teachers().size(), "one teacher for schedules x ranks");
        assertTrue(m.submissions().isEmpty());
        CliRun status = CliRun.of(wd, "sweep", "status", sweep.toString());
        assertEquals(0, status.status(), status.err());
        assertTrue(status.out().contains("4 points, 4 missing") && status.out().contains("never submitted"), status.out());
        // the same points with other launcher values share the directory
        CliRun again = CliRun.of(wd, args(wd, "schedule=linear,sine", "pclora.rank=2,4", "launcher.submit=false")
                .toArray(String[]::new));
        assertEquals(sweep.toString(), again.out().strip());
    }

    @Test
    void aTaskThatFailsBeforeItsRunDirectoryExistsIsRecordedWithItsLastLogLine(@TempDir Path wd) throws Exception {
        CliRun r = CliRun.of(wd, args(wd, "pclora.rank=2,999", "launcher.submit=false").toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        Path sweep = Path.of(r.out().strip());
        FakeSlurm slurm = new FakeSlurm();
        SweepManifest m = new SlurmLauncher(slurm, new PrintWriter(new StringWriter(), true), TEACHER_KEY)
                .resubmit(sweep, SweepCommand.configs(SweepManifest.read(sweep), Map.of(), org.pclora.experiments.plugins.PluginGroups.builtIn()));
        Path log = Files.writeString(sweep.resolve("logs/900101_1.out"),
                "WARNING: Using incubator modules\r\nadapter rank 999 is larger than layer q allows\n\n");
        // the task's last step, as array.sbatch runs it
        CliRun rec = CliRun.of(wd, "sweep", "record", sweep.toString(), "1", "2", log.toString());
        assertEquals(0, rec.status(), rec.err());
        assertTrue(rec.err().contains("point 1 failed: exit status 2: adapter rank 999 is larger"), rec.err());
        // later, the task has left the queue: the recorded failure stands; point 0 never wrote anything
        List<SweepStatus.Point> st = SweepStatus.of(sweep, m, slurm);
        assertEquals(SweepStatus.State.MISSING, st.get(0).state());
        assertEquals(SweepStatus.State.FAILED, st.get(1).state());
        assertEquals("exit status 2: adapter rank 999 is larger than layer q allows", st.get(1).detail());
        CliRun status = CliRun.of(wd, "sweep", "status", sweep.toString());
        assertEquals(0, status.status(), status.err());
        assertTrue(status.out().contains("2 points, 1 failed, 1 missing"), status.out());
    }

    @Test
    void arraySpecsCompressRunsOfPoints() {
        assertEquals("0-3", SbatchScript.arraySpec(List.of(0, 1, 2, 3), 0));
        assertEquals("1,3-5,9%4", SbatchScript.arraySpec(List.of(9, 1, 3, 4, 5), 4));
        assertEquals("7", SbatchScript.arraySpec(List.of(7), 0));
        assertEquals("'it'\\''s'", SbatchScript.quote("it's"));
    }

    @Test
    void statusAndResubmissionFollowTheRunDirectoriesAndTheQueue(@TempDir Path wd) throws Exception {
        CliRun r = CliRun.of(wd, args(wd, "schedule=linear,sine", "pclora.rank=2,4", "launcher.submit=false")
                .toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        Path sweep = Path.of(r.out().strip());
        SweepManifest m = SweepManifest.read(sweep);
        List<com.typesafe.config.Config> configs = SweepCommand.configs(m, Map.of(), org.pclora.experiments.plugins.PluginGroups.builtIn());
        FakeSlurm slurm = new FakeSlurm();
        StringWriter err = new StringWriter();
        SlurmLauncher launcher = new SlurmLauncher(slurm, new PrintWriter(err, true), TEACHER_KEY);

        // first submission: teacher job, then the array after it
        m = launcher.resubmit(sweep, configs);
        assertEquals(List.of("sbatch  teacher.sbatch -> 900100",
                "sbatch --array=0-3 --dependency=afterok:900100 array.sbatch -> 900101"), slurm.calls);
        assertEquals("900100", m.submissions().get(0).teacherJob());

        // 0 done, 1 running, 2 failed (failure.txt), 3 gone from the queue with no run directory
        Files.createDirectories(sweep.resolve("0"));
        Files.writeString(sweep.resolve("0").resolve(RunDirectory.SUMMARY), "{}");
        slurm.queue.put("900101_1", new Slurm.Queued("RUNNING", "None"));
        Files.createDirectories(sweep.resolve("2"));
        Files.writeString(sweep.resolve("2").resolve(RunDirectory.CONFIG), "x = 1\n");
        Files.writeString(sweep.resolve("2").resolve(RunDirectory.FAILURE), "stopped by a signal (SIGTERM ...)\n");
        List<SweepStatus.Point> st = SweepStatus.of(sweep, m, slurm);
        assertEquals(List.of(SweepStatus.State.DONE, SweepStatus.State.RUNNING, SweepStatus.State.FAILED,
                SweepStatus.State.MISSING), st.stream().map(SweepStatus.Point::state).toList());
        assertEquals("stopped by a signal (SIGTERM ...)", st.get(2).detail());
        assertEquals("900101_3", st.get(3).job());

        // resubmission sends 2 and 3 only; the teacher is cached now, so no teacher job
        Path teachers = wd.resolve("outputs/teachers");
        Files.createDirectories(teachers);
        Files.writeString(teachers.resolve(m.teachers().get(0).key() + ".safetensors"), "x");
        Files.writeString(teachers.resolve(m.teachers().get(0).key() + ".json"), "{}");
        slurm.calls.clear();
        m = launcher.resubmit(sweep, configs);
        assertEquals(List.of("sbatch --array=2-3 array.sbatch -> 900102"), slurm.calls);
        assertNull(m.submissions().get(1).teacherJob());
        assertTrue(err.toString().contains("point 1 is running as 900101_1, not sent again"), err.toString());

        // a task stuck behind a failed teacher job counts as failed; resubmission cancels it first
        slurm.queue.clear();
        slurm.queue.put("900102_3", new Slurm.Queued("PENDING", "DependencyNeverSatisfied"));
        slurm.queue.put("900102_2", new Slurm.Queued("PENDING", "Priority"));
        st = SweepStatus.of(sweep, m, slurm);
        assertEquals(SweepStatus.State.PENDING, st.get(2).state());
        assertEquals(SweepStatus.State.FAILED, st.get(3).state());
        assertTrue(st.get(3).detail().contains("can never start"), st.get(3).detail());
        slurm.calls.clear();
        launcher.resubmit(sweep, configs);
        assertEquals(List.of("scancel 900102_3", "sbatch --array=1,3 array.sbatch -> 900103"), slurm.calls);

        // the status command writes multirun.json in the local sweep's format
        SweepStatus.update(sweep, SweepStatus.of(sweep, SweepManifest.read(sweep), slurm));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> mr = new com.fasterxml.jackson.databind.ObjectMapper()
                .readValue(sweep.resolve("multirun.json").toFile(), List.class);
        assertEquals("complete", mr.get(0).get("status"));
        assertEquals(List.of("run", "overrides", "status", "job"), new ArrayList<>(mr.get(0).keySet()));
    }
}
