package org.pclora.core.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.adapter.plugin.PcLoraAdapterFactory;
import org.pclora.core.kernels.Kernels;
import org.pclora.core.model.Batch;
import org.pclora.core.model.Encoder;
import org.pclora.core.model.Features;
import org.pclora.core.model.TransformerStack;
import org.pclora.core.nn.Init;
import org.pclora.core.nn.LowRank;
import org.pclora.core.nn.MultiHeadSelfAttention;
import org.pclora.core.nn.Parameter;

/**
 * The low-rank inference path of whole models (shared q/k/v product, GELU and residual sums fused
 * into the adapters' output passes): the compressed model's logits are the student's lambda-0
 * inference logits bit for bit under every kernel choice, and agree with the unfused ND4J path
 * and with the training forward to float32 rounding.
 */
class CompressedInferenceTest {
    @AfterEach
    void restore() {
        MultiHeadSelfAttention.setLowRankSpace(true);
        Kernels.setLowRankEnabled(true);
        LowRank.setKernels("");
    }

    /** A 2-block stack (width 64, MLP 128, 9 tokens) with rank-8 PC-LoRA everywhere, random B and b_A, lambda 0. */
    private static TransformerStack student(long seed) {
        TransformerStack s = new TransformerStack(2, 64, 4, 128, 9, 5, seed, DataType.FLOAT);
        List<AdapterLayer> ads = Adapters.apply(s, new PcLoraAdapterFactory(),
                new AdapterSpec(8, 16, AdapterSpec.BiasPolicy.ADAPTER, AdapterSpec.InitPolicy.KAIMING_UNIFORM, 2), ".*");
        SplittableRandom rng = new SplittableRandom(seed + 1);
        for (AdapterLayer ad : ads) {
            for (Parameter p : ad.parameters()) {
                if (p.isTrainable() && p.name().contains("lora_B")) {
                    p.value().assign(Init.normal(rng, 0.2, DataType.FLOAT, p.value().shape()));
                }
            }
        }
        Adapters.setLambda(s, 0.0);
        return s;
    }

    private static Batch batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Batch.images(Nd4j.randn(DataType.FLOAT, 3, 9, 64), null);
    }

    private static float[] logits(TransformerStack s, Batch b, boolean training) {
        INDArray l = s.forward(b, training, Set.of()).get("logits");
        return l.dup('c').reshape(l.length()).toFloatVector();
    }

    @Test
    void compressedEqualsTheLambdaZeroStudentBitForBitUnderEveryKernelChoice() {
        for (String kernels : new String[] {"", "gelu", "thin,expand,gelu", "thin", "expand"}) {
            LowRank.setKernels(kernels);
            TransformerStack s = student(3);
            Batch b = batch(4);
            float[] studentLogits = logits(s, b, false);
            Adapters.compress(s);
            assertTrue(s.linearSlots().stream().allMatch(slot -> slot.layer() instanceof CompressedLinear));
            assertArrayEquals(studentLogits, logits(s, b, false), "kernels '" + kernels + "'");
        }
    }

    @Test
    void fusedPathAgreesWithTheUnfusedNd4jPathAndTheTrainingForward() {
        Batch b = batch(6);
        TransformerStack s = student(5);
        Kernels.setLowRankEnabled(false);
        float[] unfused = logits(s, b, false);
        Kernels.setLowRankEnabled(true);
        float[] training = logits(s, b, true); // PC-LoRA's own lambda-0 training arithmetic
        for (String kernels : new String[] {"", "gelu", "thin,expand,gelu"}) {
            LowRank.setKernels(kernels);
            float[] fused = logits(s, b, false);
            double scale = 0;
            double worst = 0;
            for (int i = 0; i < fused.length; i++) {
                scale = Math.max(scale, Math.abs(unfused[i]));
                worst = Math.max(worst, Math.max(Math.abs(fused[i] - unfused[i]), Math.abs(fused[i] - training[i])));
            }
            // float32 rounding through two blocks (sums of up to 128 terms, GELU within 3e-7): far below 1e-4
            assertTrue(worst <= 1e-5 * Math.max(1, scale), "kernels '" + kernels + "': max difference " + worst
                    + " at logit scale " + scale);
        }
    }

    @Test
    void attentionInTheRankSpaceEqualsTheExpandedAttentionWithBiasesAndPadding() {
        TransformerStack s = student(9); // head size 16, rank 8: attention runs in the rank space
        SplittableRandom rng = new SplittableRandom(10);
        for (Parameter p : s.parameters()) {
            if (p.name().endsWith("bias")) { // every bias non-zero, so that the terms that carry them count
                p.value().assign(Init.normal(rng, 0.5, DataType.FLOAT, p.value().shape()));
            }
        }
        int b = 3;
        int t = 9;
        Nd4j.getRandom().setSeed(11);
        INDArray rows = Nd4j.randn(DataType.FLOAT, (long) b * t, 64);
        INDArray mask = Nd4j.ones(DataType.FLOAT, b, t);
        for (int j = 6; j < t; j++) {
            mask.putScalar(1, j, 0f);
        }
        for (int j = 4; j < t; j++) {
            mask.putScalar(2, j, 0f);
        }
        Encoder e = s.encoder();
        MultiHeadSelfAttention.setLowRankSpace(false);
        float[] expanded = e.forward(rows, b, t, mask, false, Set.of(), new Features()).dup('c').reshape(-1).toFloatVector();
        MultiHeadSelfAttention.setLowRankSpace(true);
        float[] low = e.forward(rows, b, t, mask, false, Set.of(), new Features()).dup('c').reshape(-1).toFloatVector();
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < low.length; i++) {
            scale = Math.max(scale, Math.abs(expanded[i]));
            worst = Math.max(worst, Math.abs(low[i] - expanded[i]));
        }
        // float32 rounding of reassociated sums through two blocks
        assertTrue(worst <= 1e-5 * Math.max(1, scale), "max difference " + worst + " at scale " + scale);
        assertTrue(worst > 0, "the rank-space path did not run (bit-identical to the expanded one)");
        Adapters.compress(s);
        assertArrayEquals(low, e.forward(rows, b, t, mask, false, Set.of(), new Features()).dup('c').reshape(-1)
                .toFloatVector(), "compressed against the lambda-0 student, both in the rank space");
    }

    @Test
    void aLayerWithoutTheKernelsStillFusesNothingAndMatches() {
        // float64 (gradient checks' type) never takes the kernels: the slot runs the layer, the GELU layer, an add
        TransformerStack s = new TransformerStack(1, 8, 2, 16, 3, 3, 7, DataType.DOUBLE);
        Adapters.apply(s, new PcLoraAdapterFactory(),
                new AdapterSpec(2, 4, AdapterSpec.BiasPolicy.ADAPTER, AdapterSpec.InitPolicy.KAIMING_UNIFORM, 2), ".*");
        Adapters.setLambda(s, 0.0);
        Nd4j.getRandom().setSeed(1);
        Batch b = Batch.images(Nd4j.randn(DataType.DOUBLE, 2, 3, 8), null);
        INDArray inference = s.forward(b, false, Set.of()).get("logits");
        INDArray training = s.forward(b, true, Set.of()).get("logits");
        assertEquals(DataType.DOUBLE, inference.dataType());
        assertArrayEquals(training.ravel().toDoubleVector(), inference.ravel().toDoubleVector(), 1e-12);
    }

    @Test
    void anUnknownKernelNameIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LowRank.setKernels("thin,fast"));
        assertTrue(e.getMessage().contains("thin, expand, gelu"), e.getMessage());
    }
}
