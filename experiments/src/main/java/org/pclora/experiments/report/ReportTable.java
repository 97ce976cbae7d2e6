package org.pclora.experiments.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.pclora.experiments.table.Table;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The result table over groups of runs (one row per group; a group of one run is the per-run
 * table), as Markdown for reading, HTML, and CSV for analysis. CSV cells are plain numbers (no
 * thousands separators, no percent signs; units are in the headers); accuracies are
 * {@code _mean}, {@code _std} (sample) columns and {@code n} counts the runs.
 */
public final class ReportTable {

    /**
     * One column: its Markdown header and cell, and its CSV headers and cells (a Markdown
     * column may be several CSV columns, e.g. mean and std).
     */
    private record Column(String header, Function<RunGroup, String> cell, List<String> csvHeaders,
                          Function<RunGroup, List<String>> csvCells, boolean hoistable) {
    }

    /** Configuration keys a dedicated column already shows (so "other settings" leaves them out). */
    private static final Set<String> SHOWN = Set.of("row", "schedule.name", "pclora.rank", "pclora.ratio", "loss.alpha",
            "pclora.adapter", "distill.losses", "distill.name", "student.epochs", "teacher.epochs", "model.arch", "model.family",
            "model.depth", "model.width", "model.num_classes");

    private final List<RunGroup> groups;
    private final List<Column> columns = new ArrayList<>();
    private final Set<String> otherKeys;
    private final List<String> rules;

    /**
     * A table of {@code groups}; {@code rules} numbers the distinct counting rules (the
     * Markdown cell is the rule's 1-based index) and {@code base} shortens run paths.
     */
    public ReportTable(List<RunGroup> groups, List<String> rules, java.nio.file.Path base) {
        this.groups = List.copyOf(groups);
        this.rules = rules;
        this.otherKeys = varyingKeys(groups);
        // The comparison-table row (conf/row/) a run was made for: the first thing a reader looks for.
        text("row", "row", r -> r.configText("row"), true);
        text("model", "model", r -> r.text("model"), true);
        column("head", g -> head(g.first()), List.of("classes"), g -> List.of(plainInt(g.first().number("classes"))), true);
        text("dataset", "dataset", r -> r.text("dataset"), true);
        text("adapter", "adapter", r -> r.text("adapter"), true);
        text("schedule", "schedule", r -> r.text("schedule"), false);
        column("rank", g -> g.first().text("rank"), List.of("rank"), g -> List.of(plainInt(g.first().number("rank"))), false);
        column("q", g -> fixed(g.first().number("ratio"), 2), List.of("ratio_q"),
                g -> List.of(plain(g.first().number("ratio"))), true);
        column("α", g -> fixed(g.first().number("alpha"), 2), List.of("loss_alpha"),
                g -> List.of(plain(g.first().number("alpha"))), true);
        text("distill", "distill", r -> r.text("distill"), true);
        column("epochs (teacher/student)", g -> g.first().teacherEpochs() + "/" + g.first().studentEpochs(),
                List.of("teacher_epochs", "student_epochs"),
                g -> List.of(g.first().teacherEpochs(), g.first().studentEpochs()), true);
        column("other settings", g -> String.join(", ", g.settingsOf(otherKeys)), List.of("other_settings"),
                g -> List.of(String.join(" ", g.settingsOf(otherKeys))), true);
        column("seed" + (groups.stream().anyMatch(g -> g.n() > 1) ? "s" : ""), g -> String.join(", ", g.seeds()),
                List.of("seeds"), g -> List.of(String.join(" ", g.seeds())), false);
        column("n", g -> String.valueOf(g.n()), List.of("n"), g -> List.of(String.valueOf(g.n())), false);
        count("params", "compressed_params", "compressed.parameters");
        count("MACs", "compressed_macs", "compressed.macs");
        percent("param compr. %", "param_compression_pct", "compression.parameters");
        percent("MAC compr. %", "mac_compression_pct", "compression.macs");
        percent("adapted param compr. %", "adapted_param_compression_pct", "compression.adapted_parameters");
        column("tokens", g -> g.first().text("compression.tokens"), List.of("tokens"),
                g -> List.of(plainInt(g.first().number("compression.tokens"))), true);
        accuracy("teacher acc %", "teacher_acc_pct", "teacher.accuracy");
        accuracy("student acc %", "student_acc_pct", "student.accuracy");
        accuracy("compressed acc %", "compressed_acc_pct", "compressed.accuracy");
        column("Δ (pts)", g -> signed(g.stats("delta").times(100)), List.of("delta_pts_mean", "delta_pts_std"),
                g -> meanStd(g.stats("delta").times(100)), false);
        column("wall s", g -> fixed(g.stats("wall_time_s").mean(), 0), List.of("wall_time_s_mean"),
                g -> List.of(plain(g.stats("wall_time_s").mean())), false);
        // The rule's text is long and the same on most rows: the CSV numbers it as the Markdown does,
        // and counting_rules.txt beside it holds each rule once.
        column("rule", g -> "[" + (rules.indexOf(g.first().text("compression.counting_rule")) + 1) + "]",
                List.of("counting_rule"), g -> List.of(String.valueOf(rules.indexOf(g.first().text("compression.counting_rule")) + 1)),
                true);
        column("run" + (groups.stream().anyMatch(g -> g.n() > 1) ? "s" : ""),
                g -> String.join(", ", g.runs().stream().map(r -> r.label(base)).toList()), List.of("runs"),
                g -> List.of(String.join(" ", g.runs().stream().map(r -> r.label(base)).toList())), false);
    }

    /** Configuration keys that differ between groups and have no column of their own. */
    private static Set<String> varyingKeys(List<RunGroup> groups) {
        Set<String> all = new TreeSet<>();
        groups.forEach(g -> all.addAll(g.setting().keySet()));
        Set<String> varying = new LinkedHashSet<>();
        for (String k : all) {
            if (SHOWN.contains(k) || k.startsWith(RunGroup.SUMMARY)) {
                continue;
            }
            Set<String> values = new LinkedHashSet<>();
            groups.forEach(g -> values.add(String.valueOf(g.setting().get(k))));
            if (values.size() > 1) {
                varying.add(k);
            }
        }
        return varying;
    }

    private void column(String header, Function<RunGroup, String> cell, List<String> csvHeaders,
                        Function<RunGroup, List<String>> csvCells, boolean hoistable) {
        columns.add(new Column(header, cell, csvHeaders, csvCells, hoistable));
    }

    private void text(String header, String csv, Function<RunRecord, String> value, boolean hoistable) {
        column(header, g -> value.apply(g.first()), List.of(csv), g -> List.of(value.apply(g.first())), hoistable);
    }

    /** A count (identical across seeds; the mean if not): 44,554 in Markdown, 44554 in CSV. */
    private void count(String header, String csv, String field) {
        column(header, g -> {
            Stats s = g.stats(field);
            return s.n() == 0 ? "" : s.constant() ? String.format(Locale.ROOT, "%,d", Math.round(s.mean()))
                    : String.format(Locale.ROOT, "%,.1f (mean)", s.mean());
        }, List.of(csv), g -> {
            Stats s = g.stats(field);
            return List.of(s.constant() ? plainInt(s.mean()) : plain(s.mean()));
        }, false);
    }

    private void percent(String header, String csv, String field) {
        column(header, g -> fixed(g.stats(field).times(100).mean(), 2), List.of(csv),
                g -> List.of(plain(g.stats(field).times(100).mean())), false);
    }

    private void accuracy(String header, String csv, String field) {
        column(header, g -> g.stats(field).times(100).format(2), List.of(csv + "_mean", csv + "_std"),
                g -> meanStd(g.stats(field).times(100)), false);
    }

    private static List<String> meanStd(Stats s) {
        return List.of(plain(s.mean()), plain(s.std()));
    }

    /** The Markdown headers of the columns shown per row (the others are constant and hoisted). */
    private List<Column> shown(Map<String, String> hoisted) {
        List<Column> shown = new ArrayList<>();
        for (Column c : columns) {
            Set<String> values = new LinkedHashSet<>();
            groups.forEach(g -> values.add(c.cell().apply(g)));
            boolean blank = values.size() == 1 && values.iterator().next().isEmpty();
            if (blank && c.hoistable()) {
                continue; // nothing to say (e.g. no other settings vary)
            }
            if (c.hoistable() && values.size() == 1) {
                hoisted.put(c.header(), values.iterator().next());
                continue;
            }
            shown.add(c);
        }
        return shown;
    }

    /**
     * The Markdown table; columns whose value is the same in every row are listed once above it
     * ("common to every row") so that the table fits a page.
     */
    public String markdown() {
        Map<String, String> hoisted = new LinkedHashMap<>();
        List<Column> shown = shown(hoisted);
        StringBuilder sb = new StringBuilder();
        if (!hoisted.isEmpty()) {
            sb.append("Common to every row: ");
            List<String> parts = new ArrayList<>();
            hoisted.forEach((h, v) -> parts.add(h + " " + v));
            sb.append(String.join("; ", parts)).append(".\n\n");
        }
        return sb.append(Table.markdown(shown.stream().map(Column::header).toList(), groups.stream()
                .map(g -> shown.stream().map(c -> c.cell().apply(g)).toList()).toList())).toString();
    }

    /** The same as an HTML fragment: the common values as a paragraph, then a table. */
    public String html() {
        Map<String, String> hoisted = new LinkedHashMap<>();
        List<Column> shown = shown(hoisted);
        StringBuilder sb = new StringBuilder();
        if (!hoisted.isEmpty()) {
            List<String> parts = new ArrayList<>();
            hoisted.forEach((h, v) -> parts.add("<b>" + Html.escape(h) + "</b> " + Html.escape(v)));
            sb.append("<p class=\"common\">Common to every row: ").append(String.join("; ", parts)).append(".</p>\n");
        }
        sb.append("<div class=\"wide\"><table>\n<thead><tr>");
        shown.forEach(c -> sb.append("<th>").append(Html.escape(c.header())).append("</th>"));
        sb.append("</tr></thead>\n<tbody>\n");
        for (RunGroup g : groups) {
            sb.append("<tr>");
            shown.forEach(c -> sb.append("<td>").append(Html.escape(c.cell().apply(g))).append("</td>"));
            sb.append("</tr>\n");
        }
        return sb.append("</tbody>\n</table></div>\n").toString();
    }

    /** Every column (none hoisted) as CSV, RFC 4180 quoting, numbers plain. */
    public String csv() {
        List<String> headers = new ArrayList<>();
        columns.forEach(c -> headers.addAll(c.csvHeaders()));
        List<List<String>> rows = new ArrayList<>();
        for (RunGroup g : groups) {
            List<String> cells = new ArrayList<>();
            columns.forEach(c -> cells.addAll(c.csvCells().apply(g)));
            rows.add(cells);
        }
        return Table.csv(headers, rows);
    }

    /** The rules the table numbers, in order. */
    public List<String> rules() {
        return rules;
    }

    static String head(RunRecord r) {
        double c = r.number("classes");
        return Double.isNaN(c) ? "" : Math.round(c) + " classes";
    }

    static String plain(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.valueOf((long) v);
        }
        // 12 significant digits: 100 * 0.558 prints as 55.8, not 55.800000000000004
        return new java.math.BigDecimal(v).round(new java.math.MathContext(12)).stripTrailingZeros().toPlainString();
    }

    private static String plainInt(double v) {
        return Double.isNaN(v) ? "" : String.valueOf(Math.round(v));
    }

    static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String signed(Stats s) {
        if (s.n() == 0) {
            return "";
        }
        String m = String.format(Locale.ROOT, "%+.2f", s.mean());
        return s.n() == 1 ? m : m + " ± " + String.format(Locale.ROOT, "%.2f", s.std());
    }
}
