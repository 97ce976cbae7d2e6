package org.pclora.distill;

import org.pclora.core.model.FeatureKind;

/**
 * Mean squared error between teacher and student attention probability maps
 * ({@code attention.<i>}, [batch, heads, tokens, tokens]), averaged over all elements and then over
 * blocks. No parameters.
 */
public final class AttentionMseLoss extends MeanSquaredFeatureLoss {
    /** The loss (ServiceLoader's constructor). */
    public AttentionMseLoss() {
        super(FeatureKind.ATTENTION_PROBS);
    }

    @Override
    public String name() {
        return "attention-mse";
    }

    @Override
    public String description() {
        return "MSE between teacher and student attention probabilities, averaged over blocks";
    }
}
