package org.pclora.benchmarks;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
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
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.adapter.PcLoraLinear;
import org.pclora.core.nn.Init;
import org.pclora.core.nn.Linear;

/**
 * PcLoraLinear forward+backward at ViT-B MLP sizes (in 768, out 3072, 197 tokens x 8 images,
 * rank 32, float32) beside a plain sgemm and a dense Linear of the same shapes in the same run.
 *
 * <p>Useful floating-point operations per call (2 per multiply-add), R = rows, used by
 * {@link BenchmarkReport} to turn the measured times into GFLOP/s:
 * <ul>
 *   <li>sgemm forward, y = x W^T: 2 R in out = 7.44 GFLOP;</li>
 *   <li>PC-LoRA at lambda &gt; 0: forward W0 path 2 R in out, backward dx through W0 2 R in out
 *       (W0 is frozen: no dW), adapter forward 2 R r (in + out), adapter backward (dB, dh, dA, dx)
 *       4 R r (in + out): 4 R in out + 6 R r (in + out) = 16.03 GFLOP;</li>
 *   <li>PC-LoRA at lambda 0: adapter only, 6 R r (in + out) = 1.16 GFLOP;</li>
 *   <li>dense trainable Linear forward+backward (y, dW, dx): 6 R in out = 22.31 GFLOP.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class PcLoraLinearBenchmark {
    public static final int IN = 768;
    public static final int OUT = 3072;
    public static final int ROWS = 197 * 8;
    public static final int RANK = 32;

    /** Useful flops per call of each benchmark (see the class comment). */
    public static double flops(String benchmark, double lambda) {
        double dense = 2.0 * ROWS * IN * OUT;
        double adapter = 6.0 * ROWS * RANK * (IN + OUT);
        return switch (benchmark) {
            case "sgemmForward" -> dense;
            case "pcLoraForwardBackward" -> lambda == 0 ? adapter : 2 * dense + adapter;
            case "denseLinearForwardBackward" -> 3 * dense;
            default -> Double.NaN;
        };
    }

    /** Inputs shared by all benchmarks: x [R, in], dy [R, out], W [out, in], y [R, out]. */
    @State(Scope.Thread)
    public static class Shapes {
        INDArray x;
        INDArray dy;
        INDArray w;
        INDArray y;

        @Setup
        public void setUp() {
            SplittableRandom rng = new SplittableRandom(1);
            x = Init.uniform(rng, 1.0, DataType.FLOAT, ROWS, IN);
            dy = Init.uniform(rng, 1e-3, DataType.FLOAT, ROWS, OUT);
            w = Init.uniform(rng, 1.0 / Math.sqrt(IN), DataType.FLOAT, OUT, IN);
            y = Nd4j.createUninitialized(DataType.FLOAT, ROWS, OUT);
        }
    }

    /**
     * A PC-LoRA layer with a trained-looking (nonzero) B at the given lambda; with {@code workspace}
     * each step runs inside an ND4J workspace, so that outputs and temporaries reuse one block of
     * memory instead of fresh pages (the cost a trainer without workspaces pays on every step).
     */
    @State(Scope.Thread)
    public static class PcLora {
        @Param({"0.5", "0"})
        public double lambda;
        @Param({"false", "true"})
        public boolean workspace;
        PcLoraLinear layer;

        @Setup
        public void setUp() {
            SplittableRandom rng = new SplittableRandom(2);
            Linear dense = Linear.create("bench.fc1", IN, OUT, true, 0.02, DataType.FLOAT, rng);
            layer = PcLoraLinear.pcLora(dense, new AdapterSpec(RANK, RANK, AdapterSpec.BiasPolicy.ADAPTER,
                    AdapterSpec.InitPolicy.KAIMING_UNIFORM, 3));
            layer.b().value().assign(Init.uniform(rng, 0.01, DataType.FLOAT, OUT, RANK));
            layer.setLambda(lambda);
        }
    }

    /** A trainable dense Linear of the same shape. */
    @State(Scope.Thread)
    public static class Dense {
        Linear layer;

        @Setup
        public void setUp() {
            layer = Linear.create("bench.fc1", IN, OUT, true, 0.02, DataType.FLOAT, new SplittableRandom(4));
        }
    }

    /** The plain x W^T of the same shape: the reference GFLOP/s. */
    @Benchmark
    public INDArray sgemmForward(Shapes s) {
        Nd4j.gemm(s.x, s.w, s.y, false, true, 1.0, 0.0);
        return s.y;
    }

    /** One training step of the adapted layer: forward, then backward with gradient accumulation. */
    @Benchmark
    public double pcLoraForwardBackward(Shapes s, PcLora p) {
        if (!p.workspace) {
            p.layer.forward(s.x, true);
            return p.layer.backward(s.dy).getDouble(0);
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP, "pclora-benchmark")) {
            p.layer.forward(s.x, true);
            return p.layer.backward(s.dy).getDouble(0);
        }
    }

    /** A workspace that learns its size in the first step and is reused, as trainers use one per step. */
    static final WorkspaceConfiguration STEP = WorkspaceConfiguration.builder().initialSize(0)
            .policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.FIRST_LOOP)
            .policyReset(ResetPolicy.BLOCK_LEFT).policySpill(SpillPolicy.REALLOCATE).build();

    /** One training step of a trainable dense layer (also computes dW). */
    @Benchmark
    public INDArray denseLinearForwardBackward(Shapes s, Dense d) {
        d.layer.forward(s.x, true);
        return d.layer.backward(s.dy);
    }
}
