package org.pclora.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.nn.Parameter;

class AdamWTest {
    /**
     * lr 0.1, beta1 0.9, beta2 0.999, eps 1e-8, weight decay 0.01, p0 = [1, -2].
     * Step 1, g = [0.5, -1]:
     *   decay: p = p0 * 0.999 = [0.999, -1.998]
     *   m = 0.1 g = [0.05, -0.1]; v = 0.001 g^2 = [0.00025, 0.001]
     *   m / 0.1 = [0.5, -1]; sqrt(v / 0.001) = [0.5, 1]
     *   p -= 0.1 * [0.5 / (0.5 + 1e-8), -1 / (1 + 1e-8)] = [0.099999998, -0.099999999]
     *   p1 = [0.899000002, -1.898000001]
     * Step 2, g = [-0.25, 2]:
     *   decay: p = p1 * 0.999 = [0.8981010019979999, -1.896102000999]
     *   m = 0.9 m + 0.1 g = [0.02, 0.11]; v = 0.999 v + 0.001 g^2 = [0.00031225, 0.004999]
     *   bias corrections 1 - 0.9^2 = 0.19, 1 - 0.999^2 = 0.001999
     *   sqrt(v / 0.001999) = [0.39522538070166685, 1.5813761017505064]
     *   update = 0.1 * (m / 0.19) / (that + 1e-8) = [0.02663370329215362, 0.03661035247207486]
     *   p2 = [0.8714672987058463, -1.9327123534710748]
     */
    @Test
    void twoStepsMatchHandComputedValues() {
        Parameter p = Parameter.trainable("w", Nd4j.create(new double[] {1, -2}), true);
        AdamW opt = new AdamW(List.of(p), 0.9, 0.999, 1e-8, 0.01);
        p.grad().assign(Nd4j.create(new double[] {0.5, -1}));
        opt.step(0.1);
        assertArrayEquals(new double[] {0.899000002, -1.898000001}, p.value().toDoubleVector(), 1e-12);
        p.grad().assign(Nd4j.create(new double[] {-0.25, 2}));
        opt.step(0.1);
        assertArrayEquals(new double[] {0.8714672987058463, -1.9327123534710748}, p.value().toDoubleVector(), 1e-12);
        assertEquals(2, opt.steps());
        Map<String, INDArray> state = opt.state();
        assertArrayEquals(new double[] {0.02, 0.11}, state.get("w.exp_avg").toDoubleVector(), 1e-15);
        assertArrayEquals(new double[] {0.00031225, 0.004999}, state.get("w.exp_avg_sq").toDoubleVector(), 1e-15);
    }

    @Test
    void weightDecayOnlyWhereFlaggedAndFrozenUntouched() {
        // zero gradients: the Adam term is 0 / (0 + eps) = 0, so only the decay moves a parameter
        Parameter decayed = Parameter.trainable("w", Nd4j.create(new double[] {2, -4}), true);
        Parameter bias = Parameter.trainable("b", Nd4j.create(new double[] {2, -4}), false);
        Parameter frozen = Parameter.frozen("f", Nd4j.create(new double[] {2, -4}));
        AdamW opt = new AdamW(List.of(decayed, bias, frozen), 0.9, 0.999, 1e-8, 0.1);
        opt.step(0.5);
        // p * (1 - 0.5 * 0.1) = p * 0.95
        assertArrayEquals(new double[] {1.9, -3.8}, decayed.value().toDoubleVector(), 1e-15);
        assertArrayEquals(new double[] {2, -4}, bias.value().toDoubleVector(), 0);
        assertArrayEquals(new double[] {2, -4}, frozen.value().toDoubleVector(), 0);
        assertEquals(List.of("w.exp_avg", "w.exp_avg_sq", "b.exp_avg", "b.exp_avg_sq"), List.copyOf(opt.state().keySet()));
    }

    @Test
    void restoredStateContinuesIdentically() {
        Parameter a = Parameter.trainable("w", Nd4j.create(new double[] {1, -2, 3}), true);
        Parameter b = Parameter.trainable("w", Nd4j.create(new double[] {1, -2, 3}), true);
        AdamW first = new AdamW(List.of(a));
        for (int i = 0; i < 3; i++) {
            a.grad().assign(Nd4j.create(new double[] {0.1 * i, -0.3, 0.7}));
            first.step(0.01);
        }
        b.set(a.value());
        AdamW second = new AdamW(List.of(b));
        Map<String, INDArray> copy = new java.util.LinkedHashMap<>();
        first.state().forEach((k, v) -> copy.put(k, v.dup()));
        second.restore(copy, first.parameterSteps(), first.steps());
        a.grad().assign(Nd4j.create(new double[] {0.5, 0.5, -0.5}));
        b.grad().assign(a.grad());
        first.step(0.01);
        second.step(0.01);
        assertArrayEquals(a.value().toDoubleVector(), b.value().toDoubleVector(), 0);
        assertEquals(4, second.steps());
    }

    @Test
    void rejectsBadHyperParameters() {
        PcLoraException e = assertThrows(PcLoraException.class, () -> new AdamW(List.of(), 1.0, 0.999, 1e-8, 0));
        assertEquals("AdamW beta1 1.0 is out of range; accepted: a number in [0, 1)", e.getMessage());
        assertThrows(PcLoraException.class, () -> new AdamW(List.of(), 0.9, 0.999, 0, 0));
        assertThrows(PcLoraException.class, () -> new AdamW(List.of(), 0.9, 0.999, 1e-8, -1));
        assertTrue(assertThrows(PcLoraException.class, () -> new AdamW(List.of()).step(Double.NaN))
                .getMessage().startsWith("AdamW learning rate NaN"));
    }

    @Test
    void packedStepEqualsOneOptimizerPerParameterAndFallsBackWhenFrozen() {
        // One AdamW over three parameters packs them into flat buffers; three single-parameter
        // optimizers follow the same formula independently: the results must agree exactly.
        double[][] init = {{1, -2, 0.5}, {0.25}, {3, 4}};
        double[][] grads = {{0.1, -0.3, 0.2}, {1.5}, {-0.7, 0.05}};
        boolean[] decay = {true, false, true};
        List<Parameter> joint = new java.util.ArrayList<>();
        List<Parameter> single = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            joint.add(Parameter.trainable("p" + i, Nd4j.create(init[i]), decay[i]));
            single.add(Parameter.trainable("p" + i, Nd4j.create(init[i]), decay[i]));
        }
        AdamW together = new AdamW(joint, 0.9, 0.999, 1e-8, 0.1);
        List<AdamW> apart = single.stream().map(p -> new AdamW(List.of(p), 0.9, 0.999, 1e-8, 0.1)).toList();
        assertTrue(together.packedStepActive());
        for (int step = 0; step < 3; step++) {
            together.zeroGrad();
            for (int i = 0; i < 3; i++) {
                joint.get(i).grad().addi(Nd4j.create(grads[i]).mul(step + 1));
                single.get(i).grad().assign(Nd4j.create(grads[i]).mul(step + 1));
            }
            assertEquals(Math.sqrt(sumSquares(grads)) * (step + 1), together.clipGlobalNorm(1e9), 1e-12);
            together.step(0.01);
            apart.forEach(o -> o.step(0.01));
        }
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(single.get(i).value().toDoubleVector(), joint.get(i).value().toDoubleVector(), 1e-15);
        }
        // Freezing one parameter turns the packed path off; the others keep training, the frozen one stays.
        double[] frozenBefore = joint.get(1).value().toDoubleVector();
        joint.get(1).freeze();
        assertFalse(together.packedStepActive());
        joint.get(0).grad().assign(Nd4j.create(grads[0]));
        single.get(0).grad().assign(Nd4j.create(grads[0]));
        together.step(0.01);
        apart.get(0).step(0.01);
        assertArrayEquals(single.get(0).value().toDoubleVector(), joint.get(0).value().toDoubleVector(), 1e-15);
        assertArrayEquals(frozenBefore, joint.get(1).value().toDoubleVector(), 0.0);
    }

    private static double sumSquares(double[][] v) {
        double s = 0;
        for (double[] row : v) {
            for (double x : row) {
                s += x * x;
            }
        }
        return s;
    }
}
