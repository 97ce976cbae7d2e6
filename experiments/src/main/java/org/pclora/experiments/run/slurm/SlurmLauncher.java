package org.pclora.experiments.run.slurm;

import com.google.inject.Inject;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.AtomicFiles;
import org.pclora.experiments.run.RunDirectory;
import org.pclora.experiments.run.SweepContext;
import org.pclora.experiments.run.SweepLauncher;
import org.pclora.experiments.run.Sweeper;
import org.pclora.experiments.run.TeacherCache;

/**
 * Sends a sweep to SLURM ({@code launcher=slurm}): writes {@code sweep.json}, {@code
 * teacher.sbatch}, {@code array.sbatch} and {@code submit.sh} into the sweep directory, then
 * (unless {@code launcher.submit=false}) submits one job that trains the sweep's teachers and one
 * job array, one task per point that is neither complete nor still queued, depending on it
 * ({@code --dependency=afterok}). Submitting the same sweep again, or {@code pclora sweep
 * resubmit}, sends only the failed and missing points.
 */
public final class SlurmLauncher implements SweepLauncher {
    private final Slurm slurm;
    private final PrintWriter err;
    private final Function<Config, String> teacherKey;
    private final SweepContext context;

    /** The launcher of {@code launcher=slurm} sweeps (see {@link org.pclora.experiments.run.Launchers}). */
    @Inject
    public SlurmLauncher(SweepContext context, Slurm slurm) {
        this.slurm = slurm;
        this.err = context.err();
        this.teacherKey = context.teacherKey();
        this.context = context;
    }

    /**
     * A launcher that follows and resubmits an existing sweep ({@code pclora sweep resubmit}).
     *
     * @param slurm      the SLURM commands
     * @param err        where submissions and skipped points are reported
     * @param teacherKey a point's teacher cache key, as its run computes it
     *                   ({@link org.pclora.experiments.run.ExperimentRunner#teacherKey()})
     */
    public SlurmLauncher(Slurm slurm, PrintWriter err, Function<Config, String> teacherKey) {
        this.slurm = slurm;
        this.err = err;
        this.teacherKey = teacherKey;
        this.context = null;
    }

    /**
     * Writes the sweep's manifest and scripts into {@code sweepDir} and submits it; the outcomes
     * are each point's state after the submission ({@code pending} with its task id, {@code
     * complete}, or {@code missing} with {@code launcher.submit=false}).
     */
    @Override
    public List<Outcome> launch(Path sweepDir, List<Point> points) {
        if (context == null) {
            throw new IllegalStateException("a SlurmLauncher made for resubmission launches no sweep");
        }
        List<Config> configs = points.stream().map(Point::config).toList();
        SlurmSettings settings = SlurmSettings.of(configs.get(0)); // checked before anything is written
        err.printf("pclora: sweep of %d runs into %s on SLURM%n", points.size(), sweepDir);
        List<SweepManifest.Point> manifestPoints = new ArrayList<>();
        Map<String, SweepManifest.Teacher> teachers = new LinkedHashMap<>();
        for (int i = 0; i < configs.size(); i++) {
            // launcher keys are dropped: a task runs one point where it is
            List<String> ov = points.get(i).overrides().stream().filter(o -> !Sweeper.isLauncherKey(o)).toList();
            manifestPoints.add(new SweepManifest.Point(i, ov));
            String key = teacherKey.apply(configs.get(i));
            teachers.putIfAbsent(key, new SweepManifest.Teacher(key, i));
        }
        String cmd = settings.command().isEmpty() ? context.nodeCommand() : settings.command();
        List<SweepManifest.Submission> previous = Files.isRegularFile(sweepDir.resolve(SweepManifest.FILE))
                ? SweepManifest.read(sweepDir).submissions() : List.of();
        SweepManifest m = new SweepManifest(configs.get(0).getString("name"), context.workingDir().toString(),
                context.configDir().toAbsolutePath().toString(), cmd, manifestPoints,
                new ArrayList<>(teachers.values()), settings, previous);
        try {
            Files.createDirectories(sweepDir.resolve(SbatchScript.LOGS));
        } catch (IOException e) {
            throw new PcLoraException("cannot create sweep directory " + sweepDir + ": " + e.getMessage()
                    + " (set output.root to a writable location on the shared filesystem)");
        }
        m.write(sweepDir);
        AtomicFiles.writeString(sweepDir.resolve(SbatchScript.TEACHER), SbatchScript.teacher(m, sweepDir));
        List<Integer> all = manifestPoints.stream().map(SweepManifest.Point::index).toList();
        AtomicFiles.writeString(sweepDir.resolve(SbatchScript.ARRAY), SbatchScript.array(m, sweepDir, all));
        List<Outcome> outcomes = new ArrayList<>();
        for (SweepStatus.Point p : submit(sweepDir, m, configs, settings.submit()).points()) {
            Point point = points.get(p.index());
            boolean done = p.state() == SweepStatus.State.DONE;
            outcomes.add(new Outcome(point, p.state().json(), p.state() == SweepStatus.State.FAILED ? p.detail() : null,
                    done ? new RunDirectory(point.dir()).readJson(RunDirectory.SUMMARY) : null, p.job()));
        }
        return outcomes;
    }

    /**
     * Submits the points of an existing sweep that are failed or missing (neither complete nor
     * queued), with a teacher job first when a teacher they need is not cached yet.
     */
    public SweepManifest resubmit(Path sweepDir, List<Config> configs) {
        Submitted s = submit(sweepDir, SweepManifest.read(sweepDir), configs, true);
        SweepStatus.update(sweepDir, s.points());
        return s.manifest();
    }

    /** A submission: the manifest as written, and every point's state after it. */
    private record Submitted(SweepManifest manifest, List<SweepStatus.Point> points) {
    }

    private Submitted submit(Path sweepDir, SweepManifest m, List<Config> configs, boolean submit) {
        List<SweepStatus.Point> status;
        if (m.submissions().isEmpty()) {
            status = new ArrayList<>();
            for (SweepManifest.Point p : m.points()) {
                boolean done = new RunDirectory(sweepDir.resolve(Integer.toString(p.index()))).isComplete();
                status.add(new SweepStatus.Point(p.index(), p.overrides(), done ? SweepStatus.State.DONE
                        : SweepStatus.State.MISSING, null, ""));
            }
        } else {
            status = SweepStatus.of(sweepDir, m, slurm);
        }
        List<Integer> send = new ArrayList<>();
        List<String> stuck = new ArrayList<>();
        for (SweepStatus.Point p : status) {
            switch (p.state()) {
                case DONE -> err.println("pclora: " + sweepDir.resolve(Integer.toString(p.index())) + " is complete, skipped");
                case PENDING, RUNNING -> err.println("pclora: point " + p.index() + " is " + p.state().json() + " as "
                        + p.job() + ", not sent again");
                default -> {
                    send.add(p.index());
                    if (p.job() != null && p.detail().startsWith("teacher job")) {
                        stuck.add(p.job()); // pending for ever behind a failed teacher job
                    }
                }
            }
        }
        boolean teacherJob = false;
        for (SweepManifest.Teacher t : m.teachers()) {
            Config c = configs.get(t.point());
            TeacherCache cache = new TeacherCache(Path.of(c.getString("output.teacher_cache")));
            boolean needed = send.stream().anyMatch(i -> teacherKey.apply(configs.get(i)).equals(t.key()));
            if (needed && !(Files.isRegularFile(cache.weights(t.key())) && Files.isRegularFile(cache.info(t.key())))) {
                teacherJob = true;
            }
        }
        int throttle = m.launcher().maxParallel();
        writeSubmitScript(sweepDir, m, teacherJob, send.isEmpty() ? List.of(0) : send, throttle);
        if (send.isEmpty()) {
            err.println("pclora: nothing to submit: every point of " + sweepDir + " is complete or queued");
            return new Submitted(m, status);
        }
        if (!submit) {
            err.println("pclora: launcher.submit=false: scripts written to " + sweepDir + "; submit with "
                    + sweepDir.resolve(SbatchScript.SUBMIT));
            return new Submitted(m, status);
        }
        slurm.scancel(stuck);
        String teacher = null;
        if (teacherJob) {
            teacher = slurm.sbatch(sweepDir.resolve(SbatchScript.TEACHER), List.of());
        }
        List<String> options = new ArrayList<>();
        options.add("--array=" + SbatchScript.arraySpec(send, throttle));
        if (teacher != null) {
            options.add("--dependency=afterok:" + teacher);
        }
        String array;
        try {
            array = slurm.sbatch(sweepDir.resolve(SbatchScript.ARRAY), options);
        } catch (PcLoraException e) {
            if (teacher != null) {
                slurm.scancel(List.of(teacher)); // a teacher job for no array would only use the cluster
            }
            throw e;
        }
        SweepManifest.Submission s = new SweepManifest.Submission(teacher, array, List.copyOf(send), Instant.now().toString());
        m = m.with(s);
        m.write(sweepDir);
        List<SweepStatus.Point> after = new ArrayList<>();
        for (SweepStatus.Point p : status) {
            after.add(send.contains(p.index()) ? new SweepStatus.Point(p.index(), p.overrides(), SweepStatus.State.PENDING,
                    array + "_" + p.index(), "") : p);
        }
        err.println("pclora: submitted " + (teacher == null ? "" : "teacher job " + teacher + " and ") + "array job "
                + array + " (" + send.size() + " task(s): " + SbatchScript.arraySpec(send, throttle) + ")"
                + (teacher == null ? "" : " after it") + "; follow it with: pclora sweep status " + sweepDir);
        return new Submitted(m, after);
    }

    private void writeSubmitScript(Path sweepDir, SweepManifest m, boolean teacherJob, List<Integer> points, int throttle) {
        Path f = sweepDir.resolve(SbatchScript.SUBMIT);
        AtomicFiles.writeString(f, SbatchScript.submit(m, sweepDir, teacherJob, points, throttle));
        try {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException | UnsupportedOperationException ignored) {
            // bash submit.sh works without the execute bit
        }
    }

    /**
     * The command that runs pclora on the nodes as this JVM runs it: the same java, JVM options
     * and class path (the nodes must see them at the same paths) and the given main class.
     */
    public static String thisJvm(String mainClass, List<String> cliOptions) {
        List<String> words = new ArrayList<>();
        words.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-agentlib:jdwp") || a.startsWith("-javaagent:") || a.startsWith("-XX:+HeapDumpOnOutOfMemory")) {
                continue; // a debugger port or an agent of this process is no business of the tasks
            }
            words.add(a);
        }
        words.add("-cp");
        words.add(System.getProperty("java.class.path"));
        words.add(mainClass);
        words.addAll(cliOptions);
        return String.join(" ", words.stream().map(SbatchScript::quote).toList());
    }
}
