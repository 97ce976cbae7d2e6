package org.pclora.distill;

import org.pclora.core.model.FeatureKind;

/**
 * Mean squared error between teacher and student outputs of each adapted linear layer
 * ({@code layer.<slot>}), averaged over all elements and then over layers. No parameters.
 */
public final class LayerMseLoss extends MeanSquaredFeatureLoss {
    /** The loss (ServiceLoader's constructor). */
    public LayerMseLoss() {
        super(FeatureKind.ADAPTED_LAYER_OUTPUT);
    }

    @Override
    public String name() {
        return "layer-mse";
    }

    @Override
    public String description() {
        return "MSE between teacher and student outputs of each adapted linear layer, averaged over layers";
    }
}
