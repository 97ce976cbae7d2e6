package org.pclora.core.nn;

import org.pclora.core.testing.GradientAssert;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.testing.GradientCheck;

class MultiHeadSelfAttentionTest {
    static final int B = 2;
    static final int T = 3;
    static final int D = 4;
    static final int H = 2;

    /** Key of batch 1, token 2 is padding. */
    static INDArray paddingMask() {
        return Nd4j.create(new double[][] {{1, 1, 1}, {1, 1, 0}});
    }

    static LinearSlot slot(String name, long seed) {
        Linear l = Linear.create(name, D, D, true, 0.6, DataType.DOUBLE, new SplittableRandom(seed));
        l.bias().set(GradientCheck.random(seed + 100, D).muli(0.3));
        return new LinearSlot(l);
    }

    static MultiHeadSelfAttention attention(double dropout, long seed) {
        return new MultiHeadSelfAttention(slot("a.query", 1), slot("a.key", 2), slot("a.value", 3), slot("a.output", 4),
                H, dropout, seed);
    }

    @Test
    void forwardMatchesLoopImplementationWithMask() {
        MultiHeadSelfAttention att = attention(0.0, 1);
        att.setKeepProbs(true);
        INDArray x = GradientCheck.random(61, B * T, D);
        INDArray mask = paddingMask();
        INDArray y = att.forward(x, B, T, mask, false);
        INDArray probs = att.lastProbs();

        // independent implementation: explicit loops over batch, head, query, key
        INDArray q = att.query().forward(x, false);
        INDArray k = att.key().forward(x, false);
        INDArray v = att.value().forward(x, false);
        int dh = D / H;
        double[][] ctx = new double[B * T][D];
        for (int b = 0; b < B; b++) {
            for (int h = 0; h < H; h++) {
                for (int i = 0; i < T; i++) {
                    double[] s = new double[T];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < T; j++) {
                        for (int d = 0; d < dh; d++) {
                            s[j] += q.getDouble(b * T + i, h * dh + d) * k.getDouble(b * T + j, h * dh + d);
                        }
                        s[j] /= Math.sqrt(dh);
                        if (mask.getDouble(b, j) == 0) {
                            s[j] = Double.NEGATIVE_INFINITY;
                        }
                        max = Math.max(max, s[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < T; j++) {
                        s[j] = Math.exp(s[j] - max);
                        z += s[j];
                    }
                    for (int j = 0; j < T; j++) {
                        double p = s[j] / z;
                        assertEquals(p, probs.getDouble(b, h, i, j), 1e-12);
                        for (int d = 0; d < dh; d++) {
                            ctx[b * T + i][h * dh + d] += p * v.getDouble(b * T + j, h * dh + d);
                        }
                    }
                }
            }
        }
        INDArray expected = att.output().forward(Nd4j.create(ctx), false);
        assertArrayEquals(expected.data().asDouble(), y.data().asDouble(), 1e-12);
        // padded key gets exactly zero probability from every query of batch 1
        assertEquals(0.0, probs.getDouble(1, 0, 0, 2), 0);
        assertEquals(0.0, probs.getDouble(1, 1, 2, 2), 0);
        assertArrayEquals(new long[] {B, H, T, T}, probs.shape());
    }

    @Test
    void backwardMatchesFiniteDifferencesWithPaddingMask() {
        MultiHeadSelfAttention att = attention(0.0, 1);
        INDArray x = GradientCheck.random(62, B * T, D);
        INDArray mask = paddingMask();
        INDArray r = GradientCheck.random(63, B * T, D);
        att.forward(x, B, T, mask, true);
        INDArray dx = att.backward(r);
        Supplier<INDArray> f = () -> att.forward(x, B, T, mask, false);
        GradientAssert.assertClose("dx", dx, GradientCheck.numeric(x, f, r));
        List<Parameter> ps = att.parameters();
        assertEquals(8, ps.size());
        for (Parameter p : ps) {
            GradientAssert.assertClose(p.name(), p.grad(), GradientCheck.numeric(p.value(), f, r));
        }
    }

    @Test
    void injectedProbsGradientMatchesFiniteDifferences() {
        MultiHeadSelfAttention att = attention(0.0, 1);
        att.setKeepProbs(true);
        INDArray x = GradientCheck.random(64, B * T, D);
        INDArray mask = paddingMask();
        INDArray r = GradientCheck.random(65, B * T, D);
        INDArray g = GradientCheck.random(66, B, H, T, T);
        att.forward(x, B, T, mask, true);
        att.addProbsGradient(g.mul(0.5));
        att.addProbsGradient(g.mul(0.5)); // two halves accumulate to g
        INDArray dx = att.backward(r);
        // L = sum(y * r) + sum(P * g)
        INDArray numeric = GradientCheck.numeric(x, () -> att.forward(x, B, T, mask, false), r)
                .addi(GradientCheck.numeric(x, () -> {
                    att.forward(x, B, T, mask, false);
                    return att.lastProbs();
                }, g));
        GradientAssert.assertClose("dx", dx, numeric);
        Parameter bq = att.query().parameters().get(1);
        INDArray numericBq = GradientCheck.numeric(bq.value(), () -> att.forward(x, B, T, mask, false), r)
                .addi(GradientCheck.numeric(bq.value(), () -> {
                    att.forward(x, B, T, mask, false);
                    return att.lastProbs();
                }, g));
        GradientAssert.assertClose("query.bias", bq.grad(), numericBq);
    }

    @Test
    void backwardWithAttentionDropoutMatchesFiniteDifferences() {
        // a fresh layer with the same seed draws the same first mask, so f is a fixed function of x
        MultiHeadSelfAttention att = attention(0.3, 9);
        INDArray x = GradientCheck.random(67, B * T, D);
        INDArray mask = paddingMask();
        INDArray r = GradientCheck.random(68, B * T, D);
        INDArray yTrain = att.forward(x, B, T, mask, true);
        INDArray dx = att.backward(r);
        Supplier<INDArray> f = () -> new MultiHeadSelfAttention(att.query(), att.key(), att.value(), att.output(),
                H, 0.3, 9).forward(x, B, T, mask, true);
        GradientAssert.assertClose("dx", dx, GradientCheck.numeric(x, f, r));
        Parameter wv = att.value().parameters().get(0);
        GradientAssert.assertDirectional("value.weight", wv.value(), wv.grad(), 601, f, r);
        Parameter bq = att.query().parameters().get(1);
        GradientAssert.assertClose("query.bias", bq.grad(), GradientCheck.numeric(bq.value(), f, r));
        // dropout is active in training and absent in evaluation
        INDArray yEval = att.forward(x, B, T, mask, false);
        assertTrue(yTrain.sub(yEval).amaxNumber().doubleValue() > 1e-6);
    }

    @Test
    void probsAreKeptOnlyWhenAsked() {
        MultiHeadSelfAttention att = attention(0.0, 1);
        INDArray x = GradientCheck.random(69, B * T, D);
        att.forward(x, B, T, null, false);
        assertNull(att.lastProbs());
        att.setKeepProbs(true);
        att.forward(x, B, T, null, false);
        // without a mask every row of probabilities sums to one
        INDArray rowSums = att.lastProbs().sum(3);
        assertEquals(B * H * T, rowSums.sumNumber().doubleValue(), 1e-12);
    }

    @Test
    void rejectsHeadCountThatDoesNotDivideWidth() {
        PcLoraException e = assertThrows(PcLoraException.class, () -> new MultiHeadSelfAttention(
                slot("q", 1), slot("k", 2), slot("v", 3), slot("o", 4), 3, 0, 1));
        assertEquals("attention q: hidden size 4 is not divisible by 3 heads; accepted: a positive head count that divides 4",
                e.getMessage());
    }

    @Test
    void fusedFloat32InferenceMatchesTheUnfusedPathWithMask() {
        // float32 inference without kept probabilities takes the fused kernel; keeping the
        // probabilities forces the unfused path (batched products, softmax kernel): same function
        int b = 3;
        int t = 11;
        int d = 48;
        SplittableRandom r = new SplittableRandom(5);
        java.util.function.Function<String, LinearSlot> slot = n ->
                new LinearSlot(Linear.create(n, d, d, true, 0.3, DataType.FLOAT, r));
        MultiHeadSelfAttention att = new MultiHeadSelfAttention(slot.apply("q"), slot.apply("k"), slot.apply("v"),
                slot.apply("o"), 3, 0.0, 1);
        INDArray x = GradientCheck.random(62, b * t, d).castTo(DataType.FLOAT);
        double[][] keep = new double[b][t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                keep[i][j] = j < t - 2 * i ? 1 : 0;
            }
        }
        INDArray mask = Nd4j.create(keep).castTo(DataType.FLOAT);
        INDArray fused = att.forward(x, b, t, mask, false);
        att.setKeepProbs(true);
        INDArray unfused = att.forward(x, b, t, mask, false);
        assertTrue(att.lastProbs() != null, "the unfused path ran");
        double diff = fused.sub(unfused).amaxNumber().doubleValue();
        assertTrue(diff < 1e-5 * unfused.amaxNumber().doubleValue(), "fused vs unfused: max difference " + diff);
    }

    @Test
    void fusedFloat32TrainingStepMatchesTheUnfusedPathWithMask() {
        // forward and backward through the fused kernels against the unfused path (forced by
        // keeping the probabilities), which the float64 gradient checks above cover
        int b = 2;
        int t = 13;
        int d = 40;
        int heads = 2;
        SplittableRandom r = new SplittableRandom(8);
        java.util.function.Function<String, LinearSlot> slot = n ->
                new LinearSlot(Linear.create(n, d, d, true, 0.3, DataType.FLOAT, r));
        MultiHeadSelfAttention att = new MultiHeadSelfAttention(slot.apply("q"), slot.apply("k"), slot.apply("v"),
                slot.apply("o"), heads, 0.0, 1);
        INDArray x = GradientCheck.random(63, b * t, d).castTo(DataType.FLOAT);
        INDArray dy = GradientCheck.random(64, b * t, d).castTo(DataType.FLOAT);
        INDArray mask = Nd4j.create(new double[][] {
                {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0}}).castTo(DataType.FLOAT);
        INDArray[] fused = step(att, x, dy, mask, b, t);
        att.setKeepProbs(true);
        INDArray[] unfused = step(att, x, dy, mask, b, t);
        assertTrue(att.lastProbs() != null, "the unfused path ran");
        String[] what = {"output", "dx", "dWq", "dWk", "dWv", "dWo", "dbq"};
        for (int i = 0; i < fused.length; i++) {
            double scale = unfused[i].amaxNumber().doubleValue();
            double diff = fused[i].sub(unfused[i]).amaxNumber().doubleValue();
            assertTrue(diff <= 2e-5 * scale + 1e-7, what[i] + ": fused vs unfused max difference " + diff + " of " + scale);
        }
    }

    private static INDArray[] step(MultiHeadSelfAttention att, INDArray x, INDArray dy, INDArray mask, int b, int t) {
        for (Parameter p : att.parameters()) {
            p.zeroGrad();
        }
        INDArray y = att.forward(x, b, t, mask, true).dup();
        INDArray dx = att.backward(dy).dup();
        List<Parameter> ps = att.parameters(); // q.w, q.b, k.w, k.b, v.w, v.b, o.w, o.b
        return new INDArray[] {y, dx, ps.get(0).grad().dup(), ps.get(2).grad().dup(), ps.get(4).grad().dup(),
                ps.get(6).grad().dup(), ps.get(1).grad().dup()};
    }
}
