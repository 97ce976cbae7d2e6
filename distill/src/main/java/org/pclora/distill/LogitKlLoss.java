package org.pclora.distill;

import com.typesafe.config.Config;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pclora.core.spi.DistillLoss;
import org.pclora.core.spi.PluginValues;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;
import org.pclora.core.spi.PluginParameter;
import org.pclora.core.spi.PluginParameters;

/**
 * Hinton's logit distillation: {@code L = T^2 * mean_b KL(softmax(t_b / T) || softmax(s_b / T))}
 * over the batch rows b of the logits [B, C]. The T^2 factor keeps gradient magnitudes comparable
 * across temperatures; {@code dL/ds = T (softmax(s/T) - softmax(t/T)) / B}. Parameter
 * {@code temperature} (default 2, &gt; 0).
 */
public final class LogitKlLoss implements DistillLoss {
    /** The default temperature. */
    public static final double DEFAULT_TEMPERATURE = 2.0;

    private final double temperature;

    /** The loss with the default temperature (ServiceLoader's constructor). */
    public LogitKlLoss() {
        this(DEFAULT_TEMPERATURE);
    }

    private LogitKlLoss(double temperature) {
        this.temperature = temperature;
    }

    /** The configured temperature T. */
    public double temperature() {
        return temperature;
    }

    @Override
    public String name() {
        return "logit-kl";
    }

    @Override
    public PluginParameters parameters() {
        return PluginParameters.of(PluginParameter.number("temperature", DEFAULT_TEMPERATURE, "> 0"));
    }

    @Override
    public String description() {
        return "KL(softmax(teacher/T) || softmax(student/T)) * T^2 on the logits; temperature T (default 2)";
    }

    @Override
    public Set<FeatureKind> requires() {
        return Set.of(FeatureKind.LOGITS);
    }

    @Override
    public Result compute(Features teacher, Features student) {
        FeaturePairs.Pair p = FeaturePairs.of(name(), FeatureKind.LOGITS, teacher, student).get(0);
        long batch = p.student().size(0);
        INDArray logPt = logSoftmaxRows(p.teacher().div(temperature));
        INDArray logPs = logSoftmaxRows(p.student().div(temperature));
        INDArray pt = Transforms.exp(logPt, true);
        INDArray ps = Transforms.exp(logPs, true);
        // KL summed over classes and rows, then the batch mean and the T^2 scale
        double kl = pt.mul(logPt.subi(logPs)).sumNumber().doubleValue();
        double loss = temperature * temperature * kl / batch;
        INDArray grad = ps.subi(pt).muli(temperature / batch);
        return new Result(loss, new Features().put(p.name(), grad));
    }

    /** Row-wise log-softmax of [B, C], shifted by the row maximum so that exp never overflows. */
    static INDArray logSoftmaxRows(INDArray z) {
        INDArray shifted = z.subColumnVector(z.max(1).reshape(z.size(0), 1));
        INDArray logSum = Transforms.log(Transforms.exp(shifted, true).sum(1), false).reshape(z.size(0), 1);
        return shifted.subiColumnVector(logSum);
    }

    @Override
    public DistillLoss configure(Config params) {
        PluginValues p = PluginValues.of("distill loss '" + name() + "'", this, params);
        return new LogitKlLoss(p.positive("temperature", DEFAULT_TEMPERATURE));
    }
}
