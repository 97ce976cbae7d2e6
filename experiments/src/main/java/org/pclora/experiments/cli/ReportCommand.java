package org.pclora.experiments.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.AtomicFiles;
import org.pclora.experiments.plots.LinePlot;
import org.pclora.experiments.run.ResultTable;
import org.pclora.experiments.run.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pclora report <dir>...}: collects every complete run below the given directories and
 * writes {@code report.md}, {@code report.csv} and PNG plots (lambda per schedule, loss curves,
 * accuracy versus compression across ranks).
 */
@Command(name = "report", description = "Tabulate and plot runs: report.md, report.csv, lambda.png, loss.png, accuracy_vs_compression.png.")
public final class ReportCommand implements Callable<Integer> {
    @ParentCommand
    PcLoraCli root;

    @Parameters(paramLabel = "<dir>", arity = "1..*", description = "Run directories or folders holding runs.")
    List<Path> dirs;

    @Option(names = "--out", paramLabel = "<dir>", description = "Where to write the report (default: the first <dir>).")
    Path out;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws IOException {
        if (out != null && Files.exists(root.workingDir().resolve(out)) && !Files.isDirectory(root.workingDir().resolve(out))) {
            throw new PcLoraException("report: --out " + out + " is a file, not a directory: give a directory"
                    + " (it is created when missing) for report.md, report.csv and the plots");
        }
        List<Path> runs = new ArrayList<>();
        for (Path d : dirs) {
            Path dir = root.workingDir().resolve(d);
            if (!Files.isDirectory(dir)) {
                throw new PcLoraException("report: " + d + " is not a directory; give run directories or folders holding them");
            }
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(p -> p.getFileName().toString().equals(RunDirectory.SUMMARY)).map(Path::getParent)
                        .sorted().forEach(runs::add);
            }
        }
        if (runs.isEmpty()) {
            throw new PcLoraException("report: no complete run (a directory with " + RunDirectory.SUMMARY + ") below " + dirs);
        }
        ObjectMapper om = new ObjectMapper();
        List<Map<String, Object>> summaries = new ArrayList<>();
        for (Path r : runs) {
            summaries.add(new RunDirectory(r).readJson(RunDirectory.SUMMARY));
        }
        Path target = out != null ? root.workingDir().resolve(out) : root.workingDir().resolve(dirs.get(0));
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new PcLoraException("report: cannot create the output directory " + target + " (" + e
                    + "): give a writable directory with --out");
        }
        String md = ResultTable.markdown(summaries);
        AtomicFiles.writeString(target.resolve("report.md"), "# PC-LoRA runs\n\n" + md + "\nCounting rule: "
                + ((Map<String, Object>) summaries.get(0).get("compression")).get("counting_rule") + "\n");
        AtomicFiles.writeString(target.resolve("report.csv"), ResultTable.csv(summaries));

        LinePlot lambda = new LinePlot("Decay factor lambda(n) per schedule", "student step", "lambda");
        LinePlot loss = new LinePlot("Student training loss", "student step", "loss");
        Map<String, Boolean> scheduleDrawn = new LinkedHashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            Map<String, Object> s = summaries.get(i);
            List<double[]> pts = new ArrayList<>();
            Path metrics = runs.get(i).resolve(RunDirectory.METRICS);
            if (Files.isRegularFile(metrics)) {
                for (String line : Files.readAllLines(metrics)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    Map<String, Object> m = om.readValue(line, Map.class);
                    if ("student".equals(m.get("phase"))) {
                        pts.add(new double[] {((Number) m.get("step")).doubleValue(), ((Number) m.get("lambda")).doubleValue(),
                                ((Number) m.get("loss")).doubleValue()});
                    }
                }
            }
            if (pts.isEmpty()) {
                continue;
            }
            double[] x = pts.stream().mapToDouble(p -> p[0]).toArray();
            String label = s.get("schedule") + " r=" + s.get("rank") + " (" + runs.get(i).getFileName() + ")";
            loss.add(label, x, pts.stream().mapToDouble(p -> p[2]).toArray());
            String sched = String.valueOf(s.get("schedule"));
            if (scheduleDrawn.putIfAbsent(sched, true) == null) {
                lambda.add(sched, x, pts.stream().mapToDouble(p -> p[1]).toArray());
            }
        }
        lambda.writePng(target.resolve("lambda.png"), 900, 540);
        loss.writePng(target.resolve("loss.png"), 900, 540);

        // Accuracy versus compression, one line per (model, schedule) across ranks.
        LinePlot acc = new LinePlot("Compressed-student accuracy vs parameter compression of adapted layers",
                "adapted-layer parameter compression (%)", "accuracy (%)");
        Map<String, TreeMap<Double, Double>> series = new LinkedHashMap<>();
        for (Map<String, Object> s : summaries) {
            Map<String, Object> comp = (Map<String, Object>) s.get("compression");
            Map<String, Object> c = (Map<String, Object>) s.get("compressed");
            series.computeIfAbsent(s.get("model") + " / " + s.get("schedule"), k -> new TreeMap<>())
                    .put(100 * ((Number) comp.get("adapted_parameters")).doubleValue(),
                            100 * ((Number) c.get("accuracy")).doubleValue());
        }
        series.forEach((name, pts) -> acc.add(name, pts.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
                pts.values().stream().mapToDouble(Double::doubleValue).toArray()));
        acc.writePng(target.resolve("accuracy_vs_compression.png"), 900, 540);

        root.out().print(md);
        root.out().println("report: " + runs.size() + " runs -> " + target.resolve("report.md") + ", report.csv, lambda.png,"
                + " loss.png, accuracy_vs_compression.png");
        return 0;
    }
}
