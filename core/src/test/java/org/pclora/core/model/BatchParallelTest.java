package org.pclora.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.adapter.AdapterLayer;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.adapter.Adapters;
import org.pclora.core.adapter.plugin.PcLoraAdapterFactory;
import org.pclora.core.kernels.Kernels;
import org.pclora.core.memory.StepWorkspace;
import org.pclora.core.nn.Init;
import org.pclora.core.nn.Parameter;

/**
 * Inference split by examples over threads ({@link BatchParallel}, used by {@link Encoder}): the
 * logits of the forward in one piece (bit-identical under SKYLAKEX, within a stated bound under
 * other BLAS kernels), for dense, PC-LoRA and compressed models, with an uneven split
 * and a padding mask, inside and outside a workspace; the process-wide thread counts come back.
 */
class BatchParallelTest {
    private int threads;

    @BeforeEach
    void twoThreads() {
        threads = Kernels.setThreads(2);
    }

    @AfterEach
    void restore() {
        Kernels.setThreads(threads);
        BatchParallel.setEnabled(true);
    }

    /** 2 blocks, width 128, 4 heads, MLP 256, 65 tokens: 5 examples make 41,600 elements, 7 make 58,240. */
    private static TransformerStack stack(long seed) {
        return new TransformerStack(2, 128, 4, 256, 65, 5, seed, DataType.FLOAT);
    }

    private static float[] logits(ClassifierModel m, INDArray images) {
        INDArray l = m.forward(Batch.images(images, null), false, Set.of()).get("logits");
        return l.dup('c').reshape(l.length()).toFloatVector();
    }

    private static float[] splitAndWhole(ClassifierModel m, INDArray images, float[][] whole) {
        BatchParallel.setEnabled(false);
        whole[0] = logits(m, images);
        BatchParallel.setEnabled(true);
        return logits(m, images);
    }

    /**
     * The split forward against the forward in one piece. Under OpenBLAS's SKYLAKEX kernel the two
     * are bit-identical (measured: max |difference| 0); under other kernels (Haswell, as on AVX2
     * CPUs or where the environment presets it) sgemm sums the rows that fall into its edge
     * micro-kernel in another order, and the split moves those edges, so the two differ in the last
     * bits (measured under Haswell: at most 1.5e-7 on logits of magnitude 0.7). The bound below is
     * about seven times that: a wrong share (another example's rows, a lost mask) moves logits by
     * orders of magnitude more. See docs/performance.md, "Numerics under each BLAS kernel".
     */
    static void assertSameLogits(float[] whole, float[] split, String what) {
        assertEquals(whole.length, split.length, what);
        double scale = 1;
        for (float w : whole) {
            scale = Math.max(scale, Math.abs(w));
        }
        for (int i = 0; i < whole.length; i++) {
            double d = Math.abs(whole[i] - split[i]);
            if (d > 1e-6 * scale) {
                assertEquals(whole[i], split[i], 1e-6 * scale, what + ": logit " + i + " differs by " + d);
            }
        }
    }

    @Test
    void aBatchIsSplitOnlyWhereItPays() {
        assertEquals(2, BatchParallel.parts(9, 9 * 65, 128));
        assertEquals(1, BatchParallel.parts(1, 65, 4096), "one example is not split");
        assertEquals(1, BatchParallel.parts(2, 2 * 9, 64), "a small batch is not split");
        BatchParallel.setEnabled(false);
        assertEquals(1, BatchParallel.parts(9, 9 * 65, 128));
        BatchParallel.setEnabled(true);
        Kernels.setThreads(1);
        assertEquals(1, BatchParallel.parts(9, 9 * 65, 128), "one thread is not split");
        Kernels.setThreads(3);
        assertEquals(3, BatchParallel.parts(9, 9 * 65, 128));
        Kernels.serially(() -> assertEquals(1, BatchParallel.parts(9, 9 * 65, 128), "a part is not split again"));
    }

    @Test
    void splitLogitsAreTheWholeBatchsBitForBitDensePcLoraAndCompressed() {
        Nd4j.getRandom().setSeed(11);
        INDArray images = Nd4j.randn(DataType.FLOAT, 9, 65, 128); // 9 examples over 2 threads: 4 + 5
        TransformerStack s = stack(3);
        float[][] whole = new float[1][];
        float[] split = splitAndWhole(s, images, whole);
        assertSameLogits(whole[0], split, "dense");
        assertEquals(9 * 5, split.length);

        List<AdapterLayer> ads = Adapters.apply(s, new PcLoraAdapterFactory(),
                new AdapterSpec(8, 16, AdapterSpec.BiasPolicy.ADAPTER, AdapterSpec.InitPolicy.KAIMING_UNIFORM, 2), ".*");
        SplittableRandom rng = new SplittableRandom(4);
        for (AdapterLayer ad : ads) {
            for (Parameter p : ad.parameters()) {
                if (p.isTrainable() && p.name().contains("lora_B")) {
                    p.value().assign(Init.normal(rng, 0.2, DataType.FLOAT, p.value().shape()));
                }
            }
        }
        Adapters.setLambda(s, 0.5);
        split = splitAndWhole(s, images, whole);
        assertSameLogits(whole[0], split, "PC-LoRA at lambda 0.5");
        Adapters.setLambda(s, 0.0);
        split = splitAndWhole(s, images, whole);
        assertSameLogits(whole[0], split, "PC-LoRA at lambda 0");
        Adapters.compress(s);
        assertSameLogits(whole[0], logits(s, images), "compressed, split, against the lambda-0 student in one piece");

        // inside a step workspace, as evaluation runs it, the same bits again
        StepWorkspace ws = new StepWorkspace("PCLORA_TEST_SPLIT");
        try (StepWorkspace.Scope ignored = ws.step()) {
            assertSameLogits(whole[0], logits(s, images), "inside a workspace");
        } finally {
            ws.close();
        }
    }

    @Test
    void paddedExamplesSplitWithTheirMaskRows() {
        TransformerStack s = stack(5);
        Encoder e = s.encoder();
        int b = 7;
        int t = 65;
        Nd4j.getRandom().setSeed(12);
        INDArray rows = Nd4j.randn(DataType.FLOAT, (long) b * t, 128);
        INDArray mask = Nd4j.ones(DataType.FLOAT, b, t);
        for (int i = 0; i < b; i++) {
            for (int j = t - 3 * i; j < t; j++) {
                mask.putScalar(i, j, 0f); // example i has 3i padded tokens
            }
        }
        BatchParallel.setEnabled(false);
        float[] whole = e.forward(rows, b, t, mask, false, Set.of(), new Features()).dup('c').reshape(-1).toFloatVector();
        BatchParallel.setEnabled(true);
        INDArray split = e.forward(rows, b, t, mask, false, Set.of(), new Features());
        assertSameLogits(whole, split.dup('c').reshape(-1).toFloatVector(), "padded");
        assertArrayEquals(new long[] {(long) b * t, 128}, split.shape());
    }

    @Test
    void theProcessWideThreadCountsComeBackAndTapsAreNotSplit() {
        int blas = Nd4j.factory().blas().getMaxThreads();
        int nd4j = Nd4j.getEnvironment().maxThreads();
        TransformerStack s = stack(7);
        Nd4j.getRandom().setSeed(13);
        INDArray images = Nd4j.randn(DataType.FLOAT, 9, 65, 128);
        logits(s, images);
        assertEquals(blas, Nd4j.factory().blas().getMaxThreads());
        assertEquals(nd4j, Nd4j.getEnvironment().maxThreads());
        assertFalse(Kernels.serialHere());
        // with a tap the forward runs in one piece and still taps every block
        Features f = s.forward(Batch.images(images, null), false, Set.of(FeatureKind.BLOCK_OUTPUT));
        assertTrue(f.get(FeatureKind.BLOCK_OUTPUT.prefix() + 1) != null);
    }

    @Test
    void aFailingPartIsRethrownAfterTheOthersEnd() {
        int blas = Nd4j.factory().blas().getMaxThreads();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> BatchParallel.run(2, part -> {
                    if (part == 1) {
                        throw new IllegalStateException("part 1 failed");
                    }
                }));
        assertEquals("part 1 failed", e.getMessage());
        assertEquals(blas, Nd4j.factory().blas().getMaxThreads());
    }
}
