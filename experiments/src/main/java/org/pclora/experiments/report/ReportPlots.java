package org.pclora.experiments.report;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueType;
import java.awt.Font;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.pclora.core.Messages;
import org.pclora.core.PcLoraException;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.experiments.plots.ChartStyle;

/**
 * The report's three charts, built from the runs: compressed accuracy against compression (one
 * point per run, one series per method), lambda(n) evaluated from each run's own schedule plugin
 * at every step, and the student's logged losses (total, task and distillation, one panel each).
 * What a chart could not draw as asked (a schedule plugin missing) is said in {@link #notes()}.
 */
public final class ReportPlots {
    /** More points than this on one lambda curve are thinned to every k-th step (and the last). */
    static final int MAX_CURVE_POINTS = 200_000;

    private final List<RunRecord> runs;
    private final Function<String, DecaySchedule> schedules;
    private final List<String> notes = new ArrayList<>();
    private final Map<RunRecord, String> labels;

    /**
     * Charts over {@code runs}; {@code schedules} looks a schedule plugin up by name (the plugin
     * registry's look-up), throwing {@link PcLoraException} when none has that name.
     */
    public ReportPlots(List<RunRecord> runs, Function<String, DecaySchedule> schedules) {
        this.runs = List.copyOf(runs);
        this.schedules = schedules;
        this.labels = labels(this.runs, true);
    }

    /** What the charts could not draw as asked, one sentence each. */
    public List<String> notes() {
        return notes;
    }

    // ----------------------------------------------------------------------------------------
    // labels: name each run by what differs between the runs, nothing else

    private static final List<Map.Entry<String, Function<RunRecord, String>>> DESCRIPTORS = List.of(
            Map.entry("model", r -> r.text("model")),
            Map.entry("dataset", r -> r.text("dataset")),
            Map.entry("adapter", r -> r.text("adapter")),
            Map.entry("schedule", r -> r.text("schedule")),
            Map.entry("distill", r -> r.text("distill")),
            Map.entry("q", r -> r.text("ratio")),
            Map.entry("α", r -> r.text("alpha")),
            Map.entry("teacher_epochs", RunRecord::teacherEpochs),
            Map.entry("student_epochs", RunRecord::studentEpochs),
            Map.entry("rank", r -> r.text("rank")),
            Map.entry("seed", RunRecord::seed));

    /**
     * For each run, its values of the descriptors that vary between runs (schedule names bare,
     * the rest as {@code key=value}), plus any other configuration key that varies.
     */
    static Map<RunRecord, String> labels(List<RunRecord> runs, boolean withRankAndSeed) {
        List<String> varying = new ArrayList<>();
        for (var d : DESCRIPTORS) {
            if (!withRankAndSeed && (d.getKey().equals("rank") || d.getKey().equals("seed"))) {
                continue;
            }
            Set<String> values = new LinkedHashSet<>();
            runs.forEach(r -> values.add(d.getValue().apply(r)));
            if (values.size() > 1) {
                varying.add(d.getKey());
            }
        }
        Set<String> otherKeys = otherVaryingKeys(runs);
        Map<RunRecord, String> out = new LinkedHashMap<>();
        for (RunRecord r : runs) {
            List<String> parts = new ArrayList<>();
            for (var d : DESCRIPTORS) {
                if (varying.contains(d.getKey())) {
                    String v = shortValue(d.getValue().apply(r));
                    if (!v.isEmpty()) {
                        parts.add(d.getKey().equals("schedule") ? v : d.getKey() + "=" + v);
                    }
                }
            }
            Map<String, String> setting = RunGroup.setting(r);
            for (String k : otherKeys) {
                // a key only some runs have (a parameter of one schedule) is left out where it is absent
                String v = shortValue(setting.getOrDefault(k, ""));
                if (!v.isEmpty() && !v.equals("null")) {
                    parts.add(shortKey(k, otherKeys) + "=" + v);
                }
            }
            out.put(r, parts.isEmpty() ? r.text("schedule") : String.join(" ", parts));
        }
        return out;
    }

    /** Longest value shown in a legend; longer ones are cut with an ellipsis. */
    static final int MAX_VALUE_CHARS = 32;

    /**
     * A value as a legend shows it: {@code embedded:} dropped, a path by its first segment when
     * embedded, else its last two; at most {@link #MAX_VALUE_CHARS} characters. E.g.
     * {@code embedded:fashion-mnist/train-images-idx3-ubyte.gz (10000 examples)} becomes
     * {@code fashion-mnist (10000 examples)}.
     */
    static String shortValue(String v) {
        if (v == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (String token : v.strip().split(" ")) {
            String t = token;
            boolean embedded = t.startsWith("embedded:");
            if (embedded) {
                t = t.substring("embedded:".length());
            }
            if (t.contains("/")) {
                String[] seg = t.replaceAll("/+$", "").split("/");
                t = embedded ? seg[0] : seg.length >= 2 ? seg[seg.length - 2] + "/" + seg[seg.length - 1] : seg[seg.length - 1];
            }
            b.append(b.length() == 0 ? "" : " ").append(t);
        }
        String s = b.toString();
        return s.length() <= MAX_VALUE_CHARS ? s : s.substring(0, MAX_VALUE_CHARS - 1) + "…";
    }

    /** A configuration key by its last part ({@code schedule.k} as {@code k}) unless another varying key ends alike. */
    static String shortKey(String key, Set<String> keys) {
        String last = key.substring(key.lastIndexOf('.') + 1);
        long same = keys.stream().filter(k -> k.substring(k.lastIndexOf('.') + 1).equals(last)).count();
        return same > 1 ? key : last;
    }

    private static final Set<String> DESCRIBED = Set.of("schedule.name", "pclora.rank", "pclora.ratio", "loss.alpha",
            "pclora.adapter", "distill.losses", "distill.name", "distill.weight", "student.epochs", "teacher.epochs", "model.arch", "model.family",
            "model.depth", "model.width", "model.num_classes", "dataset.limit", "dataset.provider", "dataset.path");

    private static Set<String> otherVaryingKeys(List<RunRecord> runs) {
        Map<String, Set<String>> values = new LinkedHashMap<>();
        List<Map<String, String>> settings = runs.stream().map(RunGroup::setting).toList();
        settings.forEach(s -> s.keySet().forEach(k -> values.computeIfAbsent(k, x -> new LinkedHashSet<>())));
        for (Map<String, String> s : settings) {
            values.forEach((k, v) -> v.add(String.valueOf(s.get(k))));
        }
        Set<String> out = new LinkedHashSet<>();
        values.forEach((k, v) -> {
            if (v.size() > 1 && !DESCRIBED.contains(k) && !k.startsWith(RunGroup.SUMMARY)) {
                out.add(k);
            }
        });
        return out;
    }

    // ----------------------------------------------------------------------------------------
    // accuracy versus compression

    /**
     * Compressed-student accuracy against whole-model parameter compression: a marker per run
     * (never merged), a series per method (everything but rank and seed), rank labels on the
     * points, the teachers' accuracies as dashed reference lines, both axes zoomed to the data.
     */
    public JFreeChart accuracyVsCompression() {
        Map<RunRecord, String> method = labels(runs, false);
        Map<String, List<RunRecord>> series = new LinkedHashMap<>();
        for (RunRecord r : runs) {
            if (!Double.isNaN(r.number("compression.parameters")) && !Double.isNaN(r.number("compressed.accuracy"))) {
                series.computeIfAbsent(method.get(r), k -> new ArrayList<>()).add(r);
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        XYSeriesCollection trends = new XYSeriesCollection();
        List<List<String>> pointLabels = new ArrayList<>();
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        for (RunRecord r : runs) {
            double x = 100 * r.number("compression.parameters");
            if (!Double.isNaN(x)) {
                xMin = Math.min(xMin, x);
                xMax = Math.max(xMax, x);
            }
        }
        double spread = Math.max(xMax - xMin, 1.0);
        List<Double> ys = new ArrayList<>();
        for (var e : series.entrySet()) {
            XYSeries s = new XYSeries(e.getKey(), false, true);
            List<String> names = new ArrayList<>();
            // runs at the same compression (seeds, settings the label leaves out) are spread a little
            // sideways so that each stays visible as its own marker
            Map<Double, List<RunRecord>> atX = new LinkedHashMap<>();
            e.getValue().forEach(r -> atX.computeIfAbsent(100 * r.number("compression.parameters"), k -> new ArrayList<>()).add(r));
            for (var at : atX.entrySet()) {
                List<RunRecord> same = at.getValue();
                for (int k = 0; k < same.size(); k++) {
                    RunRecord r = same.get(k);
                    double offset = same.size() == 1 ? 0 : (k - (same.size() - 1) / 2.0) * 0.012 * spread;
                    double y = 100 * r.number("compressed.accuracy");
                    s.add(at.getKey() + offset, y);
                    ys.add(y);
                    names.add("r" + r.text("rank") + (same.size() > 1 && !r.seed().isEmpty() ? " s" + r.seed() : ""));
                }
            }
            data.addSeries(s);
            pointLabels.add(names);
            // a thin line through the mean at each compression shows the series' trend across ranks
            XYSeries trend = new XYSeries(e.getKey() + " (mean)", true, false);
            atX.forEach((x, same) -> trend.add(x.doubleValue(),
                    same.stream().mapToDouble(r -> 100 * r.number("compressed.accuracy")).average().orElse(Double.NaN)));
            trends.addSeries(trend);
        }
        JFreeChart chart = org.jfree.chart.ChartFactory.createXYLineChart(
                "Compressed-student accuracy vs parameter compression",
                "parameter compression, whole model, every tensor (%)", "compressed-student test accuracy (%)", data);
        ChartStyle.plain(chart);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, ChartStyle.colour(i));
            renderer.setSeriesShape(i, ChartStyle.marker(i, 11));
            renderer.setSeriesItemLabelsVisible(i, true);
            // labels alternate sides by series, so that series meeting at one rank do not overwrite each other
            renderer.setSeriesPositiveItemLabelPosition(i, i % 2 == 0
                    ? new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT)
                    : new ItemLabelPosition(ItemLabelAnchor.OUTSIDE9, TextAnchor.CENTER_RIGHT));
        }
        renderer.setDefaultItemLabelGenerator((ds, si, item) -> pointLabels.get(si).get(item));
        // the 11-pixel markers reach 5.5 pixels from their centre: labels start clear of them
        renderer.setItemLabelAnchorOffset(12);
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        plot.setRenderer(renderer);
        XYLineAndShapeRenderer trendRenderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < trends.getSeriesCount(); i++) {
            trendRenderer.setSeriesPaint(i, ChartStyle.colour(i));
            trendRenderer.setSeriesStroke(i, ChartStyle.stroke(i, 1f));
            trendRenderer.setSeriesVisibleInLegend(i, false);
        }
        plot.setDataset(1, trends);
        plot.setRenderer(1, trendRenderer);

        // teachers: one dashed line per model (the mean over its distinct teachers, e.g. one per seed)
        Map<String, List<Double>> teachers = new LinkedHashMap<>();
        Map<String, Set<String>> seen = new LinkedHashMap<>();
        for (RunRecord r : runs) {
            // as fractions, scaled after the statistics, exactly as the table computes them (one rounding)
            double t = r.number("teacher.accuracy");
            String key = r.text("teacher.cache_key").isEmpty() ? r.dir().toString() : r.text("teacher.cache_key");
            if (!Double.isNaN(t) && seen.computeIfAbsent(r.text("model"), k -> new LinkedHashSet<>()).add(key)) {
                teachers.computeIfAbsent(r.text("model"), k -> new ArrayList<>()).add(t);
            }
        }
        for (var t : teachers.entrySet()) {
            Stats s = Stats.of(t.getValue().stream().mapToDouble(Double::doubleValue).toArray()).times(100);
            // the label sits at the right end, above the line, where the rank labels leave room
            plot.addRangeMarker(ChartStyle.teacherLine(s.mean(), "teacher" + (teachers.size() > 1 ? " " + t.getKey()
                    : "") + ": " + s.format(2) + " %" + (s.n() > 1 ? " (mean of " + s.n() + " teachers)" : "")));
            ys.add(s.mean());
        }
        zoom((NumberAxis) plot.getRangeAxis(), ys, 2.0);
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        if (xMin <= xMax) {
            double pad = Math.max(0.1 * (xMax - xMin), 0.5);
            x.setRange(xMin - 2 * pad, xMax + 2.5 * pad); // room on both sides for the rank labels
        }
        return chart;
    }

    /** Sets the axis to the values' range plus a margin, at least {@code minSpan} wide. */
    private static void zoom(NumberAxis axis, List<Double> values, double minSpan) {
        double lo = values.stream().mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).min().orElse(0);
        double hi = values.stream().mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).max().orElse(1);
        double span = Math.max(hi - lo, minSpan);
        double mid = (hi + lo) / 2;
        axis.setRange(mid - 0.6 * span, mid + 0.65 * span);
    }

    // ----------------------------------------------------------------------------------------
    // lambda

    /** One curve to draw: the schedule as configured, the ratio and the run length. */
    private record CurveKey(String schedule, String params, double ratio, long totalSteps) {
    }

    /**
     * lambda(n) against the fraction of student training n / N, evaluated at every step
     * n = 0..N from each run's own schedule plugin, configured as the run was (its config.conf),
     * with the decay end step round(q·N) as in training. Runs with the same schedule, parameters,
     * q and N share a curve; different lengths are different, labelled curves. A run whose plugin
     * is not available is drawn from its metrics log, and a note says so.
     */
    public JFreeChart lambda() {
        Map<CurveKey, List<RunRecord>> curves = new LinkedHashMap<>();
        Map<CurveKey, DecaySchedule> resolved = new LinkedHashMap<>();
        Map<CurveKey, String> failure = new LinkedHashMap<>();
        for (RunRecord r : runs) {
            if (r.student().isEmpty()) {
                notes.add("lambda: run " + r.dir() + " has no student metrics (metrics.jsonl), so its length is unknown"
                        + " and it is not drawn");
                continue;
            }
            String name = !r.configText("schedule.name").isEmpty() ? r.configText("schedule.name") : r.text("schedule");
            Config params = scheduleParams(r.config());
            double ratio = !Double.isNaN(r.number("ratio")) ? r.number("ratio") : parseOr(r.configText("pclora.ratio"));
            long total = r.student().get(r.student().size() - 1).totalSteps();
            CurveKey key = new CurveKey(name, params.root().render(ConfigRenderOptions.concise()), ratio, total);
            if (!curves.containsKey(key)) {
                try {
                    DecaySchedule s = schedules.apply(name).configure(params);
                    resolved.put(key, s);
                    String used = r.text("provenance.plugins.schedule/" + name);
                    // "dev" marks a build without a version (classes run from a source tree): nothing to compare
                    if (!used.isEmpty() && !Objects.equals(used, s.version()) && !"dev".equals(used)
                            && !"dev".equals(s.version())) {
                        notes.add("lambda: schedule '" + name + "' is drawn with plugin version " + s.version()
                                + "; run " + r.dir().getFileName() + " used version " + used);
                    }
                } catch (PcLoraException | com.typesafe.config.ConfigException e) {
                    failure.put(key, oneLine(e.getMessage()));
                }
            }
            curves.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        Set<String> names = new LinkedHashSet<>();
        curves.keySet().forEach(k -> names.add(k.schedule()));
        boolean manyLengths = curves.keySet().stream().map(CurveKey::totalSteps).distinct().count() > 1;
        XYSeriesCollection data = new XYSeriesCollection();
        for (var e : curves.entrySet()) {
            CurveKey k = e.getKey();
            String label = k.schedule() + ("{}".equals(k.params()) ? "" : " " + k.params())
                    + String.format(Locale.ROOT, ", q=%.2f, N=%d steps", k.ratio(), k.totalSteps())
                    + (e.getValue().size() > 1 ? " (" + e.getValue().size() + " runs)" : "");
            DecaySchedule s = resolved.get(k);
            XYSeries series;
            if (s != null) {
                series = new XYSeries(label, false, true);
                long end = DecaySchedule.decayEndStep(k.ratio(), k.totalSteps());
                long stride = Math.max(1, (k.totalSteps() + MAX_CURVE_POINTS - 1) / MAX_CURVE_POINTS);
                for (long n = 0; n <= k.totalSteps(); n += stride) {
                    series.add(n / (double) k.totalSteps(), s.lambda(n, end));
                }
                if (k.totalSteps() % stride != 0) {
                    series.add(1.0, s.lambda(k.totalSteps(), end));
                }
                if (stride > 1) {
                    notes.add("lambda: " + label + " is drawn at every " + stride + "-th step (more than "
                            + MAX_CURVE_POINTS + " steps)");
                }
            } else {
                RunRecord r = e.getValue().get(0);
                series = new XYSeries(label + " (plugin not found) [logged points]", false, true);
                for (RunRecord.MetricPoint p : r.student()) {
                    series.add(p.step() / (double) Math.max(1, p.totalSteps()), p.lambda());
                }
                notes.add("lambda: schedule '" + k.schedule() + "' of run " + r.dir() + " is drawn from its metrics log"
                        + " (the points logged every few steps), not from the schedule itself: " + failure.get(k));
            }
            data.addSeries(series);
        }
        JFreeChart chart = org.jfree.chart.ChartFactory.createXYLineChart(
                "Decay factor λ(n) of each run's schedule" + (manyLengths ? " (runs of different lengths)" : ""),
                "fraction of student training n / N", "λ(n)", data);
        ChartStyle.plain(chart);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        // curves of one schedule at other lengths or ratios lie almost on top of each other on a
        // fraction-of-training axis: each repeat of a schedule name gets the next dash pattern
        Map<String, Integer> repeats = new LinkedHashMap<>();
        List<CurveKey> keys = new ArrayList<>(curves.keySet());
        for (int i = 0; i < data.getSeriesCount(); i++) {
            int repeat = repeats.merge(keys.get(i).schedule(), 1, Integer::sum) - 1;
            renderer.setSeriesPaint(i, ChartStyle.colour(i));
            renderer.setSeriesStroke(i, ChartStyle.stroke(i % ChartStyle.colours() + repeat * ChartStyle.colours(), 2.5f));
            if (((String) data.getSeriesKey(i)).endsWith("[logged points]")) {
                // only the logged points are known: no line between them (the schedule may curve there)
                renderer.setSeriesLinesVisible(i, false);
                renderer.setSeriesShapesVisible(i, true);
                renderer.setSeriesShape(i, ChartStyle.marker(i, 7));
            }
        }
        plot.setRenderer(renderer);
        plot.setSeriesRenderingOrder(org.jfree.chart.plot.SeriesRenderingOrder.FORWARD); // dashed repeats on top
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setRange(0, 1);
        NumberAxis y = (NumberAxis) plot.getRangeAxis();
        y.setRange(-0.03, 1.05);
        return chart;
    }

    /**
     * The schedule's parameters as the run had them: {@code schedule.params} when the run's
     * configuration has that object, else every key of {@code schedule} but its name (plugins
     * may take plain {@code schedule.<param>} keys).
     */
    static Config scheduleParams(Config config) {
        if (config.hasPath("schedule.params") && config.getValue("schedule.params").valueType() == ConfigValueType.OBJECT) {
            return config.getConfig("schedule.params");
        }
        if (config.hasPath("schedule") && config.getValue("schedule").valueType() == ConfigValueType.OBJECT) {
            return config.getConfig("schedule").withoutPath("name");
        }
        return ConfigFactory.empty();
    }

    // ----------------------------------------------------------------------------------------
    // losses

    /**
     * The student's logged losses against the student step, in three panels sharing the step
     * axis: the total L = α·L_task + (1 − α)·L_distill that is optimised, the task loss (cross
     * entropy on labels) and the distillation loss. One line per run; colours, then dash
     * patterns, keep more than eight runs apart.
     */
    public JFreeChart loss() {
        NumberAxis step = new NumberAxis("student optimizer step");
        step.setAutoRangeIncludesZero(false);
        step.setStandardTickUnits(NumberAxis.createIntegerTickUnits()); // steps are whole: no ticks at 2.5
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(step);
        combined.setGap(12);
        List<RunRecord> drawn = runs.stream().filter(r -> !r.student().isEmpty()).toList();
        panel(combined, drawn, "total loss L", RunRecord.MetricPoint::loss);
        panel(combined, drawn, "task loss L_task (CE)", RunRecord.MetricPoint::taskLoss);
        panel(combined, drawn, "distill loss L_distill", RunRecord.MetricPoint::distillLoss);
        LegendItemCollection legend = new LegendItemCollection();
        for (int i = 0; i < drawn.size(); i++) {
            LegendItem item = new LegendItem(labels.get(drawn.get(i)), null, null, null,
                    new java.awt.geom.Line2D.Double(-10, 0, 10, 0), ChartStyle.stroke(i, 2.5f), ChartStyle.colour(i));
            legend.add(item);
        }
        combined.setFixedLegendItems(legend);
        Set<String> alphas = new LinkedHashSet<>();
        drawn.forEach(r -> alphas.add(r.text("alpha")));
        JFreeChart chart = new JFreeChart("Student losses as logged (L = α·L_task + (1 − α)·L_distill"
                + (alphas.size() == 1 ? ", α = " + alphas.iterator().next() : "") + ")",
                new Font(Font.SANS_SERIF, Font.BOLD, 16), combined, true);
        ChartStyle.plain(chart);
        return chart;
    }

    private static void panel(CombinedDomainXYPlot combined, List<RunRecord> runs, String label,
                              ToDoubleFunction<RunRecord.MetricPoint> value) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (int i = 0; i < runs.size(); i++) {
            XYSeries s = new XYSeries(i, false, true); // keys by index: two runs may share a label
            for (RunRecord.MetricPoint p : runs.get(i).student()) {
                s.add(p.step(), value.applyAsDouble(p));
            }
            data.addSeries(s);
        }
        NumberAxis y = new NumberAxis(label);
        y.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < runs.size(); i++) {
            renderer.setSeriesPaint(i, ChartStyle.colour(i));
            renderer.setSeriesStroke(i, ChartStyle.stroke(i, 2f));
            // few logged points: mark them, so that a reader sees where the polyline is measured
            renderer.setSeriesShapesVisible(i, runs.get(i).student().size() <= 60);
            renderer.setSeriesShape(i, ChartStyle.marker(i, 6));
        }
        XYPlot plot = new XYPlot(data, null, y, renderer);
        ChartStyle.plain(plot);
        combined.add(plot, 1);
    }

    private static double parseOr(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String oneLine(String s) {
        return s == null ? "unknown error" : Messages.oneLine(s);
    }
}
