package org.pclora.experiments.run.slurm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pclora.core.PcLoraException;
import org.pclora.experiments.run.Multirun;
import org.pclora.experiments.run.RunDirectory;

/**
 * The state of each point of a sweep sent to a cluster, from its run directory ({@code
 * summary.json}, {@code failure.txt}), the queue ({@code squeue}), accounting ({@code sacct},
 * when the cluster keeps it) and what the tasks recorded in {@link Multirun multirun.json}.
 */
public final class SweepStatus {
    private static final Set<String> ACTIVE = Set.of("RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED", "STAGE_OUT",
            "SIGNALING", "RESIZING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "STOPPED");

    private SweepStatus() {
    }

    /** A point's state: pending/running in the queue, done, failed, or missing (never ran, not queued). */
    public enum State {
        PENDING, RUNNING, DONE, FAILED, MISSING;

        /** The word {@code multirun.json} uses (the local sweep writes {@code complete} for done). */
        public String json() {
            return this == DONE ? "complete" : name().toLowerCase();
        }
    }

    /**
     * One point's status.
     *
     * @param index     the point (run directory name, array task id)
     * @param overrides its overrides
     * @param state     its state
     * @param job       the SLURM task id of its latest submission ({@code 12_3}), or null
     * @param detail    the error of a failed point, the reason of a pending one, or ""
     */
    public record Point(int index, List<String> overrides, State state, String job, String detail) {
    }

    /** Every point's status; {@code slurm} is asked once for the queue and once for accounting. */
    public static List<Point> of(Path sweepDir, SweepManifest m, Slurm slurm) {
        List<String> jobs = new ArrayList<>();
        for (SweepManifest.Submission s : m.submissions()) {
            jobs.add(s.arrayJob());
        }
        Map<String, Slurm.Queued> queue = slurm.squeue(jobs);
        Map<String, String> acct = slurm.sacct(jobs);
        Map<Integer, Map<String, Object>> recorded = Multirun.read(sweepDir);
        List<Point> out = new ArrayList<>();
        for (SweepManifest.Point p : m.points()) {
            out.add(point(sweepDir, m, p, queue, acct, recorded.get(p.index())));
        }
        return out;
    }

    static Point point(Path sweepDir, SweepManifest m, SweepManifest.Point p, Map<String, Slurm.Queued> queue,
                       Map<String, String> acct, Map<String, Object> recorded) {
        RunDirectory dir = new RunDirectory(sweepDir.resolve(Integer.toString(p.index())));
        SweepManifest.Submission sub = m.latestFor(p.index());
        String job = sub == null ? null : sub.arrayJob() + "_" + p.index();
        if (dir.isComplete()) {
            return new Point(p.index(), p.overrides(), State.DONE, job, "");
        }
        Slurm.Queued q = queue == null || job == null ? null : queue.get(job);
        if (q != null && q.state().equals("PENDING")) {
            if (q.reason().contains("DependencyNeverSatisfied")) {
                return new Point(p.index(), p.overrides(), State.FAILED, job, "teacher job " + sub.teacherJob()
                        + " failed, so the task can never start (resubmit cancels it and submits again)");
            }
            return new Point(p.index(), p.overrides(), State.PENDING, job, q.reason());
        }
        if (q != null && ACTIVE.contains(q.state())) {
            return new Point(p.index(), p.overrides(), State.RUNNING, job, q.state().equals("RUNNING") ? "" : q.state());
        }
        if (Files.isRegularFile(dir.file(RunDirectory.FAILURE))) {
            return new Point(p.index(), p.overrides(), State.FAILED, job, firstLine(dir.file(RunDirectory.FAILURE)));
        }
        if (recorded != null && "failed".equals(recorded.get("status")) && job != null && job.equals(recorded.get("job"))) {
            return new Point(p.index(), p.overrides(), State.FAILED, job, String.valueOf(recorded.get("error")));
        }
        String ended = q != null ? q.state() : job == null ? null : acct.get(job);
        if (ended != null) {
            return new Point(p.index(), p.overrides(), State.FAILED, job, "SLURM task " + job + " ended " + ended
                    + " without a summary");
        }
        if (Files.isRegularFile(dir.file(RunDirectory.CONFIG))) {
            if (queue == null) {
                return new Point(p.index(), p.overrides(), State.RUNNING, job, "started; squeue does not answer");
            }
            return new Point(p.index(), p.overrides(), State.FAILED, job,
                    "stopped without a summary or failure.txt (killed?); not in the queue");
        }
        return new Point(p.index(), p.overrides(), State.MISSING, job, job == null ? "never submitted"
                : queue == null ? "no run directory; squeue does not answer" : "no run directory and not in the queue");
    }

    /** Records the outcome of one task (called by the task itself when its run has ended). */
    public static Point record(Path sweepDir, SweepManifest m, int index, int exitStatus, Path log) {
        SweepManifest.Point p = m.points().stream().filter(x -> x.index() == index).findFirst()
                .orElseThrow(() -> new PcLoraException(sweepDir + " has no sweep point " + index));
        SweepManifest.Submission sub = m.latestFor(index);
        String job = sub == null ? null : sub.arrayJob() + "_" + index;
        RunDirectory dir = new RunDirectory(sweepDir.resolve(Integer.toString(index)));
        Point point;
        if (dir.isComplete()) {
            point = new Point(index, p.overrides(), State.DONE, job, "");
        } else if (Files.isRegularFile(dir.file(RunDirectory.FAILURE))) {
            point = new Point(index, p.overrides(), State.FAILED, job, firstLine(dir.file(RunDirectory.FAILURE)));
        } else {
            String last = log == null ? "" : lastLine(log);
            point = new Point(index, p.overrides(), State.FAILED, job, "exit status " + exitStatus
                    + (last.isEmpty() ? "" : ": " + last));
        }
        update(sweepDir, List.of(point));
        return point;
    }

    /** Writes these points' entries into {@code multirun.json} (see {@link Multirun#record}). */
    public static void update(Path sweepDir, List<Point> points) {
        Multirun.record(sweepDir, points.stream().map(SweepStatus::entry).toList());
    }

    /** A point's {@code multirun.json} entry, in the local sweep's format plus the SLURM task id. */
    public static Multirun.Entry entry(Point p) {
        return new Multirun.Entry(p.index(), p.overrides(), p.state().json(),
                p.state() == State.FAILED ? p.detail() : null, p.job());
    }

    private static String firstLine(Path f) {
        try {
            return Files.readAllLines(f, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).findFirst().orElse("").trim();
        } catch (IOException e) {
            return "(unreadable " + f.getFileName() + ")";
        }
    }

    private static String lastLine(Path log) {
        try {
            String[] lines = Files.readString(log, StandardCharsets.ISO_8859_1).split("[\r\n]+");
            for (int i = lines.length - 1; i >= 0; i--) {
                if (!lines[i].isBlank()) {
                    return new String(lines[i].trim().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
                }
            }
        } catch (IOException ignored) {
            // no log (e.g. a task run by hand): the exit status alone is recorded
        }
        return "";
    }
}
