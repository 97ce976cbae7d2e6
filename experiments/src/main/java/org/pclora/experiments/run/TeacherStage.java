package org.pclora.experiments.run;

import org.pclora.core.train.Validation;
import java.util.function.Consumer;
import java.util.List;
import java.util.ArrayList;
import com.google.inject.Inject;
import com.google.inject.name.Named;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.AtomicFiles;
import org.pclora.core.io.StateDict;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.spi.ModelFamily;
import org.pclora.core.train.Evaluator;
import org.pclora.core.train.Trainer;
import org.pclora.core.train.TrainingSettings;

/**
 * The teacher stage of a run: the fine-tuned teacher from the {@link TeacherCache}, keyed by
 * what determines it ({@link RunProvenance#teacherKey()}), or trained into it first: from the
 * pre-trained checkpoint (or a fresh initialisation), fine-tuned with the teacher's training
 * settings, evaluated on the test split.
 */
public final class TeacherStage {
    private final ModelFamily family;
    private final TrainingSettings training;
    private final RunProvenance provenance;

    /**
     * A teacher in the cache.
     *
     * @param key      its cache key
     * @param weights  its weights file
     * @param accuracy its test accuracy, measured when it was trained
     */
    public record Teacher(String key, Path weights, double accuracy) {
    }

    @Inject
    public TeacherStage(ModelFamily family, @Named("teacher") TrainingSettings training, RunProvenance provenance) {
        this.family = family;
        this.training = training;
        this.provenance = provenance;
    }

    /**
     * The plan's teacher from the cache; trained first when it is not there, its metrics and
     * checkpoints logged in the segment's run directory (from whose checkpoint a stopped
     * training resumes).
     */
    public Teacher obtain(RunPlan plan, RunSegment segment) {
        TeacherCache cache = new TeacherCache(plan.settings().teacherCache());
        String key = provenance.teacherKey();
        Path weights = cache.getOrTrain(key, () -> train(plan, segment, cache, key));
        return new Teacher(key, weights, accuracy(cache.info(key)));
    }

    /** The teacher's model, loaded from the cache for inference (frozen). */
    public ClassifierModel load(Teacher teacher, RunPlan plan) {
        return family.load(teacher.weights(), plan.architecture(), true);
    }

    /** Fine-tunes the teacher and writes its weights and cache entry ({@code accuracy}, where, definition). */
    private Path train(RunPlan plan, RunSegment segment, TeacherCache cache, String key) {
        ClassifierModel teacher = plan.pretrained(family, plan.settings().teacherSeed());
        Trainer trainer = new Trainer(training, segment.metricsSink("teacher", training, plan.train()),
                segment.checkpoints());
        ValidationSettings checks = plan.checks();
        List<Map<String, Object>> curve = new ArrayList<>();
        if (checks.teacherValidates()) {
            // with patience, teacher.epochs is a maximum and the best evaluation's weights are cached
            int every = checks.teacherEvalEvery() > 0 ? checks.teacherEvalEvery()
                    : (int) training.stepsPerEpoch(plan.train().size());
            Consumer<Validation.Point> sink = segment.validationSink();
            trainer.validate(new Validation(plan.validation(), every, plan.settings().evalBatchSize(),
                    checks.patience() > 0, checks.patience()), p -> {
                        sink.accept(p);
                        Map<String, Object> point = new LinkedHashMap<>();
                        point.put("step", p.step());
                        point.put("val_accuracy", p.accuracy());
                        point.put("val_loss", p.loss());
                        curve.add(point);
                    });
        }
        trainer.trainTeacher(teacher, plan.train());
        double acc = Evaluator.accuracy(teacher, plan.test(), plan.settings().evalBatchSize());
        StateDict.save(cache.weights(key), teacher, provenance.get().toJson());
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("accuracy", acc);
        info.put("trained_in", segment.dir().path().toString());
        info.put("definition", provenance.teacherDefinition().root().unwrapped());
        Validation.Selected sel = trainer.selected();
        if (sel != null) {
            // the validation curve beside the weights (on resume: the evaluations after the checkpoint)
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("selected_step", sel.step());
            v.put("val_accuracy", sel.accuracy());
            v.put("val_loss", sel.loss());
            v.put("steps_run", sel.stepsRun());
            v.put("stopped_early", sel.stoppedEarly());
            v.put("patience", checks.patience());
            v.put("validation", plan.validation().source());
            v.put("curve", curve);
            info.put("validation", v);
        }
        AtomicFiles.write(cache.info(key), out -> out.write(RunDirectory.JSON.writeValueAsBytes(info)));
        return cache.weights(key);
    }

    private static double accuracy(Path info) {
        try {
            return ((Number) RunDirectory.JSON.readValue(info.toFile(), Map.class).get("accuracy")).doubleValue();
        } catch (IOException | RuntimeException e) {
            throw new PcLoraException("teacher cache entry " + info + " is unreadable: " + e.getMessage()
                    + " (delete it to retrain the teacher)");
        }
    }
}
