package org.pclora.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.util.Modules;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.core.spi.DatasetProvider;
import org.pclora.core.spi.ModelFamily;
import org.pclora.experiments.config.ConfigComposer;
import org.pclora.experiments.config.ConfigOverride;

class ExperimentRunnerTest {
    private static Config config(Path out, String... overrides) {
        List<ConfigOverride> os = new java.util.ArrayList<>(List.of(ConfigOverride.parse("teacher.epochs=4"),
                ConfigOverride.parse("student.epochs=4"), ConfigOverride.parse("teacher.batch_size=32"),
                ConfigOverride.parse("student.batch_size=32"), ConfigOverride.parse("pclora.rank=2"),
                ConfigOverride.parse("optimizer.lr=1e-2"), ConfigOverride.parse("optimizer.teacher_lr=3e-2")));
        for (String o : overrides) {
            os.add(ConfigOverride.parse(o));
        }
        return new ConfigComposer(Path.of("..", "conf")).compose(os).config()
                .withValue("output.teacher_cache", ConfigValueFactory.fromAnyRef(out.resolve("teachers").toString()));
    }

    private static ExperimentRunner runner(Config c) {
        return Guice.createInjector(Modules.override(new ExperimentModule(c, PluginRegistry.load()))
                .with(new AbstractModule() {
                    @Override
                    protected void configure() {
                        bind(ModelFamily.class).toInstance(new FakeFamily());
                        bind(DatasetProvider.class).toInstance(new FakeFamily.Data());
                    }
                })).getInstance(ExperimentRunner.class);
    }

    @Test
    @SuppressWarnings("unchecked")
    void runsTeacherStudentCompressionAndReusesTheTeacher(@TempDir Path out) throws Exception {
        RunDirectory first = new RunDirectory(out.resolve("a"));
        Map<String, Object> s = runner(config(out)).run(first, List.of("pclora.rank=2")).toMap();
        for (String f : List.of(RunDirectory.CONFIG, RunDirectory.OVERRIDES, RunDirectory.METRICS,
                RunDirectory.SUMMARY, RunDirectory.STUDENT)) {
            assertTrue(Files.isRegularFile(first.file(f)), f);
        }
        double teacherAcc = (double) ((Map<String, Object>) s.get("teacher")).get("accuracy");
        double studentAcc = (double) ((Map<String, Object>) s.get("student")).get("accuracy");
        double compressedAcc = (double) ((Map<String, Object>) s.get("compressed")).get("accuracy");
        assertTrue(teacherAcc > 0.85, "teacher accuracy " + teacherAcc);
        // The exported, reloaded compressed student computes what the student computed at lambda = 0.
        assertEquals(studentAcc, compressedAcc, 1e-9);
        // fc 4->16 at rank 2: dense 4*16+16 = 80 parameters, compressed 2*(4+16)+16 = 56 -> 30% compression.
        Map<String, Object> comp = (Map<String, Object>) s.get("compression");
        assertEquals(1 - 56.0 / 80.0, (double) comp.get("adapted_parameters"), 1e-12);
        // 8 steps per epoch, 4 epochs, both phases logged every 20 steps and at the end: 2 + 2 lines
        assertEquals(4, Files.readAllLines(first.file(RunDirectory.METRICS)).size());

        Path teacherWeights = Path.of((String) ((Map<String, Object>) s.get("teacher")).get("weights"));
        long mtime = Files.getLastModifiedTime(teacherWeights).toMillis();
        RunDirectory second = new RunDirectory(out.resolve("b"));
        Map<String, Object> s2 = runner(config(out, "pclora.rank=3", "schedule=cosine")).run(second, List.of()).toMap();
        assertEquals(teacherWeights.toString(), ((Map<String, Object>) s2.get("teacher")).get("weights"));
        assertEquals(mtime, Files.getLastModifiedTime(teacherWeights).toMillis(), "teacher was retrained");
        // only the student phase was trained in the second run
        assertTrue(Files.readAllLines(second.file(RunDirectory.METRICS)).stream().allMatch(l -> l.contains("\"student\"")));

        // report over both runs: two table rows, CSV, three plots
        java.io.StringWriter o = new java.io.StringWriter();
        int status = org.pclora.experiments.cli.PcLoraCli.run(new String[] {"report", out.toString()},
                new java.io.PrintWriter(o), new java.io.PrintWriter(new java.io.StringWriter()), Map.of(), out);
        assertEquals(0, status, o.toString());
        List<String> md = Files.readAllLines(out.resolve("report.md"));
        // two settings (the model, common to both, is listed above the table), then the same two runs per run
        assertEquals(4, md.stream().filter(l -> l.matches("\\| [a-z]+ \\| [0-9]+ \\|.*")).count(),
                String.join("\n", md));
        assertEquals(3, Files.readAllLines(out.resolve("report.csv")).size());
        assertEquals(3, Files.readAllLines(out.resolve("runs.csv")).size());
        for (String png : List.of("lambda.png", "loss.png", "accuracy_vs_compression.png")) {
            byte[] b = Files.readAllBytes(out.resolve(png));
            assertTrue(b.length > 1000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', png);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void constantScheduleBaselineIsExportedMergedNotCompressed(@TempDir Path out) {
        Map<String, Object> s = runner(config(out, "schedule=constant", "teacher.epochs=1", "student.epochs=1"))
                .run(new RunDirectory(out.resolve("c")), List.of()).toMap();
        assertEquals(false, s.get("compressed_form"));
        // lambda stays 1: nothing is removed, the export keeps the dense size (80 parameters in the slot)
        Map<String, Object> comp = (Map<String, Object>) s.get("compression");
        assertEquals(0.0, (double) comp.get("adapted_parameters"), 1e-12);
    }

    @Test
    void withoutDistillationTheTaskLossHasWeightOne(@TempDir Path out) {
        Map<String, Object> s = runner(config(out, "distill=none", "loss.alpha=0.2", "teacher.epochs=1",
                "student.epochs=1")).run(new RunDirectory(out.resolve("n")), List.of()).toMap();
        assertEquals(1.0, (double) s.get("alpha"), 0.0);
        assertTrue(String.valueOf(s.get("alpha_rule")).contains("loss.alpha = 0.2 ignored"), s.toString());
        Map<String, Object> kd = runner(config(out, "distill=feature-mse", "loss.alpha=0.2", "teacher.epochs=1",
                "student.epochs=1")).run(new RunDirectory(out.resolve("k")), List.of()).toMap();
        assertEquals(0.2, (double) kd.get("alpha"), 0.0);
        assertFalse(kd.containsKey("alpha_rule"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void bestValidationIsWhatIsTestedExportedAndReported(@TempDir Path out) throws Exception {
        // 256 training examples less the 10 % held out (26): 230, 8 steps per epoch at batch 32, 4 epochs = 32
        // steps, lambda 0 from step round(0.8 * 32) = 26 on; evaluations every 4 steps and after the last
        RunDirectory dir = new RunDirectory(out.resolve("v"));
        Map<String, Object> s = runner(config(out, "train.eval_every=4", "train.select=best_val"))
                .run(dir, List.of()).toMap();
        Map<String, Object> sel = (Map<String, Object>) s.get("selection");
        List<Map<String, Object>> val = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(dir.file(RunDirectory.METRICS))) {
            Map<String, Object> m = RunDirectory.JSON.readValue(line, Map.class);
            if (m.containsKey("val_accuracy")) {
                val.add(m);
            }
        }
        assertEquals(List.of(4, 8, 12, 16, 20, 24, 28, 32), val.stream().map(m -> m.get("step")).toList());
        // eligible: at lambda 0 only (steps 28 and 32); the selected one is the better of those two
        assertEquals(List.of(28, 32), val.stream().filter(m -> (boolean) m.get("eligible")).map(m -> m.get("step"))
                .toList());
        Map<String, Object> best = val.get(6);
        if (((Number) val.get(7).get("val_accuracy")).doubleValue() > ((Number) best.get("val_accuracy")).doubleValue()
                || val.get(7).get("val_accuracy").equals(best.get("val_accuracy"))
                && ((Number) val.get(7).get("val_loss")).doubleValue() < ((Number) best.get("val_loss")).doubleValue()) {
            best = val.get(7);
        }
        assertEquals(best.get("step"), ((Number) sel.get("step")).intValue());
        assertEquals(((Number) best.get("val_accuracy")).doubleValue(), (double) sel.get("val_accuracy"), 0.0);
        assertEquals("best_val", sel.get("rule"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void studentsOfTwoSeedsShareATeacherOfAFixedSeed(@TempDir Path out) {
        List<String> teachers = new java.util.ArrayList<>();
        List<Double> students = new java.util.ArrayList<>();
        for (String seed : List.of("1", "2")) {
            Map<String, Object> s = runner(config(out, "seed=" + seed, "teacher.seed=7", "teacher.epochs=1",
                    "student.epochs=1")).run(new RunDirectory(out.resolve("s" + seed)), List.of()).toMap();
            teachers.add((String) ((Map<String, Object>) s.get("teacher")).get("weights"));
            students.add((Double) ((Map<String, Object>) s.get("compressed")).get("accuracy"));
        }
        assertEquals(teachers.get(0), teachers.get(1), "one cached teacher");
        Map<String, Object> own = runner(config(out, "seed=1", "teacher.epochs=1", "student.epochs=1"))
                .run(new RunDirectory(out.resolve("own")), List.of()).toMap();
        assertFalse(teachers.get(0).equals(((Map<String, Object>) own.get("teacher")).get("weights")),
                "teacher.seed \"\" trains the run seed's own teacher");
    }

    @Test
    void aDatasetWithoutValidationNeedsAValFraction(@TempDir Path out) {
        Throwable t = assertThrows(RuntimeException.class, () -> runner(config(out, "train.eval_every=2",
                "dataset.val_fraction=0")).run(new RunDirectory(out.resolve("z")), List.of()));
        assertTrue(t.getMessage().contains("has no validation split of its own and dataset.val_fraction = 0"),
                t.getMessage());
    }

    @Test
    @SuppressWarnings("unchecked")
    void teacherPatienceStopsEarlyAndCachesTheBestWithItsCurve(@TempDir Path out) throws Exception {
        Map<String, Object> s = runner(config(out, "teacher.patience=1", "teacher.epochs=30", "teacher.eval_every=4",
                "student.epochs=1")).run(new RunDirectory(out.resolve("p")), List.of()).toMap();
        Map<String, Object> teacher = (Map<String, Object>) s.get("teacher");
        Path info = Path.of(((String) teacher.get("weights")).replace(".safetensors", ".json"));
        Map<String, Object> v = (Map<String, Object>) RunDirectory.JSON.readValue(info.toFile(), Map.class)
                .get("validation");
        List<Map<String, Object>> curve = (List<Map<String, Object>>) v.get("curve");
        // 30 epochs of 8 steps would be 240; it stops one evaluation after the best
        assertEquals(true, v.get("stopped_early"), v.toString());
        long selected = ((Number) v.get("selected_step")).longValue();
        assertEquals(selected + 4, ((Number) v.get("steps_run")).longValue(), v.toString());
        assertEquals(selected / 4 + 1, curve.size());
        assertTrue(((Number) v.get("steps_run")).longValue() < 240);
    }

    /** student.model { hidden = 8 }, as a row file sets it (the command line adds no keys that no plugin reads). */
    private static Config smallStudent(Config c) {
        return c.withValue("student.model.hidden", ConfigValueFactory.fromAnyRef(8));
    }

    @Test
    void denseStudentOfAnotherSizeIsMeasuredAgainstTheTeacher(@TempDir Path out) {
        // the small-dense-model row: hidden 8 instead of 16, random init, no adapters, logit KD
        RunSummary s = runner(smallStudent(config(out, "student.init=random",
                "student.adapters=false", "distill=logit-kl", "teacher.epochs=1", "student.epochs=1")))
                .run(new RunDirectory(out.resolve("d")), List.of());
        assertEquals("none", s.adapter());
        assertEquals(0, s.rank());
        // target slot fc 4->16 with bias (80) against 4->8 with bias (40): half of it removed
        assertEquals(0.5, s.compression().adaptedParameters(), 1e-12);
        long teacherParams = s.teacher().parameters();
        long studentParams = s.compressed().parameters();
        assertEquals(1 - (double) studentParams / teacherParams, s.compression().parameters(), 1e-12);
        assertTrue(studentParams < teacherParams, studentParams + " vs " + teacherParams);
    }

    @Test
    void studentOfAnotherSizeNeedsRandomInitAndLogitDistillation(@TempDir Path out) {
        String[][] cases = {{"student.init=teacher", "distill=logit-kl", "use student.init=random"},
            {"student.init=random", "distill=feature-mse", "distill=logit-kl"},
            {"student.init=scratch", "distill=none", "teacher, pretrained or random"}};
        for (String[] c : cases) {
            RunDirectory dir = new RunDirectory(out.resolve("y"));
            Throwable e = assertThrows(RuntimeException.class, () -> runner(smallStudent(config(out, c[0], c[1])))
                    .run(dir, List.of()));
            while (!(e instanceof PcLoraException) && e.getCause() != null) {
                e = e.getCause(); // Guice wraps errors thrown by providers (student.init is read with the settings)
            }
            assertTrue(e instanceof PcLoraException && e.getMessage().contains(c[2])
                    && !e.getMessage().contains("\n"), e.getMessage());
            assertFalse(Files.exists(dir.path()), c[0] + " left a run directory");
        }
    }

    @Test
    void freezeEmbeddingsFreezesTheTablesButNotTheirLayerNorm() {
        org.pclora.core.model.ClassifierModel bert = new org.pclora.bert.BertFamily().create(
                new org.pclora.bert.BertFamily().resolve(com.typesafe.config.ConfigFactory.parseString(
                        "arch = bert-tiny, num_classes = 3")), 0);
        long before = bert.parameters().stream().filter(p -> p.isTrainable()).count();
        // word, position and token-type tables; bert.embeddings.LayerNorm.{weight,bias} stay trainable
        assertEquals(3, StudentStage.freezeEmbeddings(bert));
        assertEquals(before - 3, bert.parameters().stream().filter(p -> p.isTrainable()).count());
        assertTrue(bert.parameters().stream().filter(p -> p.name().startsWith("bert.embeddings.LayerNorm"))
                .allMatch(p -> p.isTrainable()));
        org.pclora.core.model.ClassifierModel vit = new org.pclora.vit.VitFamily().create(
                new org.pclora.vit.VitFamily().resolve(com.typesafe.config.ConfigFactory.parseString(
                        "arch = custom, image_size = 28, patch_size = 7, channels = 1, depth = 1, width = 16, heads = 2,"
                                + " mlp = 32, num_classes = 10")), 0);
        // [CLS] token, position embeddings, patch projection weight and bias
        assertEquals(4, StudentStage.freezeEmbeddings(vit));
    }

    @Test
    void outOfRangeValuesAreOneLineErrorsNamingTheKey(@TempDir Path out) {
        String[][] cases = {{"pclora.rank=0", "(pclora.rank) = 0 is out of range"},
            {"pclora.ratio=1.5", "pclora.ratio = 1.5 is out of range"}, {"pclora.ratio=0", "pclora.ratio = 0.0 is out of range"},
            {"loss.alpha=-0.1", "loss.alpha = -0.1 is out of range"}, {"loss.alpha=2", "loss.alpha = 2.0 is out of range"},
            {"student.batch_size=0", "batch_size = 0 is not accepted"}, {"pclora.bias=maybe", "pclora.bias = 'maybe'"},
            {"pclora.targets=nothing-matches", "matches no linear layer"}, {"schedule.name=sinus", "unknown schedule 'sinus'"},
            {"train.eval_every=-1", "train.eval_every = -1 is not accepted"},
            {"train.select=best", "train.select = 'best' is not accepted: last or best_val"},
            {"train.select=best_val", "train.select = best_val needs train.eval_every > 0"},
            {"teacher.patience=-2", "teacher.patience = -2 is not accepted"}};
        for (String[] c : cases) {
            RunDirectory dir = new RunDirectory(out.resolve("x"));
            Throwable t = assertThrows(RuntimeException.class, () -> runner(config(out, c[0])).run(dir, List.of()));
            while (!(t instanceof PcLoraException) && t.getCause() != null) {
                t = t.getCause(); // Guice wraps errors thrown by providers
            }
            assertTrue(t instanceof PcLoraException && t.getMessage().contains(c[1]), c[0] + " -> " + t);
            assertFalse(t.getMessage().contains("\n"));
            assertFalse(Files.exists(dir.path()), c[0] + " left a run directory");
        }
    }

    @Test
    void badRankLeavesNoRunDirectory(@TempDir Path out) {
        RunDirectory dir = new RunDirectory(out.resolve("bad"));
        PcLoraException e = assertThrows(PcLoraException.class,
                () -> runner(config(out, "pclora.rank=17")).run(dir, List.of()));
        assertTrue(e.getMessage().contains("rank 17"), e.getMessage());
        assertFalse(Files.exists(dir.path()));
    }

    @Test
    void anEditedDataFileMakesTheTeacherCacheMiss(@TempDir Path out) throws Exception {
        Path data = out.resolve("data.txt");
        Files.writeString(data, "version 1");
        Config c = config(out, "teacher.epochs=1", "student.epochs=1")
                .withValue("dataset.path", ConfigValueFactory.fromAnyRef(data.toString()));
        RunSummary a = runner(c).run(new RunDirectory(out.resolve("a")), List.of());
        RunSummary b = runner(c).run(new RunDirectory(out.resolve("b")), List.of());
        assertEquals(a.teacher().cacheKey(), b.teacher().cacheKey(), "same data: the cached teacher is reused");
        assertEquals(org.pclora.core.provenance.Hashes.file(data), a.provenance().data().get(data.toString()));
        Files.writeString(data, "version 2");
        RunSummary d = runner(c).run(new RunDirectory(out.resolve("d")), List.of());
        assertFalse(a.teacher().cacheKey().equals(d.teacher().cacheKey()), "edited data: the cache must miss");
        assertTrue(Files.readAllLines(out.resolve("d").resolve(RunDirectory.METRICS)).stream()
                .anyMatch(l -> l.contains("\"teacher\"")), "the teacher was trained again");
        // The export carries the provenance, with the data and teacher hashes.
        String meta = org.pclora.core.io.Safetensors.readMetadata(Path.of(d.compressed().weights()))
                .get(org.pclora.core.io.StateDict.PROVENANCE_KEY);
        assertTrue(meta.contains(org.pclora.core.provenance.Hashes.file(data)), meta);
        assertTrue(meta.contains(org.pclora.core.provenance.Hashes.file(Path.of(d.teacher().weights()))), meta);
    }
}
