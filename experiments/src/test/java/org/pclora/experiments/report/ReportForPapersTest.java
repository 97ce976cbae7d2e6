package org.pclora.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.experiments.plots.ChartFiles;

/**
 * A report ready for a slide or a paper: short legends of what differs, one rounding of the
 * teacher, whole-step ticks, logged points drawn as points, an SVG beside every PNG, the row
 * column filled and the counting rule written once.
 */
class ReportForPapersTest {
    private static final PluginRegistry REGISTRY = PluginRegistry.load();

    private static RunRecord run(Path dir, RunFixtures.Spec spec) throws Exception {
        return RunRecord.load(RunFixtures.write(dir, spec));
    }

    @Test
    void legendsShowShortValuesOfWhatDiffersAndLeaveOutAbsentKeys(@TempDir Path dir) throws Exception {
        assertEquals("fashion-mnist (10000 examples)",
                ReportPlots.shortValue("embedded:fashion-mnist/train-images-idx3-ubyte.gz (10000 examples)"));
        assertEquals("cifar10/train", ReportPlots.shortValue("/data/sets/cifar10/train"));
        assertEquals("abcdefghijklmnopqrstuvwxyz01234…", ReportPlots.shortValue("abcdefghijklmnopqrstuvwxyz0123456789"));
        assertEquals("k", ReportPlots.shortKey("schedule.k", Set.of("schedule.k", "optimizer.lr")));
        assertEquals("schedule.k", ReportPlots.shortKey("schedule.k", Set.of("schedule.k", "distill.k")));

        RunRecord sine = run(dir.resolve("sine"), RunFixtures.spec().with(s -> s.schedule = "sine"));
        RunRecord step = run(dir.resolve("step"), RunFixtures.spec().with(s -> {
            s.schedule = "step";
            s.extraConfig = "schedule { k = 3 }";
        }));
        Map<RunRecord, String> labels = ReportPlots.labels(List.of(sine, step), true);
        assertEquals("sine", labels.get(sine), "no 'k=' with an empty value");
        assertEquals("step k=3", labels.get(step));
    }

    @Test
    void theTeacherIsRoundedOnceAsInTheTable(@TempDir Path dir) throws Exception {
        // 0.513750 and 0.513751 as fractions: mean 0.5137505; x100 before or after the mean differ in the last bit,
        // and the table's rounding is the one the plot must show
        List<RunRecord> runs = new ArrayList<>();
        double[] teacher = {0.51375, 0.5137510000000001};
        for (int i = 0; i < 2; i++) {
            int k = i;
            runs.add(run(dir.resolve("s" + i), RunFixtures.spec().with(s -> {
                s.seed = k;
                s.teacherKey = "t" + k;
                s.teacherAcc = teacher[k];
            })));
        }
        Report report = Report.ofRuns(runs, dir, REGISTRY::schedule);
        String table = report.groups().get(0).stats("teacher.accuracy").times(100).format(2);
        XYPlot plot = new ReportPlots(runs, REGISTRY::schedule).accuracyVsCompression().getXYPlot();
        ValueMarker m = (ValueMarker) plot.getRangeMarkers(org.jfree.chart.ui.Layer.FOREGROUND).iterator().next();
        assertEquals("teacher: " + table + " % (mean of 2 teachers)", m.getLabel());
    }

    @Test
    void aShortRunsLossAxisTicksAtWholeSteps(@TempDir Path dir) throws Exception {
        RunRecord r = run(dir.resolve("a"), RunFixtures.spec().with(s -> {
            s.totalSteps = 2;
            s.logEvery = 1;
        }));
        JFreeChart chart = new ReportPlots(List.of(r), REGISTRY::schedule).loss();
        ChartFiles.png(chart, 1000, 900); // lays the axis out
        NumberAxis step = (NumberAxis) ((CombinedDomainXYPlot) chart.getPlot()).getDomainAxis();
        double unit = step.getTickUnit().getSize();
        assertTrue(unit >= 1 && unit == Math.rint(unit), "tick unit " + unit);
    }

    @Test
    void aScheduleWithoutItsPluginIsDrawnAsPointsOnly(@TempDir Path dir) throws Exception {
        ReportPlots plots = new ReportPlots(List.of(run(dir.resolve("a"),
                RunFixtures.spec().with(s -> s.schedule = "quadratic-out"))), REGISTRY::schedule);
        XYPlot plot = plots.lambda().getXYPlot();
        assertTrue(((String) plot.getDataset().getSeriesKey(0)).endsWith("(plugin not found) [logged points]"));
        XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) plot.getRenderer();
        assertFalse(r.getSeriesLinesVisible(0), "no straight line through the logged points");
        assertTrue(r.getSeriesShapesVisible(0));
    }

    @Test
    void everyPngHasAnSvgBesideItAndTheCsvNumbersTheRuleWrittenOnce(@TempDir Path dir) throws Exception {
        List<RunRecord> runs = new ArrayList<>();
        for (String row : List.of("pclora", "pclora-nokd")) {
            for (int rank : new int[] {4, 8}) {
                runs.add(run(dir.resolve(row + rank), RunFixtures.spec().with(s -> {
                    s.rank = rank;
                    s.extraConfig = "row = " + row;
                })));
            }
        }
        Path out = dir.resolve("report");
        Report.ofRuns(runs, dir, REGISTRY::schedule).writeTo(out);
        for (String png : List.of("accuracy_vs_compression", "lambda", "loss")) {
            assertTrue(Files.size(out.resolve(png + ".png")) > 1000);
            String svg = Files.readString(out.resolve(png + ".svg"));
            assertTrue(svg.contains("<svg") && svg.contains("</svg>"), png);
        }
        List<Map<String, String>> csv = RunFixtures.records(Files.readString(out.resolve("report.csv")));
        assertEquals(4, csv.size());
        assertEquals(List.of("pclora", "pclora", "pclora-nokd", "pclora-nokd"), csv.stream().map(m -> m.get("row")).sorted().toList());
        csv.forEach(m -> assertEquals("1", m.get("counting_rule")));
        assertEquals("[1] " + org.pclora.core.accounting.Accounting.countingRule() + "\n",
                Files.readString(out.resolve(Report.COUNTING_RULES)));
        for (String f : Report.FILES) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
    }
}
