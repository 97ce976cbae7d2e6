package org.pclora.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.spi.DistillLoss;
import org.pclora.core.model.Features;
import org.pclora.core.testing.GradientCheck;

/** Every loss's analytic student gradients against float64 central differences of its value. */
class DistillLossGradientTest {
    /**
     * Losses here are O(1) and smooth; central differences with h = 1e-6 in float64 carry about
     * 1e-10 absolute rounding error, far below 1e-6 relative to gradients of order 1e-2.
     */
    private static final double TOL = 1e-6;

    private static Features features(long seed, String[] names, long... shape) {
        Features f = new Features();
        for (int i = 0; i < names.length; i++) {
            f.put(names[i], GradientCheck.random(seed * 31 + i, shape));
        }
        return f;
    }

    private static void check(DistillLoss loss, Features teacher, Features student) {
        DistillLoss.Result r = loss.compute(teacher, student);
        INDArray one = Nd4j.scalar(DataType.DOUBLE, 1.0);
        assertEquals(student.asMap().keySet(), r.studentGradients().asMap().keySet());
        for (Map.Entry<String, INDArray> e : student.asMap().entrySet()) {
            INDArray numeric = GradientCheck.numeric(e.getValue(),
                    () -> Nd4j.scalar(DataType.DOUBLE, loss.compute(teacher, student).loss()), one);
            INDArray analytic = r.studentGradients().get(e.getKey());
            assertEquals(DataType.DOUBLE, analytic.dataType(), "gradients follow the features' dtype");
            double err = GradientCheck.maxRelativeError(analytic, numeric);
            assertTrue(err < TOL, loss.name() + " gradient of " + e.getKey() + ": relative error " + err);
        }
    }

    @Test
    void featureMse() {
        String[] blocks = {"block.0", "block.1"};
        check(new FeatureMseLoss(), features(1, blocks, 2, 2, 3), features(2, blocks, 2, 2, 3));
    }

    @Test
    void layerMse() {
        String[] layers = {"layer.blocks.0.query", "layer.blocks.0.fc1"};
        check(new LayerMseLoss(), features(3, layers, 6, 5), features(4, layers, 6, 5));
    }

    @Test
    void attentionMse() {
        String[] maps = {"attention.0", "attention.1"};
        check(new AttentionMseLoss(), features(5, maps, 1, 2, 3, 3), features(6, maps, 1, 2, 3, 3));
    }

    @Test
    void logitKlAtSeveralTemperatures() {
        String[] logits = {"logits"};
        for (double temperature : new double[] {0.5, 2}) {
            DistillLoss kl = new LogitKlLoss().configure(ConfigFactory.parseMap(Map.of("temperature", temperature)));
            Features t = features(7, logits, 3, 4);
            t.get("logits").muli(3); // spread the teacher's distribution so KL is not near 0
            check(kl, t, features(8, logits, 3, 4));
        }
    }

    @Test
    void cosine() {
        String[] blocks = {"block.0", "block.1"};
        check(new CosineLoss(), features(9, blocks, 2, 2, 3), features(10, blocks, 2, 2, 3));
    }

    @Test
    void noneHasNoGradients() {
        DistillLoss.Result r = new NoDistillLoss().compute(features(11, new String[] {"block.0"}, 1, 2, 2),
                features(12, new String[] {"block.0"}, 1, 2, 2));
        assertTrue(r.studentGradients().isEmpty());
        assertEquals(0.0, r.loss(), 0.0);
    }
}
