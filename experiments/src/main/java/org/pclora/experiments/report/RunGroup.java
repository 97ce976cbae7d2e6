package org.pclora.experiments.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Runs whose settings are equal but for the seed (and for keys that cannot change a result, such
 * as where outputs go): the report's unit of a table row, summarised as mean ± std (n).
 *
 * @param setting what the runs share: configuration leaves (without the seed and the keys in
 *                {@link #IGNORED}) plus the summary's counting rule and token count
 * @param runs    the runs, in the order found
 */
public record RunGroup(Map<String, String> setting, List<RunRecord> runs) {

    /**
     * Configuration keys (and key prefixes, ending in '.') that do not enter the grouping: the seed
     * itself, the experiment's name, where outputs and caches go, and bookkeeping that leaves
     * every number unchanged (parallel workers, checkpoint and log intervals, evaluation batch).
     */
    public static final Set<String> IGNORED = Set.of("seed", "name", "resume", "output.", "train.workers",
            "train.checkpoint_every", "train.keep_checkpoints", "train.log_every", "train.eval_batch_size");

    /** Prefix of grouping keys taken from summary.json rather than from the configuration. */
    static final String SUMMARY = "summary:";

    /** Summary fields that identify a run's setting when its configuration is unavailable. */
    private static final List<String> SUMMARY_FIELDS = List.of("model", "family", "dataset", "classes", "adapter", "rank",
            "lora_alpha", "schedule", "ratio", "alpha", "distill");

    public RunGroup {
        runs = List.copyOf(runs);
    }

    /** Groups runs that differ only by seed, keeping the order in which each group first appears. */
    public static List<RunGroup> bySeed(List<RunRecord> runs) {
        Map<Map<String, String>, List<RunRecord>> groups = new LinkedHashMap<>();
        for (RunRecord r : runs) {
            groups.computeIfAbsent(setting(r), k -> new ArrayList<>()).add(r);
        }
        List<RunGroup> out = new ArrayList<>();
        groups.forEach((k, v) -> {
            List<RunRecord> sorted = new ArrayList<>(v);
            sorted.sort(java.util.Comparator.comparingDouble(RunGroup::seedOrder)); // stable: equal seeds keep order
            out.add(new RunGroup(k, sorted));
        });
        return out;
    }

    /** Each run on its own (the per-run table). */
    public static List<RunGroup> single(List<RunRecord> runs) {
        return runs.stream().map(r -> new RunGroup(setting(r), List.of(r))).toList();
    }

    /** What a run's result depends on, but for the seed. */
    static Map<String, String> setting(RunRecord r) {
        Map<String, String> key = new TreeMap<>();
        r.flatConfig().forEach((k, v) -> {
            if (!ignored(k)) {
                key.put(k, v);
            }
        });
        if (key.isEmpty()) {
            // no configuration next to the summary: fall back on the summary's own description
            for (String f : SUMMARY_FIELDS) {
                key.put(SUMMARY + f, r.text(f));
            }
        }
        // figures counted under different rules never share a row
        key.put(SUMMARY + "counting_rule", r.text("compression.counting_rule"));
        key.put(SUMMARY + "tokens", r.text("compression.tokens"));
        return key;
    }

    private static double seedOrder(RunRecord r) {
        try {
            return Double.parseDouble(r.seed());
        } catch (NumberFormatException e) {
            return Double.POSITIVE_INFINITY;
        }
    }

    static boolean ignored(String key) {
        for (String i : IGNORED) {
            if (i.endsWith(".") ? key.startsWith(i) : key.equals(i)) {
                return true;
            }
        }
        return false;
    }

    /** The first run, whose descriptive fields (model, schedule, ...) every run of the group shares. */
    public RunRecord first() {
        return runs.get(0);
    }

    /** Number of runs. */
    public int n() {
        return runs.size();
    }

    /** Statistics of one number over the runs. */
    public Stats stats(ToDoubleFunction<RunRecord> value) {
        return Stats.of(runs.stream().mapToDouble(value).toArray());
    }

    /** Statistics of one summary number (dotted path) over the runs. */
    public Stats stats(String dotted) {
        return stats(r -> r.number(dotted));
    }

    /** The seeds, in run order. */
    public List<String> seeds() {
        return runs.stream().map(RunRecord::seed).toList();
    }

    /** The setting's entries whose keys are in {@code keys}, as {@code key=value}, sorted by key. */
    public List<String> settingsOf(Set<String> keys) {
        List<String> out = new ArrayList<>();
        new TreeMap<>(setting).forEach((k, v) -> {
            if (keys.contains(k)) {
                out.add(k + "=" + v);
            }
        });
        return out;
    }
}
