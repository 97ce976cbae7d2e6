package org.pclora.distill;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pclora.core.spi.DistillLoss;
import org.pclora.core.spi.PluginValues;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;
import org.pclora.core.spi.PluginParameters;

/**
 * {@code L = (1/K) sum_k mean_tokens (1 - cos(t, s))}: one minus the cosine similarity between
 * teacher and student hidden states of each token (the last axis of {@code block.<i>}), averaged
 * over tokens and then over the K blocks. It ignores the hidden states' scale, only their
 * direction. Per token, {@code d(1 - cos)/ds = -(t / (|t||s|) - cos * s / |s|^2)}. Norms are
 * clamped at {@value #EPS} so an all-zero state gives a finite loss. No parameters.
 */
public final class CosineLoss implements DistillLoss {
    /** Lower bound on vector norms (as torch's cosine_similarity eps). */
    public static final double EPS = 1e-8;

    @Override
    public String name() {
        return "cosine";
    }

    @Override
    public PluginParameters parameters() {
        return PluginParameters.none();
    }

    @Override
    public String description() {
        return "1 - cosine similarity of teacher and student block outputs per token, averaged over tokens and blocks";
    }

    @Override
    public Set<FeatureKind> requires() {
        return Set.of(FeatureKind.BLOCK_OUTPUT);
    }

    @Override
    public Result compute(Features teacher, Features student) {
        List<FeaturePairs.Pair> pairs = FeaturePairs.of(name(), FeatureKind.BLOCK_OUTPUT, teacher, student);
        int k = pairs.size();
        Features grads = new Features();
        double loss = 0;
        for (FeaturePairs.Pair p : pairs) {
            long[] shape = p.student().shape();
            long width = shape[shape.length - 1];
            long rows = p.student().length() / width;
            INDArray s = p.student().reshape('c', rows, width);
            INDArray t = p.teacher().reshape('c', rows, width);
            INDArray sNorm = s.norm2(1).reshape(rows, 1);
            INDArray tNorm = t.norm2(1).reshape(rows, 1);
            Transforms.max(sNorm, EPS, false);
            Transforms.max(tNorm, EPS, false);
            INDArray dot = s.mul(t).sum(1).reshape(rows, 1);
            INDArray cos = dot.div(sNorm).divi(tNorm);
            loss += (rows - cos.sumNumber().doubleValue()) / rows;
            // grad = -(t / (|t||s|) - cos * s / |s|^2) / (rows * K)
            INDArray g = s.mulColumnVector(cos.div(sNorm.mul(sNorm)));
            g.subi(t.divColumnVector(sNorm.mul(tNorm)));
            g.muli(1.0 / ((double) rows * k));
            grads.put(p.name(), g.reshape('c', shape));
        }
        return new Result(loss / k, grads);
    }

    @Override
    public DistillLoss configure(Config params) {
        PluginValues.of("distill loss '" + name() + "'", this, params);
        return this;
    }
}
