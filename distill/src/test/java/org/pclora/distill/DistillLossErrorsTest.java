package org.pclora.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.core.model.Features;

/** Mismatched features and bad parameters fail with one line naming them; all losses are registered. */
class DistillLossErrorsTest {

    @Test
    void missingTeacherFeatureIsNamed() {
        Features t = new Features().put("block.0", Nd4j.zeros(1, 1, 2));
        Features s = new Features().put("block.0", Nd4j.zeros(1, 1, 2)).put("block.1", Nd4j.zeros(1, 1, 2));
        assertEquals("distill loss 'feature-mse': teacher and student features of kind BLOCK_OUTPUT differ: "
                        + "teacher [block.0], student [block.0, block.1]; teacher and student must have the same architecture and taps",
                assertThrows(PcLoraException.class, () -> new FeatureMseLoss().compute(t, s)).getMessage());
    }

    @Test
    void shapeMismatchIsNamed() {
        Features t = new Features().put("block.0", Nd4j.zeros(1, 1, 2));
        Features s = new Features().put("block.0", Nd4j.zeros(1, 1, 3));
        assertEquals("distill loss 'cosine': feature 'block.0' has teacher shape [1, 1, 2] but student shape [1, 1, 3]; "
                        + "teacher and student must have the same architecture and batch",
                assertThrows(PcLoraException.class, () -> new CosineLoss().compute(t, s)).getMessage());
    }

    @Test
    void absentKindIsNamed() {
        Features s = new Features().put("block.0", Nd4j.zeros(1, 1, 2));
        assertEquals("distill loss 'attention-mse' found no student features of kind ATTENTION_PROBS "
                        + "(names 'attention.*'); request that tap in the student's forward pass",
                assertThrows(PcLoraException.class, () -> new AttentionMseLoss().compute(s, s)).getMessage());
    }

    @Test
    void parametersAreValidated() {
        assertEquals("distill loss 'logit-kl' parameter 'temperature' must be a finite number > 0, got -1",
                assertThrows(PcLoraException.class, () -> new LogitKlLoss()
                        .configure(ConfigFactory.parseString("temperature = -1"))).getMessage());
        assertEquals("distill loss 'logit-kl' has no parameter 'temp': accepted parameters are temperature (nearest: temperature)",
                assertThrows(PcLoraException.class, () -> new LogitKlLoss()
                        .configure(ConfigFactory.parseString("temp = 3"))).getMessage());
        assertEquals("distill loss 'feature-mse' has no parameter 'temperature': it takes no parameters",
                assertThrows(PcLoraException.class, () -> new FeatureMseLoss()
                        .configure(ConfigFactory.parseString("temperature = 3"))).getMessage());
    }

    @Test
    void registryFindsAllLossesByName() {
        PluginRegistry r = PluginRegistry.load(getClass().getClassLoader());
        assertEquals(List.of("attention-mse", "cosine", "feature-mse", "layer-mse", "logit-kl", "none"),
                r.names(PluginRegistry.Kind.DISTILL));
    }
}
