package org.pclora.experiments.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.pclora.core.accounting.Accounting;

/**
 * The paper's headline compression figures (Park et al. 2024, as recorded in docs/paper-notes.md)
 * and the rows of a report they correspond to. Each figure carries its counting rule; a figure of
 * ours is called comparable with the paper's only where both are counted under the same rule,
 * and otherwise the two are shown apart, each with its rule, and no difference is computed.
 */
public final class PaperFigures {

    /**
     * One of the paper's models with its figures.
     *
     * @param name          the paper's name for the model
     * @param task          the paper's fine-tuning task
     * @param modelLabels   summary.json {@code model} values that are this model
     * @param paramPct      parameter compression, percent
     * @param paramRule     what the parameter figure counts
     * @param flopPct       FLOPs compression, percent
     * @param flopRule      what the FLOPs figure counts
     * @param tokens        tokens per example the FLOPs figure is counted at
     */
    public record Model(String name, String task, List<String> modelLabels, double paramPct, String paramRule,
                        double flopPct, String flopRule, int tokens) {
    }

    /** The paper's rank on every block linear, as reconstructed in the notes (the paper does not state it here). */
    public static final int PAPER_RANK = 32;

    /** What the notes say about the paper's parameter figures. */
    public static final String PAPER_PARAM_RULE = "not stated by the paper (which tensors, and which task head, are"
            + " counted is unknown; the notes find no one rule and rank that gives both its ViT and BERT figures)";

    /** ViT-B/16 on CIFAR-10 and BERT-base on IMDb. */
    public static final List<Model> MODELS = List.of(
            new Model("ViT-B/16", "CIFAR-10", List.of("vit-b16"), 94.36, PAPER_PARAM_RULE, 89.1,
                    "FLOPs of the whole model per example at 224x224 (197 tokens); the notes reproduce about 89 %"
                            + " by hand with rank-32 adapters on every block linear", 197),
            new Model("BERT-base", "IMDb", List.of("bert-base", "bert-base-uncased"), 93.42, PAPER_PARAM_RULE, 84.2,
                    "FLOPs of the whole model per example at sequence length 512; the notes reproduce about 84 %"
                            + " by hand with rank-32 adapters on every block linear", 512));

    private PaperFigures() {
    }

    /** The paper's model a group's runs are (same architecture, compressed with lambda at 0), if any. */
    public static Optional<Model> correspondingModel(RunGroup g) {
        RunRecord r = g.first();
        if (!Boolean.TRUE.equals(r.field("compressed_form"))) {
            return Optional.empty(); // a baseline that kept the frozen path compresses nothing: no paper figure applies
        }
        String label = r.text("model");
        return MODELS.stream().filter(m -> m.modelLabels().contains(label)).findFirst();
    }

    /**
     * One line of the comparison: a figure of ours and the paper's, each with its rule.
     *
     * @param row        which of our rows (model, schedule, rank, head)
     * @param figure     what is compared
     * @param ours       our figure as printed
     * @param ourRule    what our figure counts
     * @param paper      the paper's figure as printed ("" when the paper gives none)
     * @param paperRule  what the paper's figure counts
     * @param comparable yes, or no with the reason
     */
    public record Line(String row, String figure, String ours, String ourRule, String paper, String paperRule,
                       String comparable) {
    }

    /** The comparison lines for every group that has a corresponding paper model. */
    public static List<Line> lines(List<RunGroup> groups) {
        List<Line> out = new ArrayList<>();
        for (RunGroup g : groups) {
            Optional<Model> m = correspondingModel(g);
            if (m.isEmpty()) {
                continue;
            }
            Model p = m.get();
            RunRecord r = g.first();
            String rule = r.text("compression.counting_rule");
            boolean knownRule = rule.equals(Accounting.countingRule());
            long tokens = Math.round(r.number("compression.tokens"));
            String head = ReportTable.head(r);
            String tableRow = r.configText("row");
            String row = (tableRow.isEmpty() ? "" : tableRow + ": ") + String.format(Locale.ROOT,
                    "%s, %s, rank %s, %s head (n=%d)", r.text("model"), r.text("schedule"),
                    r.text("rank"), head.isEmpty() ? "unknown" : head, g.n());
            String ours = "this run's counting rule (see Counting rules)" + (knownRule ? "" : ", a rule this version does not know");
            String rankNote = r.text("rank").equals(String.valueOf(PAPER_RANK)) ? ""
                    : "; and the ranks differ (ours " + r.text("rank") + ", the notes' reconstruction " + PAPER_RANK + ")";
            out.add(new Line(row, "parameter compression, whole model",
                    pct(g.stats("compression.parameters")), "every tensor, " + head + " head; " + ours,
                    pct(p.paramPct()), p.paramRule(),
                    "unknown: the paper does not state what its parameter figure counts" + rankNote));
            out.add(new Line(row, "parameter compression, adapted layers only",
                    pct(g.stats("compression.adapted_parameters")), "adapted linear layers only; " + ours,
                    pct(p.paramPct()), p.paramRule(),
                    "unknown: the paper does not state what its parameter figure counts" + rankNote));
            String macSame;
            if (!knownRule) {
                macSame = "no: our figure was counted under a rule this version does not know";
            } else if (tokens != p.tokens()) {
                macSame = "no: ours at " + tokens + " tokens per example, the paper's at " + p.tokens() + rankNote;
            } else {
                macSame = "yes, as far as the notes' reconstruction of the paper's rule goes (whole model, " + p.tokens()
                        + " tokens)" + rankNote;
            }
            out.add(new Line(row, "MAC (FLOPs) compression, whole model", pct(g.stats("compression.macs")),
                    "multiply-adds per example at " + tokens + " tokens; " + ours, pct(p.flopPct()), p.flopRule(), macSame));
            out.add(new Line(row, "accuracy change vs teacher (pts)", signedPts(g.stats("delta")),
                    "compressed student minus teacher, test set, mean ± std over seeds", "",
                    "the paper notes available here give no accuracy figures", "no paper figure"));
        }
        return out;
    }

    private static String pct(Stats s) {
        return s.n() == 0 ? "" : String.format(Locale.ROOT, "%.2f %%", 100 * s.mean());
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f %%", v);
    }

    private static String signedPts(Stats s) {
        Stats p = s.times(100);
        if (p.n() == 0) {
            return "";
        }
        return String.format(Locale.ROOT, "%+.2f", p.mean()) + (p.n() > 1 ? String.format(Locale.ROOT, " ± %.2f", p.std()) : "");
    }

    /** The comparison as Markdown (empty when no row corresponds). */
    public static String markdown(List<Line> lines) {
        if (lines.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("| our row | figure | ours | our rule | paper | paper's rule | same rule? |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        for (Line l : lines) {
            List<String> cells = List.of(l.row(), l.figure(), l.ours(), l.ourRule(),
                    l.paper().isEmpty() ? "—" : l.paper(), l.paperRule(), l.comparable());
            sb.append("| ").append(String.join(" | ", cells.stream().map(c -> c.replace("|", "\\|")).toList()))
                    .append(" |\n");
        }
        return sb.toString();
    }

    /** The comparison as an HTML table (empty when no row corresponds). */
    public static String html(List<Line> lines) {
        if (lines.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("<table>\n<thead><tr><th>our row</th><th>figure</th><th>ours</th>"
                + "<th>our rule</th><th>paper</th><th>paper's rule</th><th>same rule?</th></tr></thead>\n<tbody>\n");
        for (Line l : lines) {
            sb.append("<tr>");
            for (String c : List.of(l.row(), l.figure(), l.ours(), l.ourRule(), l.paper().isEmpty() ? "—" : l.paper(),
                    l.paperRule(), l.comparable())) {
                sb.append("<td>").append(Html.escape(c)).append("</td>");
            }
            sb.append("</tr>\n");
        }
        return sb.append("</tbody>\n</table>\n").toString();
    }
}
