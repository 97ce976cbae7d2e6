package org.pclora.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.spi.DistillLoss;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;

/** Loss values and gradients on tiny tensors, computed by hand in the comments. */
class DistillLossValuesTest {
    /** Hand values are exact decimals or closed forms; 1e-12 covers float64 rounding of log/exp/sqrt. */
    private static final double TOL = 1e-12;

    private static INDArray arr(double[] v, long... shape) {
        return Nd4j.create(v, shape);
    }

    @Test
    void featureMseAveragesElementsThenBlocks() {
        Features t = new Features()
                .put("block.0", arr(new double[] {1, 2}, 1, 1, 2))
                .put("block.1", arr(new double[] {0, 0}, 1, 1, 2))
                .put("logits", arr(new double[] {5, 5}, 1, 2));
        Features s = new Features()
                .put("block.0", arr(new double[] {2, 4}, 1, 1, 2))
                .put("block.1", arr(new double[] {1, -1}, 1, 1, 2))
                .put("logits", arr(new double[] {0, 0}, 1, 2));
        DistillLoss.Result r = new FeatureMseLoss().compute(t, s);
        // block.0: (1^2 + 2^2)/2 = 2.5; block.1: (1 + 1)/2 = 1; mean over blocks 1.75
        assertEquals(1.75, r.loss(), TOL);
        // d/ds = 2 (s - t) / (2 blocks * 2 elements)
        assertArrayEquals(new double[] {0.5, 1.0}, r.studentGradients().get("block.0").ravel().toDoubleVector(), TOL);
        assertArrayEquals(new double[] {0.5, -0.5}, r.studentGradients().get("block.1").ravel().toDoubleVector(), TOL);
        assertEquals(Set.of("block.0", "block.1"), r.studentGradients().asMap().keySet(), "logits are not read");
        assertArrayEquals(new long[] {1, 1, 2}, r.studentGradients().get("block.0").shape());
    }

    @Test
    void featureMseAveragesOverRealTokensOnly() {
        // batch 2, 2 tokens, width 2; example 0 has one real token, example 1 two
        INDArray mask = arr(new double[] {1, 0, 1, 1}, 2, 2);
        Features t = new Features().put("block.0", arr(new double[] {0, 0, 0, 0, 0, 0, 0, 0}, 2, 2, 2))
                .put(Features.TOKEN_MASK, mask);
        Features s = new Features().put("block.0", arr(new double[] {1, 1, 9, 9, 2, 0, 0, 2}, 2, 2, 2))
                .put(Features.TOKEN_MASK, mask);
        DistillLoss.Result r = new FeatureMseLoss().compute(t, s);
        // real tokens: (1,1), (2,0), (0,2): squares 1 + 1 + 4 + 0 + 0 + 4 = 10 over 3 tokens * 2 = 6 elements;
        // the padded token (9, 9) would have made it (10 + 162) / 8 = 21.5
        assertEquals(10.0 / 6, r.loss(), TOL);
        // d/ds = 2 (s - t) / 6 at real tokens, 0 at the padded one
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 0, 0, 2.0 / 3, 0, 0, 2.0 / 3},
                r.studentGradients().get("block.0").ravel().toDoubleVector(), TOL);
        // a mask of ones gives the plain mean over every element
        INDArray ones = arr(new double[] {1, 1, 1, 1}, 2, 2);
        DistillLoss.Result all = new FeatureMseLoss().compute(
                new Features().put("block.0", t.get("block.0")).put(Features.TOKEN_MASK, ones),
                new Features().put("block.0", s.get("block.0")).put(Features.TOKEN_MASK, ones));
        assertEquals(172.0 / 8, all.loss(), TOL);
    }

    @Test
    void layerAndAttentionMseMaskPaddedRowsAndPairs() {
        // one example, 2 tokens, the second padding
        INDArray mask = arr(new double[] {1, 0}, 1, 2);
        Features t = new Features().put("layer.q", arr(new double[] {0, 0, 0, 0}, 2, 2)).put(Features.TOKEN_MASK, mask);
        Features s = new Features().put("layer.q", arr(new double[] {1, 3, 5, 5}, 2, 2)).put(Features.TOKEN_MASK, mask);
        assertEquals(5.0, new LayerMseLoss().compute(t, s).loss(), TOL); // (1 + 9) / 2: the padded row left out
        Features ta = new Features().put("attention.0", arr(new double[] {1, 0, 0.5, 0.5}, 1, 1, 2, 2))
                .put(Features.TOKEN_MASK, mask);
        Features sa = new Features().put("attention.0", arr(new double[] {0.5, 0, 1, 0}, 1, 1, 2, 2))
                .put(Features.TOKEN_MASK, mask);
        DistillLoss.Result r = new AttentionMseLoss().compute(ta, sa);
        assertEquals(0.25, r.loss(), TOL); // only (query 0, key 0) is real: 0.5^2 / 1
        assertArrayEquals(new double[] {-1, 0, 0, 0}, r.studentGradients().get("attention.0").ravel().toDoubleVector(),
                TOL);
    }

    @Test
    void layerMseReadsAdaptedLayerOutputs() {
        Features t = new Features().put("layer.blocks.0.query", arr(new double[] {1, 3}, 2, 1))
                .put("block.0", arr(new double[] {9}, 1, 1, 1));
        Features s = new Features().put("layer.blocks.0.query", arr(new double[] {2, 1}, 2, 1))
                .put("block.0", arr(new double[] {0}, 1, 1, 1));
        DistillLoss.Result r = new LayerMseLoss().compute(t, s);
        assertEquals(2.5, r.loss(), TOL); // (1 + 4) / 2
        assertArrayEquals(new double[] {1, -2}, r.studentGradients().get("layer.blocks.0.query").ravel().toDoubleVector(), TOL);
        assertEquals(Set.of(FeatureKind.ADAPTED_LAYER_OUTPUT), new LayerMseLoss().requires());
    }

    @Test
    void attentionMseOverProbabilityMaps() {
        Features t = new Features().put("attention.0", arr(new double[] {0.5, 0.5, 1, 0}, 1, 1, 2, 2));
        Features s = new Features().put("attention.0", arr(new double[] {0.75, 0.25, 0.5, 0.5}, 1, 1, 2, 2));
        DistillLoss.Result r = new AttentionMseLoss().compute(t, s);
        assertEquals(0.15625, r.loss(), TOL); // (0.0625 + 0.0625 + 0.25 + 0.25) / 4
        assertArrayEquals(new double[] {0.125, -0.125, -0.25, 0.25},
                r.studentGradients().get("attention.0").ravel().toDoubleVector(), TOL); // 2 (s - t) / 4
    }

    @Test
    void logitKlAtTemperatureOne() {
        DistillLoss kl = new LogitKlLoss().configure(ConfigFactory.parseString("temperature = 1"));
        // teacher softmax [1/2, 1/2]; student logits [ln 3, 0] -> softmax [3/4, 1/4]
        Features t = new Features().put("logits", arr(new double[] {0, 0}, 1, 2));
        Features s = new Features().put("logits", arr(new double[] {Math.log(3), 0}, 1, 2));
        DistillLoss.Result r = kl.compute(t, s);
        // KL = 1/2 ln((1/2)/(3/4)) + 1/2 ln((1/2)/(1/4)) = 1/2 ln(4/3)
        assertEquals(0.14384103622589045, r.loss(), TOL);
        assertArrayEquals(new double[] {0.25, -0.25}, r.studentGradients().get("logits").ravel().toDoubleVector(), TOL);
    }

    @Test
    void logitKlDefaultTemperatureScalesByTSquaredAndAveragesOverBatch() {
        // T = 2: student row 0 logits [2 ln 3, 0] soften to the same [3/4, 1/4]; row 1 equals the teacher (KL 0)
        Features t = new Features().put("logits", arr(new double[] {0, 0, 1, -1}, 2, 2));
        Features s = new Features().put("logits", arr(new double[] {2 * Math.log(3), 0, 1, -1}, 2, 2));
        DistillLoss.Result r = new LogitKlLoss().compute(t, s);
        // T^2 * (1/2 ln(4/3) + 0) / 2 = ln(4/3)
        assertEquals(0.28768207245178085, r.loss(), TOL);
        // T (p_s - p_t) / B = 2 * [1/4, -1/4] / 2 for row 0, zeros for row 1
        assertArrayEquals(new double[] {0.25, -0.25, 0, 0}, r.studentGradients().get("logits").ravel().toDoubleVector(), TOL);
        assertEquals(2.0, ((LogitKlLoss) new LogitKlLoss().configure(ConfigFactory.empty())).temperature(), 0.0);
    }

    @Test
    void logitKlIsStableForHugeLogits() {
        Features t = new Features().put("logits", arr(new double[] {1000, 0}, 1, 2));
        Features s = new Features().put("logits", arr(new double[] {1000, 0}, 1, 2));
        DistillLoss.Result r = new LogitKlLoss().compute(t, s);
        assertEquals(0.0, r.loss(), TOL);
        assertTrue(Double.isFinite(r.studentGradients().get("logits").sumNumber().doubleValue()));
    }

    @Test
    void cosinePerTokenAveragedOverTokensAndBlocks() {
        // token 0: t = [1, 0], s = [0, 1] -> cos 0; token 1: t = [1, 1], s = [2, 2] -> cos 1
        Features t = new Features().put("block.0", arr(new double[] {1, 0, 1, 1}, 1, 2, 2));
        Features s = new Features().put("block.0", arr(new double[] {0, 1, 2, 2}, 1, 2, 2));
        DistillLoss.Result r = new CosineLoss().compute(t, s);
        assertEquals(0.5, r.loss(), TOL); // ((1 - 0) + (1 - 1)) / 2
        // token 0: -(t/(|t||s|) - 0) / 2 = [-0.5, 0]; token 1: [1,1]/4 - 1*[2,2]/8 = 0
        assertArrayEquals(new double[] {-0.5, 0, 0, 0}, r.studentGradients().get("block.0").ravel().toDoubleVector(), TOL);
    }

    @Test
    void noneIsZeroWithoutGradients() {
        DistillLoss none = new NoDistillLoss();
        Features s = new Features().put("block.0", arr(new double[] {1}, 1, 1, 1));
        DistillLoss.Result r = none.compute(new Features(), s);
        assertEquals(0.0, r.loss(), 0.0);
        assertTrue(r.studentGradients().isEmpty());
        assertTrue(none.requires().isEmpty());
    }
}
