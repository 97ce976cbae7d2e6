package org.pclora.experiments.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.pclora.core.PcLoraException;
import org.pclora.experiments.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pclora report <dir>...}: collects every complete run below the given directories and
 * writes the report built by {@link Report}: {@code report.md}, {@code report.html},
 * {@code report.csv} (runs that differ only by seed grouped), {@code runs.csv} (one row per run)
 * and the plots (accuracy versus compression, lambda per schedule, loss curves).
 */
@Command(name = "report", description = "Tabulate and plot runs: report.md, report.html, report.csv (seeds grouped),"
        + " runs.csv, accuracy_vs_compression.png, lambda.png, loss.png.")
public final class ReportCommand implements Callable<Integer> {
    @ParentCommand
    PcLoraCli root;

    @Parameters(paramLabel = "<dir>", arity = "1..*", description = "Run directories or folders holding runs.")
    List<Path> dirs;

    @Option(names = "--out", paramLabel = "<dir>", description = "Where to write the report (default: the first <dir>).")
    Path out;

    @Option(names = "--select-by", paramLabel = "<criterion>", description = "Select on validation: val_accuracy"
            + " (with --over); writes selection.md and selection.csv.")
    String selectBy;

    @Option(names = "--over", paramLabel = "<keys>", split = ",", description = "Configuration keys to select over"
            + " (e.g. optimizer.lr,loss.alpha): runs that differ only in these and the seed compete.")
    List<String> over;

    @Option(names = "--budget", description = "Also write gap_vs_budget.png and budget.md: each row's test accuracy"
            + " against the student's steps (mean ± std over seeds), the teacher as a line.")
    boolean budget;

    @Override
    public Integer call() throws IOException {
        if (selectBy != null && !selectBy.equals(org.pclora.experiments.report.ValidationSelection.CRITERION)) {
            throw new PcLoraException("report: --select-by=" + selectBy + " is not accepted: use --select-by="
                    + org.pclora.experiments.report.ValidationSelection.CRITERION);
        }
        if (selectBy != null && (over == null || over.isEmpty())) {
            throw new PcLoraException("report: --select-by needs --over=<keys> (e.g. --over=optimizer.lr,loss.alpha)");
        }
        if (selectBy == null && over != null) {
            throw new PcLoraException("report: --over needs --select-by=val_accuracy");
        }
        if (out != null && Files.exists(root.workingDir().resolve(out)) && !Files.isDirectory(root.workingDir().resolve(out))) {
            throw new PcLoraException("report: --out " + out + " is a file, not a directory: give a directory"
                    + " (it is created when missing) for the report files");
        }
        Report report = Report.of(dirs, root.workingDir(), name -> root.registry().schedule(name));
        Path target = out != null ? root.workingDir().resolve(out) : root.workingDir().resolve(dirs.get(0));
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new PcLoraException("report: cannot create the output directory " + target + " (" + e
                    + "): give a writable directory with --out");
        }
        org.pclora.experiments.report.ValidationSelection selection = selectBy == null ? null
                : org.pclora.experiments.report.ValidationSelection.of(report.groups(), over);
        org.pclora.experiments.report.BudgetPlot budgetPlot = budget
                ? org.pclora.experiments.report.BudgetPlot.of(report.runs()) : null;
        report.writeTo(target);
        if (budgetPlot != null) {
            org.pclora.experiments.plots.ChartFiles.write(target.resolve("gap_vs_budget.png"),
                    org.pclora.experiments.plots.ChartFiles.png(budgetPlot.chart(), 1000, 600));
            org.pclora.core.io.AtomicFiles.writeString(target.resolve("budget.md"), budgetPlot.markdown());
            root.out().println();
            root.out().print(budgetPlot.markdown());
        }
        root.out().print(report.grouped().markdown());
        if (selection != null) {
            org.pclora.core.io.AtomicFiles.writeString(target.resolve("selection.md"), "# Selected on validation\n\n"
                    + selection.markdown());
            org.pclora.core.io.AtomicFiles.writeString(target.resolve("selection.csv"), selection.csv());
            root.out().println();
            root.out().print(selection.markdown());
        }
        if (!report.paperMarkdown().isEmpty()) {
            root.out().println();
            root.out().print(report.paperMarkdown());
        }
        report.notes().forEach(n -> root.err().println("report: " + n));
        root.out().println("report: " + report.counts() + " -> "
                + target.resolve(Report.FILES.get(0)) + ", " + String.join(", ", Report.FILES.subList(1, Report.FILES.size())));
        return 0;
    }
}
