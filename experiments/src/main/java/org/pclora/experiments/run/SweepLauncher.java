package org.pclora.experiments.run;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where the points of a sweep run: this machine's thread pool ({@link LocalLauncher}), a SLURM
 * cluster ({@link org.pclora.experiments.run.slurm.SlurmLauncher}), or another launcher, chosen
 * by {@code launcher.name} ({@link Launchers}). A launcher gets the sweep directory and the
 * points (index, overrides, composed and checked configuration, run directory) and answers one
 * outcome per point; {@link Sweeper#run} records them in {@code multirun.json}. Teachers are
 * shared through the {@link TeacherCache} in {@code output.teacher_cache}: points with the same
 * teacher configuration reuse one trained teacher, whichever process trains it first.
 */
public interface SweepLauncher {
    /**
     * One point of a sweep.
     *
     * @param index     position in the sweep (also the run directory's name)
     * @param overrides the point's overrides as given on the command line
     * @param config    the composed configuration, paths made absolute and checked
     * @param dir       its run directory
     */
    record Point(int index, List<String> overrides, Config config, Path dir) {
    }

    /**
     * What became of one point, as far as the launcher knows when it returns.
     *
     * @param point   the point
     * @param status  {@code complete}, {@code failed}, or a launcher's own state (e.g. {@code pending})
     * @param error   the one-line error of a failed point, else null
     * @param summary the run's summary when complete, else null
     * @param job     the cluster job that runs the point, else null
     */
    record Outcome(Point point, String status, String error, Map<String, Object> summary, String job) {
        /** Whether the point has ended (complete or failed), rather than being left to run elsewhere. */
        public boolean ended() {
            return status.equals("complete") || status.equals("failed");
        }
    }

    /** Runs (or submits) every point; one outcome per point, in index order. */
    List<Outcome> launch(Path sweepDir, List<Point> points);
}
