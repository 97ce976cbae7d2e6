package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;
import org.pclora.experiments.run.Settings;

/**
 * Configuration values that used to be silently changed or ignored (issue 16): each is refused
 * with one line and exit status 2 before anything is written.
 */
class RunConfigErrorsTest {
    private static final Path CONF = Path.of("..", "conf").toAbsolutePath().normalize();

    private static CliRun run(Path wd, String... extra) {
        List<String> a = new ArrayList<>(List.of("run", "--config-dir=" + CONF, "output.root=" + wd.resolve("outputs")));
        a.addAll(List.of(extra));
        return CliRun.of(wd, a.toArray(String[]::new));
    }

    private static void assertRefused(CliRun r, Path wd, String expected) {
        assertEquals(2, r.status(), r.err());
        assertEquals(expected + "\n", r.err());
        assertFalse(Files.exists(wd.resolve("outputs")), "nothing written");
    }

    @Test
    void aTrainingSettingOutOfRangeNamesItsKey(@TempDir Path wd) {
        assertRefused(run(wd, "student.epochs=0"), wd, "student.epochs = 0 is not accepted: epochs must be at least 1");
        assertRefused(run(wd, "teacher.batch_size=0"), wd,
                "teacher.batch_size = 0 is not accepted: batch size must be at least 1");
        assertRefused(run(wd, "optimizer.teacher_lr=0"), wd,
                "optimizer.teacher_lr = 0.0 is not accepted: the learning rate must be > 0");
        assertRefused(run(wd, "train.keep_checkpoints=0"), wd, "train.keep_checkpoints = 0 is not accepted: keep at least 1"
                + " checkpoint per phase (2, the default, survives one damaged file)");
    }

    @Test
    void aFractionalSeedIsRefusedNotTruncated(@TempDir Path wd) {
        assertRefused(run(wd, "seed=1.5"), wd, "configuration key seed = 1.5 is not an integer: give a whole number such as 1");
        assertRefused(run(wd, "-m", "seed=1,2.5"), wd,
                "configuration key seed = 2.5 is not an integer: give a whole number such as 2");
        // other integer settings alike, and whole numbers written as 2.0 still count as integers
        assertRefused(run(wd, "student.epochs=2.5"), wd,
                "configuration key student.epochs = 2.5 is not an integer: give a whole number such as 2");
        assertEquals(2, Settings.integer(ConfigFactory.parseString("k = 2.0"), "k"));
        assertEquals(-7L, Settings.longInteger(ConfigFactory.parseString("k = -7"), "k"));
        assertThrows(PcLoraException.class, () -> Settings.integer(ConfigFactory.parseString("k = 3000000000"), "k"));
    }

    @Test
    void anAddedKeyThatNothingReadsIsRefusedNamingTheNearestRealKey(@TempDir Path wd) {
        assertRefused(run(wd, "+pclora.rnak=4"), wd, "override '+pclora.rnak=4' adds key pclora.rnak, which nothing reads:"
                + " nearest real keys are pclora.rank, pclora.bias, pclora.init");
        CliRun r = run(wd, "+model.dpth=2");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().startsWith("override '+model.dpth=2' adds key model.dpth, which model family 'vit' ("), r.err());
        assertTrue(r.err().contains("(nearest: model.depth)"), r.err());
    }

    @Test
    void zeroWorkersIsRefused(@TempDir Path wd) {
        String msg = "train.workers = 0 is out of range: the number of parallel runs of a multirun must be at least 1";
        assertRefused(run(wd, "-m", "train.workers=0", "seed=1,2"), wd, msg);
        assertRefused(run(wd, "train.workers=0"), wd, msg);
        assertRefused(run(wd, "train.workers=-3"), wd, msg.replace("= 0", "= -3"));
    }
}
