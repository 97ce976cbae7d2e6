package org.pclora.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.registry.PluginRegistry;

class ReportPlotsTest {
    private static final PluginRegistry REGISTRY = PluginRegistry.load();

    private static RunRecord run(Path dir, RunFixtures.Spec spec) throws Exception {
        return RunRecord.load(RunFixtures.write(dir, spec));
    }

    @Test
    void lambdaIsTheScheduleItselfAtEveryStepFromOneToZero(@TempDir Path dir) throws Exception {
        // linear, q = 0.8, N = 10 steps: decay ends at step 8; lambda(n) = 1 - n/8 up to 8, then 0.
        ReportPlots plots = new ReportPlots(List.of(run(dir.resolve("a"), RunFixtures.spec())), REGISTRY::schedule);
        XYDataset d = plots.lambda().getXYPlot().getDataset();
        assertEquals(1, d.getSeriesCount());
        assertEquals(11, d.getItemCount(0), "steps 0..10, not the 2 logged points");
        for (int n = 0; n <= 10; n++) {
            assertEquals(n / 10.0, d.getXValue(0, n), 1e-12);
            assertEquals(Math.max(0, 1 - n / 8.0), d.getYValue(0, n), 1e-12, "step " + n);
        }
        assertTrue(plots.notes().isEmpty(), plots.notes().toString());
    }

    @Test
    void scheduleParametersComeFromTheRunsConfig(@TempDir Path dir) throws Exception {
        // polynomial with power 3: lambda = (1 - t)^3, t = n/8; at n = 4: 0.125
        ReportPlots plots = new ReportPlots(List.of(run(dir.resolve("a"), RunFixtures.spec().with(s -> {
            s.schedule = "polynomial";
            s.scheduleParams = "{ power = 3 }";
        }))), REGISTRY::schedule);
        XYDataset d = plots.lambda().getXYPlot().getDataset();
        assertEquals(0.125, d.getYValue(0, 4), 1e-12);
    }

    @Test
    void runsOfDifferentLengthsAreSeparateLabelledCurvesAndEqualOnesShareOne(@TempDir Path dir) throws Exception {
        List<RunRecord> runs = List.of(run(dir.resolve("a"), RunFixtures.spec()),
                run(dir.resolve("b"), RunFixtures.spec().with(s -> s.seed = 2)),
                run(dir.resolve("c"), RunFixtures.spec().with(s -> s.totalSteps = 20)));
        XYDataset d = new ReportPlots(runs, REGISTRY::schedule).lambda().getXYPlot().getDataset();
        assertEquals(2, d.getSeriesCount());
        assertEquals("linear, q=0.80, N=10 steps (2 runs)", d.getSeriesKey(0));
        assertEquals("linear, q=0.80, N=20 steps", d.getSeriesKey(1));
        assertEquals(21, d.getItemCount(1));
        // N = 20: decay ends at 16; at n = 8 (x = 0.4) lambda = 0.5
        assertEquals(0.5, d.getYValue(1, 8), 1e-12);
    }

    @Test
    void aMissingSchedulePluginFallsBackToTheLoggedPointsAndSaysSo(@TempDir Path dir) throws Exception {
        ReportPlots plots = new ReportPlots(List.of(run(dir.resolve("a"),
                RunFixtures.spec().with(s -> s.schedule = "quadratic-out"))), REGISTRY::schedule);
        XYDataset d = plots.lambda().getXYPlot().getDataset();
        assertTrue(((String) d.getSeriesKey(0)).endsWith("[logged points]"));
        assertEquals(2, d.getItemCount(0)); // logged at steps 5 and 10
        assertEquals(1, plots.notes().size());
        assertTrue(plots.notes().get(0).contains("'quadratic-out'") && plots.notes().get(0).contains("metrics log"),
                plots.notes().get(0));
    }

    @Test
    void everyRunIsItsOwnPointOneSeriesPerMethodAndTheAxisIsZoomed(@TempDir Path dir) throws Exception {
        List<RunRecord> runs = new ArrayList<>();
        double[] acc = {0.65, 0.70, 0.72};
        for (int i = 0; i < 3; i++) {
            int k = i;
            runs.add(run(dir.resolve("sine" + i), RunFixtures.spec().with(s -> {
                s.schedule = "sine";
                s.rank = 8;
                s.seed = k;
                s.compressedAcc = acc[k];
            })));
        }
        runs.add(run(dir.resolve("lin"), RunFixtures.spec().with(s -> s.compressedAcc = 0.68)));
        JFreeChart chart = new ReportPlots(runs, REGISTRY::schedule).accuracyVsCompression();
        XYPlot plot = chart.getXYPlot();
        XYDataset d = plot.getDataset();
        assertEquals(2, d.getSeriesCount());
        assertEquals("sine", d.getSeriesKey(0));
        assertEquals(3, d.getItemCount(0), "three sine rank-8 runs stay three points");
        assertEquals(65.0, d.getYValue(0, 0), 1e-9);
        assertEquals(72.0, d.getYValue(0, 2), 1e-9);
        // the three share a compression: spread sideways, in order, around it
        assertTrue(d.getXValue(0, 0) < d.getXValue(0, 1) && d.getXValue(0, 1) < d.getXValue(0, 2));
        assertEquals(91.75, d.getXValue(0, 1), 1e-9);
        assertEquals("r8 s0", plot.getRenderer().getItemLabelGenerator(0, 0).generateLabel(d, 0, 0));
        assertEquals("r4", plot.getRenderer().getItemLabelGenerator(1, 0).generateLabel(d, 1, 0));
        // teacher at 60 % is a reference line; the y axis is zoomed around 60..72, not from 0
        assertEquals(1, plot.getRangeMarkers(org.jfree.chart.ui.Layer.FOREGROUND).size());
        assertEquals(60.0, ((org.jfree.chart.plot.ValueMarker) plot.getRangeMarkers(org.jfree.chart.ui.Layer.FOREGROUND)
                .iterator().next()).getValue(), 1e-9);
        assertTrue(plot.getRangeAxis().getLowerBound() > 50 && plot.getRangeAxis().getUpperBound() < 80,
                plot.getRangeAxis().getRange().toString());
    }

    @Test
    void lossPanelsSayWhichLossAndTwelveRunsStayDistinct(@TempDir Path dir) throws Exception {
        List<RunRecord> runs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int k = i;
            runs.add(run(dir.resolve("r" + i), RunFixtures.spec().with(s -> s.rank = k + 1)));
        }
        JFreeChart chart = new ReportPlots(runs, REGISTRY::schedule).loss();
        CombinedDomainXYPlot combined = (CombinedDomainXYPlot) chart.getPlot();
        List<XYPlot> panels = combined.getSubplots();
        assertEquals(List.of("total loss L", "task loss L_task (CE)", "distill loss L_distill"),
                panels.stream().map(p -> p.getRangeAxis().getLabel()).toList());
        // task loss logged as 1/step at steps 5, 10
        assertEquals(0.2, panels.get(1).getDataset().getYValue(0, 0), 1e-12);
        assertEquals(12, combined.getFixedLegendItems().getItemCount());
        var r = panels.get(0).getRenderer();
        for (int a = 0; a < 12; a++) {
            for (int b = a + 1; b < 12; b++) {
                boolean sameColour = r.getSeriesPaint(a).equals(r.getSeriesPaint(b));
                boolean sameStroke = r.getSeriesStroke(a).equals(r.getSeriesStroke(b));
                assertTrue(!sameColour || !sameStroke, "series " + a + " and " + b + " look alike");
            }
        }
        assertNotEquals(r.getSeriesStroke(0), r.getSeriesStroke(8));
        assertEquals("rank=1", combined.getFixedLegendItems().get(0).getLabel());
    }
}
