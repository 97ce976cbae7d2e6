package org.pclora.experiments.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The paper-style result table over run summaries: one row per run, as Markdown or CSV, each row
 * naming the run directory it came from.
 */
public final class ResultTable {
    /** Column headers, in order. */
    public static final List<String> COLUMNS = List.of("model", "rank", "schedule", "ratio q", "alpha", "distill",
            "params", "MACs", "param compr. %", "MAC compr. %", "adapted param compr. %", "teacher acc",
            "student acc", "compressed acc", "delta", "run");

    private ResultTable() {
    }

    /** One row of cells for a summary written by {@link ExperimentRunner}. */
    @SuppressWarnings("unchecked")
    public static List<String> row(Map<String, Object> s) {
        Map<String, Object> teacher = (Map<String, Object>) s.get("teacher");
        Map<String, Object> student = (Map<String, Object>) s.get("student");
        Map<String, Object> compressed = (Map<String, Object>) s.get("compressed");
        Map<String, Object> comp = (Map<String, Object>) s.get("compression");
        List<String> r = new ArrayList<>();
        r.add(String.valueOf(s.get("model")));
        r.add(String.valueOf(s.get("rank")));
        r.add(String.valueOf(s.get("schedule")));
        r.add(num(s.get("ratio"), "%.2f"));
        r.add(num(s.get("alpha"), "%.2f"));
        r.add(String.valueOf(s.get("distill")));
        r.add(String.format(Locale.ROOT, "%,d", ((Number) compressed.get("parameters")).longValue()));
        r.add(String.format(Locale.ROOT, "%,d", ((Number) compressed.get("macs")).longValue()));
        r.add(pct(comp.get("parameters")));
        r.add(pct(comp.get("macs")));
        r.add(pct(comp.get("adapted_parameters")));
        r.add(pct(teacher.get("accuracy")));
        r.add(pct(student.get("accuracy")));
        r.add(pct(compressed.get("accuracy")));
        r.add(String.format(Locale.ROOT, "%+.2f", 100 * ((Number) s.get("delta")).doubleValue()));
        r.add(String.valueOf(s.get("run_dir")));
        return r;
    }

    /** A Markdown table of the summaries. */
    public static String markdown(List<Map<String, Object>> summaries) {
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(String.join(" | ", COLUMNS)).append(" |\n");
        sb.append("|").append("---|".repeat(COLUMNS.size())).append("\n");
        for (Map<String, Object> s : summaries) {
            sb.append("| ").append(String.join(" | ", row(s))).append(" |\n");
        }
        return sb.toString();
    }

    /** The same table as CSV (RFC 4180 quoting). */
    public static String csv(List<Map<String, Object>> summaries) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.join(",", COLUMNS.stream().map(ResultTable::quote).toList())).append("\n");
        for (Map<String, Object> s : summaries) {
            sb.append(String.join(",", row(s).stream().map(ResultTable::quote).toList())).append("\n");
        }
        return sb.toString();
    }

    private static String quote(String v) {
        return v.contains(",") || v.contains("\"") || v.contains("\n") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    private static String num(Object o, String fmt) {
        return o instanceof Number n ? String.format(Locale.ROOT, fmt, n.doubleValue()) : String.valueOf(o);
    }

    private static String pct(Object o) {
        return o instanceof Number n ? String.format(Locale.ROOT, "%.2f", 100 * n.doubleValue()) : String.valueOf(o);
    }
}
