package org.pclora.experiments.run;

import com.google.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.pclora.core.PcLoraException;

/**
 * Runs the points of a sweep in this process, {@code train.workers} at a time; a complete run
 * directory is skipped (its summary is reused), so repeating a sweep finishes only what is left.
 */
public final class LocalLauncher implements SweepLauncher {
    private final SweepContext context;

    @Inject
    public LocalLauncher(SweepContext context) {
        this.context = context;
    }

    /** The label a point's lines carry: {@code run <index>}. */
    public static String label(Point p) {
        return "run " + p.index();
    }

    /** Runs the points, {@code train.workers} (the same for every point) at a time. */
    @Override
    public List<Outcome> launch(Path sweepDir, List<Point> points) {
        int workers = Settings.workers(points.get(0).config());
        PrintWriter err = context.err();
        err.printf("pclora: sweep of %d runs into %s with %d worker(s)%n", points.size(), sweepDir, workers);
        // Every point listed before any runs, so that 'pclora sweep status' knows the ones not started yet.
        Map<Integer, Map<String, Object>> known = Multirun.read(sweepDir);
        Multirun.record(sweepDir, points.stream().filter(p -> !known.containsKey(p.index()))
                .map(p -> new Multirun.Entry(p.index(), p.overrides(), "pending", null, null)).toList());
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
                return context.runOne().run(p, label, workers > 1);
            }));
        }
        pool.shutdown();
        List<Outcome> outcomes = new ArrayList<>();
        Progress progress = Progress.onStderr("sweep", points.size(), "runs");
        int failed = 0;
        for (int i = 0; i < futures.size(); i++) {
            Point p = points.get(i);
            try {
                outcomes.add(new Outcome(p, "complete", null, futures.get(i).get(), null));
            } catch (ExecutionException e) {
                failed++;
                String msg = context.oneLine().apply(e.getCause());
                outcomes.add(new Outcome(p, "failed", msg, null, null));
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
