package org.pclora.core.adapter;

import org.pclora.core.adapter.plugin.LoraAdapterFactory;
import org.pclora.core.adapter.plugin.PcLoraAdapterFactory;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.adapter.AdapterSpec.BiasPolicy;
import org.pclora.core.adapter.AdapterSpec.InitPolicy;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.Parameter;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.core.testing.GradientCheck;

class PcLoraLinearTest {
    // float64 central differences with h = 1e-6: truncation ~1e-12 and rounding ~1e-10 relative,
    // so 1e-7 leaves margin while still catching any wrong term (those give errors of order 1).
    private static final double GRAD_TOL = 1e-7;

    private static Linear denseF64(int in, int out, long seed) {
        return new Linear("enc.fc", Parameter.trainable("enc.fc.weight", GradientCheck.random(seed, out, in), true),
                Parameter.trainable("enc.fc.bias", GradientCheck.random(seed + 1, out), false));
    }

    private static AdapterSpec spec(int rank) {
        return new AdapterSpec(rank, 2.0 * rank * 0.75, BiasPolicy.ADAPTER, InitPolicy.KAIMING_UNIFORM, 7);
    }

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 0.5, 0.0})
    void gradientsMatchFiniteDifferences(double lambda) {
        PcLoraLinear l = PcLoraLinear.pcLora(denseF64(5, 4, 1), spec(2));
        // Nonzero B and b_A, otherwise the gradients w.r.t. A and the scaling of B go unchecked.
        l.b().value().assign(GradientCheck.random(11, 4, 2));
        l.adapterBias().value().assign(GradientCheck.random(12, 4));
        l.setLambda(lambda);
        INDArray x = GradientCheck.random(3, 6, 5);
        INDArray r = GradientCheck.random(4, 6, 4);
        l.forward(x, true);
        INDArray dx = l.backward(r);
        assertTrue(GradientCheck.maxRelativeError(dx, GradientCheck.numeric(x, () -> l.forward(x, false), r)) < GRAD_TOL);
        assertTrue(GradientCheck.maxRelativeError(l.a().grad(),
                GradientCheck.numeric(l.a().value(), () -> l.forward(x, false), r)) < GRAD_TOL);
        assertTrue(GradientCheck.maxRelativeError(l.b().grad(),
                GradientCheck.numeric(l.b().value(), () -> l.forward(x, false), r)) < GRAD_TOL);
        assertTrue(GradientCheck.maxRelativeError(l.adapterBias().grad(),
                GradientCheck.numeric(l.adapterBias().value(), () -> l.forward(x, false), r)) < GRAD_TOL);
    }

    /**
     * The float32 path (bias rows written before beta-1 GEMMs, d b_A as column sums, the input
     * gradient added into a given dx) against the same layer in float64, which takes the ND4J path
     * ([hs | 1] column, beta-0 products): equal to float32 rounding, for every lambda.
     */
    @ParameterizedTest
    @ValueSource(doubles = {1.0, 0.5, 0.0})
    void float32PathEqualsTheFloat64LayerToRounding(double lambda) {
        Linear d32 = new Linear("enc.fc",
                Parameter.trainable("enc.fc.weight", GradientCheck.random(1, 20, 24).castTo(DataType.FLOAT), true),
                Parameter.trainable("enc.fc.bias", GradientCheck.random(2, 20).castTo(DataType.FLOAT), false));
        PcLoraLinear l32 = PcLoraLinear.pcLora(d32, spec(3));
        l32.b().value().assign(GradientCheck.random(11, 20, 3).castTo(DataType.FLOAT));
        l32.adapterBias().value().assign(GradientCheck.random(12, 20).castTo(DataType.FLOAT));
        PcLoraLinear l64 = PcLoraLinear.pcLora(denseF64(24, 20, 1), spec(3));
        List<Parameter> from = l32.parameters();
        List<Parameter> to = l64.parameters();
        for (int i = 0; i < from.size(); i++) {
            to.get(i).value().assign(from.get(i).value().castTo(DataType.DOUBLE));
        }
        l64.setLambda(lambda);
        l32.setLambda(lambda);
        INDArray x = GradientCheck.random(3, 33, 24).castTo(DataType.FLOAT);
        INDArray dy = GradientCheck.random(4, 33, 20).castTo(DataType.FLOAT);
        INDArray dx0 = GradientCheck.random(5, 33, 24).castTo(DataType.FLOAT);
        INDArray y64 = l64.forward(x.castTo(DataType.DOUBLE), true);
        INDArray dx64 = l64.backward(dy.castTo(DataType.DOUBLE)).add(dx0.castTo(DataType.DOUBLE));
        INDArray y32 = l32.forward(x, true);
        INDArray dx32 = dx0.dup();
        l32.backwardAdding(dy, dx32);
        // float32 rounding of sums over at most 33 terms of size ~1: a few 1e-7 of the largest value
        assertClose(y64, y32);
        assertClose(dx64, dx32);
        assertClose(l64.a().grad(), l32.a().grad());
        assertClose(l64.b().grad(), l32.b().grad());
        assertClose(l64.adapterBias().grad(), l32.adapterBias().grad());
    }

    private static void assertClose(INDArray expected, INDArray actual) {
        double scale = expected.amaxNumber().doubleValue();
        double diff = expected.sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(scale > 0.1 && diff <= 1e-5 * scale, "max |difference| " + diff + " at scale " + scale);
    }

    @Test
    void forwardMatchesHandComputedValues() {
        // W0 = [[1,0],[0,2]], b0 = [1,1], A = [[1,1]], B = [[1],[2]], s = alpha/r = 3, b_A = [0.5,-0.5]
        // x = [1,2]: W0x+b0 = [2,5]; Ax = 3; sBAx = [9,18]; lambda 0.5 -> [1+9+0.5, 2.5+18-0.5] = [10.5, 20]
        Linear d = new Linear("l", Parameter.trainable("l.weight", Nd4j.create(new double[][] {{1, 0}, {0, 2}}), true),
                Parameter.trainable("l.bias", Nd4j.create(new double[] {1, 1}), false));
        PcLoraLinear l = PcLoraLinear.pcLora(d, new AdapterSpec(1, 3.0, BiasPolicy.ADAPTER, InitPolicy.GAUSSIAN, 1));
        l.a().value().assign(Nd4j.create(new double[][] {{1, 1}}));
        l.b().value().assign(Nd4j.create(new double[][] {{1}, {2}}));
        l.adapterBias().value().assign(Nd4j.create(new double[] {0.5, -0.5}));
        l.setLambda(0.5);
        assertArrayEquals(new double[] {10.5, 20}, l.forward(Nd4j.create(new double[][] {{1, 2}}), false).toDoubleVector(), 1e-12);
        l.setLambda(0);
        assertArrayEquals(new double[] {9.5, 17.5}, l.forward(Nd4j.create(new double[][] {{1, 2}}), false).toDoubleVector(), 1e-12);
    }

    @Test
    void equalsTheDenseLayerAtInitialisation() {
        SplittableRandom rng = new SplittableRandom(5);
        Linear d = Linear.create("enc.q", 16, 24, true, 0.5, DataType.FLOAT, rng);
        d.bias().value().assign(GradientCheck.random(6, 24).castTo(DataType.FLOAT));
        INDArray x = GradientCheck.random(7, 9, 16).castTo(DataType.FLOAT);
        INDArray expected = d.forward(x, false);
        PcLoraLinear l = PcLoraLinear.pcLora(d, spec(4));
        // B = 0 and b_A = 0: exactly the dense output, bit for bit (adding zeros is exact).
        assertEquals(expected, l.forward(x, false));
    }

    @Test
    void lambdaZeroEqualsTheCompressedLayer() {
        SplittableRandom rng = new SplittableRandom(8);
        PcLoraLinear l = PcLoraLinear.pcLora(Linear.create("enc.k", 12, 10, true, 0.3, DataType.FLOAT, rng), spec(3));
        l.b().value().assign(GradientCheck.random(9, 10, 3).castTo(DataType.FLOAT));
        l.adapterBias().value().assign(GradientCheck.random(10, 10).castTo(DataType.FLOAT));
        l.setLambda(0.3);
        CompressedLinear c = l.compress(); // the lambda-0 function, whatever the current lambda
        l.setLambda(0);
        INDArray x = GradientCheck.random(11, 7, 12).castTo(DataType.FLOAT);
        INDArray y = l.forward(x, false);
        INDArray yc = c.forward(x, false);
        assertEquals(DataType.FLOAT, yc.dataType());
        // the inference forward at lambda 0 runs the compressed layer's arithmetic: identical bits
        assertArrayEquals(y.ravel().toDoubleVector(), yc.ravel().toDoubleVector(), 0.0);
        // the training forward (hidden kept for backward) differs only by float32 rounding, ~1e-7
        assertArrayEquals(y.ravel().toDoubleVector(), l.forward(x, true).ravel().toDoubleVector(), 1e-6);
        // scaling folded into B; names as exported
        assertEquals(l.b().value().mul(l.scaling()), c.b().value());
        assertEquals("enc.k.lora_A.weight", c.a().name());
        assertEquals("enc.k.lora_B.weight", c.b().name());
        assertEquals("enc.k.lora_B.bias", c.bias().name());
        // a copy: training the compressed layer further does not touch the adapter
        c.a().value().addi(1);
        assertNotEquals(c.a().value(), l.a().value());
    }

    @Test
    void lambdaZeroDoesNoFrozenPathWork() {
        // A NaN W0 and b0 would poison any output or gradient they touch.
        Linear d = new Linear("l", Parameter.trainable("l.weight", Nd4j.valueArrayOf(new long[] {4, 5}, Double.NaN, DataType.DOUBLE), true),
                Parameter.trainable("l.bias", Nd4j.valueArrayOf(new long[] {4}, Double.NaN, DataType.DOUBLE), false));
        PcLoraLinear l = PcLoraLinear.pcLora(d, spec(2));
        l.b().value().assign(GradientCheck.random(1, 4, 2));
        INDArray x = GradientCheck.random(2, 3, 5);
        l.setLambda(1e-3);
        assertTrue(l.forward(x, false).isNaN().any(), "the frozen path is used at lambda > 0");
        l.setLambda(0);
        INDArray y = l.forward(x, true);
        INDArray dx = l.backward(GradientCheck.random(3, 3, 4));
        assertFalse(y.isNaN().any() || y.isInfinite().any());
        assertFalse(dx.isNaN().any() || dx.isInfinite().any());
        assertFalse(l.a().grad().isNaN().any() || l.b().grad().isNaN().any() || l.adapterBias().grad().isNaN().any());
    }

    @Test
    void sameResultsInsideAWorkspace() {
        // Trainers may run steps inside ND4J workspaces: outputs and gradients must not change, and
        // state the layer keeps between calls must survive the workspace being closed.
        WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(0)
                .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT).build();
        PcLoraLinear out = PcLoraLinear.pcLora(denseF64(5, 4, 1), spec(2));
        PcLoraLinear in = PcLoraLinear.pcLora(denseF64(5, 4, 1), spec(2));
        for (PcLoraLinear l : List.of(out, in)) {
            l.b().value().assign(GradientCheck.random(11, 4, 2));
            l.setLambda(0.5);
        }
        for (int rows : new int[] {3, 3, 6}) {
            INDArray x = GradientCheck.random(rows, rows, 5);
            INDArray dy = GradientCheck.random(rows + 1, rows, 4);
            INDArray y = out.forward(x, true);
            INDArray dx = out.backward(dy);
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "pclora-test")) {
                assertEquals(y, in.forward(x, true));
                assertEquals(dx, in.backward(dy));
            }
            assertEquals(out.a().grad(), in.a().grad());
            assertEquals(out.b().grad(), in.b().grad());
            assertEquals(out.adapterBias().grad(), in.adapterBias().grad());
        }
    }

    @Test
    void frozenPathHasNoGradientBuffers() {
        Linear d = denseF64(5, 4, 1);
        PcLoraLinear l = PcLoraLinear.pcLora(d, spec(2));
        assertNull(l.dense().weight().grad());
        assertNull(l.dense().bias().grad());
        assertFalse(d.weight().isTrainable(), "the caller's dense parameters are frozen too");
        assertFalse(d.bias().isTrainable());
        assertEquals(5, l.parameters().size());
        assertEquals(3, l.parameters().stream().filter(Parameter::isTrainable).count());
        assertFalse(l.adapterBias().weightDecay(), "no weight decay on the adapter bias");
        assertTrue(l.a().weightDecay() && l.b().weightDecay());
        assertTrue(l.b().value().equals(Nd4j.zeros(DataType.DOUBLE, 4, 2)));
        // the frozen values are shared, not copied
        assertTrue(l.dense().weight().value() == d.weight().value());
    }

    @Test
    void noAdapterBiasUnderBiasPolicyNone() {
        PcLoraLinear l = PcLoraLinear.pcLora(denseF64(5, 4, 1),
                new AdapterSpec(2, 4, BiasPolicy.NONE, InitPolicy.KAIMING_UNIFORM, 1));
        assertNull(l.adapterBias());
        assertNull(l.compress().bias());
        assertEquals(4, l.parameters().size());
    }

    @Test
    void initialisationFollowsThePolicyAndSeed() {
        int in = 400;
        PcLoraLinear k = PcLoraLinear.pcLora(denseF64(in, 64, 1), new AdapterSpec(16, 16, BiasPolicy.ADAPTER, InitPolicy.KAIMING_UNIFORM, 3));
        double bound = 1 / Math.sqrt(in); // kaiming_uniform(a=sqrt(5)) bound = 1/sqrt(fan_in) = 0.05
        assertTrue(k.a().value().amaxNumber().doubleValue() <= bound);
        assertTrue(k.a().value().amaxNumber().doubleValue() > 0.95 * bound);
        PcLoraLinear k2 = PcLoraLinear.pcLora(denseF64(in, 64, 1), new AdapterSpec(16, 16, BiasPolicy.ADAPTER, InitPolicy.KAIMING_UNIFORM, 3));
        assertEquals(k.a().value(), k2.a().value(), "same seed and layer name, same A");
        PcLoraLinear g = PcLoraLinear.pcLora(denseF64(in, 64, 1), new AdapterSpec(16, 16, BiasPolicy.ADAPTER, InitPolicy.GAUSSIAN, 3));
        double std = g.a().value().stdNumber().doubleValue();
        assertEquals(1.0 / 16, std, 0.1 / 16); // N(0, 1/r^2); 6400 samples give ~1% error on the std
    }

    @Test
    void rankLargerThanTheLayerIsRejected() {
        PcLoraException e = assertThrows(PcLoraException.class, () -> PcLoraLinear.pcLora(denseF64(5, 4, 1), spec(5)));
        assertTrue(e.getMessage().contains("enc.fc"), e.getMessage());
    }

    @Test
    void plainLoraKeepsTheFrozenPath() {
        Linear d = denseF64(5, 4, 1);
        INDArray x = GradientCheck.random(2, 3, 5);
        INDArray expected = d.forward(x, false);
        PcLoraLinear l = PcLoraLinear.lora(d, spec(2));
        l.setLambda(0);
        assertEquals(1.0, l.lambda());
        assertTrue(l.isPlainLora());
        assertArrayEquals(expected.ravel().toDoubleVector(), l.forward(x, false).ravel().toDoubleVector(), 1e-12);
    }

    @Test
    void factoriesAreRegistered() {
        PluginRegistry reg = PluginRegistry.load();
        assertInstanceOf(PcLoraAdapterFactory.class, reg.adapter("pclora"));
        assertInstanceOf(LoraAdapterFactory.class, reg.adapter("lora"));
        AdapterLayer a = reg.adapter("lora").wrap(denseF64(5, 4, 1), spec(2));
        a.setLambda(0);
        assertEquals(1.0, a.lambda());
        AdapterLayer p = reg.adapter("pclora").wrap(denseF64(5, 4, 1), spec(2));
        p.setLambda(0.25);
        assertEquals(0.25, p.lambda());
    }
}
