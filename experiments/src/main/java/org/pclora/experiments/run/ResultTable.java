package org.pclora.experiments.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.pclora.experiments.table.Table;

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
        return Table.markdown(COLUMNS, summaries.stream().map(ResultTable::row).toList());
    }

    /** The width {@link #compact} keeps to by default: a terminal of 100 columns. */
    public static final int TERMINAL_WIDTH = 100;

    /** A column of the compact table: header, cell of a summary, and whether it may be shortened. */
    private record Column(String header, java.util.function.Function<Map<String, Object>, String> cell, boolean text) {
    }

    /**
     * The table for a terminal: at most {@code width} characters a line, aligned. It shows the
     * run (its directory's name, when there are several), model, rank, schedule, those of ratio q, alpha and distillation
     * loss that differ between the runs, the compressed parameter count, the share of parameters
     * and MACs removed and the accuracies; then where the runs are. When a line would still be too
     * wide, the varying columns go first, then long names are shortened with "~".
     * {@link #markdown} keeps every column.
     */
    @SuppressWarnings("unchecked")
    public static String compact(List<Map<String, Object>> summaries, int width) {
        List<Column> optional = new ArrayList<>(List.of(
                new Column("q", s -> num(s.get("ratio"), "%.2f"), false),
                new Column("alpha", s -> num(s.get("alpha"), "%.2f"), false),
                new Column("distill", s -> String.valueOf(s.get("distill")), true)));
        optional.removeIf(c -> summaries.stream().map(c.cell()).distinct().count() < 2);
        List<Column> cols = new ArrayList<>();
        if (summaries.size() > 1) { // one run is named by the line below the table
            cols.add(new Column("run", s -> Path.of(String.valueOf(s.get("run_dir"))).getFileName().toString(), true));
        }
        cols.add(new Column("model", s -> String.valueOf(s.get("model")), true));
        cols.add(new Column("r", s -> String.valueOf(s.get("rank")), false));
        cols.add(new Column("schedule", s -> String.valueOf(s.get("schedule")), true));
        int firstOptional = cols.size();
        cols.addAll(optional);
        cols.add(new Column("params", s -> String.format(Locale.ROOT, "%,d",
                ((Number) ((Map<String, Object>) s.get("compressed")).get("parameters")).longValue()), false));
        cols.add(new Column("params cut", s -> pct(((Map<String, Object>) s.get("compression")).get("parameters")) + "%", false));
        cols.add(new Column("MACs cut", s -> pct(((Map<String, Object>) s.get("compression")).get("macs")) + "%", false));
        cols.add(new Column("teacher", s -> pct(((Map<String, Object>) s.get("teacher")).get("accuracy")) + "%", false));
        cols.add(new Column("compressed", s -> pct(((Map<String, Object>) s.get("compressed")).get("accuracy")) + "%", false));
        cols.add(new Column("delta", s -> String.format(Locale.ROOT, "%+.2f", 100 * ((Number) s.get("delta")).doubleValue()), false));

        List<List<String>> rows = new ArrayList<>();
        for (Map<String, Object> s : summaries) {
            rows.add(cols.stream().map(c -> c.cell().apply(s)).toList());
        }
        int[] w = widths(cols, rows);
        while (lineWidth(w) > width && optional.size() > 0) {
            Column drop = optional.remove(optional.size() - 1);
            int at = cols.indexOf(drop);
            cols.remove(at);
            for (int r = 0; r < rows.size(); r++) {
                List<String> row = new ArrayList<>(rows.get(r));
                row.remove(at);
                rows.set(r, row);
            }
            w = widths(cols, rows);
        }
        while (lineWidth(w) > width) { // shorten the widest name column, keeping at least 4 characters
            int widest = -1;
            for (int i = 0; i < cols.size(); i++) {
                if (cols.get(i).text() && w[i] > 4 && (widest < 0 || w[i] > w[widest])) {
                    widest = i;
                }
            }
            if (widest < 0) {
                break; // only numbers left: nothing sensible to cut
            }
            w[widest]--;
        }
        StringBuilder sb = new StringBuilder();
        line(sb, cols.stream().map(Column::header).toList(), w, cols);
        sb.append('|');
        for (int x : w) {
            sb.append("-".repeat(x + 2)).append('|');
        }
        sb.append('\n');
        for (List<String> r : rows) {
            line(sb, r, w, cols);
        }
        List<Path> dirs = summaries.stream().map(s -> Path.of(String.valueOf(s.get("run_dir")))).toList();
        Path parent = dirs.get(0).getParent();
        boolean oneParent = parent != null && dirs.stream().allMatch(d -> parent.equals(d.getParent()));
        if (dirs.size() == 1) {
            sb.append("run directory: ").append(dirs.get(0)).append('\n');
        } else if (oneParent) {
            sb.append("run directories: ").append(parent).append("/<run>\n");
        } else {
            for (int i = 0; i < dirs.size(); i++) {
                sb.append("run ").append(dirs.get(i).getFileName()).append(": ").append(dirs.get(i)).append('\n');
            }
        }
        sb.append("(r = rank; accuracy of teacher and compressed student; all columns: summary.json)\n");
        return sb.toString();
    }

    private static int[] widths(List<Column> cols, List<List<String>> rows) {
        int[] w = new int[cols.size()];
        for (int i = 0; i < cols.size(); i++) {
            w[i] = cols.get(i).header().length();
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        return w;
    }

    private static int lineWidth(int[] w) {
        int n = 1;
        for (int x : w) {
            n += x + 3;
        }
        return n;
    }

    /** One aligned line: text left, numbers right, cut to the column width with "~" at the end. */
    private static void line(StringBuilder sb, List<String> cells, int[] w, List<Column> cols) {
        sb.append('|');
        for (int i = 0; i < cells.size(); i++) {
            String v = cells.get(i);
            if (v.length() > w[i]) {
                v = v.substring(0, w[i] - 1) + "~";
            }
            String pad = " ".repeat(w[i] - v.length());
            sb.append(' ').append(cols.get(i).text() ? v + pad : pad + v).append(" |");
        }
        sb.append('\n');
    }

    private static String num(Object o, String fmt) {
        return o instanceof Number n ? String.format(Locale.ROOT, fmt, n.doubleValue()) : String.valueOf(o);
    }

    private static String pct(Object o) {
        return o instanceof Number n ? String.format(Locale.ROOT, "%.2f", 100 * n.doubleValue()) : String.valueOf(o);
    }
}
