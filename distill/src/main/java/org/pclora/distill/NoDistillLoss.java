package org.pclora.distill;

import com.typesafe.config.Config;
import java.util.Set;
import org.pclora.core.spi.DistillLoss;
import org.pclora.core.spi.PluginValues;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;
import org.pclora.core.spi.PluginParameters;

/**
 * No distillation: the loss is 0, reads no features and gives no gradients (the task loss alone
 * trains the student; with it the teacher's forward pass can be skipped). No parameters.
 */
public final class NoDistillLoss implements DistillLoss {
    @Override
    public String name() {
        return "none";
    }

    @Override
    public PluginParameters parameters() {
        return PluginParameters.none();
    }

    @Override
    public String description() {
        return "no distillation: loss 0, no features read, no gradients";
    }

    @Override
    public Set<FeatureKind> requires() {
        return Set.of();
    }

    @Override
    public Result compute(Features teacher, Features student) {
        return new Result(0.0, new Features());
    }

    @Override
    public DistillLoss configure(Config params) {
        PluginValues.of("distill loss '" + name() + "'", this, params);
        return this;
    }
}
