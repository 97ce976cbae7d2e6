package org.pclora.core.spi;

import com.typesafe.config.Config;
import java.util.Set;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;

/**
 * A knowledge-distillation loss between a frozen teacher and the student, on the features of
 * one batch. The training objective is {@code alpha * task + (1 - alpha) * sum_k w_k * distill_k}.
 */
public interface DistillLoss extends Plugin {

    /** The feature kinds this loss reads; the model family must tap all of them. */
    Set<FeatureKind> requires();

    /**
     * Loss value and its gradient with respect to every student feature it read (same shapes as
     * the features). Teacher features are constants. Must not modify its inputs.
     */
    Result compute(Features teacher, Features student);

    /** A copy configured from the loss's own parameters (e.g. {@code temperature}). */
    default DistillLoss configure(Config params) {
        return this;
    }

    /** A loss value and the gradients with respect to student features. */
    record Result(double loss, Features studentGradients) {
    }
}
