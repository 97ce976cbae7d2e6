package org.pclora.core.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.adapter.Adapters;
import org.pclora.core.data.Dataset;
import org.pclora.core.memory.StepWorkspace;
import org.pclora.core.model.Batch;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.Parameter;
import org.pclora.core.optim.AdamW;
import org.pclora.core.optim.LearningRateSchedule;
import org.pclora.core.spi.DecaySchedule;

/**
 * The training loop of both phases: the teacher's full fine-tune (task loss only) and the PC-LoRA
 * student (lambda from the decay schedule, task + distillation objective against the frozen
 * teacher). Deterministic for a seed; with a {@link CheckpointStore} it saves every
 * {@code checkpointEvery} steps and resumes from the last checkpoint of the phase.
 */
public final class Trainer {
    private final TrainingSettings settings;
    private final Consumer<StepMetrics> listener;
    private final CheckpointStore checkpoints;

    /**
     * @param settings    optimisation settings of the phase
     * @param listener    receives metrics every {@code logEvery} steps and at the last step
     * @param checkpoints where to save and resume, or null for none
     */
    public Trainer(TrainingSettings settings, Consumer<StepMetrics> listener, CheckpointStore checkpoints) {
        this.settings = settings;
        this.listener = listener;
        this.checkpoints = checkpoints;
    }

    /** Full fine-tune of {@code model} with cross-entropy on the labels. */
    public void trainTeacher(ClassifierModel model, Dataset data) {
        run("teacher", model, null, null, 1.0, new Objective(1.0, List.of()), data);
    }

    /**
     * PC-LoRA training of a student whose adapted layers are already in place: lambda(n) from
     * {@code schedule} reaching 0 at {@code round(ratio * totalSteps)}; objective against the
     * frozen {@code teacher} (evaluation mode).
     */
    public void trainStudent(ClassifierModel teacher, ClassifierModel student, DecaySchedule schedule, double ratio,
                             Objective objective, Dataset data) {
        run("student", student, teacher, schedule, ratio, objective, data);
    }

    private void run(String phase, ClassifierModel model, ClassifierModel teacher, DecaySchedule schedule,
                     double ratio, Objective objective, Dataset data) {
        List<Parameter> params = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            if (p.isTrainable()) {
                params.add(p);
            }
        }
        long examples = data.size();
        if (examples == 0) {
            throw new org.pclora.core.PcLoraException("training set " + data.source() + " is empty: it needs at least one example");
        }
        long perEpoch = settings.stepsPerEpoch(examples);
        long total = settings.totalSteps(examples);
        long decayEnd = DecaySchedule.decayEndStep(ratio, total);
        AdamW optimizer = new AdamW(params, settings.beta1(), settings.beta2(), settings.eps(), settings.weightDecay());
        LearningRateSchedule lrs = new LearningRateSchedule(settings.learningRate(), settings.minLearningRate(),
                Math.round(settings.warmupRatio() * total), total);
        TrainingStep oneStep = new TrainingStep(model, teacher, objective, optimizer, settings.clipNorm());

        long step = 0;
        if (checkpoints != null) {
            var saved = checkpoints.load(phase);
            if (saved.isPresent()) {
                step = restore(saved.get(), params, optimizer);
            }
        }
        long windowStart = System.nanoTime();
        long windowExamples = 0;
        // one workspace for all steps of the phase: temporaries are reused, not allocated per step
        try (StepWorkspace workspace = new StepWorkspace("PCLORA_TRAIN_STEP")) {
            while (step < total) {
                long epoch = step / perEpoch;
                Iterator<Batch> it = data.batches(settings.batchSize(), true, settings.seed() + epoch, true);
                for (long skip = step % perEpoch; skip > 0 && it.hasNext(); skip--) {
                    it.next(); // resume mid-epoch: same order, batches already consumed are skipped
                }
                while (it.hasNext() && step < total) {
                    Batch batch = it.next();
                    double lambda = schedule == null ? 1.0 : schedule.lambda(step, decayEnd);
                    if (schedule != null) {
                        Adapters.setLambda(model, lambda);
                    }
                    double lr = lrs.lr(step);
                    TrainingStep.Outcome o;
                    try (StepWorkspace.Scope ignored = workspace.step()) {
                        o = oneStep.run(batch, lr);
                    }
                    Objective.Result r = o.objective();
                    double norm = o.gradientNorm();
                    if (o.nonFinite() != null) {
                        throw diverged(phase, step, r, lambda, o.nonFinite());
                    }
                    step++;
                    windowExamples += batch.size();
                    if (step % settings.logEvery() == 0 || step == total) {
                        long now = System.nanoTime();
                        double eps = windowExamples / Math.max(1e-9, (now - windowStart) / 1e9);
                        listener.accept(new StepMetrics(phase, step, total, lambda, r.task(), r.distill(), r.total(), lr,
                                norm, eps));
                        windowStart = now;
                        windowExamples = 0;
                    }
                    if (checkpoints != null && settings.checkpointEvery() > 0 && step % settings.checkpointEvery() == 0
                            && step < total) {
                        checkpoints.save(phase, snapshot(step, params, optimizer));
                    }
                }
            }
        }
        if (schedule != null) {
            Adapters.setLambda(model, schedule.lambda(total, decayEnd));
        }
    }

    private TrainingDivergedException diverged(String phase, long step, Objective.Result r, double lambda, String what) {
        String ckpt = checkpoints == null ? "no checkpoints are kept"
                : "the last good checkpoint " + checkpoints.file(phase) + " is intact";
        return new TrainingDivergedException(String.format(Locale.ROOT,
                "%s training diverged at step %d: non-finite %s (task loss %s, distill loss %s, lambda %.6f); %s;"
                        + " lower the learning rate or check the data", phase, step, what, r.task(), r.distill(),
                lambda, ckpt), step);
    }

    private static CheckpointStore.State snapshot(long step, List<Parameter> params, AdamW optimizer) {
        Map<String, INDArray> t = new LinkedHashMap<>();
        for (Parameter p : params) {
            t.put(p.name(), p.value());
        }
        optimizer.state().forEach((k, v) -> t.put("optimizer." + k, v));
        return new CheckpointStore.State(step, t);
    }

    private static long restore(CheckpointStore.State state, List<Parameter> params, AdamW optimizer) {
        Map<String, INDArray> opt = new LinkedHashMap<>();
        state.tensors().forEach((k, v) -> {
            if (k.startsWith("optimizer.")) {
                opt.put(k.substring("optimizer.".length()), v);
            }
        });
        for (Parameter p : params) {
            INDArray v = state.tensors().get(p.name());
            if (v == null) {
                throw new org.pclora.core.PcLoraException("checkpoint lacks trainable parameter " + p.name()
                        + ": it belongs to another configuration; resume with the run's own config");
            }
            p.set(v.castTo(p.value().dataType()));
        }
        // Every trainable parameter is stepped at every optimizer step, so each one's bias-correction
        // count equals the global step count.
        Map<String, Long> perParam = new LinkedHashMap<>();
        for (Parameter p : params) {
            if (opt.containsKey(p.name() + ".exp_avg")) {
                perParam.put(p.name(), state.step());
            }
        }
        optimizer.restore(opt, perParam, state.step());
        return state.step();
    }
}
