package org.pclora.benchmarks;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
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
import org.pclora.core.nn.Gelu;
import org.pclora.core.nn.LayerNorm;
import org.pclora.core.memory.StepWorkspace;

/**
 * The two elementwise hot spots of a transformer block, float32:
 * {@link LayerNorm} over [rows, 768] with {@code rows} 1576 (ViT-B, 197 x 8) or 1024 (BERT-base,
 * 128 x 8), inference forward and training forward+backward (with its weight and bias gradients);
 * and exact-erf {@link Gelu} over the MLP activations [1576, 3072], forward and forward+backward.
 * They have no useful-FLOP count (no matrix product), so the report shows ms only.
 * Run alone: {@code benchmarks/run.sh -f 1 -wi 3 -i 5 LayerNorm}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class LayerNormBenchmark {
    /** Each invocation runs in the engine's step workspace, as training steps do. */
    private static final StepWorkspace STEP = new StepWorkspace("PCLORA_JMH_STEP");

    /** Hidden width of ViT-B and BERT-base. */
    static final int WIDTH = 768;
    /** GELU input: ViT-B MLP activations, 197 x 8 rows of width 3072. */
    static final int GELU_ROWS = 197 * 8;
    static final int GELU_WIDTH = 3072;

    /** A LayerNorm of width 768 and its input x [rows, 768] and dy. */
    @State(Scope.Thread)
    public static class Norm {
        /** 1576 (ViT-B) or 1024 (BERT-base). */
        @Param({"1576", "1024"})
        public int rows;
        LayerNorm norm;
        INDArray x;
        INDArray dy;

        /** Builds the layer (HF eps 1e-12) with non-trivial scale and shift, and draws x and dy. */
        @Setup
        public void setUp() {
            SplittableRandom rng = new SplittableRandom(7);
            norm = new LayerNorm("bench.layernorm", WIDTH, 1e-12, DataType.FLOAT);
            norm.weight().value().addi(Fixtures.uniform(rng, 0.1, WIDTH));
            norm.bias().value().assign(Fixtures.uniform(rng, 0.1, WIDTH));
            x = Fixtures.uniform(rng, 1.0, rows, WIDTH);
            dy = Fixtures.uniform(rng, 1e-3, rows, WIDTH);
        }
    }

    /** A GELU and its input x [1576, 3072] and dy. */
    @State(Scope.Thread)
    public static class Activation {
        Gelu gelu;
        INDArray x;
        INDArray dy;

        /** Draws x in [-3, 3] (the range where erf is not saturated) and dy. */
        @Setup
        public void setUp() {
            SplittableRandom rng = new SplittableRandom(8);
            gelu = new Gelu();
            x = Fixtures.uniform(rng, 3.0, GELU_ROWS, GELU_WIDTH);
            dy = Fixtures.uniform(rng, 1e-3, GELU_ROWS, GELU_WIDTH);
        }
    }

    /** LayerNorm inference forward. */
    @Benchmark
    public INDArray layerNormForward(Norm n) {
        try (StepWorkspace.Scope ignored = STEP.step()) { // as the trainer runs a step
            return n.norm.forward(n.x, false);
        }
    }

    /** LayerNorm training forward, then backward (dx, d weight, d bias). */
    @Benchmark
    public INDArray layerNormForwardBackward(Norm n) {
        try (StepWorkspace.Scope ignored = STEP.step()) { // as the trainer runs a step
            n.norm.forward(n.x, true);
            return n.norm.backward(n.dy);
        }
    }

    /** GELU inference forward. */
    @Benchmark
    public INDArray geluForward(Activation a) {
        try (StepWorkspace.Scope ignored = STEP.step()) { // as the trainer runs a step
            return a.gelu.forward(a.x, false);
        }
    }

    /** GELU training forward, then backward. */
    @Benchmark
    public INDArray geluForwardBackward(Activation a) {
        try (StepWorkspace.Scope ignored = STEP.step()) { // as the trainer runs a step
            a.gelu.forward(a.x, true);
            return a.gelu.backward(a.dy);
        }
    }
}
