package org.pclora.experiments.report;

import java.awt.BasicStroke;
import java.awt.Font;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.pclora.core.PcLoraException;
import org.pclora.experiments.plots.ChartStyle;

/**
 * {@code pclora report --budget}: test accuracy of each comparison row ({@code row}) against the
 * student's optimizer steps (log axis), mean over seeds with ± one sample standard deviation as
 * error bars, the teacher as a horizontal line ({@code gap_vs_budget.png}), and the same figures as
 * a table ({@code budget.md}) with each row's gap to LoRA + KD and to the teacher.
 *
 * @param points one point per row and budget, rows in order of appearance, budgets ascending
 * @param teacher the teachers' test accuracy over the distinct teachers of the runs
 */
public record BudgetPlot(List<Point> points, Stats teacher) {
    /**
     * One row at one budget.
     *
     * @param row      the comparison row ({@code row} of the configuration)
     * @param steps    student optimizer steps
     * @param accuracy test accuracy of the reported (exported) student over seeds
     * @param seeds    the seeds
     */
    public record Point(String row, long steps, Stats accuracy, List<String> seeds) {
    }

    /** Collects the points from runs; one-line errors when a run lacks its row or its steps. */
    public static BudgetPlot of(List<RunRecord> runs) {
        Map<String, Map<Long, List<RunRecord>>> byRow = new java.util.LinkedHashMap<>();
        Map<String, Double> teachers = new java.util.LinkedHashMap<>();
        for (RunRecord r : runs) {
            String row = r.configText("row");
            if (row.isEmpty()) {
                throw new PcLoraException("report --budget: run " + r.dir() + " has no comparison row (row=...);"
                        + " give runs of conf/row/ rows");
            }
            if (r.student().isEmpty()) {
                throw new PcLoraException("report --budget: run " + r.dir() + " logged no student steps"
                        + " (metrics.jsonl)");
            }
            long steps = r.student().get(r.student().size() - 1).totalSteps();
            byRow.computeIfAbsent(row, k -> new TreeMap<>()).computeIfAbsent(steps, k -> new ArrayList<>()).add(r);
            teachers.put(r.text("teacher.weights") + r.text("teacher.cache_key"), r.number("teacher.accuracy"));
        }
        List<Point> points = new ArrayList<>();
        byRow.forEach((row, m) -> m.forEach((steps, rs) -> points.add(new Point(row, steps,
                Stats.of(rs.stream().mapToDouble(x -> x.number("compressed.accuracy")).toArray()),
                rs.stream().map(RunRecord::seed).toList()))));
        return new BudgetPlot(points, Stats.of(teachers.values().stream().mapToDouble(Double::doubleValue).toArray()));
    }

    /** The chart. */
    public JFreeChart chart() {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        Map<String, YIntervalSeries> series = new java.util.LinkedHashMap<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Point p : points) {
            YIntervalSeries s = series.computeIfAbsent(p.row(), k -> new YIntervalSeries(k, true, false));
            double m = 100 * p.accuracy().mean();
            double sd = Double.isNaN(p.accuracy().std()) ? 0 : 100 * p.accuracy().std();
            s.add(p.steps(), m, m - sd, m + sd);
            lo = Math.min(lo, m - sd);
            hi = Math.max(hi, m + sd);
        }
        if (teacher.n() > 0) { // a range marker does not widen the axis by itself: the teacher's line must show
            lo = Math.min(lo, 100 * teacher.mean());
            hi = Math.max(hi, 100 * teacher.mean());
        }
        series.values().forEach(data::addSeries);
        LogAxis x = new LogAxis("student optimizer steps (log scale)");
        x.setBase(2);
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setNumberFormatOverride(new DecimalFormat("0")); // 128, 256, ... rather than 2^7, 2^8, ...
        NumberAxis y = new NumberAxis("test accuracy (%), mean ± std over seeds");
        y.setAutoRangeIncludesZero(false);
        if (lo <= hi) {
            double pad = Math.max(0.5, 0.05 * (hi - lo));
            y.setRange(lo - pad, hi + pad);
        }
        XYErrorRenderer r = new XYErrorRenderer();
        r.setDrawXError(false);
        r.setDefaultLinesVisible(true);
        r.setDefaultShapesVisible(true);
        for (int i = 0; i < series.size(); i++) {
            r.setSeriesPaint(i, ChartStyle.colour(i));
            r.setSeriesStroke(i, ChartStyle.stroke(i, 2f));
            r.setSeriesShape(i, ChartStyle.marker(i, 8));
        }
        r.setErrorStroke(new BasicStroke(1.5f));
        XYPlot plot = new XYPlot(data, x, y, r);
        if (teacher.n() > 0) {
            plot.addRangeMarker(ChartStyle.teacherLine(100 * teacher.mean(),
                    String.format(Locale.ROOT, "teacher %.2f %%", 100 * teacher.mean())));
        }
        ChartStyle.plain(plot);
        JFreeChart chart = new JFreeChart("Test accuracy against the student's budget", new Font(Font.SANS_SERIF,
                Font.BOLD, 16), plot, true);
        ChartStyle.plain(chart);
        return chart;
    }

    /** The table: one line per row and budget, its gap to lora-kd at that budget and to the teacher. */
    public String markdown() {
        StringBuilder sb = new StringBuilder("| row | student steps | n | seeds | test acc | gap to lora-kd (pts) |"
                + " gap to teacher (pts) |\n|---|---|---|---|---|---|---|\n");
        for (Point p : points) {
            Point ref = points.stream().filter(o -> o.row().equals("lora-kd") && o.steps() == p.steps()).findFirst()
                    .orElse(null);
            sb.append("| ").append(p.row()).append(" | ").append(p.steps()).append(" | ").append(p.accuracy().n())
                    .append(" | ").append(String.join(", ", p.seeds())).append(" | ")
                    .append(p.accuracy().times(100).format(2)).append(" % | ")
                    .append(ref == null ? "" : String.format(Locale.ROOT, "%+.2f",
                            100 * (p.accuracy().mean() - ref.accuracy().mean()))).append(" | ")
                    .append(teacher.n() == 0 ? "" : String.format(Locale.ROOT, "%+.2f",
                            100 * (p.accuracy().mean() - teacher.mean()))).append(" |\n");
        }
        sb.append("\nTeacher: ").append(teacher.times(100).format(2)).append(" % (").append(teacher.n())
                .append(teacher.n() == 1 ? " teacher" : " teachers").append(").\n");
        return sb.toString();
    }
}
