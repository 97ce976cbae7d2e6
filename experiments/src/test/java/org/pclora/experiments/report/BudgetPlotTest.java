package org.pclora.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.experiments.cli.CliRun;

class BudgetPlotTest {
    private static void run(Path root, String name, String row, long steps, long seed, double acc) throws Exception {
        RunFixtures.write(root.resolve("runs").resolve(name), RunFixtures.spec().with(s -> {
            s.seed = seed;
            s.totalSteps = steps;
            s.compressedAcc = acc;
            s.teacherAcc = 0.70;
            s.schedule = row.equals("lora-kd") ? "constant" : "sine";
            s.extraConfig = "row = \"" + row + "\"\nstudent.train_limit = " + steps;
        }));
    }

    @Test
    void tabulatesAndPlotsEachRowAgainstTheStudentsSteps(@TempDir Path root) throws Exception {
        run(root, "a", "pclora", 10, 1, 0.40);
        run(root, "b", "pclora", 10, 2, 0.44);
        run(root, "c", "lora-kd", 10, 1, 0.60);
        run(root, "d", "pclora", 40, 1, 0.55);
        run(root, "e", "lora-kd", 40, 1, 0.65);
        var r = CliRun.of(root, "report", "runs", "--out=out", "--budget");
        assertEquals(0, r.status(), r.err());
        String md = Files.readString(root.resolve("out/budget.md"));
        // pclora at 10 steps: mean 42 %, sample std of 40 and 44 = 2.83; 18 points below lora-kd's 60 %, 28 below 70 %
        assertTrue(md.contains("| pclora | 10 | 2 | 1, 2 | 42.00 ± 2.83 % | -18.00 | -28.00 |"), md);
        assertTrue(md.contains("| pclora | 40 | 1 | 1 | 55.00 % | -10.00 | -15.00 |"), md);
        assertTrue(md.contains("| lora-kd | 40 | 1 | 1 | 65.00 % | +0.00 | -5.00 |"), md);
        byte[] png = Files.readAllBytes(root.resolve("out/gap_vs_budget.png"));
        assertTrue(png.length > 1000 && png[1] == 'P');
    }

    @Test
    void theAccuracyAxisReachesTheTeachersLineAboveEveryStudent() {
        var points = java.util.List.of(
                new BudgetPlot.Point("pclora", 10, Stats.of(0.40, 0.44), java.util.List.of("1", "2")),
                new BudgetPlot.Point("lora-kd", 10, Stats.of(0.60), java.util.List.of("1")));
        var axis = new BudgetPlot(points, Stats.of(0.81)).chart().getXYPlot().getRangeAxis();
        // students span 42 - 2.83 .. 60 %, the teacher 81 %: pad = max(0.5, 5 % of 81 - 39.17) = 2.09
        assertEquals(81 + 0.05 * (81 - (42 - 2.8284271)), axis.getUpperBound(), 1e-6);
        assertEquals(42 - 2.8284271 - 0.05 * (81 - (42 - 2.8284271)), axis.getLowerBound(), 1e-6);
    }
}
