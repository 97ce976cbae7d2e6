package org.pclora.experiments.run;

import java.util.LinkedHashMap;
import java.util.Map;
import org.pclora.core.provenance.Provenance;

/**
 * The result of one run, written as {@code summary.json} (field names kept stable for reports:
 * see {@link #toMap()}).
 *
 * @param experiment     experiment name
 * @param runDir         the run directory
 * @param model          architecture label (named architecture, or family-depth x width)
 * @param family         model family
 * @param dataset        dataset source
 * @param classes        class count
 * @param adapter        adapter plugin
 * @param rank           adapter rank
 * @param loraAlpha      LoRA scale numerator (scaling = lora_alpha / rank)
 * @param schedule       decay schedule
 * @param ratio          fraction of student steps at which lambda reaches 0
 * @param alpha          task-loss weight of the objective
 * @param distill        distillation terms ({@code none}, {@code feature-mse}, {@code a+b*0.5})
 * @param teacher        the teacher: accuracy, size, weights, cache key
 * @param studentAccuracy the student's accuracy before compression
 * @param compressed     the reloaded export: accuracy, size, weights
 * @param compression    compression ratios, tokens and the counting rule
 * @param compressedForm whether the export holds the compressed (A, B) form
 * @param wallTimeS      wall time of every segment of the run in seconds (see {@link #WALL_TIME_RULE})
 * @param wallTimeSegmentS wall time of the last segment (from its start or resume=)
 * @param provenance     how the result was made
 * @param notes          further fields in order (e.g. {@code alpha_rule}, {@code selection}); empty for none
 */
public record RunSummary(String experiment, String runDir, String model, String family, String dataset, int classes,
                         String adapter, int rank, double loraAlpha, String schedule, double ratio, double alpha,
                         String distill, Teacher teacher, double studentAccuracy, Compressed compressed,
                         Compression compression, boolean compressedForm, double wallTimeS, double wallTimeSegmentS,
                         Provenance provenance, Map<String, Object> notes) {
    /** A summary without further fields. */
    public RunSummary(String experiment, String runDir, String model, String family, String dataset, int classes,
                      String adapter, int rank, double loraAlpha, String schedule, double ratio, double alpha,
                      String distill, Teacher teacher, double studentAccuracy, Compressed compressed,
                      Compression compression, boolean compressedForm, double wallTimeS, double wallTimeSegmentS,
                      Provenance provenance) {
        this(experiment, runDir, model, family, dataset, classes, adapter, rank, loraAlpha, schedule, ratio, alpha,
                distill, teacher, studentAccuracy, compressed, compression, compressedForm, wallTimeS, wallTimeSegmentS,
                provenance, Map.of());
    }

    /** How the wall times are counted, written beside them. */
    public static final String WALL_TIME_RULE = "wall_time_s: every segment of the run, a segment stopped by a kill"
            + " counted up to its last metrics.jsonl line; wall_time_segment_s: the last segment (from its start or"
            + " resume=)";

    /** The teacher's figures. */
    public record Teacher(double accuracy, long parameters, long macs, String weights, String cacheKey) {
    }

    /** The compressed student's figures (after export and reload). */
    public record Compressed(double accuracy, long parameters, long macs, String weights) {
    }

    /** Fractions removed, over the whole model and over the adapted layers. */
    public record Compression(double parameters, double macs, double adaptedParameters, double adaptedMacs, int tokens,
                              String countingRule) {
    }

    /** Compressed minus teacher accuracy. */
    public double delta() {
        return compressed.accuracy() - teacher.accuracy();
    }

    /** The summary.json fields, in their established order and names. */
    public Map<String, Object> toMap() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("experiment", experiment);
        s.put("run_dir", runDir);
        s.put("model", model);
        s.put("family", family);
        s.put("dataset", dataset);
        s.put("classes", classes);
        s.put("adapter", adapter);
        s.put("rank", rank);
        s.put("lora_alpha", loraAlpha);
        s.put("schedule", schedule);
        s.put("ratio", ratio);
        s.put("alpha", alpha);
        s.put("distill", distill);
        s.put("teacher", Map.of("accuracy", teacher.accuracy(), "parameters", teacher.parameters(), "macs",
                teacher.macs(), "weights", teacher.weights(), "cache_key", teacher.cacheKey()));
        s.put("student", Map.of("accuracy", studentAccuracy,
                "note", "after training at lambda = final value, before compression"));
        s.put("compressed", Map.of("accuracy", compressed.accuracy(), "parameters", compressed.parameters(),
                "macs", compressed.macs(), "weights", compressed.weights()));
        Map<String, Object> comp = new LinkedHashMap<>();
        comp.put("parameters", compression.parameters());
        comp.put("macs", compression.macs());
        comp.put("adapted_parameters", compression.adaptedParameters());
        comp.put("adapted_macs", compression.adaptedMacs());
        comp.put("tokens", compression.tokens());
        comp.put("counting_rule", compression.countingRule());
        s.put("compression", comp);
        s.put("compressed_form", compressedForm);
        s.put("delta", delta());
        s.put("wall_time_s", wallTimeS);
        s.put("wall_time_segment_s", wallTimeSegmentS);
        s.put("wall_time_rule", WALL_TIME_RULE);
        s.putAll(notes);
        s.put("provenance", provenance.toMap());
        return s;
    }
}
