package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Size arguments of {@code bench} that are not whole numbers are one-line user errors, before any model is built. */
class BenchArgumentsTest {
    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();

    @Test
    void aNonNumericImageSizeOrLengthIsOneLineNamingTheArgument() {
        String[][] cases = {
            {"bench", "train", "model=vit-mini", "batch=2", "image_size=abc"},
            {"bench", "train", "model=bert-mini", "batch=2", "max_length=0"},
            {"bench", "train", "model=bert-mini", "batch=2", "tokens=1.5"},
        };
        String[] named = {"image_size=abc", "max_length=0", "max_length=1.5"};
        for (int i = 0; i < cases.length; i++) {
            CliRun r = CliRun.of(HOME, cases[i]);
            assertEquals(PcLoraCli.USER_ERROR, r.status(), r.err());
            String err = r.err().strip();
            assertFalse(err.contains("\n"), err);
            assertFalse(err.contains("internal error"), err);
            assertTrue(err.contains(named[i]) && err.contains("integer >= 1"), err);
        }
    }
}
