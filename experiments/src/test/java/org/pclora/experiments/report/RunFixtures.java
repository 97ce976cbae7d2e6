package org.pclora.experiments.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pclora.core.accounting.Accounting;

/**
 * Hand-made run directories (summary.json, config.conf, metrics.jsonl) with chosen numbers, so
 * that report figures can be checked against hand calculation without training anything.
 */
final class RunFixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A run's knobs; unset ones take the defaults below. */
    static final class Spec {
        String model = "vit-4x128";
        String schedule = "linear";
        String scheduleParams = "{}";
        int rank = 4;
        long seed = 42;
        double ratio = 0.8;
        double teacherAcc = 0.60;
        double compressedAcc = 0.55;
        long parameters = 44_554;
        long macs = 884_992;
        double paramCompression = 0.9175;
        double macCompression = 0.9049;
        double adaptedCompression = 0.9389;
        int tokens = 17;
        int classes = 10;
        boolean compressed = true;
        String countingRule = Accounting.countingRule();
        String extraConfig = "";
        long totalSteps = 10;
        int logEvery = 5;
        String teacherKey = "t42";
        /** The selected weights' validation accuracy (NaN: the run logged no validation). */
        double valAccuracy = Double.NaN;

        Spec with(java.util.function.Consumer<Spec> change) {
            change.accept(this);
            return this;
        }
    }

    static Spec spec() {
        return new Spec();
    }

    /** Writes the run into {@code dir} and returns dir. */
    static Path write(Path dir, Spec s) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> sum = new LinkedHashMap<>();
        sum.put("experiment", "fixture");
        sum.put("run_dir", dir.toString());
        sum.put("model", s.model);
        sum.put("family", "vit");
        sum.put("dataset", "embedded:fixture (100 examples)");
        sum.put("classes", s.classes);
        sum.put("adapter", "pclora");
        sum.put("rank", s.rank);
        sum.put("lora_alpha", 16.0);
        sum.put("schedule", s.schedule);
        sum.put("ratio", s.ratio);
        sum.put("alpha", 0.2);
        sum.put("distill", "feature-mse");
        sum.put("teacher", Map.of("accuracy", s.teacherAcc, "parameters", 540_170, "macs", 9_310_464, "cache_key", s.teacherKey));
        sum.put("student", Map.of("accuracy", s.compressedAcc));
        sum.put("compressed", Map.of("accuracy", s.compressedAcc, "parameters", s.parameters, "macs", s.macs));
        Map<String, Object> comp = new LinkedHashMap<>();
        comp.put("parameters", s.paramCompression);
        comp.put("macs", s.macCompression);
        comp.put("adapted_parameters", s.adaptedCompression);
        comp.put("tokens", s.tokens);
        comp.put("counting_rule", s.countingRule);
        sum.put("compression", comp);
        sum.put("compressed_form", s.compressed);
        sum.put("delta", s.compressedAcc - s.teacherAcc);
        sum.put("wall_time_s", 10.0);
        if (!Double.isNaN(s.valAccuracy)) {
            sum.put("selection", Map.of("rule", "best_val", "step", s.totalSteps, "val_accuracy", s.valAccuracy));
        }
        sum.put("provenance", Map.of("seed", s.seed, "plugins", Map.of("schedule/" + s.schedule, "0.1.0-SNAPSHOT")));
        Files.writeString(dir.resolve("summary.json"), JSON.writeValueAsString(sum));
        Files.writeString(dir.resolve("config.conf"), "name = fixture\nseed = " + s.seed + "\n"
                + "output { root = \"" + dir.getParent() + "\", dir = \"" + dir.getFileName() + "\" }\n"
                + "model { family = vit, arch = custom, depth = 4, width = 128, num_classes = " + s.classes + " }\n"
                + "schedule { name = \"" + s.schedule + "\", params = " + s.scheduleParams + " }\n"
                + "pclora { rank = " + s.rank + ", ratio = " + s.ratio + ", adapter = pclora }\n"
                + "loss { alpha = 0.2 }\nteacher { epochs = 2 }\nstudent { epochs = 3 }\n"
                + "optimizer { lr = 0.001 }\ntrain { workers = 1, log_every = " + s.logEvery + " }\n" + s.extraConfig + "\n");
        List<String> lines = new ArrayList<>();
        lines.add(JSON.writeValueAsString(Map.of("phase", "teacher", "step", 5, "total_steps", 5, "lambda", 1.0,
                "task_loss", 2.0, "distill_loss", 0.0, "loss", 2.0)));
        for (long step = s.logEvery; step <= s.totalSteps; step += s.logEvery) {
            // the logged lambda: what the linear schedule gave at the step just taken (step - 1)
            double lambda = Math.max(0, 1 - (step - 1) / (double) Math.round(s.ratio * s.totalSteps));
            lines.add(JSON.writeValueAsString(Map.of("phase", "student", "step", step, "total_steps", s.totalSteps,
                    "lambda", lambda, "task_loss", 1.0 / step, "distill_loss", 0.5 / step, "loss", 0.6 / step)));
        }
        if (!Double.isNaN(s.valAccuracy)) {
            for (long step = s.logEvery; step <= s.totalSteps; step += s.logEvery) {
                double lambda = Math.max(0, 1 - step / (double) Math.round(s.ratio * s.totalSteps));
                lines.add(JSON.writeValueAsString(Map.of("phase", "student", "step", step, "lambda", lambda,
                        "val_accuracy", s.valAccuracy * step / s.totalSteps, "val_loss", 1.0, "eligible", lambda == 0)));
            }
        }
        Files.writeString(dir.resolve("metrics.jsonl"), String.join("\n", lines) + "\n");
        return dir;
    }

    /** A minimal RFC 4180 reader: rows of cells, quotes honoured. */
    static List<List<String>> csv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(cell.toString());
                cell.setLength(0);
            } else if (c == '\n') {
                row.add(cell.toString());
                cell.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
            } else {
                cell.append(c);
            }
        }
        return rows;
    }

    /** The CSV as maps header -> cell. */
    static List<Map<String, String>> records(String text) {
        List<List<String>> rows = csv(text);
        List<Map<String, String>> out = new ArrayList<>();
        for (List<String> r : rows.subList(1, rows.size())) {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < rows.get(0).size(); i++) {
                m.put(rows.get(0).get(i), r.get(i));
            }
            out.add(m);
        }
        return out;
    }

    private RunFixtures() {
    }
}
