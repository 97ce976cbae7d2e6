package org.pclora.experiments.run.slurm;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pclora.core.Messages;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.AtomicFiles;

/**
 * {@code sweep.json}: what a sweep sent to a cluster consists of, so that its tasks, its status
 * and its resubmission all work from the sweep directory alone.
 *
 * @param name        the experiment's name (job names)
 * @param workingDir  where the sweep was composed; tasks run there (relative paths in overrides)
 * @param configDir   the {@code conf/} tree the points are composed from
 * @param command     the shell command that runs pclora on the nodes
 * @param points      the sweep points, index = run directory name = array task id
 * @param teachers    each distinct teacher of the sweep with the point that defines it
 * @param launcher    the launcher settings of the submission
 * @param submissions every submission, first to last
 */
public record SweepManifest(String name, String workingDir, String configDir, String command, List<Point> points,
                            List<Teacher> teachers, SlurmSettings launcher, List<Submission> submissions) {
    public static final String FILE = "sweep.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One sweep point: its index and the overrides that compose it (as given to {@code pclora run}). */
    public record Point(int index, List<String> overrides) {
    }

    /** A teacher (its cache key) and the sweep point whose configuration trains it. */
    public record Teacher(String key, int point) {
    }

    /** One sbatch submission: the teacher job (null when every teacher was cached) and the array. */
    public record Submission(String teacherJob, String arrayJob, List<Integer> points, String submitted) {
    }

    public SweepManifest {
        points = List.copyOf(points);
        teachers = List.copyOf(teachers);
        submissions = List.copyOf(submissions);
    }

    /** This manifest with one more submission. */
    public SweepManifest with(Submission s) {
        List<Submission> all = new ArrayList<>(submissions);
        all.add(s);
        return new SweepManifest(name, workingDir, configDir, command, points, teachers, launcher, all);
    }

    /** The latest submission that ran {@code point}, or null. */
    public Submission latestFor(int point) {
        for (int i = submissions.size() - 1; i >= 0; i--) {
            if (submissions.get(i).points().contains(point)) {
                return submissions.get(i);
            }
        }
        return null;
    }

    public void write(Path sweepDir) {
        AtomicFiles.write(sweepDir.resolve(FILE), out -> out.write(JSON.writeValueAsBytes(this)));
    }

    /** Reads the manifest of a sweep directory; a directory without one is a one-line error. */
    public static SweepManifest read(Path sweepDir) {
        Path f = sweepDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            throw new PcLoraException(sweepDir + " is not a sweep sent to a cluster: it has no " + FILE
                    + " (give the multirun-... directory that 'pclora run -m launcher=slurm' printed)");
        }
        try {
            return JSON.readValue(f.toFile(), SweepManifest.class);
        } catch (IOException e) {
            throw new PcLoraException("cannot read " + f + ": " + Messages.oneLine(e.getMessage()));
        }
    }
}
