package org.pclora.core.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.adapter.Adapters;
import org.pclora.core.data.Dataset;
import org.pclora.core.memory.StepWorkspace;
import org.pclora.core.model.Batch;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.Dropout;
import org.pclora.core.nn.Parameter;
import org.pclora.core.nn.SoftmaxCrossEntropy;
import org.pclora.core.optim.AdamW;
import org.pclora.core.optim.LearningRateSchedule;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop of both phases: the teacher's full fine-tune (task loss only) and the PC-LoRA
 * student (lambda from the decay schedule, task + distillation objective against the frozen
 * teacher). Deterministic for a seed; with a {@link CheckpointStore} it saves every
 * {@code checkpointEvery} steps and resumes from the last checkpoint of the phase.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    /** Checkpoint tensor name prefix of the mask streams, by index among the dropout layers with p > 0. */
    static final String DROPOUT_STREAM = "rng.dropout.";
    private final TrainingSettings settings;
    private final Consumer<StepMetrics> listener;
    private final CheckpointStore checkpoints;
    /** Checkpoint tensor prefix of the best weights so far, and the name of the selection's state. */
    static final String SELECT_PREFIX = "select.";
    static final String SELECT_STATE = "select.state";
    private Validation validation;
    private Consumer<Validation.Point> validationListener = p -> { };
    private Validation.Selected selected;

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

    /**
     * Evaluates on {@code v.data()} every {@code v.every()} steps and after the last, reporting each
     * evaluation to {@code listener}; with {@code v.selectBest()} the phase ends with the best
     * eligible weights, with {@code v.patience()} it stops early.
     */
    public Trainer validate(Validation v, Consumer<Validation.Point> listener) {
        this.validation = v;
        this.validationListener = listener;
        return this;
    }

    /** What the last phase ended with (null without validation). */
    public Validation.Selected selected() {
        return selected;
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
        Set<FeatureKind> taps = objective.requiredFeatureKinds();
        boolean needTeacher = teacher != null && objective.needsTeacher();

        long step = 0;
        Best best = new Best();
        if (checkpoints != null) {
            var saved = checkpoints.load(phase);
            if (saved.isPresent()) {
                step = restore(saved.get(), params, optimizer, drawing(model), checkpoints.file(phase));
                best.restore(saved.get(), params);
            }
        }
        double finalLambda = schedule == null ? 1.0 : schedule.lambda(total, decayEnd);
        boolean stopped = false;
        long windowStart = System.nanoTime();
        long windowExamples = 0;
        // one workspace for all steps of the phase: temporaries are reused, not allocated per step
        try (StepWorkspace workspace = new StepWorkspace("PCLORA_TRAIN_STEP")) {
            while (step < total && !stopped) {
                long epoch = step / perEpoch;
                Iterator<Batch> it = data.batches(settings.batchSize(), true, new RunSeeds(settings.seed()).epochOrder(epoch), true);
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
                    Step done = step(workspace, model, needTeacher ? teacher : null, taps, objective, batch, optimizer,
                            settings.clipNorm(), lr);
                    Objective.Result r = done.result();
                    double norm = done.gradNorm();
                    if (!Double.isFinite(r.total())) {
                        throw diverged(phase, step, r, lambda, "loss");
                    }
                    if (!Double.isFinite(norm)) {
                        throw diverged(phase, step, r, lambda, "gradient norm");
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
                    if (validation != null && (step % validation.every() == 0 || step == total)) {
                        double at = schedule == null ? 1.0 : schedule.lambda(step, decayEnd);
                        if (schedule != null) {
                            Adapters.setLambda(model, at);
                        }
                        Evaluator.Score sc = Evaluator.score(model, validation.data(), validation.batchSize());
                        boolean eligible = at == finalLambda;
                        validationListener.accept(new Validation.Point(phase, step, at, sc.accuracy(), sc.loss(),
                                eligible));
                        best.evaluations++;
                        if (eligible) {
                            if (best.improvedBy(sc)) {
                                best.take(step, sc, validation.selectBest() || validation.patience() > 0 ? params : null);
                            } else {
                                best.bad++;
                            }
                            if (validation.patience() > 0 && best.bad >= validation.patience() && step < total) {
                                LOG.info("{}: validation accuracy not above {} (step {}) for {} evaluations: stopping at"
                                        + " step {} of {}", phase, best.accuracy, best.step, best.bad, step, total);
                                stopped = true;
                                break;
                            }
                        }
                    }
                    if (checkpoints != null && settings.checkpointEvery() > 0 && step % settings.checkpointEvery() == 0
                            && step < total) {
                        CheckpointStore.State st = snapshot(step, params, optimizer, drawing(model));
                        best.save(st.tensors());
                        checkpoints.save(phase, st);
                    }
                }
            }
        }
        selected = null;
        if (validation != null) {
            boolean restoreBest = (validation.selectBest() || validation.patience() > 0) && best.weights != null;
            if (restoreBest) {
                for (Parameter p : params) {
                    p.set(best.weights.get(p.name()));
                }
            }
            long at = restoreBest ? best.step : step;
            selected = new Validation.Selected(at, restoreBest ? best.accuracy : best.lastAccuracy,
                    restoreBest ? best.loss : best.lastLoss, best.evaluations, step, stopped);
        }
        if (schedule != null) {
            Adapters.setLambda(model, finalLambda);
        }
    }

    /** The best eligible validation evaluation so far, its weights, and the evaluations since. */
    private static final class Best {
        long step = -1;
        double accuracy = Double.NEGATIVE_INFINITY;
        double loss = Double.POSITIVE_INFINITY;
        double lastAccuracy = Double.NaN;
        double lastLoss = Double.NaN;
        int bad;
        int evaluations;
        Map<String, INDArray> weights;

        /** Higher accuracy, or equal accuracy at a lower loss. */
        boolean improvedBy(Evaluator.Score s) {
            lastAccuracy = s.accuracy();
            lastLoss = s.loss();
            return s.accuracy() > accuracy || s.accuracy() == accuracy && s.loss() < loss;
        }

        void take(long at, Evaluator.Score s, List<Parameter> params) {
            step = at;
            accuracy = s.accuracy();
            loss = s.loss();
            bad = 0;
            if (params != null) {
                weights = new LinkedHashMap<>();
                for (Parameter p : params) {
                    weights.put(p.name(), p.value().dup());
                }
            }
        }

        void save(Map<String, INDArray> t) {
            if (step < 0) {
                return;
            }
            t.put(SELECT_STATE, Nd4j.createFromArray(new double[] {step, accuracy, loss, bad, evaluations,
                lastAccuracy, lastLoss}));
            if (weights != null) {
                weights.forEach((k, v) -> t.put(SELECT_PREFIX + k, v));
            }
        }

        void restore(CheckpointStore.State state, List<Parameter> params) {
            INDArray s = state.tensors().get(SELECT_STATE);
            if (s == null) {
                return;
            }
            double[] v = s.toDoubleVector();
            step = (long) v[0];
            accuracy = v[1];
            loss = v[2];
            bad = (int) v[3];
            evaluations = (int) v[4];
            lastAccuracy = v[5];
            lastLoss = v[6];
            Map<String, INDArray> w = new LinkedHashMap<>();
            for (Parameter p : params) {
                INDArray t = state.tensors().get(SELECT_PREFIX + p.name());
                if (t != null) {
                    w.put(p.name(), t.castTo(p.value().dataType()));
                }
            }
            weights = w.size() == params.size() ? w : null;
        }
    }

    /**
     * What one step did: the objective's values and the global gradient norm before clipping
     * (NaN when the loss was not finite and nothing was stepped).
     */
    public record Step(Objective.Result result, double gradNorm) {
    }

    /**
     * One optimizer step exactly as training runs it (also what {@code pclora bench train} times):
     * inside a scope of {@code workspace}, the teacher's features (when {@code teacher} is given),
     * the model's training forward, cross-entropy and the objective, backward, gradient clipping
     * at {@code clipNorm} (0 = none) and the AdamW update at {@code lr}. A non-finite loss or
     * gradient norm stops before the update; the caller decides what to do.
     */
    public static Step step(StepWorkspace workspace, ClassifierModel model, ClassifierModel teacher,
                            Set<FeatureKind> taps, Objective objective, Batch batch, AdamW optimizer, double clipNorm,
                            double lr) {
        return step(workspace, model, teacher, taps, objective, batch, optimizer, clipNorm, lr, null);
    }

    /**
     * {@link #step} that runs {@code afterForward} (when not null) between the student's forward and
     * its loss, inside the step's scope: where a measurement sees the activations kept for backward
     * ({@code pclora bench train} reads the workspace's use there).
     */
    public static Step step(StepWorkspace workspace, ClassifierModel model, ClassifierModel teacher,
                            Set<FeatureKind> taps, Objective objective, Batch batch, AdamW optimizer, double clipNorm,
                            double lr, Runnable afterForward) {
        try (StepWorkspace.Scope ignored = workspace.step()) {
            Features tf = teacher != null ? teacher.forward(batch, false, taps) : null;
            Features sf = model.forward(batch, true, taps);
            if (afterForward != null) {
                afterForward.run();
            }
            SoftmaxCrossEntropy.Result ce = SoftmaxCrossEntropy.lossAndGradient(sf.get("logits"), batch.labels());
            Objective.Result r = objective.compute(ce.loss(), ce.dLogits(), tf, sf);
            if (!Double.isFinite(r.total())) {
                return new Step(r, Double.NaN);
            }
            optimizer.zeroGrad();
            model.backward(r.studentGradients());
            double norm = optimizer.clipGlobalNorm(clipNorm > 0 ? clipNorm : Double.POSITIVE_INFINITY);
            if (Double.isFinite(norm)) {
                optimizer.step(lr);
            }
            return new Step(r, norm);
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

    /** The model's dropout layers that draw masks (p > 0): their streams are what a checkpoint keeps. */
    private static List<Dropout> drawing(ClassifierModel model) {
        return model.dropouts().stream().filter(d -> d.p() > 0).toList();
    }

    private static CheckpointStore.State snapshot(long step, List<Parameter> params, AdamW optimizer,
                                                  List<Dropout> dropouts) {
        Map<String, INDArray> t = new LinkedHashMap<>();
        for (Parameter p : params) {
            t.put(p.name(), p.value());
        }
        optimizer.state().forEach((k, v) -> t.put("optimizer." + k, v));
        for (int i = 0; i < dropouts.size(); i++) {
            long[] state = dropouts.get(i).streamState();
            INDArray v = Nd4j.create(DataType.LONG, 2); // not putScalar: it passes a double, 53 bits
            v.data().put(0, state[0]);
            v.data().put(1, state[1]);
            t.put(DROPOUT_STREAM + i, v);
        }
        return new CheckpointStore.State(step, t);
    }

    /**
     * Puts the model's dropout mask streams where the checkpoint left them. A checkpoint written
     * before streams were kept restarts them (with a warning: the resumed run then draws other masks
     * than the uninterrupted one would have); a different number of streams is another model.
     */
    private static void restoreStreams(CheckpointStore.State state, List<Dropout> dropouts, Path file) {
        if (dropouts.isEmpty()) {
            return; // nothing draws masks (streams a checkpoint may hold for p = 0 layers are never read)
        }
        long kept = state.tensors().keySet().stream().filter(k -> k.startsWith(DROPOUT_STREAM)).count();
        if (kept == 0) {
            LOG.warn("checkpoint {} keeps no dropout mask streams (written before they were kept): the resumed"
                    + " run draws its masks afresh and will not be bit-identical to an uninterrupted one", file);
            return;
        }
        if (kept != dropouts.size()) {
            throw new org.pclora.core.PcLoraException("checkpoint " + file + " keeps " + kept
                    + " dropout mask streams but the model has " + dropouts.size() + " (dropout layers with p > 0)"
                    + ": it belongs to another configuration; resume with the run's own config");
        }
        for (int i = 0; i < dropouts.size(); i++) {
            INDArray v = state.tensors().get(DROPOUT_STREAM + i);
            if (v == null || v.length() != 2) {
                throw new org.pclora.core.PcLoraException("checkpoint " + file + ": " + DROPOUT_STREAM + i
                        + " is missing or not 2 numbers; remove the checkpoint to start the phase afresh");
            }
            dropouts.get(i).restoreStreamState(v.toLongVector());
        }
    }

    private static long restore(CheckpointStore.State state, List<Parameter> params, AdamW optimizer,
                                List<Dropout> dropouts, Path file) {
        restoreStreams(state, dropouts, file);
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
