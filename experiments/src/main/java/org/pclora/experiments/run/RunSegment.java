package org.pclora.experiments.run;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Consumer;
import org.pclora.core.data.Dataset;
import org.pclora.core.train.CheckpointStore;
import org.pclora.core.train.StepMetrics;
import org.pclora.core.train.TrainingSettings;

/**
 * One segment of a run, from its start (or {@code resume=}) until it ends: the run directory and
 * its checkpoints, the wall clock (counting the earlier segments' time), and the lines and
 * progress bars it prints, labelled when several runs print at once.
 */
public final class RunSegment {
    private final RunDirectory dir;
    private final CheckpointStore checkpoints;
    private final PrintStream log;
    private final String label;
    private final boolean parallel;
    private final long start;
    private final double priorWallSeconds;

    /**
     * @param dir      the run directory (its metrics give the earlier segments' wall time)
     * @param log      where lines go
     * @param label    "" or the prefix of every line ({@code [run 3] })
     * @param parallel whether other runs print at the same time (progress as plain lines)
     * @param start    when the segment started ({@link System#nanoTime()})
     * @param keepCheckpoints checkpoints kept per phase
     */
    RunSegment(RunDirectory dir, PrintStream log, String label, boolean parallel, long start, int keepCheckpoints) {
        this.start = start;
        this.dir = dir;
        this.checkpoints = new CheckpointStore(dir.checkpoints(), keepCheckpoints);
        this.log = log;
        this.label = label;
        this.parallel = parallel;
        this.priorWallSeconds = dir.recordedWallSeconds();
    }

    public RunDirectory dir() {
        return dir;
    }

    public CheckpointStore checkpoints() {
        return checkpoints;
    }

    /** Seconds since this segment started. */
    public double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Seconds the earlier segments of this run had spent (to their last metrics line); 0 for a fresh run. */
    public double priorWallSeconds() {
        return priorWallSeconds;
    }

    /** Seconds of the whole run: the earlier segments' (to their last metrics line) and this one's. */
    public double wallSeconds() {
        return priorWallSeconds + seconds();
    }

    /** Prints {@code text} with this run's label in front of each line. */
    public void println(String text) {
        log.println(label.isEmpty() ? text : label + text.replace("\n", "\n" + label));
    }

    /** The sink of a phase's validation evaluations: each appended to {@code metrics.jsonl}. */
    public Consumer<org.pclora.core.train.Validation.Point> validationSink() {
        return p -> dir.appendValidation(p, wallSeconds());
    }

    /**
     * The sink of a training phase's metrics: each step appended to {@code metrics.jsonl} (the
     * lines after the phase's checkpoint dropped first, since they are logged again) and shown
     * as progress; training continues from the checkpoint's step.
     */
    public Consumer<StepMetrics> metricsSink(String phase, TrainingSettings s, Dataset train) {
        long restored = dir.dropMetricsAfter(phase,
                () -> checkpoints.load(phase).map(CheckpointStore.State::step).orElse(0L));
        Progress progress = Progress.onStderr(label + phase, s.totalSteps(train.size()), "steps", parallel)
                .startingAt(restored);
        return m -> {
            dir.appendMetrics(m, wallSeconds());
            progress.update(m.step(), String.format(Locale.ROOT, "lambda %.3f, loss %.4f", m.lambda(), m.loss()));
        };
    }
}
