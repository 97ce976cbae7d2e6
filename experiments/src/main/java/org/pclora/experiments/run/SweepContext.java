package org.pclora.experiments.run;

import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * What a {@link SweepLauncher} may use from the command that started the sweep.
 *
 * @param err         where progress, submissions and failures are reported
 * @param workingDir  where the sweep was composed
 * @param configDir   the {@code conf/} tree the points are composed from
 * @param nodeCommand the shell command that runs pclora elsewhere (a cluster node) as this JVM runs it
 * @param runOne      runs one point in this process and returns its summary (throws on failure)
 * @param teacherKey  a point's teacher cache key, as its run computes it
 * @param oneLine     the one-line message of a failed run's exception
 */
public record SweepContext(PrintWriter err, Path workingDir, Path configDir, String nodeCommand, RunOne runOne,
                           Function<Config, String> teacherKey, Function<Throwable, String> oneLine) {

    /** Runs one point in this process. */
    public interface RunOne {
        /**
         * @param point    the point
         * @param label    the label of its lines ({@code run 3})
         * @param parallel whether other runs print at the same time
         * @return its summary
         */
        Map<String, Object> run(SweepLauncher.Point point, String label, boolean parallel);
    }
}
