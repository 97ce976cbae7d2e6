package org.pclora.benchmarks;

import org.pclora.core.accounting.UsefulFlops;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.pclora.core.nn.MultiHeadSelfAttention;
import org.pclora.core.memory.StepWorkspace;

/**
 * {@link MultiHeadSelfAttention} with four frozen dense [768, 768] projections, forward and
 * forward+backward, at ViT-B ({@code model=vit-b}: B 8, T 197, D 768, 12 heads, no mask) and
 * BERT-base ({@code model=bert-base}: B 8, T 128, 12 heads, a padding mask with sequence lengths
 * 128 down to 72). The projections are frozen, so backward computes only input gradients: the
 * benchmark measures the attention core (head split and merge, the batched products, mask,
 * softmax and its backward) plus the projections' x W^T and dy W. No attention dropout.
 * Beside them, a plain sgemm of one projection's shape [B*T, 768] x [768, 768] in the same run.
 * Run alone: {@code benchmarks/run.sh -f 1 -wi 3 -i 5 Attention}.
 *
 * <p>Useful floating-point operations per call ({@link UsefulFlops}; 2 per multiply-add, R = B T):
 * each batched product (q k^T, probs v) is 2 B H T T dh = 2 B T T D; forward runs two of them and
 * the four projections' 2 R D D each; backward four products (d probs, dv, dq, dk) and the four
 * projections' input gradients 2 R D D each. In GFLOP: ViT-B forward 8.39, forward+backward 17.73,
 * sgemm 1.86; BERT-base forward 5.23, forward+backward 10.87, sgemm 1.21.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class AttentionBenchmark {
    /** Each invocation runs in the engine's step workspace, as training steps do. */
    private static final StepWorkspace STEP = new StepWorkspace("PCLORA_JMH_STEP");


    /** Useful flops per call of one benchmark method at the given JMH parameters, or NaN. */
    public static double flops(String method, Map<String, String> params) {
        ModelSize m = ModelSize.of(params.get("model"));
        return switch (method) {
            case "sgemmForward" -> UsefulFlops.gemm(m.rows(), m.width(), m.width());
            case "attentionForward" -> UsefulFlops.frozenAttentionForward(m.batch(), m.tokens(), m.width());
            case "attentionForwardBackward" ->
                    UsefulFlops.frozenAttentionForwardBackward(m.batch(), m.tokens(), m.width());
            default -> Double.NaN;
        };
    }

    /** The attention layer and its inputs at one model size. */
    @State(Scope.Thread)
    public static class Attention {
        /** {@code vit-b} or {@code bert-base}. */
        @Param({"vit-b", "bert-base"})
        public String model;
        ModelSize size;
        MultiHeadSelfAttention attention;
        INDArray x;
        INDArray dy;
        INDArray mask;
        INDArray w;
        INDArray y;

        /** Builds the layer with frozen projections and draws x [B*T, D], dy and the mask. */
        @Setup
        public void setUp() {
            size = ModelSize.of(model);
            int d = size.width();
            SplittableRandom rng = new SplittableRandom(5);
            attention = new MultiHeadSelfAttention(Fixtures.frozenSlot("bench.query", d, d, rng),
                    Fixtures.frozenSlot("bench.key", d, d, rng), Fixtures.frozenSlot("bench.value", d, d, rng),
                    Fixtures.frozenSlot("bench.output", d, d, rng), size.heads(), 0.0, 6);
            x = Fixtures.uniform(rng, 1.0, size.rows(), d);
            dy = Fixtures.uniform(rng, 1e-3, size.rows(), d);
            mask = Fixtures.paddingMask(size);
            w = Fixtures.uniform(rng, 1.0 / Math.sqrt(d), d, d);
            y = Nd4j.createUninitialized(DataType.FLOAT, size.rows(), d);
        }
    }

    /** One projection's x W^T: the reference GFLOP/s. */
    @Benchmark
    public INDArray sgemmForward(Attention a) {
        Nd4j.gemm(a.x, a.w, a.y, false, true, 1.0, 0.0);
        return a.y;
    }

    /** Inference forward (nothing kept for backward). */
    @Benchmark
    public INDArray attentionForward(Attention a) {
        try (StepWorkspace.Scope ignored = STEP.step()) { // as the trainer runs a step
            return a.attention.forward(a.x, a.size.batch(), a.size.tokens(), a.mask, false);
        }
    }

    /** Training forward, then backward to dL/dx. */
    @Benchmark
    public INDArray attentionForwardBackward(Attention a) {
        try (StepWorkspace.Scope ignored = STEP.step()) { // as the trainer runs a step
            a.attention.forward(a.x, a.size.batch(), a.size.tokens(), a.mask, true);
            return a.attention.backward(a.dy);
        }
    }
}
