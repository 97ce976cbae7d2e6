package org.pclora.experiments.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;
import org.pclora.core.train.Objective;
import org.pclora.distill.LogitKlLoss;
import org.pclora.experiments.plugins.PluginGroups;
import org.pclora.schedulers.ExponentialSchedule;

/**
 * Every plugin group selects plugins by name with no conf file, takes their parameters as plain
 * keys, and still reads configurations written in the earlier {@code params { }} layout.
 */
class PluginGroupsTest {
    private static final Path CONF = Path.of("..", "conf");

    /** The project's conf tree without the option files of the plugins under test. */
    private static Path confWithout(Path tmp, String... removed) throws IOException {
        Path copy = tmp.resolve("conf");
        try (Stream<Path> files = Files.walk(CONF)) {
            for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
                Path target = copy.resolve(CONF.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        for (String r : removed) {
            Files.delete(copy.resolve(r));
        }
        return copy;
    }

    private static Config compose(Path conf, String... args) {
        List<ConfigOverride> os = Arrays.stream(args).map(ConfigOverride::parse).collect(Collectors.toList());
        return new ConfigComposer(conf).compose(os).config();
    }

    @Test
    void everyGroupSelectsAPluginByNameWithoutAConfFile(@TempDir Path tmp) throws IOException {
        Path conf = confWithout(tmp, "schedule/exponential.conf", "distill/logit-kl.conf");
        Config c = compose(conf, "schedule=exponential", "schedule.rate=3", "distill=logit-kl", "distill.temperature=4",
                "model=vit", "model.depth=1", "dataset=idx", "dataset.limit=8");
        PluginGroups groups = PluginGroups.builtIn();
        assertEquals(3.0, ((ExponentialSchedule) groups.schedule(c)).rate());
        List<Objective.Term> terms = groups.losses(c);
        assertEquals(1, terms.size());
        assertEquals(4.0, ((LogitKlLoss) terms.get(0).loss()).temperature());
        assertEquals(1.0, terms.get(0).weight());
        assertEquals("vit", c.getString("model.family"));
        assertEquals("vit-b16", c.getString("model.arch"), "the family's declared default");
        assertEquals(1, c.getInt("model.depth"));
        assertEquals("idx", c.getString("dataset.provider"));
        assertEquals(8, c.getInt("dataset.limit"));
        // the declared defaults alone
        Config d = compose(conf, "schedule=exponential", "distill=logit-kl");
        assertEquals(ExponentialSchedule.DEFAULT_RATE, ((ExponentialSchedule) groups.schedule(d)).rate());
        assertEquals(LogitKlLoss.DEFAULT_TEMPERATURE, ((LogitKlLoss) groups.losses(d).get(0).loss()).temperature());
    }

    @Test
    void declaredTypesAndNamesAreCheckedForConfFilesToo(@TempDir Path tmp) throws IOException {
        Path conf = confWithout(tmp);
        Files.writeString(conf.resolve("schedule/steep.conf"), "name = exponential\nrate = fast\n");
        PcLoraException e = assertThrows(PcLoraException.class, () -> compose(conf, "schedule=steep"));
        assertTrue(e.getMessage().startsWith("schedule 'exponential' ("), e.getMessage());
        assertTrue(e.getMessage().contains("parameter 'rate' expects a number, got string \"fast\""), e.getMessage());
        assertTrue(e.getMessage().contains("steep.conf"), "names the file: " + e.getMessage());
        Files.writeString(conf.resolve("schedule/steep.conf"), "name = exponential\nrat = 2\n");
        e = assertThrows(PcLoraException.class, () -> compose(conf, "schedule=steep"));
        assertTrue(e.getMessage().contains("has no parameter 'rat' (schedule.rat): accepted parameters are rate (nearest: rate)"),
                e.getMessage());
        e = assertThrows(PcLoraException.class, () -> compose(conf, "model=vit", "model.depth=1.5"));
        assertTrue(e.getMessage().contains("parameter 'depth' expects an integer, got number 1.5"), e.getMessage());
    }

    @Test
    void everyShippedExperimentAndGroupOptionPassesThePluginChecks() {
        ConfigComposer composer = new ConfigComposer(CONF);
        for (String e : composer.options("experiment")) {
            assertEquals(e, compose(CONF, "experiment=" + e).getString("name"));
        }
        for (String g : List.of("model", "dataset", "schedule", "distill")) {
            for (String option : composer.options(g)) {
                compose(CONF, g + "=" + option); // throws naming the plugin and key if a conf file disagrees
            }
        }
    }

    @Test
    void stringParametersKeepTheTextTyped() {
        Config c = compose(CONF, "dataset.path=/data/a//b", "model=vit", "model.arch=vit-s16");
        assertEquals("/data/a//b", c.getString("dataset.path"), "not cut at HOCON's // comment");
        assertEquals("vit-s16", c.getString("model.arch"));
        assertEquals("123", compose(CONF, "dataset.path=123").getString("dataset.path"));
    }

    @Test
    void configurationsInTheEarlierParamsLayoutAreStillRead() {
        Config old = ConfigFactory.parseString("schedule { name = exponential, params { rate = 3 } }\n"
                + "distill { losses = [ { name = logit-kl, weight = 0.5, params { temperature = 4 } },"
                + " { name = feature-mse, weight = 1.0, params {} } ] }");
        PluginGroups groups = PluginGroups.builtIn();
        assertEquals(3.0, ((ExponentialSchedule) groups.schedule(old)).rate());
        List<Objective.Term> terms = groups.losses(old);
        assertEquals(4.0, ((LogitKlLoss) terms.get(0).loss()).temperature());
        assertEquals(0.5, terms.get(0).weight());
        assertEquals("feature-mse", terms.get(1).loss().name());
    }
}
