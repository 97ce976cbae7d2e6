package org.pclora.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.experiments.config.ConfigComposer;
import org.pclora.experiments.config.ConfigOverride;

/**
 * Smoke versions of the budget study's experiments (conf/experiment/wordnet-budget*.conf): each one's
 * configuration, shrunk to a one-layer BERT of width 32 from random initialisation on 64 embedded WordNet
 * glosses and a few steps, runs end to end with validation, early stopping and best_val selection.
 */
class WordNetBudgetSmokeTest {
    private static final List<String> TINY = List.of("dataset.path=\"\"", "dataset.limit=64", "dataset.test_limit=32",
            "dataset.val_limit=32", "teacher.checkpoint=\"\"", "model.depth=1", "model.width=32", "model.heads=2",
            "model.mlp=64", "model.max_length=16", "teacher.epochs=2", "teacher.eval_every=2", "teacher.patience=2",
            "teacher.batch_size=16", "student.batch_size=16", "student.epochs=1", "student.train_limit=48",
            "train.eval_every=1", "train.checkpoint_every=0", "pclora.rank=4", "pclora.lora_alpha=4");

    @Test
    @SuppressWarnings("unchecked")
    void everyBudgetExperimentRunsInMiniature(@TempDir Path out) {
        String[][] experiments = {{"wordnet-budget", "row=pclora"}, {"wordnet-budget-grid", "row=lora-kd",
            "optimizer.lr=2e-3", "loss.alpha=0.5"}, {"wordnet-budget-grid", "row=pclora-nokd", "optimizer.lr=1e-3",
            "loss.alpha=0.2"}, {"wordnet-budget-4x", "row=pclora"}, {"wordnet-budget-16x", "row=lora-kd"},
            {"wordnet-budget-q", "row=pclora", "pclora.ratio=0.5"}, {"wordnet-budget-base12", "row=pclora"}};
        int i = 0;
        for (String[] e : experiments) {
            List<ConfigOverride> os = new ArrayList<>();
            os.add(ConfigOverride.parse("experiment=" + e[0]));
            for (int k = 1; k < e.length; k++) {
                os.add(ConfigOverride.parse(e[k]));
            }
            TINY.forEach(t -> os.add(ConfigOverride.parse(t)));
            Config c = new ConfigComposer(Path.of("..", "conf")).compose(os).config()
                    .withValue("output.teacher_cache", ConfigValueFactory.fromAnyRef(out.resolve("teachers").toString()));
            ExperimentRunner runner = Guice.createInjector(new ExperimentModule(c, PluginRegistry.load()))
                    .getInstance(ExperimentRunner.class);
            Map<String, Object> s = runner.run(new RunDirectory(out.resolve("run" + i++)), List.of()).toMap();
            Map<String, Object> sel = (Map<String, Object>) s.get("selection");
            assertEquals("best_val", sel.get("rule"), e[0]);
            // 48 student examples at batch 16: 3 steps, one evaluation after each
            assertEquals(3, ((Number) sel.get("evaluations")).intValue(), e[0]);
            assertTrue(String.valueOf(s.get("student_train")).contains("subset 48 of"), e[0] + ": " + s);
            if (e[1].equals("row=pclora-nokd")) {
                assertEquals(1.0, (double) s.get("alpha"), 0.0, "no distillation: task loss weight 1");
            }
        }
    }
}
