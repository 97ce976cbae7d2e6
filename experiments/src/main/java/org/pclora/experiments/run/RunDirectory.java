package org.pclora.experiments.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.AtomicFiles;
import org.pclora.core.train.StepMetrics;
import org.pclora.core.Messages;

/**
 * One run's directory: {@code config.conf} (resolved), {@code overrides.txt},
 * {@code metrics.jsonl}, {@code summary.json}, {@code student.safetensors} and
 * {@code checkpoints/} and the lock file {@value RunLock#FILE}. A run is complete when
 * {@code summary.json} exists.
 */
public final class RunDirectory {
    public static final String CONFIG = "config.conf";
    public static final String OVERRIDES = "overrides.txt";
    public static final String METRICS = "metrics.jsonl";
    public static final String SUMMARY = "summary.json";
    public static final String FAILURE = "failure.txt";
    public static final String STUDENT = "student.safetensors";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;

    /** The run directory {@code dir}, kept absolute and normalised (summaries record it so). */
    public RunDirectory(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path path() {
        return dir;
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    public Path checkpoints() {
        return dir.resolve("checkpoints");
    }

    public boolean isComplete() {
        return Files.isRegularFile(file(SUMMARY));
    }

    /**
     * Refuses a run directory that holds a complete run: its results are never overwritten or
     * mixed with another run's.
     */
    public void refuseIfComplete() {
        if (isComplete()) {
            throw new PcLoraException("run directory " + dir + " holds a complete run already (it has " + SUMMARY
                    + "): choose another output.dir");
        }
    }

    /**
     * Does {@code work} in this directory (created first) while holding its lock, so that a second
     * process refuses it, and with a {@link TerminationGuard}: a complete run is refused first;
     * when the work ends, {@code complete} records its result and a stale {@code failure.txt} is
     * removed; when it fails, the reason is left in {@code failure.txt}, or with {@code fresh} and
     * no checkpoint written, the directory is deleted (nothing worth keeping).
     */
    public <T> T hold(boolean fresh, Supplier<T> work, Consumer<T> complete) {
        create();
        try (RunLock ignored = lock()) {
            refuseIfComplete();
            try (TerminationGuard guard = TerminationGuard.install(this)) {
                try {
                    T result = work.get();
                    if (!guard.finish(() -> {
                        complete.accept(result);
                        clearFailure();
                    })) {
                        throw new PcLoraException("run " + dir + " was stopped by a signal before it completed");
                    }
                    return result;
                } catch (RuntimeException e) {
                    guard.finish(() -> {
                        if (fresh && !Files.exists(checkpoints())) {
                            delete();
                        } else {
                            recordFailure(e);
                        }
                    });
                    throw e;
                }
            }
        }
    }

    /** Creates the directory (and its parents) if it does not exist. */
    public void create() {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new PcLoraException("cannot create run directory " + dir + ": " + e.getMessage()
                    + " (set output.root or output.dir to a writable location)");
        }
    }

    /** Locks the directory for this run (see {@link RunLock}); it must exist. */
    public RunLock lock() {
        return RunLock.acquire(dir);
    }

    /**
     * On resume, the metrics a phase logged after its checkpoint are logged again: drops those
     * lines of {@code phase} and returns the checkpoint's step ({@code checkpointStep}, asked only
     * when there are metrics; 0 without), where training continues.
     */
    public long dropMetricsAfter(String phase, LongSupplier checkpointStep) {
        Path metrics = file(METRICS);
        if (!Files.isRegularFile(metrics)) {
            return 0;
        }
        long kept = checkpointStep.getAsLong();
        List<String> out = new ArrayList<>();
        for (MetricsLine line : metricsLines()) {
            Map<?, ?> m = line.fields();
            if (phase.equals(m.get("phase")) && ((Number) m.get("step")).longValue() > kept) {
                continue;
            }
            out.add(line.text());
        }
        AtomicFiles.writeString(metrics, out.isEmpty() ? "" : String.join("\n", out) + "\n");
        return kept;
    }

    /** A non-blank line of {@code metrics.jsonl}: as written, and its fields. */
    private record MetricsLine(String text, Map<?, ?> fields) {
    }

    /** The non-blank lines of {@code metrics.jsonl} in order (none when it does not exist). */
    private List<MetricsLine> metricsLines() {
        Path metrics = file(METRICS);
        List<MetricsLine> lines = new ArrayList<>();
        if (!Files.isRegularFile(metrics)) {
            return lines;
        }
        try {
            ObjectMapper om = new ObjectMapper();
            for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    lines.add(new MetricsLine(line, om.readValue(line, Map.class)));
                }
            }
        } catch (IOException e) {
            throw new PcLoraException("cannot read " + metrics + ": " + e.getMessage());
        }
        return lines;
    }

    /** Records why the run stopped in {@code failure.txt}, one line (when the directory still exists). */
    public void recordFailure(Throwable e) {
        if (Files.isDirectory(dir)) {
            AtomicFiles.writeString(file(FAILURE), Messages.oneLine(String.valueOf(e.getMessage()))
                    + System.lineSeparator());
        }
    }

    /** Deletes the directory and everything in it, as far as it can (a fresh run that failed leaves nothing). */
    public void delete() {
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** Removes the {@code failure.txt} of an earlier, stopped segment of this run (once it completed). */
    public void clearFailure() {
        try {
            Files.deleteIfExists(file(FAILURE));
        } catch (IOException e) {
            throw new PcLoraException("cannot remove the stale " + file(FAILURE) + ": " + e.getMessage());
        }
    }

    /**
     * The wall time that earlier segments of this run (before a kill and {@code resume=}) had spent
     * when they logged their last metrics line, in seconds; 0 for a fresh run. Each segment's lines
     * carry the cumulative {@code wall_s}, so the largest value is the time spent so far.
     */
    public double recordedWallSeconds() {
        double max = 0;
        for (MetricsLine line : metricsLines()) {
            if (line.fields().get("wall_s") instanceof Number n) {
                max = Math.max(max, n.doubleValue());
            }
        }
        return max;
    }

    /** Creates the directory and records the resolved configuration and the overrides that made it. */
    public void initialise(Config config, List<String> overrides) {
        create();
        AtomicFiles.writeString(file(CONFIG), config.root().render(ConfigRenderOptions.defaults()
                .setOriginComments(false).setJson(false)));
        AtomicFiles.writeString(file(OVERRIDES), String.join(System.lineSeparator(), overrides) + System.lineSeparator());
    }

    /** Appends one metrics line (flushed, so that a killed run keeps every completed line). */
    public void appendMetrics(StepMetrics m) {
        appendMetrics(m, Double.NaN);
    }

    /**
     * Appends one metrics line with {@code wall_s}, the run's cumulative wall time in seconds
     * across all its segments (omitted when NaN).
     */
    public void appendMetrics(StepMetrics m, double wallSeconds) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("phase", m.phase());
        line.put("step", m.step());
        line.put("total_steps", m.totalSteps());
        line.put("lambda", m.lambda());
        line.put("task_loss", m.taskLoss());
        line.put("distill_loss", m.distillLoss());
        line.put("loss", m.loss());
        line.put("learning_rate", m.learningRate());
        line.put("grad_norm", m.gradNorm());
        line.put("examples_per_second", m.examplesPerSecond());
        appendMetricsLine(line, wallSeconds);
    }

    /**
     * Appends one validation line: {@code phase}, {@code step}, {@code lambda}, {@code val_accuracy},
     * {@code val_loss}, {@code eligible} (whether the weights may be selected) and {@code wall_s}.
     */
    public void appendValidation(org.pclora.core.train.Validation.Point p, double wallSeconds) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("phase", p.phase());
        line.put("step", p.step());
        line.put("lambda", p.lambda());
        line.put("val_accuracy", p.accuracy());
        line.put("val_loss", p.loss());
        line.put("eligible", p.eligible());
        appendMetricsLine(line, wallSeconds);
    }

    /** Appends {@code line} to {@code metrics.jsonl}, with {@code wall_s} unless NaN, and flushes it. */
    private void appendMetricsLine(Map<String, Object> line, double wallSeconds) {
        if (!Double.isNaN(wallSeconds)) {
            line.put("wall_s", Math.round(wallSeconds * 1000) / 1000.0);
        }
        try (BufferedWriter w = Files.newBufferedWriter(file(METRICS), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            w.write(new ObjectMapper().writeValueAsString(line));
            w.newLine();
        } catch (IOException e) {
            throw new PcLoraException("cannot append to " + file(METRICS) + ": " + e.getMessage());
        }
    }

    /** Writes a JSON file atomically. */
    public void writeJson(String name, Object value) {
        AtomicFiles.write(file(name), out -> out.write(JSON.writeValueAsBytes(value)));
    }

    /** Reads a JSON object written by {@link #writeJson}. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> readJson(String name) {
        try {
            return JSON.readValue(file(name).toFile(), Map.class);
        } catch (IOException e) {
            throw new PcLoraException("cannot read " + file(name) + ": " + e.getMessage());
        }
    }
}
