package org.pclora.experiments.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jfree.chart.JFreeChart;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.AtomicFiles;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.experiments.plots.ChartFiles;
import org.pclora.experiments.run.RunDirectory;

/**
 * The report over a set of runs: runs that differ only by seed grouped into one row (mean ± sample
 * std, n), the per-run rows, the paper's figures beside the rows they correspond to (each with
 * its counting rule), the distinct counting rules, and three charts. Written as
 * {@code report.md}, {@code report.csv} (grouped), {@code runs.csv} (per run), {@code counting_rules.txt}
 * (the rules the CSVs number), the PNGs with an SVG of each beside it, and
 * {@code report.html}, one self-contained page with the tables and the charts embedded.
 */
public final class Report {
    /** The file holding the counting rules that report.csv and runs.csv number. */
    public static final String COUNTING_RULES = "counting_rules.txt";
    /** Files a report writes, in the order listed to the user. */
    public static final List<String> FILES = List.of("report.md", "report.html", "report.csv", "runs.csv",
            COUNTING_RULES, "accuracy_vs_compression.png", "accuracy_vs_compression.svg", "lambda.png", "lambda.svg",
            "loss.png", "loss.svg");

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 600;

    private final List<RunRecord> runs;
    private final List<RunGroup> groups;
    private final List<String> rules;
    private final ReportTable grouped;
    private final ReportTable perRun;
    private final List<PaperFigures.Line> paper;
    private final Map<String, byte[]> charts = new LinkedHashMap<>();
    /** The same charts as SVG, by file name. */
    private final Map<String, byte[]> svgs = new LinkedHashMap<>();
    private final List<String> notes;

    private Report(List<RunRecord> runs, Function<String, DecaySchedule> schedules, Path base) {
        this.runs = runs;
        this.groups = RunGroup.bySeed(runs);
        LinkedHashSet<String> distinct = new LinkedHashSet<>();
        runs.forEach(r -> distinct.add(r.text("compression.counting_rule")));
        this.rules = List.copyOf(distinct);
        this.grouped = new ReportTable(groups, rules, base);
        this.perRun = new ReportTable(RunGroup.single(runs), rules, base);
        this.paper = PaperFigures.lines(groups);
        ReportPlots plots = new ReportPlots(runs, schedules);
        chart("accuracy_vs_compression", plots.accuracyVsCompression());
        chart("lambda", plots.lambda());
        chart("loss", plots.loss());
        JFreeChart val = ValidationPlot.of(runs);
        if (val != null) {
            chart("val", val); // only where a run logged validation (train.eval_every > 0)
        }
        this.notes = List.copyOf(plots.notes());
    }

    /** Renders a chart as {@code name.png} and {@code name.svg}. */
    private void chart(String name, JFreeChart chart) {
        int height = chart.getPlot() instanceof org.jfree.chart.plot.CombinedDomainXYPlot ? 900 : HEIGHT;
        charts.put(name + ".png", ChartFiles.png(chart, WIDTH, height));
        svgs.put(name + ".svg", ChartFiles.svg(chart, WIDTH, height));
    }


    /**
     * The report over every complete run (a directory holding summary.json) below {@code dirs},
     * which are resolved against {@code workingDir}; {@code schedules} resolves schedule plugins
     * by name.
     */
    public static Report of(List<Path> dirs, Path workingDir, Function<String, DecaySchedule> schedules) {
        List<Path> found = new ArrayList<>();
        for (Path d : dirs) {
            Path dir = workingDir.resolve(d);
            if (!Files.isDirectory(dir)) {
                throw new PcLoraException("report: " + d + " is not a directory; give run directories or folders holding them");
            }
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(p -> p.getFileName().toString().equals(RunDirectory.SUMMARY) && Files.isRegularFile(p))
                        .map(Path::getParent).sorted().forEach(p -> {
                            if (!found.contains(p)) {
                                found.add(p);
                            }
                        });
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new PcLoraException("report: cannot list " + d + ": " + e.getMessage());
            }
        }
        if (found.isEmpty()) {
            throw new PcLoraException("report: no complete run (a directory with " + RunDirectory.SUMMARY + ") below " + dirs);
        }
        List<RunRecord> runs = found.stream().map(RunRecord::load).toList();
        return new Report(runs, schedules, commonAncestor(found));
    }

    /** The deepest directory holding every run (run paths are printed relative to it). */
    static Path commonAncestor(List<Path> dirs) {
        Path common = dirs.get(0).toAbsolutePath().normalize();
        for (Path d : dirs) {
            Path p = d.toAbsolutePath().normalize();
            while (!p.startsWith(common)) {
                common = common.getParent();
            }
        }
        // a single run is named by its own directory's name rather than by "" (itself)
        return dirs.size() == 1 && common.getParent() != null ? common.getParent() : common;
    }

    /** The report over runs already read (for tests and callers that hold them). */
    public static Report ofRuns(List<RunRecord> runs, Path base, Function<String, DecaySchedule> schedules) {
        return new Report(List.copyOf(runs), schedules, base);
    }

    public List<RunRecord> runs() {
        return runs;
    }

    public List<RunGroup> groups() {
        return groups;
    }

    /** The grouped table (one row per setting, mean ± std over seeds). */
    public ReportTable grouped() {
        return grouped;
    }

    /** The per-run table. */
    public ReportTable perRun() {
        return perRun;
    }

    /** What the charts could not draw as asked. */
    public List<String> notes() {
        return notes;
    }

    /** The chart PNGs by file name. */
    public Map<String, byte[]> charts() {
        return charts;
    }

    /** The chart SVGs by file name. */
    public Map<String, byte[]> svgs() {
        return svgs;
    }

    /** The counting rules as report.csv's counting_rule column numbers them: "[1] ..." a paragraph. */
    public String countingRules() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rules.size(); i++) {
            sb.append('[').append(i + 1).append("] ").append(rules.get(i).isEmpty() ? "(not recorded in summary.json)"
                    : rules.get(i)).append("\n");
        }
        return sb.toString();
    }

    /** The paper's figures beside our corresponding rows, as Markdown ("" when no row corresponds). */
    public String paperMarkdown() {
        return paper.isEmpty() ? "" : PAPER_INTRO + "\n\n" + PaperFigures.markdown(paper);
    }

    /** "7 runs in 5 settings", singular where it is one. */
    public String counts() {
        return runs.size() + (runs.size() == 1 ? " run" : " runs") + " in " + groups.size()
                + (groups.size() == 1 ? " setting" : " settings");
    }

    /** The whole report as Markdown (the charts linked as the PNG files next to it). */
    public String markdown() {
        StringBuilder sb = new StringBuilder("# PC-LoRA runs\n\n");
        sb.append(counts()).append(". Runs that differ only by")
                .append(" seed share a row: accuracies are mean ± sample standard deviation over the n runs (the")
                .append(" mean alone when n = 1); per-run rows follow. Percentages are of the test set; Δ is")
                .append(" compressed student minus teacher, in points.\n\n");
        sb.append("## Results by setting\n\n").append(grouped.markdown()).append('\n');
        if (!paper.isEmpty()) {
            sb.append("## The paper's figures beside ours\n\n").append(PAPER_INTRO).append("\n\n")
                    .append(PaperFigures.markdown(paper)).append('\n');
        }
        sb.append("## Counting rules\n\n");
        for (int i = 0; i < rules.size(); i++) {
            sb.append('[').append(i + 1).append("] ").append(rules.get(i).isEmpty() ? "(not recorded in summary.json)"
                    : rules.get(i)).append("\n\n");
        }
        sb.append("## Plots\n\n");
        for (String name : charts.keySet()) {
            String svg = name.replaceFirst("\\.png$", ".svg");
            sb.append("![").append(name).append("](").append(name).append(") ([SVG](").append(svg).append("))\n\n");
        }
        if (!notes.isEmpty()) {
            sb.append("## Notes\n\n");
            notes.forEach(n -> sb.append("- ").append(n).append('\n'));
            sb.append('\n');
        }
        sb.append("## Runs\n\n").append(perRun.markdown());
        return sb.toString();
    }

    private static final String PAPER_INTRO = "Park et al. (2024) report 94.36 % parameter / 89.1 % FLOPs compression"
            + " for ViT-B/16 and 93.42 % / 84.2 % for BERT-base. Each figure is shown with the rule it is counted"
            + " under; where the rules differ or are unknown, the figures stand apart and no difference is taken.";

    /** One self-contained HTML page: the tables and the charts (embedded PNG). */
    public String html() {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>PC-LoRA runs</title>\n")
                .append("<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px;color:#222}\n")
                .append("table{border-collapse:collapse;margin:1em 0;font-size:13px}\n")
                .append("th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}\n")
                .append("th{background:#f0f0f0}tbody tr:nth-child(even){background:#fafafa}\n")
                .append("img{max-width:100%;border:1px solid #ddd;margin:0.5em 0}\n")
                .append(".common,.rule{font-size:13px;color:#444}\n.wide{overflow-x:auto}\n")
                .append("</style>\n</head>\n<body>\n<h1>PC-LoRA runs</h1>\n");
        sb.append("<p>").append(counts()).append(". Runs that")
                .append(" differ only by seed share a row: accuracies are mean ± sample standard deviation over the n")
                .append(" runs (the mean alone when n = 1). Δ is compressed student minus teacher, in points.</p>\n");
        sb.append("<h2>Results by setting</h2>\n").append(grouped.html());
        if (!paper.isEmpty()) {
            sb.append("<h2>The paper's figures beside ours</h2>\n<p>").append(Html.escape(PAPER_INTRO)).append("</p>\n")
                    .append(PaperFigures.html(paper));
        }
        sb.append("<h2>Plots</h2>\n");
        charts.forEach((name, png) -> sb.append("<figure><img alt=\"").append(name).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\"><figcaption>").append(name)
                .append("</figcaption></figure>\n"));
        if (!notes.isEmpty()) {
            sb.append("<h2>Notes</h2>\n<ul>\n");
            notes.forEach(n -> sb.append("<li>").append(Html.escape(n)).append("</li>\n"));
            sb.append("</ul>\n");
        }
        sb.append("<h2>Counting rules</h2>\n");
        for (int i = 0; i < rules.size(); i++) {
            sb.append("<p class=\"rule\">[").append(i + 1).append("] ").append(Html.escape(rules.get(i))).append("</p>\n");
        }
        sb.append("<h2>Runs</h2>\n").append(perRun.html());
        return sb.append("</body>\n</html>\n").toString();
    }

    /** Writes every file of {@link #FILES} into {@code target}, each atomically. */
    public void writeTo(Path target) {
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new PcLoraException("report: cannot create " + target + ": " + e.getMessage()
                    + "; give --out a directory that can be written");
        }
        AtomicFiles.writeString(target.resolve("report.md"), markdown());
        AtomicFiles.writeString(target.resolve("report.csv"), grouped.csv());
        AtomicFiles.writeString(target.resolve("runs.csv"), perRun.csv());
        AtomicFiles.writeString(target.resolve(COUNTING_RULES), countingRules());
        charts.forEach((name, png) -> ChartFiles.write(target.resolve(name), png));
        svgs.forEach((name, svg) -> ChartFiles.write(target.resolve(name), svg));
        AtomicFiles.writeString(target.resolve("report.html"), html());
    }
}
