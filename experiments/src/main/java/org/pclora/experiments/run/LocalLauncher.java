package org.pclora.experiments.run;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.pclora.core.PcLoraException;

/**
 * Runs the points of a sweep in this process, {@code workers} at a time; a complete run
 * directory is skipped (its summary is reused), so repeating a sweep finishes only what is left.
 */
public final class LocalLauncher implements SweepLauncher {
    private final int workers;
    private final Function<Point, Map<String, Object>> runOne;
    private final PrintWriter err;
    private final Function<Throwable, String> oneLine;

    /**
     * @param workers parallel runs (at least 1)
     * @param runOne  runs one point and returns its summary (throws on failure)
     * @param err     where progress and failures are reported
     * @param oneLine the one-line message of a failed run's exception
     */
    public LocalLauncher(int workers, Function<Point, Map<String, Object>> runOne, PrintWriter err,
                         Function<Throwable, String> oneLine) {
        this.workers = Math.max(1, workers);
        this.runOne = runOne;
        this.err = err;
        this.oneLine = oneLine;
    }

    /** The label a point's lines carry: {@code run <index>}. */
    public static String label(Point p) {
        return "run " + p.index();
    }

    @Override
    public List<Outcome> launch(Path sweepDir, List<Point> points) {
        err.printf("pclora: sweep of %d runs into %s with %d worker(s)%n", points.size(), sweepDir, workers);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        List<Future<Map<String, Object>>> futures = new ArrayList<>();
        for (Point p : points) {
            // Every line a run prints carries "[run i]" (i = its directory): parallel runs interleave.
            String label = label(p);
            futures.add(pool.submit(() -> {
                RunDirectory rd = new RunDirectory(p.dir());
                if (rd.isComplete()) {
                    err.println("pclora: [" + label + "] " + p.dir() + " is complete, skipped");
                    return rd.readJson(RunDirectory.SUMMARY);
                }
                err.println("pclora: [" + label + "] " + String.join(" ", p.overrides()) + " -> " + p.dir());
                return runOne.apply(p);
            }));
        }
        pool.shutdown();
        List<Outcome> outcomes = new ArrayList<>();
        Progress progress = Progress.onStderr("sweep", points.size(), "runs");
        int failed = 0;
        for (int i = 0; i < futures.size(); i++) {
            Point p = points.get(i);
            try {
                outcomes.add(new Outcome(p, "complete", null, futures.get(i).get()));
            } catch (ExecutionException e) {
                failed++;
                String msg = oneLine.apply(e.getCause());
                outcomes.add(new Outcome(p, "failed", msg, null));
                err.println("pclora: run " + p.index() + " " + p.overrides() + " failed: " + msg);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PcLoraException("sweep interrupted");
            }
            progress.update(i + 1, failed + " failed");
        }
        return outcomes;
    }
}
