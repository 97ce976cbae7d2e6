package org.pclora.experiments.run.slurm;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The two sbatch scripts of a sweep: {@code teacher.sbatch} trains the sweep's teachers once,
 * {@code array.sbatch} runs one sweep point per array task. A task skips a complete run, resumes
 * a run directory that exists already (requeued, preempted, timed out or resubmitted: it
 * continues from the last checkpoint) and otherwise starts the ordinary {@code pclora run} of its
 * point; it then records its outcome in {@code multirun.json}.
 */
public final class SbatchScript {
    public static final String TEACHER = "teacher.sbatch";
    public static final String ARRAY = "array.sbatch";
    public static final String SUBMIT = "submit.sh";
    public static final String LOGS = "logs";

    private SbatchScript() {
    }

    /** The script of the teacher job. */
    public static String teacher(SweepManifest m, Path sweepDir) {
        StringBuilder s = header(m, sweepDir, "pclora-teacher-" + m.name(), "teacher-%j.out");
        s.append("\n# Trains each distinct teacher of the sweep into the teacher cache (resuming from its checkpoint\n")
                .append("# in ").append(sweepDir).append("/teacher-<key>/ when requeued); the array job depends on it.\n");
        s.append("pclora sweep teachers ").append(quote(sweepDir.toString())).append('\n');
        return s.toString();
    }

    /** The script of the array job; {@code --array} lists the points (resubmissions override it). */
    public static String array(SweepManifest m, Path sweepDir, List<Integer> points) {
        StringBuilder s = header(m, sweepDir, "pclora-" + m.name(), "%A_%a.out");
        s.insert(s.indexOf("#SBATCH --requeue"), "#SBATCH --array=" + arraySpec(points, m.launcher().maxParallel()) + "\n");
        s.append("\nsweep=").append(quote(sweepDir.toString())).append('\n');
        s.append("i=\"${SLURM_ARRAY_TASK_ID:?run this script with sbatch --array=...}\"\n");
        s.append("case \"$i\" in\n");
        for (SweepManifest.Point p : m.points()) {
            s.append("  ").append(p.index()).append(") point=(")
                    .append(p.overrides().stream().map(SbatchScript::quote).collect(Collectors.joining(" ")))
                    .append(") ;;\n");
        }
        s.append("  *) echo \"pclora: $sweep has no sweep point $i (0-").append(m.points().size() - 1)
                .append(")\" >&2; exit 2 ;;\nesac\n");
        s.append("dir=\"$sweep/$i\"\n");
        s.append("if [ -f \"$dir/summary.json\" ]; then\n");
        s.append("  echo \"pclora: $dir is complete, skipped\" >&2; rc=0\n");
        s.append("elif [ -f \"$dir/config.conf\" ]; then\n");
        s.append("  # requeued, preempted, timed out or resubmitted: continue from the last checkpoint\n");
        s.append("  pclora run resume=\"$dir\"; rc=$?\n");
        s.append("else\n");
        s.append("  pclora run --config-dir=").append(quote(m.configDir()))
                .append(" \"${point[@]}\" output.dir=\"$dir\"; rc=$?\n");
        s.append("fi\n");
        s.append("pclora sweep record \"$sweep\" \"$i\" \"$rc\" \"$sweep/").append(LOGS)
                .append("/${SLURM_ARRAY_JOB_ID}_$i.out\" || true\n");
        s.append("exit \"$rc\"\n");
        return s.toString();
    }

    /**
     * A script that submits the sweep as {@code launcher.submit=true} does, through {@code pclora
     * sweep submit} so that the job ids are recorded in sweep.json; the plain sbatch commands are
     * shown in its comments.
     */
    public static String submit(SweepManifest m, Path sweepDir, boolean teacherJob, List<Integer> points, int maxParallel) {
        StringBuilder s = new StringBuilder("#!/bin/bash\n");
        s.append("# Submits the sweep as 'pclora run -m launcher=slurm' does and records its job ids in sweep.json,\n");
        s.append("# so that 'pclora sweep status' follows it. The same with plain sbatch (untracked):\n");
        s.append("#   cd ").append(quote(sweepDir.toString())).append('\n');
        String array = "sbatch --parsable --array=" + arraySpec(points, maxParallel);
        if (teacherJob) {
            s.append("#   teacher=$(sbatch --parsable ").append(TEACHER).append(")\n");
            s.append("#   ").append(array).append(" --dependency=afterok:${teacher%%;*} ").append(ARRAY).append('\n');
        } else {
            s.append("#   ").append(array).append(' ').append(ARRAY).append('\n');
        }
        s.append("set -euo pipefail\n");
        s.append("pclora() { ").append(m.command()).append(" \"$@\"; }\n");
        s.append("cd ").append(quote(m.workingDir())).append('\n');
        s.append("pclora sweep submit ").append(quote(sweepDir.toString())).append('\n');
        return s.toString();
    }

    /** {@code 0-3%2} or {@code 1,3}: runs of consecutive indices as ranges, then the throttle. */
    public static String arraySpec(List<Integer> points, int maxParallel) {
        StringBuilder s = new StringBuilder();
        List<Integer> p = points.stream().sorted().distinct().toList();
        for (int i = 0; i < p.size(); ) {
            int j = i;
            while (j + 1 < p.size() && p.get(j + 1) == p.get(j) + 1) {
                j++;
            }
            if (s.length() > 0) {
                s.append(',');
            }
            s.append(p.get(i));
            if (j > i) {
                s.append('-').append(p.get(j));
            }
            i = j + 1;
        }
        if (maxParallel > 0) {
            s.append('%').append(maxParallel);
        }
        return s.toString();
    }

    private static StringBuilder header(SweepManifest m, Path sweepDir, String jobName, String output) {
        StringBuilder s = new StringBuilder("#!/bin/bash\n");
        s.append("# Written by pclora for the sweep in ").append(sweepDir).append(" (see sweep.json).\n");
        s.append("#SBATCH --job-name=").append(jobName.replaceAll("[^A-Za-z0-9_.\\-]", "_")).append('\n');
        s.append("#SBATCH --output=").append(sweepDir.resolve(LOGS)).append('/').append(output).append('\n');
        s.append("#SBATCH --chdir=").append(m.workingDir()).append('\n');
        s.append("#SBATCH --requeue\n");
        // a requeued task appends to its log, so that the stop and the resumption read as one story
        s.append("#SBATCH --open-mode=append\n");
        for (String o : m.launcher().options()) {
            s.append("#SBATCH ").append(o).append('\n');
        }
        s.append("set -uo pipefail\n");
        s.append("pclora() { ").append(m.command()).append(" \"$@\"; }\n");
        return s;
    }

    /** Single-quotes a word for bash. */
    public static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
