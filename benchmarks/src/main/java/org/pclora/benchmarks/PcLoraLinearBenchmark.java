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
import org.pclora.core.adapter.PcLoraLinear;
import org.pclora.core.nn.Linear;
import org.pclora.core.memory.StepWorkspace;

/**
 * PcLoraLinear forward+backward (rank 32, float32, lambda 0.5 and 0) at the linear shapes of
 * ViT-B ({@code model=vit-b}: 197 tokens x 8 images = 1576 rows) and BERT-base
 * ({@code model=bert-base}: 128 tokens x 8 = 1024 rows), in 768 and {@code out} 3072 (fc1) or 768
 * (q, k, v, attention output), beside a plain sgemm and a trainable dense Linear of the same shape
 * in the same run, so that fractions of sgemm come from one JMH run.
 * Run alone: {@code benchmarks/run.sh -f 1 -wi 3 -i 5 PcLoraLinear}.
 *
 * <p>Useful floating-point operations per call (2 per multiply-add, R rows, r rank; see
 * {@link UsefulFlops}), used by {@link BenchmarkReport} to turn times into GFLOP/s:
 * <ul>
 *   <li>sgemm forward, y = x W^T: 2 R in out;</li>
 *   <li>PC-LoRA at lambda &gt; 0: forward W0 path 2 R in out, backward dx through W0 2 R in out
 *       (W0 is frozen: no dW), adapter forward 2 R r (in + out), adapter backward (dB, dh, dA, dx)
 *       4 R r (in + out): 4 R in out + 6 R r (in + out);</li>
 *   <li>PC-LoRA at lambda 0: adapter only, 6 R r (in + out);</li>
 *   <li>dense trainable Linear forward+backward (y, dW, dx): 6 R in out.</li>
 * </ul>
 * In GFLOP per call (sgemm / PC-LoRA 0.5 / PC-LoRA 0 / dense): ViT-B 768-&gt;3072 7.44 / 16.03 / 1.16
 * / 22.31; ViT-B 768-&gt;768 1.86 / 4.18 / 0.46 / 5.58; BERT-base 768-&gt;3072 4.83 / 10.42 / 0.75 /
 * 14.50; BERT-base 768-&gt;768 1.21 / 2.72 / 0.30 / 3.62.
 *
 * <p>{@code -p workspace=false,true} adds the variant that runs each step inside a reused ND4J
 * workspace (off by default: the engine is to manage workspaces itself).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class PcLoraLinearBenchmark {
    /** In features of the ViT-B fc1 shape measured by {@link PairedRatios}. */
    public static final int IN = 768;
    /** Out features of the ViT-B fc1 shape. */
    public static final int OUT = 3072;
    /** Rows of the ViT-B shape: 197 tokens x 8 images. */
    public static final int ROWS = 197 * 8;
    /** Adapter rank. */
    public static final int RANK = Fixtures.RANK;

    /**
     * Useful flops per call of one benchmark method at the given JMH parameters (see the class
     * comment), or NaN for a method without a count.
     */
    public static double flops(String method, Map<String, String> params) {
        long rows = ModelSize.of(params.getOrDefault("model", ModelSize.VIT_B.key())).rows();
        long out = Long.parseLong(params.getOrDefault("out", String.valueOf(OUT)));
        return switch (method) {
            case "sgemmForward" -> UsefulFlops.gemm(rows, IN, out);
            case "pcLoraForwardBackward" -> UsefulFlops.pcLoraForwardBackward(rows, IN, out, RANK,
                    Double.parseDouble(params.get("lambda")));
            case "denseLinearForwardBackward" -> UsefulFlops.trainableLinearForwardBackward(rows, IN, out);
            default -> Double.NaN;
        };
    }

    /** Inputs shared by all benchmarks: x [R, in], dy [R, out], W [out, in], y [R, out]. */
    @State(Scope.Thread)
    public static class Shapes {
        /** {@code vit-b} (1576 rows) or {@code bert-base} (1024 rows). */
        @Param({"vit-b", "bert-base"})
        public String model;
        /** Out features: 3072 (MLP fc1) or 768 (attention projections). */
        @Param({"3072", "768"})
        public int out;
        INDArray x;
        INDArray dy;
        INDArray w;
        INDArray y;

        /** Draws the inputs of the selected shape. */
        @Setup
        public void setUp() {
            int rows = ModelSize.of(model).rows();
            SplittableRandom rng = new SplittableRandom(1);
            x = Fixtures.uniform(rng, 1.0, rows, IN);
            dy = Fixtures.uniform(rng, 1e-3, rows, out);
            w = Fixtures.uniform(rng, 1.0 / Math.sqrt(IN), out, IN);
            y = Nd4j.createUninitialized(DataType.FLOAT, rows, out);
        }
    }

    /**
     * A PC-LoRA layer with a trained-looking (nonzero) B at the given lambda; with {@code workspace}
     * each step runs inside an ND4J workspace, so that outputs and temporaries reuse one block of
     * memory instead of fresh pages.
     */
    @State(Scope.Thread)
    public static class PcLora {
        /** The decay factor of the frozen path; 0 skips it. */
        @Param({"0.5", "0"})
        public double lambda;
        /** Whether each step runs inside a reused workspace (the trainer's way; -p workspace=false,true adds plain allocation). */
        @Param({"true"})
        public boolean workspace;
        PcLoraLinear layer;

        /** Builds the layer for the shape of {@code s}. */
        @Setup
        public void setUp(Shapes s) {
            SplittableRandom rng = new SplittableRandom(2);
            Linear dense = Linear.create("bench.fc1", IN, s.out, true, 0.02, DataType.FLOAT, rng);
            layer = Fixtures.pcLora(dense, lambda, rng);
        }
    }

    /** A trainable dense Linear of the same shape. */
    @State(Scope.Thread)
    public static class Dense {
        Linear layer;

        /** Builds the layer for the shape of {@code s}. */
        @Setup
        public void setUp(Shapes s) {
            layer = Linear.create("bench.fc1", IN, s.out, true, 0.02, DataType.FLOAT, new SplittableRandom(4));
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
        try (StepWorkspace.Scope ignored = STEP.step()) { // the trainer's step workspace
            p.layer.forward(s.x, true);
            return p.layer.backward(s.dy).getDouble(0);
        }
    }

    private static final StepWorkspace STEP = new StepWorkspace("PCLORA_JMH_STEP");

    /** One training step of a trainable dense layer (also computes dW). */
    @Benchmark
    public INDArray denseLinearForwardBackward(Shapes s, Dense d) {
        d.layer.forward(s.x, true);
        return d.layer.backward(s.dy);
    }
}
