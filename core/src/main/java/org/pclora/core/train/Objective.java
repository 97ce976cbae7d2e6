package org.pclora.core.train;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.PcLoraException;
import org.pclora.core.spi.DistillLoss;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;
import org.pclora.core.spi.ModelFamily;

/**
 * The PC-LoRA training objective {@code L = alpha * L_task + (1 - alpha) * sum_k w_k * L_distill_k}:
 * combines the task loss with weighted distillation losses and scales their gradients with respect
 * to the student's features (and logits) accordingly, ready for {@code ClassifierModel.backward}.
 */
public final class Objective {

    /** One distillation loss and its weight {@code w_k} (finite, at least 0). */
    public record Term(DistillLoss loss, double weight) {
    }

    /**
     * One evaluation of the objective.
     *
     * @param total            {@code alpha * task + (1 - alpha) * distill}
     * @param task             the task loss as given
     * @param distill          {@code sum_k w_k * L_distill_k} (before the {@code 1 - alpha} factor)
     * @param distillByLoss    each loss's unweighted value, by loss name, in term order
     * @param studentGradients d total / d feature for {@code logits} and every feature a loss read;
     *                         fresh arrays that the caller may modify
     */
    public record Result(double total, double task, double distill, Map<String, Double> distillByLoss,
                         Features studentGradients) {
    }

    private final double alpha;
    private final List<Term> terms;

    /**
     * An objective with task weight {@code alpha} in [0, 1] and the given distillation terms
     * (possibly none: then only {@code alpha * task} remains). Loss names must be distinct.
     */
    public Objective(double alpha, List<Term> terms) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new PcLoraException("objective alpha must be a number in [0, 1] (the task loss weight), got " + alpha);
        }
        Set<String> seen = new HashSet<>();
        for (Term t : terms) {
            if (!(t.weight() >= 0) || Double.isInfinite(t.weight())) {
                throw new PcLoraException("distill loss '" + t.loss().name() + "' weight must be a finite number >= 0, got "
                        + t.weight());
            }
            if (!seen.add(t.loss().name())) {
                throw new PcLoraException("distill loss '" + t.loss().name()
                        + "' is listed twice in the objective; list each loss once with one weight");
            }
        }
        this.alpha = alpha;
        this.terms = List.copyOf(terms);
    }

    /** The objective, checked at start-up against the feature taps of {@code family}. */
    public static Objective of(double alpha, List<Term> terms, ModelFamily family) {
        Objective o = new Objective(alpha, terms);
        o.requireTaps(family.name(), family.taps());
        return o;
    }

    /**
     * Fails when a loss needs a feature kind that the model family does not tap, naming the kind,
     * the loss and the family's taps.
     */
    public void requireTaps(String familyName, Set<FeatureKind> taps) {
        for (Term t : terms) {
            for (FeatureKind kind : new TreeSet<>(t.loss().requires())) {
                if (!taps.contains(kind)) {
                    String tapList = taps.isEmpty() ? "none"
                            : new TreeSet<>(taps).stream().map(Enum::name).collect(Collectors.joining(", "));
                    throw new PcLoraException("distill loss '" + t.loss().name() + "' needs feature kind " + kind
                            + ", which model family '" + familyName + "' does not tap (taps: " + tapList + ")");
                }
            }
        }
    }

    /** The feature kinds the student's and teacher's forward passes must tap (LOGITS is always there). */
    public Set<FeatureKind> requiredFeatureKinds() {
        Set<FeatureKind> kinds = EnumSet.noneOf(FeatureKind.class);
        terms.forEach(t -> kinds.addAll(t.loss().requires()));
        return kinds;
    }

    /** Whether any loss reads features, i.e. whether a teacher forward pass is needed at all. */
    public boolean needsTeacher() {
        return terms.stream().anyMatch(t -> !t.loss().requires().isEmpty());
    }

    /** The task loss weight alpha. */
    public double alpha() {
        return alpha;
    }

    /** The distillation terms in order. */
    public List<Term> terms() {
        return terms;
    }

    /**
     * Evaluates the objective for one batch.
     *
     * @param taskLoss           the task loss (mean cross-entropy)
     * @param taskLogitsGradient d taskLoss / d logits [B, C]; not modified
     * @param teacher            the teacher's features (may be null when {@link #needsTeacher()} is false)
     * @param student            the student's features
     */
    public Result compute(double taskLoss, INDArray taskLogitsGradient, Features teacher, Features student) {
        if (teacher == null && needsTeacher()) {
            throw new IllegalArgumentException("teacher features are required by " + terms.stream()
                    .filter(t -> !t.loss().requires().isEmpty()).map(t -> t.loss().name()).toList());
        }
        Map<String, INDArray> grads = new LinkedHashMap<>();
        grads.put("logits", taskLogitsGradient.mul(alpha));
        Map<String, Double> byLoss = new LinkedHashMap<>();
        double distill = 0;
        for (Term t : terms) {
            DistillLoss.Result r = t.loss().compute(teacher == null ? new Features() : teacher, student);
            byLoss.put(t.loss().name(), r.loss());
            distill += t.weight() * r.loss();
            double scale = (1 - alpha) * t.weight();
            if (scale == 0) {
                continue; // nothing flows back from this term
            }
            for (Map.Entry<String, INDArray> g : r.studentGradients().asMap().entrySet()) {
                INDArray scaled = g.getValue().mul(scale);
                grads.merge(g.getKey(), scaled, INDArray::addi);
            }
        }
        Features out = new Features();
        grads.forEach(out::put);
        return new Result(alpha * taskLoss + (1 - alpha) * distill, taskLoss, distill, byLoss, out);
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        terms.forEach(t -> parts.add(t.weight() + " * " + t.loss().name()));
        return alpha + " * task + " + (1 - alpha) + " * (" + String.join(" + ", parts) + ")";
    }
}
