package org.pclora.distill;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.spi.DistillLoss;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;
import org.pclora.core.spi.PluginParameters;

/**
 * {@code L = (1/K) sum_k mean((s_k - t_k)^2)} over the K features of one kind, the mean taken over
 * all elements of each feature; {@code dL/ds_k = 2 (s_k - t_k) / (K * numel(s_k))}. Shared by
 * {@code feature-mse}, {@code layer-mse} and {@code attention-mse}.
 */
abstract class MeanSquaredFeatureLoss implements DistillLoss {
    private final FeatureKind kind;

    MeanSquaredFeatureLoss(FeatureKind kind) {
        this.kind = kind;
    }

    @Override
    public Set<FeatureKind> requires() {
        return Set.of(kind);
    }

    @Override
    public Result compute(Features teacher, Features student) {
        List<FeaturePairs.Pair> pairs = FeaturePairs.of(name(), kind, teacher, student);
        Features grads = new Features();
        double loss = 0;
        int k = pairs.size();
        for (FeaturePairs.Pair p : pairs) {
            long n = p.student().length();
            INDArray diff = p.student().sub(p.teacher());
            double norm = diff.norm2Number().doubleValue(); // one reduction, no squared copy
            loss += norm * norm / n;
            // the difference array is ours: scale it in place into the gradient
            grads.put(p.name(), diff.muli(2.0 / ((double) k * n)));
        }
        return new Result(loss / k, grads);
    }

    @Override
    public PluginParameters parameters() {
        return PluginParameters.none();
    }

    @Override
    public DistillLoss configure(Config params) {
        LossParameters.of(name(), params);
        return this;
    }
}
