package org.pclora.experiments.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.pclora.core.PcLoraException;
import org.pclora.experiments.run.RunDirectory;

/**
 * One complete run as the report reads it: {@code summary.json} read field by field (a missing or
 * mistyped field is a blank cell, not a failure, so that summaries written by other versions still
 * tabulate), the resolved configuration ({@code config.conf}, else the copy in the summary's
 * provenance) and the student's logged metrics.
 *
 * @param dir     the run directory
 * @param summary the parsed summary.json
 * @param config  the resolved configuration, empty when neither source exists
 * @param student the student phase's metrics lines, in step order
 */
public record RunRecord(Path dir, Map<String, Object> summary, Config config, List<MetricPoint> student,
                        List<ValidationPoint> validation) {
    /** The student's metrics, without validation lines (runs read before validation existed). */
    public RunRecord(Path dir, Map<String, Object> summary, Config config, List<MetricPoint> student) {
        this(dir, summary, config, student, List.of());
    }

    /**
     * One evaluation of the student on the validation split ({@code train.eval_every}).
     *
     * @param step     optimizer step
     * @param lambda   the decay factor the weights were evaluated at
     * @param accuracy validation accuracy in [0, 1]
     * @param loss     validation cross-entropy
     */
    public record ValidationPoint(long step, double lambda, double accuracy, double loss) {
    }


    /**
     * One logged student step.
     *
     * @param step        optimizer steps done
     * @param totalSteps  optimizer steps of the phase
     * @param lambda      lambda at the step
     * @param taskLoss    cross-entropy on labels
     * @param distillLoss distillation loss (weighted sum of the configured losses)
     * @param loss        the total alpha * task + (1 - alpha) * distill
     */
    public record MetricPoint(long step, long totalSteps, double lambda, double taskLoss, double distillLoss, double loss) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads the run in {@code dir}, which holds a summary.json. */
    @SuppressWarnings("unchecked")
    public static RunRecord load(Path dir) {
        Path summaryFile = dir.resolve(RunDirectory.SUMMARY);
        Map<String, Object> summary;
        try {
            summary = JSON.readValue(summaryFile.toFile(), Map.class);
        } catch (IOException e) {
            throw new PcLoraException("report: cannot read " + summaryFile + ": " + firstLine(e.getMessage())
                    + "; a run's summary.json must be a JSON object (delete or move the broken run)");
        }
        if (summary == null) {
            throw new PcLoraException("report: " + summaryFile + " is empty; delete or move the broken run");
        }
        List<ValidationPoint> validation = new ArrayList<>();
        return new RunRecord(dir, summary, readConfig(dir, summary), readStudentMetrics(dir, validation), validation);
    }

    private static Config readConfig(Path dir, Map<String, Object> summary) {
        Path file = dir.resolve(RunDirectory.CONFIG);
        try {
            if (Files.isRegularFile(file)) {
                return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
            }
            Object copy = field(summary, "provenance.config");
            if (copy instanceof String json) {
                return ConfigFactory.parseString(json, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
            }
        } catch (ConfigException e) {
            // a broken config only costs the grouping and the columns read from it; the summary still counts
            return ConfigFactory.empty();
        }
        return ConfigFactory.empty();
    }

    @SuppressWarnings("unchecked")
    private static List<MetricPoint> readStudentMetrics(Path dir, List<ValidationPoint> validation) {
        Path file = dir.resolve(RunDirectory.METRICS);
        List<MetricPoint> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new PcLoraException("report: cannot read " + file + ": " + e.getMessage());
        }
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> m;
            try {
                m = JSON.readValue(line, Map.class);
            } catch (IOException e) {
                continue; // a line cut short by a killed run: the complete lines still plot
            }
            if (m == null || !"student".equals(m.get("phase")) || !(m.get("step") instanceof Number step)) {
                continue;
            }
            if (m.containsKey("val_accuracy")) {
                validation.add(new ValidationPoint(step.longValue(), asDouble(m.get("lambda")),
                        asDouble(m.get("val_accuracy")), asDouble(m.get("val_loss"))));
                continue;
            }
            out.add(new MetricPoint(step.longValue(), asLong(m.get("total_steps")), asDouble(m.get("lambda")),
                    asDouble(m.get("task_loss")), asDouble(m.get("distill_loss")), asDouble(m.get("loss"))));
        }
        out.sort((a, b) -> Long.compare(a.step(), b.step()));
        validation.sort((a, b) -> Long.compare(a.step(), b.step()));
        return out;
    }

    /** The summary value at a dotted path ({@code compressed.accuracy}), or null. */
    public Object field(String dotted) {
        return field(summary, dotted);
    }

    @SuppressWarnings("unchecked")
    private static Object field(Map<String, Object> summary, String dotted) {
        Object node = summary;
        for (String part : dotted.split("\\.")) {
            if (!(node instanceof Map<?, ?> m)) {
                return null;
            }
            node = ((Map<String, Object>) m).get(part);
        }
        return node;
    }

    /** The summary number at a dotted path, or NaN when absent or not a number. */
    public double number(String dotted) {
        return asDouble(field(dotted));
    }

    /** The summary value at a dotted path as text, or "" when absent. */
    public String text(String dotted) {
        Object v = field(dotted);
        return v == null ? "" : String.valueOf(v);
    }

    /** The configuration value at a path as text, or "" when absent. */
    public String configText(String path) {
        try {
            if (!config.hasPath(path)) {
                return "";
            }
            ConfigValue v = config.getValue(path);
            return v.unwrapped() instanceof String s ? s : v.render(com.typesafe.config.ConfigRenderOptions.concise());
        } catch (ConfigException e) {
            return "";
        }
    }

    /** The run's seed: the provenance's record of it, else the configuration's; "" when neither has it. */
    public String seed() {
        Object p = field("provenance.seed");
        if (p instanceof Number n) {
            return String.valueOf(n.longValue());
        }
        return configText("seed");
    }

    /** Student epochs from the configuration ("" if unknown). */
    public String studentEpochs() {
        return configText("student.epochs");
    }

    /** Teacher epochs from the configuration ("" if unknown). */
    public String teacherEpochs() {
        return configText("teacher.epochs");
    }

    /** Every leaf of the configuration as path -> concise rendering, sorted by path. */
    public Map<String, String> flatConfig() {
        Map<String, String> flat = new TreeMap<>();
        config.entrySet().forEach(e -> flat.put(e.getKey(), e.getValue().unwrapped() instanceof String s ? s
                : e.getValue().render(com.typesafe.config.ConfigRenderOptions.concise())));
        return flat;
    }

    /** The run directory's name relative to {@code base} when inside it, else the absolute path. */
    public String label(Path base) {
        Path d = dir.toAbsolutePath().normalize();
        Path b = base.toAbsolutePath().normalize();
        return d.startsWith(b) && !d.equals(b) ? b.relativize(d).toString() : d.toString();
    }

    static double asDouble(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static long asLong(Object o) {
        return o instanceof Number n ? n.longValue() : -1;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
