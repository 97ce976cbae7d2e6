package org.pclora.experiments.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Guice;
import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.experiments.cli.CliRun;
import org.pclora.experiments.config.ConfigComposer;
import org.pclora.experiments.config.ConfigOverride;
import org.pclora.experiments.config.Sweep;
import org.pclora.experiments.run.ExperimentModule;

/**
 * Issue 16's promise: a schedule from an outside jar is chosen exactly like a built-in one
 * ({@code schedule=<name>}, {@code schedule.<param>=}, in runs and sweeps), with its own defaults
 * when no conf file exists, and whatever it throws reaches the user as one line naming it, its jar
 * and the parameter.
 *
 * <p>The jar holds two schedules compiled here from source against the core classes only:
 * {@code quadratic-out} declares {@code power} (default 2), {@code legacy-power} is written as
 * plugins were before parameters could be declared. Both compute {@code lambda = 1 - t^power},
 * so with decayEndStep 4 and power 3: 1, 63/64, 7/8, 37/64, 0.
 */
class PluginByNameTest {
    private static final Path CONF = Path.of("..", "conf").toAbsolutePath().normalize();
    private static final String JAR = "power-schedules.jar";
    private static final double[] CUBIC = {1.0, 63.0 / 64, 7.0 / 8, 37.0 / 64, 0.0};
    private static final String[] TINY = {"model.depth=1", "model.width=16", "model.heads=2", "model.mlp=32",
        "+dataset.limit=64", "+dataset.test_limit=32", "teacher.epochs=1", "teacher.batch_size=32",
        "student.batch_size=32"};

    @TempDir
    static Path tmp;
    static Path pluginsDir;
    static PluginRegistry registry;

    @BeforeAll
    static void buildJar() throws IOException {
        pluginsDir = tmp.resolve("plugins");
        PluginJarBuilder.build(tmp.resolve("build"), pluginsDir.resolve(JAR),
                Map.of("com.example.power.QuadraticOut",
                        PluginJarBuilder.declaredPowerSchedule("com.example.power", "QuadraticOut", "quadratic-out"),
                        "com.example.power.LegacyPower",
                        PluginJarBuilder.undeclaredPowerSchedule("com.example.power", "LegacyPower", "legacy-power")),
                DecaySchedule.class, List.of("com.example.power.QuadraticOut", "com.example.power.LegacyPower"));
        registry = PluginLoader.registry(pluginsDir);
    }

    private static Config compose(String... args) {
        List<ConfigOverride> os = Arrays.stream(args).map(ConfigOverride::parse).collect(Collectors.toList());
        return new ConfigComposer(CONF, new PluginGroups(registry)).compose(os).config();
    }

    /** The schedule a run would get: wired by the run's own Guice module. */
    private static DecaySchedule wired(Config c) {
        return Guice.createInjector(new ExperimentModule(c, registry)).getInstance(DecaySchedule.class);
    }

    private static void assertLambdas(double[] expected, DecaySchedule s) {
        for (int n = 0; n < expected.length; n++) {
            assertEquals(expected[n], s.lambda(n, 4), 1e-15, "lambda(" + n + ", 4) of " + s.name());
        }
    }

    private static CliRun cli(Path wd, String... args) {
        return CliRun.of(Map.of(PluginLoader.ENV, pluginsDir.toString()), wd, args);
    }

    private static String[] runArgs(Path wd, String... extra) {
        List<String> a = new ArrayList<>(List.of("run", "--config-dir=" + CONF, "output.root=" + wd.resolve("outputs"),
                "output.dir=run"));
        a.addAll(List.of(TINY));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    private static void assertOneLineNaming(CliRun r, String... parts) {
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        for (String p : parts) {
            assertTrue(r.err().contains(p), "'" + p + "' missing from: " + r.err());
        }
    }

    @Test
    void aJarScheduleIsSelectedByNameWithAPlainParameterOverride() {
        Config c = compose("schedule=quadratic-out", "schedule.power=3");
        assertEquals("quadratic-out", c.getString("schedule.name"));
        assertEquals(3.0, c.getDouble("schedule.power"));
        assertLambdas(CUBIC, wired(c));
    }

    @Test
    void theFormsThatWorkedBeforeStillWork() {
        assertLambdas(CUBIC, wired(compose("schedule.name=quadratic-out", "+schedule.params.power=3")));
        // '+' on a parameter whose declared default is in place already sets it
        assertLambdas(CUBIC, wired(compose("schedule=quadratic-out", "+schedule.power=3")));
        PcLoraException e = assertThrows(PcLoraException.class,
                () -> compose("schedule.name=quadratic-out", "+schedule.params.power=abc"));
        assertTrue(e.getMessage().contains("parameter 'power' expects a number"), e.getMessage());
    }

    @Test
    void withoutAConfFileThePluginsDeclaredDefaultsApply() {
        assertFalse(Files.exists(CONF.resolve("schedule/quadratic-out.conf")));
        Config c = compose("schedule=quadratic-out");
        assertEquals(2.0, c.getDouble("schedule.power"));
        assertLambdas(new double[] {1.0, 15.0 / 16, 0.75, 7.0 / 16, 0.0}, wired(c));
    }

    @Test
    void aPluginThatDeclaresNoParametersTakesThemAsPlainKeysToo() {
        assertLambdas(CUBIC, wired(compose("schedule=legacy-power", "schedule.power=3")));
        // the form that worked before, still accepted
        assertLambdas(CUBIC, wired(compose("schedule.name=legacy-power", "+schedule.params.power=3")));
    }

    @Test
    void sweepsMixBuiltInAndJarSchedules() {
        List<String> names = new ArrayList<>();
        for (List<ConfigOverride> run : Sweep.expand(List.of(ConfigOverride.parse("schedule=sine,quadratic-out,legacy-power")))) {
            names.add(wired(new ConfigComposer(CONF, new PluginGroups(registry)).compose(run).config()).name());
        }
        assertEquals(List.of("sine", "quadratic-out", "legacy-power"), names);
    }

    @Test
    void aTinyRunUsesTheJarScheduleAndLogsItsLambdas(@TempDir Path wd) throws IOException {
        // 64 examples in batches of 32 for 2 epochs: 4 student steps; ratio 1: lambda reaches 0 at step 4.
        // Step k is logged with the lambda it trained under, lambda(k - 1).
        CliRun r = cli(wd, runArgs(wd, "schedule=quadratic-out", "schedule.power=3", "student.epochs=2",
                "pclora.ratio=1", "train.log_every=1"));
        assertEquals(0, r.status(), r.err());
        Path dir = wd.resolve("outputs/run");
        List<Double> lambdas = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<String> lines = Files.lines(dir.resolve("metrics.jsonl"))) {
            for (String l : lines.toList()) {
                JsonNode n = json.readTree(l);
                if (n.path("phase").asText().equals("student")) {
                    lambdas.add(n.get("lambda").asDouble());
                }
            }
        }
        assertEquals(List.of(CUBIC[0], CUBIC[1], CUBIC[2], CUBIC[3]), lambdas);
        assertEquals("quadratic-out", json.readTree(dir.resolve("summary.json").toFile()).get("schedule").asText());
    }

    @Test
    void aBadParameterIsOneLineNamingThePluginItsJarAndTheParameter(@TempDir Path wd) {
        // declared number: refused before the plugin sees it
        assertOneLineNaming(cli(wd, runArgs(wd, "schedule=quadratic-out", "schedule.power=abc")),
                "schedule 'quadratic-out' (plugin jar " + JAR + ")", "parameter 'power'", "abc");
        // the plugin's own check
        assertOneLineNaming(cli(wd, runArgs(wd, "schedule=quadratic-out", "schedule.power=-1")),
                "schedule 'quadratic-out' (plugin jar " + JAR + ")", "parameter 'power'", "must be > 0, got -1");
        // a plugin that declares nothing throws Typesafe Config's exception itself
        assertOneLineNaming(cli(wd, runArgs(wd, "schedule=legacy-power", "schedule.power=abc")),
                "schedule 'legacy-power' (plugin jar " + JAR + ")", "parameter 'power' = \"abc\"", "WrongType");
        // in a sweep, before any run starts
        assertOneLineNaming(cli(wd, "run", "-m", "--config-dir=" + CONF, "output.root=" + wd.resolve("outputs"),
                        "schedule=legacy-power", "schedule.power=2,abc"),
                "schedule 'legacy-power' (plugin jar " + JAR + ")", "parameter 'power'");
        // and in the schedule command
        assertOneLineNaming(cli(wd, "schedule", "name=legacy-power", "steps=4", "power=abc"),
                "schedule 'legacy-power' (plugin jar " + JAR + ")", "parameter 'power'");
        assertOneLineNaming(cli(wd, "schedule", "name=quadratic-out", "steps=4", "power=abc"),
                "schedule 'quadratic-out' (plugin jar " + JAR + ")", "parameter 'power'");
        assertFalse(Files.exists(wd.resolve("outputs")), "nothing written");
    }

    @Test
    void aPluginFailingWhileItRunsIsOneLineNamingItAndItsJar(@TempDir Path wd) {
        assertOneLineNaming(cli(wd, "schedule", "name=legacy-power", "steps=4", "power=13"),
                "schedule 'legacy-power' (plugin jar " + JAR + ") failed in lambda()", "ArithmeticException: unlucky power");
        // during training: the student's first step asks for lambda
        assertOneLineNaming(cli(wd, runArgs(wd, "schedule=legacy-power", "schedule.power=13", "student.epochs=1")),
                "schedule 'legacy-power' (plugin jar " + JAR + ") failed in lambda()", "ArithmeticException: unlucky power");
        assertFalse(Files.exists(wd.resolve("outputs/run")), "no half-written run directory");
    }

    @Test
    void misspeltPluginParametersAreRefusedNamingTheRealOne() {
        PcLoraException e = assertThrows(PcLoraException.class, () -> compose("schedule=quadratic-out", "+schedule.powr=3"));
        assertTrue(e.getMessage().contains("schedule 'quadratic-out' (plugin jar " + JAR + ") does not read"), e.getMessage());
        assertTrue(e.getMessage().contains("nearest: schedule.power"), e.getMessage());
        e = assertThrows(PcLoraException.class, () -> compose("schedule=quadratic-out", "schedule.powr=3"));
        assertTrue(e.getMessage().contains("nearest: schedule.power"), e.getMessage());
        // a parameter of another schedule
        e = assertThrows(PcLoraException.class, () -> compose("schedule=sine", "schedule.power=3"));
        assertTrue(e.getMessage().contains("schedule 'sine'") && e.getMessage().contains("it takes no parameters"),
                e.getMessage());
    }

    @Test
    void anUnknownNameListsWhatIsAvailableAndWhereItLooked(@TempDir Path wd) {
        CliRun r = cli(wd, runArgs(wd, "schedule=quadratic-outt"));
        assertOneLineNaming(r, "unknown schedule 'quadratic-outt': available are ", "quadratic-out", "legacy-power",
                "sine", "conf files in " + CONF.resolve("schedule"), "plugin jars searched in " + pluginsDir);
        r = cli(wd, "schedule", "name=quadratic-outt", "steps=4");
        assertOneLineNaming(r, "unknown schedule 'quadratic-outt'", "plugin jars searched in " + pluginsDir);
    }

    @Test
    void pluginPathsAreAPathListOfDirectoriesAndJars(@TempDir Path wd) {
        Path jar = pluginsDir.resolve(JAR);
        for (String path : List.of(jar.toString(), "/nonexistent-but-unused-first:" + jar)) {
            CliRun r = CliRun.of(Map.of(PluginLoader.ENV, path), wd, "schedule", "name=quadratic-out", "steps=4", "ratio=1",
                    "power=3");
            if (path.startsWith("/nonexistent")) {
                assertOneLineNaming(r, "plugin path entry '/nonexistent-but-unused-first' (from $PCLORA_PLUGINS) does not exist");
            } else {
                assertEquals(0, r.status(), r.err());
                assertTrue(r.out().startsWith("step,lambda\n0,1.0\n1,0.984375\n2,0.875\n3,0.578125\n4,0.0\n"), r.out());
            }
        }
        // an installation's plugins/ and a PCLORA_PLUGINS entry naming the same jar: found once, no duplicate error
        CliRun both = CliRun.of(Map.of(PluginLoader.ENV, jar.toString(), PluginLoader.HOME_ENV, tmp.toString()), wd, "plugins");
        assertEquals(0, both.status(), both.err());
        assertEquals(2, both.out().lines().filter(l -> l.contains("plugin jar " + JAR)).count(), both.out());
    }
}
