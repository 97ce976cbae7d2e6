package org.pclora.distill;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.spi.DistillLoss;
import org.pclora.core.spi.PluginValues;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;
import org.pclora.core.spi.PluginParameters;

/**
 * {@code L = (1/K) sum_k mean((s_k - t_k)^2)} over the K features of one kind, the mean taken over
 * the elements of each feature at real tokens; {@code dL/ds_k = 2 m (s_k - t_k) / (K * n_k)} with
 * {@code m} 1 at real tokens, 0 at padding and {@code n_k} the number of elements at real tokens.
 * With a padding mask ({@link Features#TOKEN_MASK}, [B, T]) the real elements are: the token rows
 * of hidden states [B, T, D] and of layer outputs [B*T, out], and the (query, key) pairs of real
 * tokens of attention probabilities [B, H, T, T]; without one, every element (as in ViT). Padded
 * positions are excluded because their hidden states carry nothing the classifier reads and would
 * dilute the mean by the padding share of the batch. Shared by {@code feature-mse},
 * {@code layer-mse} and {@code attention-mse}.
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
        INDArray mask = student.contains(Features.TOKEN_MASK) ? student.get(Features.TOKEN_MASK)
                : teacher.get(Features.TOKEN_MASK);
        for (FeaturePairs.Pair p : pairs) {
            INDArray diff = p.student().sub(p.teacher());
            INDArray weight = realElements(mask, diff);
            long n = diff.length();
            if (weight != null) {
                diff.muli(weight);
                n = Math.round(weight.sumNumber().doubleValue());
                if (n == 0) {
                    throw new org.pclora.core.PcLoraException("distill loss '" + name() + "': the batch's padding mask"
                            + " marks no real token; every example needs at least one");
                }
            }
            double norm = diff.norm2Number().doubleValue(); // one reduction, no squared copy
            loss += norm * norm / n;
            // the difference array is ours: scale it in place into the gradient
            grads.put(p.name(), diff.muli(2.0 / ((double) k * n)));
        }
        return new Result(loss / k, grads);
    }

    /**
     * 1 at the elements of {@code feature} that belong to real tokens, 0 at padding, shaped like it;
     * null without a mask or when the feature's shape does not carry tokens the mask describes.
     */
    static INDArray realElements(INDArray mask, INDArray feature) {
        if (mask == null) {
            return null;
        }
        long b = mask.size(0);
        long t = mask.size(1);
        INDArray m = mask.castTo(feature.dataType());
        long[] s = feature.shape();
        if (s.length == 3 && s[0] == b && s[1] == t) {
            return m.reshape('c', b, t, 1).broadcast(s);
        }
        if (s.length == 2 && s[0] == b * t) {
            return m.reshape('c', b * t, 1).broadcast(s);
        }
        if (s.length == 4 && s[0] == b && s[2] == t && s[3] == t) {
            INDArray q = m.reshape('c', b, 1, t, 1).broadcast(s);
            return q.mul(m.reshape('c', b, 1, 1, t).broadcast(s));
        }
        return null;
    }

    @Override
    public PluginParameters parameters() {
        return PluginParameters.none();
    }

    @Override
    public DistillLoss configure(Config params) {
        PluginValues.of("distill loss '" + name() + "'", this, params);
        return this;
    }
}
