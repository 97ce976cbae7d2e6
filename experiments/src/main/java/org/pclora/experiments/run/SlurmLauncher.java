package org.pclora.experiments.run;

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
import org.pclora.core.PcLoraException;
import org.pclora.core.io.AtomicFiles;

/**
 * Sends a sweep to SLURM ({@code launcher=slurm}): writes {@code sweep.json}, {@code
 * teacher.sbatch}, {@code array.sbatch} and {@code submit.sh} into the sweep directory, then
 * (unless {@code launcher.submit=false}) submits one job that trains the sweep's teachers and one
 * job array, one task per point that is neither complete nor still queued, depending on it
 * ({@code --dependency=afterok}). Submitting the same sweep again, or {@code pclora sweep
 * resubmit}, sends only the failed and missing points.
 */
public final class SlurmLauncher {
    private final Slurm slurm;
    private final PrintWriter err;
    private final java.util.function.Function<Config, String> teacherKey;

    /**
     * @param slurm      the SLURM commands
     * @param err        where submissions and skipped points are reported
     * @param teacherKey a point's teacher cache key, as its run computes it
     *                   ({@link ExperimentRunner#teacherKey()})
     */
    public SlurmLauncher(Slurm slurm, PrintWriter err, java.util.function.Function<Config, String> teacherKey) {
        this.slurm = slurm;
        this.err = err;
        this.teacherKey = teacherKey;
    }

    /**
     * Writes the sweep's manifest and scripts and submits it.
     *
     * @param sweepDir   the sweep directory (created)
     * @param name       the experiment's name
     * @param workingDir where the sweep was composed
     * @param configDir  the conf/ tree
     * @param command    the shell command that runs pclora on the nodes
     * @param overrides  each point's overrides (launcher keys are dropped: a task runs one point here)
     * @param configs    each point's composed configuration
     * @return the manifest as written
     */
    public SweepManifest launch(Path sweepDir, String name, Path workingDir, Path configDir, String command,
                                List<List<String>> overrides, List<Config> configs) {
        SlurmSettings settings = settings(configs);
        List<SweepManifest.Point> points = new ArrayList<>();
        Map<String, SweepManifest.Teacher> teachers = new LinkedHashMap<>();
        for (int i = 0; i < configs.size(); i++) {
            List<String> ov = overrides.get(i).stream().filter(o -> !isLauncherKey(o)).toList();
            points.add(new SweepManifest.Point(i, ov));
            String key = teacherKey.apply(configs.get(i));
            teachers.putIfAbsent(key, new SweepManifest.Teacher(key, i));
        }
        String cmd = settings.command().isEmpty() ? command : settings.command();
        List<SweepManifest.Submission> previous = Files.isRegularFile(sweepDir.resolve(SweepManifest.FILE))
                ? SweepManifest.read(sweepDir).submissions() : List.of();
        SweepManifest m = new SweepManifest(name, workingDir.toString(), configDir.toAbsolutePath().toString(), cmd,
                points, new ArrayList<>(teachers.values()), settings, previous);
        try {
            Files.createDirectories(sweepDir.resolve(SbatchScript.LOGS));
        } catch (IOException e) {
            throw new PcLoraException("cannot create sweep directory " + sweepDir + ": " + e.getMessage()
                    + " (set output.root to a writable location on the shared filesystem)");
        }
        m.write(sweepDir);
        AtomicFiles.writeString(sweepDir.resolve(SbatchScript.TEACHER), SbatchScript.teacher(m, sweepDir));
        List<Integer> all = points.stream().map(SweepManifest.Point::index).toList();
        AtomicFiles.writeString(sweepDir.resolve(SbatchScript.ARRAY), SbatchScript.array(m, sweepDir, all));
        return submit(sweepDir, m, configs, settings.submit());
    }

    /** The checked launcher settings of a sweep, the same for every point (the launcher cannot be swept). */
    public static SlurmSettings settings(List<Config> configs) {
        for (Config c : configs) {
            if (!c.getConfig("launcher").equals(configs.get(0).getConfig("launcher"))) {
                throw new PcLoraException("launcher.* differs between sweep points: the launcher cannot be swept;"
                        + " give single values for launcher keys");
            }
        }
        return SlurmSettings.of(configs.get(0));
    }

    /**
     * Submits the points of an existing sweep that are failed or missing (neither complete nor
     * queued), with a teacher job first when a teacher they need is not cached yet.
     */
    public SweepManifest resubmit(Path sweepDir, List<Config> configs) {
        return submit(sweepDir, SweepManifest.read(sweepDir), configs, true);
    }

    private SweepManifest submit(Path sweepDir, SweepManifest m, List<Config> configs, boolean submit) {
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
            return m;
        }
        if (!submit) {
            err.println("pclora: launcher.submit=false: scripts written to " + sweepDir + "; submit with "
                    + sweepDir.resolve(SbatchScript.SUBMIT));
            return m;
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
        List<SweepStatus.Point> pending = new ArrayList<>();
        for (SweepStatus.Point p : status) {
            if (send.contains(p.index())) {
                pending.add(new SweepStatus.Point(p.index(), p.overrides(), SweepStatus.State.PENDING,
                        array + "_" + p.index(), ""));
            } else if (p.state() == SweepStatus.State.DONE) {
                pending.add(p);
            }
        }
        SweepStatus.update(sweepDir, pending);
        err.println("pclora: submitted " + (teacher == null ? "" : "teacher job " + teacher + " and ") + "array job "
                + array + " (" + send.size() + " task(s): " + SbatchScript.arraySpec(send, throttle) + ")"
                + (teacher == null ? "" : " after it") + "; follow it with: pclora sweep status " + sweepDir);
        return m;
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

    /** Whether an override (as text) sets a launcher key: those configure the submission, not a run. */
    public static boolean isLauncherKey(String override) {
        String o = override.startsWith("+") || override.startsWith("~") ? override.substring(1) : override;
        int eq = o.indexOf('=');
        String key = eq < 0 ? o : o.substring(0, eq);
        return key.equals("launcher") || key.startsWith("launcher.");
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
