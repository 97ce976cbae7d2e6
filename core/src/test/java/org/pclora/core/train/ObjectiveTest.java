package org.pclora.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.spi.DistillLoss;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;

/** The combination alpha * task + (1 - alpha) * sum_k w_k * distill_k and its gradient scaling, by hand. */
class ObjectiveTest {

    /** A fake loss with a fixed value and fixed gradients, so every number below is hand-checkable. */
    private static DistillLoss fake(String name, Set<FeatureKind> kinds, double value, Map<String, double[]> grads) {
        return new DistillLoss() {
            @Override
            public Set<FeatureKind> requires() {
                return kinds;
            }

            @Override
            public Result compute(Features teacher, Features student) {
                Features g = new Features();
                grads.forEach((k, v) -> g.put(k, Nd4j.create(v)));
                return new Result(value, g);
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return "fake";
            }
        };
    }

    @Test
    void combinesValuesAndScalesGradients() {
        DistillLoss a = fake("a", Set.of(FeatureKind.BLOCK_OUTPUT), 2.0, Map.of("block.0", new double[] {1, 2}));
        DistillLoss b = fake("b", Set.of(FeatureKind.BLOCK_OUTPUT, FeatureKind.LOGITS), 10.0,
                Map.of("block.0", new double[] {4, 4}, "logits", new double[] {1, -1}));
        Objective o = new Objective(0.2, List.of(new Objective.Term(a, 1.0), new Objective.Term(b, 0.5)));
        INDArray dTask = Nd4j.create(new double[] {0.5, -0.5});
        Objective.Result r = o.compute(3.0, dTask, new Features(), new Features());
        // distill = 1 * 2 + 0.5 * 10 = 7; total = 0.2 * 3 + 0.8 * 7 = 6.2
        assertEquals(7.0, r.distill(), 1e-12);
        assertEquals(6.2, r.total(), 1e-12);
        assertEquals(3.0, r.task(), 0.0);
        assertEquals(Map.of("a", 2.0, "b", 10.0), r.distillByLoss());
        // logits: 0.2 * [0.5, -0.5] + 0.8 * 0.5 * [1, -1] = [0.5, -0.5]
        assertArrayEquals(new double[] {0.5, -0.5}, r.studentGradients().get("logits").toDoubleVector(), 1e-12);
        // block.0: 0.8 * 1 * [1, 2] + 0.8 * 0.5 * [4, 4] = [2.4, 3.2]
        assertArrayEquals(new double[] {2.4, 3.2}, r.studentGradients().get("block.0").toDoubleVector(), 1e-12);
        assertArrayEquals(new double[] {0.5, -0.5}, dTask.toDoubleVector(), 0.0, "the task gradient is not modified");
        assertEquals(EnumSet.of(FeatureKind.BLOCK_OUTPUT, FeatureKind.LOGITS), o.requiredFeatureKinds());
        assertTrue(o.needsTeacher());
    }

    @Test
    void alphaOneLeavesOnlyTheTask() {
        DistillLoss a = fake("a", Set.of(FeatureKind.BLOCK_OUTPUT), 2.0, Map.of("block.0", new double[] {1, 2}));
        Objective.Result r = new Objective(1.0, List.of(new Objective.Term(a, 1.0)))
                .compute(3.0, Nd4j.create(new double[] {1, 1}), new Features(), new Features());
        assertEquals(3.0, r.total(), 0.0);
        assertEquals(2.0, r.distill(), 0.0, "the distill value is still reported");
        assertFalse(r.studentGradients().contains("block.0"));
    }

    @Test
    void noTeacherNeededForNoFeatureLosses() {
        DistillLoss none = fake("none", Set.of(), 0.0, Map.of());
        Objective o = new Objective(0.2, List.of(new Objective.Term(none, 1.0)));
        assertFalse(o.needsTeacher());
        Objective.Result r = o.compute(5.0, Nd4j.create(new double[] {1, -1}), null, new Features());
        assertEquals(1.0, r.total(), 1e-12); // 0.2 * 5
        assertArrayEquals(new double[] {0.2, -0.2}, r.studentGradients().get("logits").toDoubleVector(), 1e-12);
    }

    @Test
    void missingTapIsAStartUpErrorNamingKindLossAndFamily() {
        DistillLoss att = fake("attention-mse", Set.of(FeatureKind.ATTENTION_PROBS), 0, Map.of());
        Objective o = new Objective(0.2, List.of(new Objective.Term(att, 1.0)));
        assertEquals("distill loss 'attention-mse' needs feature kind ATTENTION_PROBS, which model family 'x' "
                        + "does not tap (taps: BLOCK_OUTPUT, LOGITS)",
                assertThrows(PcLoraException.class,
                        () -> o.requireTaps("x", Set.of(FeatureKind.LOGITS, FeatureKind.BLOCK_OUTPUT))).getMessage());
        o.requireTaps("y", EnumSet.allOf(FeatureKind.class));
    }

    @Test
    void badAlphaWeightsAndDuplicatesAreRejected() {
        DistillLoss a = fake("a", Set.of(), 0, Map.of());
        assertEquals("objective alpha must be a number in [0, 1] (the task loss weight), got 1.5",
                assertThrows(PcLoraException.class, () -> new Objective(1.5, List.of())).getMessage());
        assertThrows(PcLoraException.class, () -> new Objective(Double.NaN, List.of()));
        assertEquals("distill loss 'a' weight must be a finite number >= 0, got -1.0",
                assertThrows(PcLoraException.class,
                        () -> new Objective(0.2, List.of(new Objective.Term(a, -1)))).getMessage());
        assertEquals("distill loss 'a' is listed twice in the objective; list each loss once with one weight",
                assertThrows(PcLoraException.class, () -> new Objective(0.2,
                        List.of(new Objective.Term(a, 1), new Objective.Term(a, 2)))).getMessage());
    }
}
