package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pclora plugins} lists the built-in plugins with kind, name, origin and description. */
class PluginsCommandTest {
    @TempDir
    Path dir;

    private static String row(List<String> lines, String kind, String name) {
        return lines.stream().filter(l -> l.matches(kind + "\\s+" + name + "\\s.*")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + kind + " " + name + " in\n" + String.join("\n", lines)));
    }

    @Test
    void listsBuiltInSchedulesAndLossesWithTheirModule() {
        CliRun r = CliRun.of(dir, "plugins");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).matches("KIND\\s+NAME\\s+VERSION\\s+ORIGIN\\s+DESCRIPTION"), lines.get(0));
        for (String s : List.of("constant", "cosine", "exponential", "linear", "polynomial", "sine", "step", "zero")) {
            // from source the origin is the module's build directory, from a packaged build its jar
            assertTrue(row(lines, "schedule", s).matches(".*\\s(module schedulers|module jar pclora-schedulers[^ ]*\\.jar)\\s.*"),
                    row(lines, "schedule", s));
        }
        for (String d : List.of("attention-mse", "cosine", "feature-mse", "layer-mse", "logit-kl", "none")) {
            assertTrue(row(lines, "distill", d).matches(".*\\s(module distill|module jar pclora-distill[^ ]*\\.jar)\\s.*"),
                    row(lines, "distill", d));
        }
        assertTrue(row(lines, "schedule", "sine").endsWith("lambda = 1 - sin(pi t / 2)"));
        assertEquals("no plugin jars searched: $PCLORA_PLUGINS and $PCLORA_HOME are unset", lines.get(lines.size() - 1));
    }
}
