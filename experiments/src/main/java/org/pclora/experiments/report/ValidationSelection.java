package org.pclora.experiments.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.pclora.core.PcLoraException;

/**
 * Model selection on validation over a report's runs ({@code pclora report --select-by=val_accuracy
 * --over=optimizer.lr,loss.alpha}): runs that differ only in the {@code over} keys and the seed form
 * one family; within it the configuration (its seeds together) with the best mean validation
 * accuracy is kept, and its test accuracy is reported as mean ± std over seeds. The test split never
 * enters the choice.
 *
 * @param over   the keys selected over
 * @param chosen one line per family, in the order families first appear
 */
public record ValidationSelection(List<String> over, List<Chosen> chosen) {
    /** The summary field a run's validation accuracy is read from (the selected weights' accuracy). */
    public static final String VAL_ACCURACY = "selection.val_accuracy";
    /** The only criterion accepted by {@code --select-by}. */
    public static final String CRITERION = "val_accuracy";

    /**
     * One family's choice.
     *
     * @param family     the keys the family's configurations share and that vary across families
     * @param chosen     the chosen configuration (its runs over seeds)
     * @param values     the chosen values of the {@code over} keys
     * @param candidates configurations compared
     * @param validation validation accuracy of the chosen configuration over seeds
     * @param test       test accuracy (the compressed student's, as exported) over seeds
     */
    public record Chosen(Map<String, String> family, RunGroup chosen, Map<String, String> values, int candidates,
                         Stats validation, Stats test) {
    }

    /**
     * Selects within every family of {@code groups} (runs grouped by seed) over {@code over}.
     *
     * @throws PcLoraException when a key of {@code over} takes one value only across the runs, or a
     *                         run carries no validation accuracy
     */
    public static ValidationSelection of(List<RunGroup> groups, List<String> over) {
        if (over.isEmpty()) {
            throw new PcLoraException("report: --over is empty; name the configuration keys to select over, e.g."
                    + " --over=optimizer.lr,loss.alpha");
        }
        for (String k : over) {
            Set<String> values = new LinkedHashSet<>();
            groups.forEach(g -> values.add(String.valueOf(g.setting().get(k))));
            if (values.size() < 2) {
                throw new PcLoraException("report: --over=" + k + " names a key no run varies (every run has "
                        + k + " = " + values.iterator().next() + "); name keys that take two or more values");
            }
        }
        for (RunGroup g : groups) {
            for (RunRecord r : g.runs()) {
                if (Double.isNaN(r.number(VAL_ACCURACY))) {
                    throw new PcLoraException("report: run " + r.dir() + " has no validation accuracy (" + VAL_ACCURACY
                            + " in summary.json): run it with train.eval_every > 0 to select on validation");
                }
            }
        }
        Map<Map<String, String>, List<RunGroup>> families = new LinkedHashMap<>();
        for (RunGroup g : groups) {
            Map<String, String> key = new TreeMap<>(g.setting());
            over.forEach(key::remove);
            families.computeIfAbsent(key, k -> new ArrayList<>()).add(g);
        }
        Set<String> varying = new LinkedHashSet<>();
        for (Map<String, String> a : families.keySet()) {
            for (Map<String, String> b : families.keySet()) {
                a.forEach((k, v) -> {
                    if (!v.equals(b.get(k))) {
                        varying.add(k);
                    }
                });
            }
        }
        List<Chosen> out = new ArrayList<>();
        families.forEach((key, members) -> {
            RunGroup best = null;
            double bestVal = Double.NEGATIVE_INFINITY;
            for (RunGroup g : members) {
                double v = g.stats(VAL_ACCURACY).mean();
                if (v > bestVal) { // ties keep the first configuration found
                    bestVal = v;
                    best = g;
                }
            }
            Map<String, String> fam = new TreeMap<>();
            key.forEach((k, v) -> {
                if (varying.contains(k)) {
                    fam.put(k, v);
                }
            });
            Map<String, String> values = new LinkedHashMap<>();
            for (String k : over) {
                values.put(k, best.setting().get(k));
            }
            out.add(new Chosen(fam, best, values, members.size(), best.stats(VAL_ACCURACY),
                    best.stats("compressed.accuracy")));
        });
        return new ValidationSelection(List.copyOf(over), out);
    }

    /** The selection as a Markdown table (accuracies in percent). */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| family | selected (").append(String.join(", ", over)).append(") | n | validation acc | test acc |")
                .append(" teacher acc | selection |\n|---|---|---|---|---|---|---|\n");
        for (Chosen c : chosen) {
            sb.append("| ").append(c.family().isEmpty() ? "(all runs)" : String.join(", ", entries(c.family())))
                    .append(" | ").append(String.join(", ", entries(c.values()))).append(" | ").append(c.test().n())
                    .append(" | ").append(c.validation().times(100).format(2)).append(" % | ")
                    .append(c.test().times(100).format(2)).append(" % | ")
                    .append(c.chosen().stats("teacher.accuracy").times(100).format(2)).append(" % | selected on")
                    .append(" validation among ").append(c.candidates()).append(" configurations |\n");
        }
        return sb.toString();
    }

    /** The selection as CSV. */
    public String csv() {
        StringBuilder sb = new StringBuilder("family,").append(String.join(",", over))
                .append(",n,val_accuracy_mean,val_accuracy_std,test_accuracy_mean,test_accuracy_std,candidates\n");
        for (Chosen c : chosen) {
            sb.append('"').append(String.join("; ", entries(c.family()))).append('"');
            c.values().values().forEach(v -> sb.append(',').append(v));
            sb.append(',').append(c.test().n()).append(',').append(c.validation().mean()).append(',')
                    .append(c.validation().std()).append(',').append(c.test().mean()).append(',').append(c.test().std())
                    .append(',').append(c.candidates()).append('\n');
        }
        return sb.toString();
    }

    private static List<String> entries(Map<String, String> m) {
        List<String> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }
}
