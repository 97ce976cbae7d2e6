package org.pclora.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.registry.PluginRegistry;

class ReportTest {
    private static final PluginRegistry REGISTRY = PluginRegistry.load();

    private static Report report(Path root) {
        return Report.of(List.of(root), root, REGISTRY::schedule);
    }

    @Test
    void runsThatDifferOnlyBySeedShareOneRowWithMeanSampleStdAndN(@TempDir Path root) throws Exception {
        // three seeds of one setting: compressed accuracy 50 %, 52 %, 57 % (teacher 60 % each)
        double[] acc = {0.50, 0.52, 0.57};
        for (int i = 0; i < 3; i++) {
            int k = i;
            RunFixtures.write(root.resolve("seed" + (i + 1)), RunFixtures.spec().with(s -> {
                s.seed = k + 1;
                s.compressedAcc = acc[k];
            }));
        }
        // another rank, and the same rank with another learning rate: two more rows
        RunFixtures.write(root.resolve("rank8"), RunFixtures.spec().with(s -> s.rank = 8));
        RunFixtures.write(root.resolve("lr"), RunFixtures.spec().with(s -> s.extraConfig = "optimizer.lr = 0.002"));
        Report r = report(root);
        assertEquals(5, r.runs().size());
        assertEquals(3, r.groups().size());
        r.writeTo(root);

        List<Map<String, String>> grouped = RunFixtures.records(Files.readString(root.resolve("report.csv")));
        assertEquals(3, grouped.size());
        Map<String, String> g = grouped.stream().filter(m -> m.get("n").equals("3")).findFirst().orElseThrow();
        assertEquals("4", g.get("rank"));
        assertEquals("1 2 3", g.get("seeds"));
        // mean 53, sample std sqrt(13) = 3.6056 (see StatsTest for the hand calculation)
        assertEquals(53.0, Double.parseDouble(g.get("compressed_acc_pct_mean")), 1e-9);
        assertEquals(Math.sqrt(13), Double.parseDouble(g.get("compressed_acc_pct_std")), 1e-9);
        // delta: 50-60, 52-60, 57-60 = -10, -8, -3: mean -7, same std
        assertEquals(-7.0, Double.parseDouble(g.get("delta_pts_mean")), 1e-9);
        assertEquals(Math.sqrt(13), Double.parseDouble(g.get("delta_pts_std")), 1e-9);
        assertEquals("", g.get("teacher_acc_pct_std").isEmpty() ? "" : String.valueOf(
                Double.parseDouble(g.get("teacher_acc_pct_std")) < 1e-9 ? "" : "nonzero"));
        // plain numbers: no thousands separators, no quotes around numbers
        assertEquals("44554", g.get("compressed_params"));
        assertEquals("884992", g.get("compressed_macs"));
        assertEquals("2", g.get("teacher_epochs"));
        assertEquals("3", g.get("student_epochs"));
        Map<String, String> lr = grouped.stream().filter(m -> m.get("other_settings").contains("optimizer.lr"))
                .findFirst().orElseThrow();
        assertEquals("optimizer.lr=0.002", lr.get("other_settings"));
        assertEquals("1", lr.get("n"));
        assertEquals("", lr.get("compressed_acc_pct_std"), "a single run has no sample std");

        // the per-run rows stay available
        List<Map<String, String>> runs = RunFixtures.records(Files.readString(root.resolve("runs.csv")));
        assertEquals(5, runs.size());
        assertTrue(runs.stream().allMatch(m -> m.get("n").equals("1")));

        String md = Files.readString(root.resolve("report.md"));
        assertTrue(md.contains("| 53.00 ± 3.61 |"), md);
        assertTrue(md.contains("| -7.00 ± 3.61 |"), md);
        assertTrue(md.contains("| 1, 2, 3 | 3 |"), md);
        assertTrue(md.contains("44,554"), md);
    }

    @Test
    void comparisonRowsAreNamedFirstAndTheirSeedsGrouped(@TempDir Path root) throws Exception {
        // two table rows (conf/row/) over two seeds each: pclora 40 % and 44 %, lora-kd 58 % and 60 %
        String[] rows = {"pclora", "lora-kd"};
        double[][] acc = {{0.40, 0.44}, {0.58, 0.60}};
        for (int r = 0; r < 2; r++) {
            for (int seed = 1; seed <= 2; seed++) {
                int rr = r;
                int ss = seed;
                RunFixtures.write(root.resolve(rows[r] + seed), RunFixtures.spec().with(s -> {
                    s.seed = ss;
                    s.compressedAcc = acc[rr][ss - 1];
                    s.extraConfig = "row = " + rows[rr];
                }));
            }
        }
        Report r = report(root);
        assertEquals(2, r.groups().size());
        r.writeTo(root);
        List<List<String>> csv = RunFixtures.csv(Files.readString(root.resolve("report.csv")));
        assertEquals("row", csv.get(0).get(0));
        List<Map<String, String>> grouped = RunFixtures.records(Files.readString(root.resolve("report.csv")));
        Map<String, String> pclora = grouped.stream().filter(m -> m.get("row").equals("pclora")).findFirst().orElseThrow();
        assertEquals(42.0, Double.parseDouble(pclora.get("compressed_acc_pct_mean")), 1e-9);
        // sample std of 40 and 44: sqrt(((-2)^2 + 2^2) / 1) = 2.828
        assertEquals(Math.sqrt(8), Double.parseDouble(pclora.get("compressed_acc_pct_std")), 1e-9);
        assertEquals("", pclora.get("other_settings"), "the row is its own column, not another setting");
        String md = Files.readString(root.resolve("report.md"));
        assertTrue(md.contains("| row |"), md);
        assertTrue(md.contains("| lora-kd |") && md.contains("| pclora |"), md);
    }

    @Test
    void csvCellsAreNumbersWhereTheHeaderSaysSo(@TempDir Path root) throws Exception {
        RunFixtures.write(root.resolve("a"), RunFixtures.spec().with(s -> {
            s.parameters = 1_234_567;
            s.teacherAcc = 0.558;
        }));
        RunFixtures.write(root.resolve("b"), RunFixtures.spec().with(s -> {
            s.seed = 7;
            s.teacherAcc = 0.558;
        }));
        report(root).writeTo(root);
        List<List<String>> rows = RunFixtures.csv(Files.readString(root.resolve("report.csv")));
        List<String> header = rows.get(0);
        for (String numeric : List.of("classes", "rank", "ratio_q", "loss_alpha", "teacher_epochs", "student_epochs", "n",
                "compressed_params", "compressed_macs", "param_compression_pct", "mac_compression_pct",
                "adapted_param_compression_pct", "tokens", "teacher_acc_pct_mean", "compressed_acc_pct_mean",
                "compressed_acc_pct_std", "delta_pts_mean", "wall_time_s_mean")) {
            int col = header.indexOf(numeric);
            assertTrue(col >= 0, numeric + " missing from " + header);
            for (List<String> row : rows.subList(1, rows.size())) {
                Double.parseDouble(row.get(col)); // throws on "1,234,567" or "12.3 %"
            }
        }
        // 1,234,567 and 44,554 average to 639,560.5 only if the two runs were grouped: they are (seed differs)
        assertEquals(2, rows.size());
        assertEquals("639560.5", rows.get(1).get(header.indexOf("compressed_params")));
        // 100 * 0.558 is 55.800000000000004 in binary floating point: printed as the 55.8 it stands for
        assertEquals("55.8", rows.get(1).get(header.indexOf("teacher_acc_pct_mean")));
        // the raw text never quotes a number
        for (String line : Files.readAllLines(root.resolve("report.csv"))) {
            assertFalse(line.matches(".*\"[0-9.,]+\".*"), line);
        }
    }

    @Test
    void differentCountingRulesNeverShareARow(@TempDir Path root) throws Exception {
        RunFixtures.write(root.resolve("a"), RunFixtures.spec());
        RunFixtures.write(root.resolve("b"), RunFixtures.spec().with(s -> {
            s.seed = 2;
            s.countingRule = "parameters: adapted layers only";
        }));
        Report r = report(root);
        assertEquals(2, r.groups().size());
        String md = r.markdown();
        assertTrue(md.contains("[1] " + org.pclora.core.accounting.Accounting.countingRule()), md);
        assertTrue(md.contains("[2] parameters: adapted layers only"), md);
    }

    @Test
    void htmlIsOnePageWithTheTablesAndThePlotsEmbedded(@TempDir Path root) throws Exception {
        RunFixtures.write(root.resolve("a"), RunFixtures.spec());
        RunFixtures.write(root.resolve("b"), RunFixtures.spec().with(s -> s.schedule = "sine"));
        report(root).writeTo(root);
        String html = Files.readString(root.resolve("report.html"));
        assertEquals(3, html.split("src=\"data:image/png;base64,", -1).length - 1);
        assertTrue(html.contains("<table>") && html.contains("</html>"));
        assertFalse(html.contains("src=\"accuracy"), "no file references: the page stands alone");
        for (String png : List.of("lambda.png", "loss.png", "accuracy_vs_compression.png")) {
            byte[] b = Files.readAllBytes(root.resolve(png));
            assertTrue(b.length > 1000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', png);
        }
    }

    @Test
    void summariesMissingFieldsStillTabulate(@TempDir Path root) throws Exception {
        Path a = RunFixtures.write(root.resolve("a"), RunFixtures.spec());
        Files.writeString(a.resolve("summary.json"), "{\"model\": \"old\", \"rank\": 4, \"schedule\": \"linear\"}");
        Files.delete(a.resolve("config.conf"));
        Report r = report(root);
        assertEquals(1, r.groups().size());
        assertTrue(r.grouped().markdown().contains("linear"));
    }

    @Test
    void commandWritesEveryFileAndSaysWhatItCouldNotDraw(@TempDir Path root) throws Exception {
        RunFixtures.write(root.resolve("runs/a"), RunFixtures.spec());
        RunFixtures.write(root.resolve("runs/b"), RunFixtures.spec().with(s -> s.schedule = "quadratic-out"));
        var run = org.pclora.experiments.cli.CliRun.of(root, "report", "runs", "--out=out");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("report: 2 runs in 2 settings -> "), run.out());
        for (String f : Report.FILES) {
            assertTrue(Files.isRegularFile(root.resolve("out").resolve(f)), f);
        }
        assertTrue(run.err().contains("schedule 'quadratic-out' of run") && run.err().contains("metrics log"), run.err());
        assertTrue(Files.readString(root.resolve("out/report.md")).contains("## Notes"));

        var missing = org.pclora.experiments.cli.CliRun.of(root, "report", "nowhere");
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("report: nowhere is not a directory"), missing.err());
    }
}
