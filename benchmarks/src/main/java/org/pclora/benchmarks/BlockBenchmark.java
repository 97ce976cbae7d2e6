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
import org.pclora.core.nn.LayerNorm;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.MultiHeadSelfAttention;
import org.pclora.core.nn.TransformerBlock;
import org.pclora.core.memory.StepWorkspace;

/**
 * One whole {@link TransformerBlock}, training forward+backward, float32: PRE norm at ViT-B sizes
 * ({@code model=vit-b}: B 8, T 197, D 768, 12 heads, MLP 3072) and POST norm at BERT-base sizes
 * ({@code model=bert-base}: B 8, T 128, padding mask), with its six linear slots (q, k, v,
 * attention output, fc1, fc2) holding PC-LoRA adapters of rank 32 ({@code variant=pclora-0.5} or
 * {@code pclora-0}, the lambda) or frozen dense layers ({@code variant=dense-frozen}: the block as
 * PC-LoRA starts, without the adapters). LayerNorm parameters are trainable, as in PC-LoRA
 * training; no dropout. Beside them, a plain sgemm of the fc1 shape [B*T, 768] x [768, 3072] in
 * the same run. Run alone: {@code benchmarks/run.sh -f 1 -wi 3 -i 5 Block}.
 *
 * <p>Useful floating-point operations per call ({@link UsefulFlops#blockForwardBackward}): the sum
 * of the attention core forward+backward (6 batched products of 2 B T T D) and the six slots'
 * forward+backward (PC-LoRA: 4 R in out at lambda &gt; 0 plus 6 R r (in + out); frozen dense:
 * 4 R in out). In GFLOP: ViT-B dense-frozen 47.48, pclora-0.5 51.66, pclora-0 7.04, sgemm 7.44;
 * BERT-base dense-frozen 30.20, pclora-0.5 32.92, pclora-0 3.93, sgemm 4.83.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class BlockBenchmark {
    /** Each invocation runs in the engine's step workspace, as training steps do. */
    private static final StepWorkspace STEP = new StepWorkspace("PCLORA_JMH_STEP");

    /** The dense-frozen variant's name. */
    static final String DENSE_FROZEN = "dense-frozen";
    /** Prefix of the PC-LoRA variants; the lambda follows. */
    static final String PCLORA = "pclora-";

    /** Useful flops per call of one benchmark method at the given JMH parameters, or NaN. */
    public static double flops(String method, Map<String, String> params) {
        ModelSize m = ModelSize.of(params.get("model"));
        return switch (method) {
            case "sgemmForward" -> UsefulFlops.gemm(m.rows(), m.width(), m.mlp());
            case "blockForwardBackward" -> {
                String variant = params.get("variant");
                boolean dense = DENSE_FROZEN.equals(variant);
                yield UsefulFlops.blockForwardBackward(m.batch(), m.tokens(), m.width(), m.mlp(),
                        dense ? 0 : Fixtures.RANK, dense ? 1.0 : lambdaOf(variant));
            }
            default -> Double.NaN;
        };
    }

    /** The lambda of a {@code pclora-<lambda>} variant. */
    static double lambdaOf(String variant) {
        if (!variant.startsWith(PCLORA)) {
            throw new IllegalArgumentException("block variant " + variant + " is unknown; accepted: "
                    + DENSE_FROZEN + " or " + PCLORA + "<lambda in [0, 1]>");
        }
        return Double.parseDouble(variant.substring(PCLORA.length()));
    }

    /** The block and its inputs at one model size and variant. */
    @State(Scope.Thread)
    public static class Block {
        /** {@code vit-b} (PRE norm) or {@code bert-base} (POST norm, padded). */
        @Param({"vit-b", "bert-base"})
        public String model;
        /** {@code pclora-<lambda>} or {@code dense-frozen}. */
        @Param({"pclora-0.5", "pclora-0", DENSE_FROZEN})
        public String variant;
        ModelSize size;
        TransformerBlock block;
        INDArray x;
        INDArray dy;
        INDArray mask;

        /** Assembles the block as {@code TransformerStack} does, then puts adapters into the slots. */
        @Setup
        public void setUp() {
            size = ModelSize.of(model);
            int d = size.width();
            SplittableRandom rng = new SplittableRandom(9);
            LinearSlot q = Fixtures.frozenSlot("bench.query", d, d, rng);
            LinearSlot k = Fixtures.frozenSlot("bench.key", d, d, rng);
            LinearSlot v = Fixtures.frozenSlot("bench.value", d, d, rng);
            LinearSlot o = Fixtures.frozenSlot("bench.output", d, d, rng);
            LinearSlot fc1 = Fixtures.frozenSlot("bench.fc1", d, size.mlp(), rng);
            LinearSlot fc2 = Fixtures.frozenSlot("bench.fc2", size.mlp(), d, rng);
            block = new TransformerBlock(size.norm(),
                    new MultiHeadSelfAttention(q, k, v, o, size.heads(), 0.0, 10),
                    new LayerNorm("bench.ln1", d, 1e-12, DataType.FLOAT), fc1, fc2,
                    new LayerNorm("bench.ln2", d, 1e-12, DataType.FLOAT), 0.0, 11);
            if (!DENSE_FROZEN.equals(variant)) {
                double lambda = lambdaOf(variant);
                for (LinearSlot slot : block.linearSlots()) {
                    slot.replace(Fixtures.pcLora((Linear) slot.layer(), lambda, rng));
                }
            }
            x = Fixtures.uniform(rng, 1.0, size.rows(), d);
            dy = Fixtures.uniform(rng, 1e-3, size.rows(), d);
            mask = Fixtures.paddingMask(size);
        }
    }

    /** The fc1 shape's x W^T: the reference GFLOP/s. */
    @State(Scope.Thread)
    public static class Sgemm {
        /** {@code vit-b} or {@code bert-base}. */
        @Param({"vit-b", "bert-base"})
        public String model;
        INDArray x;
        INDArray w;
        INDArray y;

        /** Draws x [B*T, 768] and W [3072, 768]. */
        @Setup
        public void setUp() {
            ModelSize size = ModelSize.of(model);
            SplittableRandom rng = new SplittableRandom(12);
            x = Fixtures.uniform(rng, 1.0, size.rows(), size.width());
            w = Fixtures.uniform(rng, 1.0 / Math.sqrt(size.width()), size.mlp(), size.width());
            y = Nd4j.createUninitialized(DataType.FLOAT, size.rows(), size.mlp());
        }
    }

    /** The fc1 shape's x W^T: the reference GFLOP/s. */
    @Benchmark
    public INDArray sgemmForward(Sgemm s) {
        Nd4j.gemm(s.x, s.w, s.y, false, true, 1.0, 0.0);
        return s.y;
    }

    /** One training step of the block: forward, then backward to dL/dx with gradient accumulation. */
    @Benchmark
    public INDArray blockForwardBackward(Block b) {
        try (StepWorkspace.Scope ignored = STEP.step()) { // as the trainer runs a step
            b.block.forward(b.x, b.size.batch(), b.size.tokens(), b.mask, true);
            return b.block.backward(b.dy);
        }
    }
}
