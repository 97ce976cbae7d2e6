package org.pclora.experiments.report;

import java.awt.BasicStroke;
import java.awt.Font;
import java.util.List;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.pclora.experiments.plots.ChartStyle;

/**
 * {@code val.png}: the student's validation accuracy against the optimizer step for every run that
 * logged it ({@code train.eval_every}), with lambda at the same steps on a second axis (dashed), so
 * that a reader sees where the decay ends and which evaluations were eligible for selection.
 */
final class ValidationPlot {
    private ValidationPlot() {
    }

    /** The chart, or null when no run logged a validation evaluation. */
    static JFreeChart of(List<RunRecord> runs) {
        List<RunRecord> drawn = runs.stream().filter(r -> !r.validation().isEmpty()).toList();
        if (drawn.isEmpty()) {
            return null;
        }
        Map<RunRecord, String> labels = ReportPlots.labels(drawn, true);
        XYSeriesCollection acc = new XYSeriesCollection();
        XYSeriesCollection lambda = new XYSeriesCollection();
        for (int i = 0; i < drawn.size(); i++) {
            String label = labels.get(drawn.get(i));
            XYSeries a = new XYSeries(i + ": " + label, false, true);
            XYSeries l = new XYSeries(i + ": λ " + label, false, true);
            for (RunRecord.ValidationPoint p : drawn.get(i).validation()) {
                a.add(p.step(), 100 * p.accuracy());
                l.add(p.step(), p.lambda());
            }
            acc.addSeries(a);
            lambda.addSeries(l);
        }
        NumberAxis step = new NumberAxis("student optimizer step");
        NumberAxis y = new NumberAxis("validation accuracy (%)");
        y.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer ra = new XYLineAndShapeRenderer(true, true);
        XYLineAndShapeRenderer rl = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < drawn.size(); i++) {
            ra.setSeriesPaint(i, ChartStyle.colour(i));
            ra.setSeriesStroke(i, ChartStyle.stroke(i, 2f));
            ra.setSeriesShape(i, ChartStyle.marker(i, 6));
            rl.setSeriesPaint(i, ChartStyle.colour(i));
            rl.setSeriesStroke(i, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[] {4f, 4f}, 0f));
            rl.setSeriesVisibleInLegend(i, false);
        }
        XYPlot plot = new XYPlot(acc, step, y, ra);
        NumberAxis l = new NumberAxis("λ (dashed)");
        l.setRange(0, 1.05);
        plot.setRangeAxis(1, l);
        plot.setDataset(1, lambda);
        plot.setRenderer(1, rl);
        plot.mapDatasetToRangeAxis(1, 1);
        ChartStyle.plain(plot);
        JFreeChart chart = new JFreeChart("Student validation accuracy by step (λ dashed, right axis)",
                new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
        ChartStyle.plain(chart);
        return chart;
    }
}
