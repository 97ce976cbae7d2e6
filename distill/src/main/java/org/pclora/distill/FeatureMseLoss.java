package org.pclora.distill;

import org.pclora.core.model.FeatureKind;

/**
 * The paper's feature distillation: mean squared error between teacher and student hidden states
 * at the output of each transformer block ({@code block.<i>}), averaged over all elements and then
 * over blocks. No parameters.
 */
public final class FeatureMseLoss extends MeanSquaredFeatureLoss {
    /** The loss (ServiceLoader's constructor). */
    public FeatureMseLoss() {
        super(FeatureKind.BLOCK_OUTPUT);
    }

    @Override
    public String name() {
        return "feature-mse";
    }

    @Override
    public String description() {
        return "MSE between teacher and student block outputs, averaged over blocks (the paper's)";
    }
}
