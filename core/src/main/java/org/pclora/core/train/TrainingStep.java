package org.pclora.core.train;

import java.util.Set;
import org.pclora.core.model.Batch;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.SoftmaxCrossEntropy;
import org.pclora.core.optim.AdamW;
import org.pclora.core.spi.FeatureKind;
import org.pclora.core.spi.Features;

/**
 * One optimisation step as {@link Trainer} runs it: the frozen teacher's forward when the
 * objective needs it, the model's training forward, the objective, backward, global-norm clipping
 * and the AdamW update. The trainer and the benchmarks call this one method, so a benchmark times
 * the trainer's own step. The caller opens the step's workspace scope around it.
 */
public final class TrainingStep {
    /**
     * What one step did.
     *
     * @param objective    the objective's value and parts
     * @param gradientNorm the global gradient norm before clipping (NaN when the step stopped at a
     *                     non-finite loss)
     * @param nonFinite    null for a completed step, else what was not finite ({@code loss} or
     *                     {@code gradient norm}); the parameters are then not updated
     */
    public record Outcome(Objective.Result objective, double gradientNorm, String nonFinite) {
    }

    private final ClassifierModel model;
    private final ClassifierModel teacher;
    private final Objective objective;
    private final AdamW optimizer;
    private final double clipNorm;
    private final Set<FeatureKind> taps;
    private final boolean needTeacher;

    /**
     * @param model     the model being trained
     * @param teacher   the frozen teacher (evaluation mode), or null
     * @param objective the training objective
     * @param optimizer the optimizer over the model's trainable parameters
     * @param clipNorm  the global gradient-norm limit; 0 or less for none (the norm is still computed)
     */
    public TrainingStep(ClassifierModel model, ClassifierModel teacher, Objective objective, AdamW optimizer,
                        double clipNorm) {
        this.model = model;
        this.teacher = teacher;
        this.objective = objective;
        this.optimizer = optimizer;
        this.clipNorm = clipNorm > 0 ? clipNorm : Double.POSITIVE_INFINITY;
        this.taps = objective.requiredFeatureKinds();
        this.needTeacher = teacher != null && objective.needsTeacher();
    }

    /** Runs one step on {@code batch} at learning rate {@code lr}. */
    public Outcome run(Batch batch, double lr) {
        Features tf = needTeacher ? teacher.forward(batch, false, taps) : null;
        Features sf = model.forward(batch, true, taps);
        SoftmaxCrossEntropy.Result ce = SoftmaxCrossEntropy.lossAndGradient(sf.get("logits"), batch.labels());
        Objective.Result r = objective.compute(ce.loss(), ce.dLogits(), tf, sf);
        if (!Double.isFinite(r.total())) {
            return new Outcome(r, Double.NaN, "loss");
        }
        optimizer.zeroGrad();
        model.backward(r.studentGradients());
        double norm = optimizer.clipGlobalNorm(clipNorm);
        if (!Double.isFinite(norm)) {
            return new Outcome(r, norm, "gradient norm");
        }
        optimizer.step(lr);
        return new Outcome(r, norm, null);
    }
}
