package org.pclora.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.experiments.cli.CliRun;

class ValidationSelectionTest {
    private static void run(Path root, String name, String schedule, String lr, long seed, double val, double test)
            throws Exception {
        RunFixtures.write(root.resolve("runs").resolve(name), RunFixtures.spec().with(s -> {
            s.schedule = schedule;
            s.seed = seed;
            s.valAccuracy = val;
            s.compressedAcc = test;
            s.extraConfig = "optimizer.lr = " + lr;
        }));
    }

    @Test
    void keepsTheBestValidationConfigurationEvenWhenAnotherTestsHigher(@TempDir Path root) throws Exception {
        // linear: lr 0.001 is better on validation (71 % mean) but worse on test (61 %) than lr 0.01 (66 %, 81 %)
        run(root, "a", "linear", "0.001", 1, 0.70, 0.60);
        run(root, "b", "linear", "0.001", 2, 0.72, 0.62);
        run(root, "c", "linear", "0.01", 1, 0.65, 0.80);
        run(root, "d", "linear", "0.01", 2, 0.67, 0.82);
        // sine: lr 0.01 wins on validation
        run(root, "e", "sine", "0.001", 1, 0.50, 0.70);
        run(root, "f", "sine", "0.01", 1, 0.60, 0.55);
        var r = CliRun.of(root, "report", "runs", "--out=out", "--select-by=val_accuracy", "--over=optimizer.lr");
        assertEquals(0, r.status(), r.err());
        String md = Files.readString(root.resolve("out/selection.md"));
        // mean ± sample std of 60 and 62 %: 61.00 ± 1.41 %
        assertTrue(md.contains("| schedule.name=linear | optimizer.lr=0.001 | 2 | 71.00 ± 1.41 % | 61.00 ± 1.41 % |"),
                md);
        assertTrue(md.contains("| schedule.name=sine | optimizer.lr=0.01 | 1 | 60.00 % | 55.00 % |"), md);
        assertTrue(md.contains("selected on validation among 2 configurations"), md);
        assertTrue(r.out().contains("selected on validation among 2 configurations"), r.out());
        assertTrue(Files.isRegularFile(root.resolve("out/val.png")));
        assertEquals(3, Files.readAllLines(root.resolve("out/selection.csv")).size());
    }

    @Test
    void badSelectionArgumentsAreOneLineErrors(@TempDir Path root) throws Exception {
        run(root, "a", "linear", "0.001", 1, 0.70, 0.60);
        run(root, "b", "linear", "0.01", 1, 0.65, 0.80);
        var noVary = CliRun.of(root, "report", "runs", "--select-by=val_accuracy", "--over=pclora.rank");
        assertEquals(2, noVary.status());
        assertTrue(noVary.err().contains("--over=pclora.rank names a key no run varies"), noVary.err());
        assertEquals(1, noVary.err().strip().lines().count(), noVary.err());
        var best = CliRun.of(root, "report", "runs", "--select-by=best", "--over=optimizer.lr");
        assertEquals(2, best.status());
        assertTrue(best.err().contains("--select-by=best is not accepted: use --select-by=val_accuracy"), best.err());
        RunFixtures.write(root.resolve("runs/c"), RunFixtures.spec().with(s -> s.extraConfig = "optimizer.lr = 0.1"));
        var noVal = CliRun.of(root, "report", "runs", "--select-by=val_accuracy", "--over=optimizer.lr");
        assertEquals(2, noVal.status());
        assertTrue(noVal.err().contains("has no validation accuracy"), noVal.err());
    }
}
