package org.pclora.core.nn;

import org.pclora.core.testing.GradientAssert;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.testing.GradientCheck;

class TransformerBlockTest {
    static final int B = 2;
    static final int T = 3;
    static final int D = 4;
    static final int FFN = 6;

    static LinearSlot slot(String name, int in, int out, long seed, DataType dtype) {
        Linear l = Linear.create(name, in, out, true, 0.6, dtype, new SplittableRandom(seed));
        l.bias().set(GradientCheck.random(seed + 100, out).muli(0.3).castTo(dtype));
        return new LinearSlot(l);
    }

    static LayerNorm layerNorm(String name, long seed, DataType dtype) {
        LayerNorm ln = new LayerNorm(name, D, 1e-5, dtype);
        ln.weight().set(GradientCheck.random(seed, D).muli(0.5).addi(1).castTo(dtype));
        ln.bias().set(GradientCheck.random(seed + 1, D).muli(0.2).castTo(dtype));
        return ln;
    }

    /** A float64 block of the given placement; all parts built from fixed seeds. */
    static TransformerBlock block(TransformerBlock.Norm norm, double attentionDropout, double hiddenDropout) {
        return block(norm, attentionDropout, hiddenDropout, DataType.DOUBLE);
    }

    static TransformerBlock block(TransformerBlock.Norm norm, double attentionDropout, double hiddenDropout,
                                  DataType dtype) {
        MultiHeadSelfAttention att = new MultiHeadSelfAttention(slot("b.q", D, D, 1, dtype), slot("b.k", D, D, 2, dtype),
                slot("b.v", D, D, 3, dtype), slot("b.o", D, D, 4, dtype), 2, attentionDropout, 77);
        return new TransformerBlock(norm, att, layerNorm("b.ln1", 5, dtype), slot("b.fc1", D, FFN, 6, dtype),
                slot("b.fc2", FFN, D, 7, dtype), layerNorm("b.ln2", 8, dtype), hiddenDropout, 88);
    }

    /** The same block (shared parameters) with fresh dropout streams: it replays the same masks. */
    static TransformerBlock replay(TransformerBlock b, double attentionDropout, double hiddenDropout) {
        MultiHeadSelfAttention a = b.attention();
        MultiHeadSelfAttention att = new MultiHeadSelfAttention(a.query(), a.key(), a.value(), a.output(), 2,
                attentionDropout, 77);
        return new TransformerBlock(b.norm(), att, b.ln1(), b.fc1(), b.fc2(), b.ln2(), hiddenDropout, 88);
    }

    static INDArray mask() {
        return org.nd4j.linalg.factory.Nd4j.create(new double[][] {{1, 1, 1}, {1, 0, 1}});
    }

    @Test
    void preNormForwardIsTheViTFormula() {
        TransformerBlock b = block(TransformerBlock.Norm.PRE, 0, 0);
        INDArray x = GradientCheck.random(71, B * T, D);
        INDArray y = b.forward(x, B, T, mask(), false);
        // h = x + attn(ln1(x)); y = h + fc2(gelu(fc1(ln2(h)))), composed from the parts
        INDArray h = x.add(b.attention().forward(b.ln1().forward(x, false), B, T, mask(), false));
        INDArray expected = h.add(b.fc2().forward(new Gelu().forward(
                b.fc1().forward(b.ln2().forward(h, false), false), false), false));
        assertArrayEquals(expected.data().asDouble(), y.data().asDouble(), 1e-12);
    }

    @Test
    void postNormForwardIsTheBertFormula() {
        TransformerBlock b = block(TransformerBlock.Norm.POST, 0, 0);
        INDArray x = GradientCheck.random(72, B * T, D);
        INDArray y = b.forward(x, B, T, mask(), false);
        // h = ln1(x + attn(x)); y = ln2(h + fc2(gelu(fc1(h))))
        INDArray h = b.ln1().forward(x.add(b.attention().forward(x, B, T, mask(), false)), false);
        INDArray expected = b.ln2().forward(h.add(b.fc2().forward(new Gelu().forward(
                b.fc1().forward(h, false), false), false)), false);
        assertArrayEquals(expected.data().asDouble(), y.data().asDouble(), 1e-12);
    }

    @ParameterizedTest
    @EnumSource(TransformerBlock.Norm.class)
    void backwardMatchesFiniteDifferences(TransformerBlock.Norm norm) {
        TransformerBlock b = block(norm, 0, 0);
        INDArray x = GradientCheck.random(73, B * T, D);
        INDArray r = GradientCheck.random(74, B * T, D);
        INDArray xCopy = x.dup();
        b.forward(x, B, T, mask(), true);
        INDArray dx = b.backward(r);
        assertArrayEquals(xCopy.data().asDouble(), x.data().asDouble(), 0, "forward must not modify its input");
        Supplier<INDArray> f = () -> b.forward(x, B, T, mask(), false);
        GradientAssert.assertClose("dx", dx, GradientCheck.numeric(x, f, r));
        List<Parameter> ps = b.parameters();
        assertEquals(16, ps.size());
        long seed = 700;
        for (Parameter p : ps) {
            // vectors (biases, LayerNorm) element by element; weight matrices along a random direction
            // (their elementwise checks are in LinearTest and MultiHeadSelfAttentionTest), to keep the
            // suite fast on a shared 2-core machine
            if (p.value().rank() == 1) {
                GradientAssert.assertClose(norm + " " + p.name(), p.grad(), GradientCheck.numeric(p.value(), f, r));
            } else {
                GradientAssert.assertDirectional(norm + " " + p.name(), p.value(), p.grad(), seed++, f, r);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransformerBlock.Norm.class)
    void backwardWithDropoutMatchesFiniteDifferences(TransformerBlock.Norm norm) {
        TransformerBlock b = block(norm, 0.2, 0.3);
        INDArray x = GradientCheck.random(75, B * T, D);
        INDArray r = GradientCheck.random(76, B * T, D);
        b.forward(x, B, T, mask(), true);
        INDArray dx = b.backward(r);
        Supplier<INDArray> f = () -> replay(b, 0.2, 0.3).forward(x, B, T, mask(), true);
        GradientAssert.assertClose("dx", dx, GradientCheck.numeric(x, f, r));
        Parameter fc1Weight = b.fc1().parameters().get(0);
        GradientAssert.assertDirectional("fc1.weight", fc1Weight.value(), fc1Weight.grad(), 801, f, r);
        Parameter ln2Weight = b.ln2().weight();
        GradientAssert.assertClose("ln2.weight", ln2Weight.grad(), GradientCheck.numeric(ln2Weight.value(), f, r));
    }

    @ParameterizedTest
    @EnumSource(TransformerBlock.Norm.class)
    void float32FollowsFloat64WithMaskAndDropout(TransformerBlock.Norm norm) {
        // production runs in float32: same seeds, same masks; float32 rounding (~6e-8 relative)
        // through two LayerNorms and softmax stays far below 1e-4
        TransformerBlock b64 = block(norm, 0.2, 0.3, DataType.DOUBLE);
        TransformerBlock b32 = block(norm, 0.2, 0.3, DataType.FLOAT);
        INDArray x = GradientCheck.random(78, B * T, D);
        INDArray r = GradientCheck.random(79, B * T, D);
        INDArray mask32 = mask().castTo(DataType.INT32);
        INDArray y64 = b64.forward(x, B, T, mask(), true);
        INDArray y32 = b32.forward(x.castTo(DataType.FLOAT), B, T, mask32, true);
        assertEquals(DataType.FLOAT, y32.dataType());
        assertArrayEquals(y64.data().asDouble(), y32.castTo(DataType.DOUBLE).data().asDouble(), 1e-4);
        INDArray dx64 = b64.backward(r);
        INDArray dx32 = b32.backward(r.castTo(DataType.FLOAT));
        assertEquals(DataType.FLOAT, dx32.dataType());
        assertArrayEquals(dx64.data().asDouble(), dx32.castTo(DataType.DOUBLE).data().asDouble(), 1e-4);
        List<Parameter> p64 = b64.parameters();
        List<Parameter> p32 = b32.parameters();
        for (int i = 0; i < p64.size(); i++) {
            assertEquals(DataType.FLOAT, p32.get(i).grad().dataType());
            assertArrayEquals(p64.get(i).grad().dup('c').data().asDouble(),
                    p32.get(i).grad().castTo(DataType.DOUBLE).dup('c').data().asDouble(), 1e-4, p64.get(i).name());
        }
    }

    @Test
    void parametersFollowHfCheckpointOrder() {
        List<String> pre = block(TransformerBlock.Norm.PRE, 0, 0).parameters().stream().map(Parameter::name).toList();
        assertEquals(List.of("b.q.weight", "b.q.bias", "b.k.weight", "b.k.bias", "b.v.weight", "b.v.bias",
                "b.o.weight", "b.o.bias", "b.fc1.weight", "b.fc1.bias", "b.fc2.weight", "b.fc2.bias",
                "b.ln1.weight", "b.ln1.bias", "b.ln2.weight", "b.ln2.bias"), pre);
        List<String> post = block(TransformerBlock.Norm.POST, 0, 0).parameters().stream().map(Parameter::name).toList();
        assertEquals(List.of("b.q.weight", "b.q.bias", "b.k.weight", "b.k.bias", "b.v.weight", "b.v.bias",
                "b.o.weight", "b.o.bias", "b.ln1.weight", "b.ln1.bias", "b.fc1.weight", "b.fc1.bias",
                "b.fc2.weight", "b.fc2.bias", "b.ln2.weight", "b.ln2.bias"), post);
        assertEquals(6, block(TransformerBlock.Norm.PRE, 0, 0).linearSlots().size());
    }

    @ParameterizedTest
    @EnumSource(TransformerBlock.Norm.class)
    void inPlacePassesGiveTheSameBitsAsKeptOutputs(TransformerBlock.Norm norm) {
        // GELU over fc1's output and the dropouts over the attention and fc2 outputs run in place
        // unless a tap keeps those outputs: both must agree
        TransformerBlock b = block(norm, 0.2, 0.3, DataType.FLOAT);
        INDArray x = GradientCheck.random(80, B * T, D).castTo(DataType.FLOAT);
        INDArray r = GradientCheck.random(81, B * T, D).castTo(DataType.FLOAT);
        INDArray mask32 = mask().castTo(DataType.INT32);
        List<float[]> runs = new java.util.ArrayList<>();
        for (boolean keep : new boolean[] {false, true}) {
            b.fc1().setKeepOutput(keep);
            b.fc2().setKeepOutput(keep);
            b.attention().output().setKeepOutput(keep);
            TransformerBlock t = replay(b, 0.2, 0.3);
            b.parameters().forEach(Parameter::zeroGrad);
            runs.add(t.forward(x, B, T, mask32, true).dup().data().asFloat());
            runs.add(t.backward(r).dup().data().asFloat());
            for (Parameter p : b.parameters()) {
                runs.add(p.grad().dup('c').data().asFloat());
            }
        }
        b.fc1().setKeepOutput(false);
        b.fc2().setKeepOutput(false);
        b.attention().output().setKeepOutput(false);
        int half = runs.size() / 2;
        for (int i = 0; i < half; i++) {
            assertArrayEquals(runs.get(i + half), runs.get(i), "array " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(TransformerBlock.Norm.class)
    void insideAStepWorkspaceGivesTheBitsOfAPlainRun(TransformerBlock.Norm norm) {
        // attention dropout takes the unfused path, whose scratch arrays live in a nested workspace
        TransformerBlock b = block(norm, 0.2, 0.3, DataType.FLOAT);
        INDArray x = GradientCheck.random(82, B * T, D).castTo(DataType.FLOAT);
        INDArray r = GradientCheck.random(83, B * T, D).castTo(DataType.FLOAT);
        INDArray mask32 = mask().castTo(DataType.INT32);
        List<float[]> plain = run(replay(b, 0.2, 0.3), b, x, r, mask32);
        try (org.pclora.core.memory.StepWorkspace ws = new org.pclora.core.memory.StepWorkspace("BLOCK_TEST_STEP")) {
            for (int step = 0; step < 3; step++) { // learning step, then from the block
                List<float[]> inside;
                try (org.pclora.core.memory.StepWorkspace.Scope ignored = ws.step()) {
                    inside = run(replay(b, 0.2, 0.3), b, x, r, mask32);
                }
                for (int i = 0; i < plain.size(); i++) {
                    assertArrayEquals(plain.get(i), inside.get(i), "step " + step + ", array " + i);
                }
            }
        }
    }

    private static List<float[]> run(TransformerBlock t, TransformerBlock params, INDArray x, INDArray r, INDArray mask) {
        params.parameters().forEach(Parameter::zeroGrad);
        List<float[]> out = new java.util.ArrayList<>();
        out.add(t.forward(x, B, T, mask, true).dup().data().asFloat());
        out.add(t.backward(r).dup().data().asFloat());
        for (Parameter p : params.parameters()) {
            out.add(p.grad().dup('c').data().asFloat());
        }
        return out;
    }
}
