package org.pclora.experiments.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;

class ConfigComposerTest {
    private static final Path CONF = Path.of("..", "conf");

    private static Config compose(String... args) {
        List<ConfigOverride> os = Arrays.stream(args).map(ConfigOverride::parse).collect(Collectors.toList());
        return new ConfigComposer(CONF).compose(os).config();
    }

    @Test
    void defaultsComeFromRootAndExperiment() {
        Config c = compose();
        assertEquals("mini-vit-fmnist", c.getString("name"));
        assertEquals("vit", c.getString("model.family"));
        assertEquals("sine", c.getString("schedule.name"));
        assertEquals("feature-mse", c.getString("distill.name"));
        assertEquals(8, c.getInt("pclora.rank"));
    }

    @Test
    void groupSelectionAndDottedOverrides() {
        Config c = compose("schedule=cosine", "pclora.rank=16", "loss.alpha=0.5", "output.root=/tmp/x");
        assertEquals("cosine", c.getString("schedule.name"));
        assertEquals(16, c.getInt("pclora.rank"));
        assertEquals(0.5, c.getDouble("loss.alpha"));
        assertEquals("/tmp/x", c.getString("output.root"));
    }

    @Test
    void addAndRemoveKeys() {
        Config c = compose("+dataset.limit=3", "~pclora.targets");
        assertEquals(3, c.getInt("dataset.limit"));
        assertFalse(c.hasPath("pclora.targets"));
        PcLoraException e = assertThrows(PcLoraException.class, () -> compose("+pclora.rank=3"));
        assertTrue(e.getMessage().contains("exists already"), e.getMessage());
    }

    @Test
    void rowsBundleGroupChoicesAndValuesOverTheExperiment() {
        Config pc = compose("experiment=bert-base-wordnet", "row=pclora");
        assertEquals("pclora", pc.getString("row"));
        assertEquals("sine", pc.getString("schedule.name"));
        assertEquals("wordnet-supersense", pc.getString("dataset.provider"));
        assertEquals(32, pc.getInt("pclora.rank"));
        assertTrue(pc.getBoolean("student.freeze_embeddings"));
        assertEquals("constant", compose("experiment=bert-base-wordnet", "row=lora-kd").getString("schedule.name"));
        assertEquals("none", compose("experiment=bert-base-wordnet", "row=pclora-nokd").getString("distill.name"));
        Config dense = compose("experiment=bert-base-wordnet", "row=dense-kd");
        assertEquals("logit-kl", dense.getString("distill.name"));
        assertEquals("bert-mini", dense.getString("student.model.arch"));
        assertEquals("random", dense.getString("student.init"));
        assertFalse(dense.getBoolean("student.adapters"));
        assertEquals(1e-3, dense.getDouble("optimizer.lr"));
        assertEquals(1e-4, dense.getDouble("optimizer.teacher_lr"));
        // the command line wins over the row, as over the experiment
        assertEquals("cosine", compose("experiment=bert-base-wordnet", "row=pclora", "schedule=cosine")
                .getString("schedule.name"));
        assertEquals("", compose().getString("row"));
        PcLoraException e = assertThrows(PcLoraException.class, () -> compose("row=nonesuch"));
        assertTrue(e.getMessage().contains("dense-kd") && e.getMessage().contains("lora-kd"), e.getMessage());
    }

    @Test
    void wordnetVariantsShareTheBaseAndDeclareTheirSweeps() {
        ConfigComposer composer = new ConfigComposer(CONF);
        assertEquals("[row=pclora,lora-kd,pclora-nokd,dense-kd]",
                composer.sweepOf(List.of(ConfigOverride.parse("experiment=bert-base-wordnet"))).toString());
        assertEquals("[row=pclora,lora-kd,dense-kd]",
                composer.sweepOf(List.of(ConfigOverride.parse("experiment=bert-base-wordnet-quick"))).toString());
        List<String> seeds = composer.sweepOf(List.of(ConfigOverride.parse("experiment=bert-base-wordnet-seeds"))).stream()
                .map(ConfigOverride::toString).sorted().toList();
        assertEquals(List.of("row=pclora,pclora-linear,lora-kd,pclora-nokd,dense-kd", "seed=1,2,3"), seeds);
        Config quick = compose("experiment=bert-base-wordnet-quick", "row=pclora");
        assertEquals(2, quick.getInt("model.depth"));
        assertEquals(32, quick.getInt("model.max_length"));
        assertEquals(960, quick.getInt("dataset.limit"));
        assertEquals(4, quick.getInt("student.epochs"));
        assertEquals(2400, compose("experiment=bert-base-wordnet", "row=pclora").getInt("dataset.limit"));
        assertEquals("bert-base-wordnet-quick", quick.getString("name"));
        assertEquals(compose("experiment=bert-base-wordnet", "row=pclora").getString("teacher.checkpoint"),
                quick.getString("teacher.checkpoint"));
    }

    @Test
    void unknownKeyNamesNearestValidKeys() {
        PcLoraException e = assertThrows(PcLoraException.class, () -> compose("pclora.rnak=4"));
        assertTrue(e.getMessage().contains("pclora.rank"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void wrongTypeNamesKeyAndExpectedType() {
        PcLoraException e = assertThrows(PcLoraException.class, () -> compose("pclora.rank=abc"));
        assertTrue(e.getMessage().contains("pclora.rank expects a number"), e.getMessage());
    }

    @Test
    void unknownGroupOptionListsAvailableOnes() {
        PcLoraException e = assertThrows(PcLoraException.class, () -> compose("schedule=sinus"));
        assertTrue(e.getMessage().contains("unknown schedule 'sinus'"), e.getMessage());
        assertTrue(e.getMessage().contains("cosine"), e.getMessage());
    }

    @Test
    void sweepWithoutMultirunIsAnError() {
        PcLoraException e = assertThrows(PcLoraException.class, () -> compose("schedule=linear,sine"));
        assertTrue(e.getMessage().contains("-m"), e.getMessage());
        e = assertThrows(PcLoraException.class, () -> compose("pclora.rank=4,8"));
        assertTrue(e.getMessage().contains("is a sweep"), e.getMessage());
        // a quoted value may contain commas
        assertEquals("a,b", compose("pclora.targets=\"a,b\"").getString("pclora.targets"));
    }

    @Test
    void malformedHoconNamesTheFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.conf"), "defaults { }\nname = {\n");
        PcLoraException e = assertThrows(PcLoraException.class, () -> new ConfigComposer(dir).compose(List.of()));
        assertTrue(e.getMessage().contains("malformed HOCON in " + dir.resolve("config.conf")), e.getMessage());
    }

    @Test
    void sweepsExpandToCartesianProduct() {
        List<List<ConfigOverride>> runs = Sweep.expand(List.of(ConfigOverride.parse("schedule=linear,sine"),
                ConfigOverride.parse("pclora.rank=range(8,65,8)"), ConfigOverride.parse("seed=1")));
        assertEquals(2 * 8, runs.size());
        assertEquals("[schedule=linear, pclora.rank=8, seed=1]", runs.get(0).toString());
        assertEquals("[schedule=sine, pclora.rank=64, seed=1]", runs.get(15).toString());
        assertEquals(List.of("[1,2]", "x"), Sweep.values("k", "[1,2],x"));
        assertThrows(PcLoraException.class, () -> Sweep.values("k", "range(8,1)"));
        assertThrows(PcLoraException.class, () -> Sweep.values("k", "a,,b"));
    }

    @Test
    void malformedOverridesAreRejected() {
        assertThrows(PcLoraException.class, () -> ConfigOverride.parse("rank"));
        assertThrows(PcLoraException.class, () -> ConfigOverride.parse("=3"));
        assertThrows(PcLoraException.class, () -> ConfigOverride.parse("a..b=3"));
    }

    @Test
    void experimentsDeclareTheirSweeps() {
        ConfigComposer c = new ConfigComposer(CONF);
        assertEquals("[pclora.rank=2,4,8,16,32]", c.sweepOf(List.of(ConfigOverride.parse("experiment=ablation-rank"))).toString());
        assertTrue(c.sweepOf(List.of()).isEmpty());
        // the sweep block is not part of a run's configuration
        assertFalse(compose("experiment=ablation-rank", "pclora.rank=4").hasPath("sweep"));
        assertEquals("ablation-rank", compose("experiment=ablation-rank").getString("name"));
    }

    @Test
    void theOldSpellingOfLoraAlphaIsStillRead() {
        assertEquals(16, compose().getInt("pclora.lora_alpha"));
        Config c = compose("pclora.alpha=32");
        assertEquals(32, c.getInt("pclora.lora_alpha"));
        org.junit.jupiter.api.Assertions.assertFalse(c.hasPath("pclora.alpha"));
        // the paper experiments' files use the new key
        assertEquals(32, compose("experiment=paper-vit-b16-cifar10").getInt("pclora.lora_alpha"));
    }
}
