package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pclora run --cfg job}: the composed configuration, printed; nothing run, nothing written. */
class RunCfgJobTest {
    private static final Path CONF = Path.of("..", "conf").toAbsolutePath().normalize();

    private static CliRun run(Path wd, String... extra) {
        List<String> a = new ArrayList<>(List.of("run", "--config-dir=" + CONF, "output.root=" + wd.resolve("outputs")));
        a.addAll(List.of(extra));
        return CliRun.of(Map.of("PCLORA_CACHE", wd.resolve("cache").toString()), wd, a.toArray(String[]::new));
    }

    @Test
    void printsTheComposedConfigurationAndWritesNothing(@TempDir Path wd) {
        CliRun r = run(wd, "--cfg", "job", "schedule=cosine", "pclora.rank=16");
        assertEquals(0, r.status(), r.err());
        Config c = ConfigFactory.parseString(r.out());
        assertEquals(16, c.getInt("pclora.rank"));
        assertEquals("cosine", c.getString("schedule.name"));
        assertEquals("mini-vit-fmnist", c.getString("name"));
        assertEquals(wd.resolve("outputs").toString(), c.getString("output.root"));
        assertTrue(r.out().startsWith("# output.root=" + wd.resolve("outputs") + " schedule=cosine pclora.rank=16\n"), r.out());
        assertFalse(Files.exists(wd.resolve("outputs")), "nothing written");
        assertFalse(Files.exists(wd.resolve("cache")), "nothing written");
    }

    @Test
    void withMultirunEachPointIsPrinted(@TempDir Path wd) {
        CliRun r = run(wd, "-m", "--cfg", "job", "pclora.rank=4,8", "schedule=linear,sine");
        assertEquals(0, r.status(), r.err());
        String[] points = r.out().split("(?m)^# point \\d+: ");
        assertEquals(5, points.length, r.out()); // "" before the first header, then 4 points
        List<String> seen = new ArrayList<>();
        for (int i = 1; i < points.length; i++) {
            String header = points[i].substring(0, points[i].indexOf('\n'));
            Config c = ConfigFactory.parseString(points[i].substring(points[i].indexOf('\n') + 1));
            assertTrue(header.contains("pclora.rank=" + c.getInt("pclora.rank")) && header.contains("schedule=" + c.getString("schedule.name")),
                    header);
            seen.add(c.getInt("pclora.rank") + "/" + c.getString("schedule.name"));
        }
        assertEquals(List.of("4/linear", "4/sine", "8/linear", "8/sine"), seen.stream().sorted().toList());
        assertFalse(Files.exists(wd.resolve("outputs")), "nothing written");
    }

    @Test
    void aBadOverrideIsStillOneLineAndOnlyJobIsAccepted(@TempDir Path wd) {
        CliRun r = run(wd, "--cfg", "job", "pclora.rnak=16");
        assertEquals(2, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        CliRun all = run(wd, "--cfg", "all");
        assertEquals(2, all.status());
        assertEquals("--cfg all is not accepted: give --cfg job (the composed configuration of the run, or of each point"
                + " with -m)\n", all.err());
    }
}
