package org.pclora.experiments.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.experiments.cli.CliRun;

/**
 * The promise of issue 3: a schedule written outside this repository, compiled against core only
 * and dropped as a jar into a plugins directory, is found and used by name.
 */
class ExternalSchedulePluginTest {
    private static final String PKG = "com.example.lambdas";
    private static final String CLS = "QuadraticOutSchedule";
    /** lambda = 1 - (n/4)^2 for n = 0..4 with steps=4 ratio=1: 1, 15/16, 3/4, 7/16, 0. */
    private static final String EXPECTED_CSV = "step,lambda\n0,1.0\n1,0.9375\n2,0.75\n3,0.4375\n4,0.0\n";

    @TempDir
    Path tmp;

    private Path buildQuadraticJar(Path pluginsDir) throws IOException {
        return PluginJarBuilder.build(tmp.resolve("build"), pluginsDir.resolve("quadratic-out-plugin.jar"),
                Map.of(PKG + "." + CLS, PluginJarBuilder.quadraticSchedule(PKG, CLS, "quadratic-out")),
                DecaySchedule.class, List.of(PKG + "." + CLS));
    }

    @Test
    void registryFindsTheJarPluginByNameAndReportsItsOrigin() throws IOException {
        Path pluginsDir = tmp.resolve("plugins");
        buildQuadraticJar(pluginsDir);
        PluginRegistry registry = PluginLoader.registry(pluginsDir);
        assertTrue(registry.names(PluginRegistry.Kind.SCHEDULE).containsAll(List.of("quadratic-out", "linear", "sine")),
                registry.names(PluginRegistry.Kind.SCHEDULE).toString());
        PluginRegistry.Entry entry = registry.entries(PluginRegistry.Kind.SCHEDULE).stream()
                .filter(e -> e.plugin().name().equals("quadratic-out")).findFirst().orElseThrow();
        assertEquals("quadratic-out-plugin.jar", entry.origin());
        assertEquals(PKG + "." + CLS, entry.plugin().getClass().getName());
        assertNotSame(getClass().getClassLoader(), entry.plugin().getClass().getClassLoader(),
                "the class comes from the plugin jar, not the test class path");
        assertEquals("1.2.3", entry.plugin().version(), "version from the jar manifest");
        assertEquals("plugin jar quadratic-out-plugin.jar", Origins.describe(entry.plugin().getClass()));
        DecaySchedule s = registry.schedule("quadratic-out").withDefaults();
        assertEquals(0.75, s.lambda(50, 100), 0.0); // 1 - 0.5^2
    }

    @Test
    void scheduleCommandUsesTheJarPluginFromEachKindOfPluginsDirectory() throws IOException {
        Path pluginsDir = tmp.resolve("plugins");
        buildQuadraticJar(pluginsDir);
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));

        // --plugins=<dir>
        CliRun byOption = CliRun.of(Map.of(), elsewhere, "--plugins=" + pluginsDir,
                "schedule", "name=quadratic-out", "steps=4", "ratio=1");
        assertEquals(0, byOption.status(), byOption.err());
        assertEquals(EXPECTED_CSV, byOption.out());

        // PCLORA_PLUGINS, relative to the working directory
        CliRun byEnv = CliRun.of(Map.of(PluginLoader.ENV, "../plugins"), elsewhere,
                "schedule", "name=quadratic-out", "steps=4", "ratio=1");
        assertEquals(EXPECTED_CSV, byEnv.out(), byEnv.err());

        // the installation's plugins/ ($PCLORA_HOME/plugins), from any working directory
        CliRun byHome = CliRun.of(Map.of(PluginLoader.HOME_ENV, tmp.toString()), elsewhere,
                "schedule", "name=quadratic-out", "steps=4", "ratio=1");
        assertEquals(EXPECTED_CSV, byHome.out(), byHome.err());

        // plugins/ under the working directory is not searched by itself
        CliRun byWorkingDir = CliRun.of(Map.of(), tmp, "schedule", "name=quadratic-out", "steps=4");
        assertEquals(2, byWorkingDir.status());
        assertTrue(byWorkingDir.err().startsWith("unknown schedule 'quadratic-out': available are "), byWorkingDir.err());
        assertTrue(byWorkingDir.err().endsWith("(no plugin jars searched: $PCLORA_PLUGINS and $PCLORA_HOME are unset)\n"),
                byWorkingDir.err());
    }

    @Test
    void pluginsCommandListsTheJarPlugin() throws IOException {
        Path pluginsDir = tmp.resolve("plugins");
        buildQuadraticJar(pluginsDir);
        CliRun r = CliRun.of(Map.of(PluginLoader.HOME_ENV, tmp.toString()), tmp, "plugins");
        assertEquals(0, r.status(), r.err());
        String line = r.out().lines().filter(l -> l.contains("quadratic-out")).findFirst().orElseThrow();
        assertTrue(line.matches("schedule\\s+quadratic-out\\s+1\\.2\\.3\\s+plugin jar quadratic-out-plugin\\.jar\\s+"
                + "lambda = 1 - t\\^2 \\(external plugin\\)"), line);
    }

    @Test
    void twoPluginsWithTheSameNameAreAnError() throws IOException {
        Path pluginsDir = tmp.resolve("plugins");
        PluginJarBuilder.build(tmp.resolve("a"), pluginsDir.resolve("a.jar"),
                Map.of("com.example.a.Twin", PluginJarBuilder.quadraticSchedule("com.example.a", "Twin", "twin")),
                DecaySchedule.class, List.of("com.example.a.Twin"));
        PluginJarBuilder.build(tmp.resolve("b"), pluginsDir.resolve("b.jar"),
                Map.of("com.example.b.Twin", PluginJarBuilder.quadraticSchedule("com.example.b", "Twin", "twin")),
                DecaySchedule.class, List.of("com.example.b.Twin"));
        PcLoraException e = assertThrows(PcLoraException.class, () -> PluginLoader.registry(pluginsDir));
        assertEquals("duplicate schedule plugin name 'twin': com.example.a.Twin (a.jar) and com.example.b.Twin (b.jar); "
                + "names must be unique within a kind", e.getMessage());

        CliRun r = CliRun.of(Map.of(PluginLoader.ENV, pluginsDir.toString()), tmp, "schedule", "name=twin", "steps=4");
        assertEquals(2, r.status());
        assertEquals(e.getMessage() + "\n", r.err());
    }

    @Test
    void aPluginCannotShadowABuiltInSchedule() throws IOException {
        Path pluginsDir = tmp.resolve("plugins");
        PluginJarBuilder.build(tmp.resolve("c"), pluginsDir.resolve("c.jar"),
                Map.of("com.example.c.MyLinear", PluginJarBuilder.quadraticSchedule("com.example.c", "MyLinear", "linear")),
                DecaySchedule.class, List.of("com.example.c.MyLinear"));
        PcLoraException e = assertThrows(PcLoraException.class, () -> PluginLoader.registry(pluginsDir));
        assertTrue(e.getMessage().startsWith("duplicate schedule plugin name 'linear': org.pclora.schedulers.LinearSchedule ("),
                e.getMessage());
        assertTrue(e.getMessage().contains("com.example.c.MyLinear (c.jar)"), e.getMessage());
    }

    /**
     * A jar holding two schedules, one whose constructor throws: the other one and every built-in
     * plugin keep working; {@code plugins} lists the broken one with its reason; a command that does
     * not select it runs with one warning line; selecting it fails in one line, exit 2.
     */
    private Path buildJarWithABrokenSchedule(Path pluginsDir) throws IOException {
        String broken = PluginJarBuilder.quadraticSchedule("com.example.d", "Broken", "broken")
                .replace("public final class Broken implements DecaySchedule {",
                        "public final class Broken implements DecaySchedule {\n"
                        + "    public Broken() { throw new IllegalStateException(\"no licence file\"); }");
        return PluginJarBuilder.build(tmp.resolve("d"), pluginsDir.resolve("broken.jar"),
                Map.of("com.example.d.Broken", broken,
                        "com.example.d.Fine", PluginJarBuilder.quadraticSchedule("com.example.d", "Fine", "fine")),
                DecaySchedule.class, List.of("com.example.d.Broken", "com.example.d.Fine"));
    }

    @Test
    void aPluginThatCannotBeCreatedIsListedAsBrokenAndTheOthersLoad() throws IOException {
        Path pluginsDir = tmp.resolve("plugins");
        buildJarWithABrokenSchedule(pluginsDir);
        PluginRegistry registry = PluginLoader.registry(pluginsDir);
        assertTrue(registry.names(PluginRegistry.Kind.SCHEDULE).containsAll(List.of("fine", "linear", "sine")),
                registry.names(PluginRegistry.Kind.SCHEDULE).toString());
        assertEquals(List.of(new PluginRegistry.Broken(PluginRegistry.Kind.SCHEDULE, "com.example.d.Broken", "broken.jar",
                "could not be created: IllegalStateException: no licence file")), registry.broken());

        CliRun r = CliRun.of(Map.of(PluginLoader.ENV, pluginsDir.toString()), tmp, "plugins");
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.err());
        List<String> brokenRows = r.out().lines().filter(l -> l.contains("(broken)")).toList();
        assertEquals(1, brokenRows.size(), r.out());
        assertTrue(brokenRows.get(0).matches("schedule\\s+\\(broken\\)\\s+broken\\.jar\\s+com\\.example\\.d\\.Broken"
                + " could not be created: IllegalStateException: no licence file"), brokenRows.get(0));
        assertTrue(r.out().lines().anyMatch(l -> l.matches("schedule\\s+fine\\s+1\\.2\\.3\\s+plugin jar broken\\.jar\\s.*")),
                r.out());
    }

    @Test
    void aCommandThatDoesNotSelectTheBrokenPluginRunsWithOneWarning() throws IOException {
        Path pluginsDir = tmp.resolve("plugins");
        buildJarWithABrokenSchedule(pluginsDir);
        CliRun r = CliRun.of(Map.of(PluginLoader.ENV, pluginsDir.toString()), tmp, "schedule", "name=fine", "steps=4", "ratio=1");
        assertEquals(0, r.status(), r.err());
        assertEquals("step,lambda\n0,1.0\n1,0.9375\n2,0.75\n3,0.4375\n4,0.0\n", r.out());
        assertEquals("[WARN] a plugin could not be loaded and is skipped: schedule plugin com.example.d.Broken (broken.jar)"
                + " could not be created: IllegalStateException: no licence file (see 'pclora plugins')\n", r.err());

        CliRun builtIn = CliRun.of(Map.of(PluginLoader.ENV, pluginsDir.toString()), tmp, "schedule", "name=linear", "steps=2", "ratio=1");
        assertEquals(0, builtIn.status(), builtIn.err());
        assertEquals("step,lambda\n0,1.0\n1,0.5\n2,0.0\n", builtIn.out());
        assertEquals(1, builtIn.err().lines().count(), builtIn.err());
    }

    @Test
    void selectingTheBrokenPluginFailsInOneLine() throws IOException {
        Path pluginsDir = tmp.resolve("plugins");
        buildJarWithABrokenSchedule(pluginsDir);
        CliRun r = CliRun.of(Map.of(PluginLoader.ENV, pluginsDir.toString()), tmp, "schedule", "name=broken", "steps=4");
        assertEquals(2, r.status(), r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(2, lines.size(), r.err()); // the warning, then the error
        assertTrue(lines.get(0).startsWith("[WARN] "), lines.get(0));
        assertTrue(lines.get(1).startsWith("unknown schedule 'broken': available are "), lines.get(1));
        assertTrue(lines.get(1).endsWith("; not loaded: schedule plugin com.example.d.Broken (broken.jar) could not be created:"
                + " IllegalStateException: no licence file (fix or remove that jar, see 'pclora plugins')"), lines.get(1));
        assertEquals("", r.out());
    }

    @Test
    void anExplicitPluginsDirectoryMustExist() {
        CliRun r = CliRun.of(Map.of(), tmp, "--plugins=missing", "plugins");
        assertEquals(2, r.status());
        assertEquals("plugin path entry '" + tmp.resolve("missing") + "' (from --plugins) does not exist; give directories"
                + " holding plugin jars, or jar files, separated by ':'\n", r.err());
    }
}
