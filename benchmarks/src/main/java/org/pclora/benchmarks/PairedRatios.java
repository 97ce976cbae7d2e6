package org.pclora.benchmarks;

import org.pclora.core.accounting.UsefulFlops;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.adapter.PcLoraLinear;
import org.pclora.core.nn.Init;
import org.pclora.core.nn.Linear;
import org.pclora.core.memory.StepWorkspace;

/**
 * The two PC-LoRA targets measured by interleaving: each round runs one plain sgemm, one lambda
 * 0.5 step and one lambda 0 step back to back (then both steps again inside a workspace), so that load from other processes on a shared
 * machine hits all three alike; the ratios are taken between medians and between minima over the
 * rounds. JMH runs the benchmarks one after another and cannot do this. Shape: ViT-B fc1 (1576 rows,
 * 768 -> 3072, rank 32). Argument: rounds (40).
 */
public final class PairedRatios {
    private PairedRatios() {
    }

    /** Runs the interleaved measurement and prints ms, GFLOP/s and both target ratios. */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int rows = PcLoraLinearBenchmark.ROWS;
        int in = PcLoraLinearBenchmark.IN;
        int out = PcLoraLinearBenchmark.OUT;
        SplittableRandom rng = new SplittableRandom(1);
        INDArray x = Init.uniform(rng, 1.0, DataType.FLOAT, rows, in);
        INDArray dy = Init.uniform(rng, 1e-3, DataType.FLOAT, rows, out);
        INDArray w = Init.uniform(rng, 1.0 / Math.sqrt(in), DataType.FLOAT, out, in);
        INDArray y = Nd4j.createUninitialized(DataType.FLOAT, rows, out);
        PcLoraLinear layer = PcLoraLinear.pcLora(Linear.create("bench.fc1", in, out, true, 0.02, DataType.FLOAT, rng),
                new AdapterSpec(PcLoraLinearBenchmark.RANK, PcLoraLinearBenchmark.RANK, AdapterSpec.BiasPolicy.ADAPTER,
                        AdapterSpec.InitPolicy.KAIMING_UNIFORM, 3));
        layer.b().value().assign(Init.uniform(rng, 0.01, DataType.FLOAT, out, PcLoraLinearBenchmark.RANK));

        String[] names = {"sgemmForward", "pcLoraForwardBackward lambda=0.5", "pcLoraForwardBackward lambda=0",
            "pcLoraForwardBackward lambda=0.5 ws", "pcLoraForwardBackward lambda=0 ws"};
        double[] lambdas = {Double.NaN, 0.5, 0.0, 0.5, 0.0};
        int n = names.length;
        double[][] ms = new double[n][rounds];
        StepWorkspace[] workspaces = new StepWorkspace[n]; // one per workspace variant, as the trainer keeps one
        for (int k = 0; k < n; k++) {
            workspaces[k] = new StepWorkspace("PAIRED_" + k);
        }
        for (int round = -3; round < rounds; round++) { // three warm-up rounds
            for (int k = 0; k < n; k++) {
                long start = System.nanoTime();
                if (k == 0) {
                    Nd4j.gemm(x, w, y, false, true, 1.0, 0.0);
                } else if (k < 3) {
                    layer.setLambda(lambdas[k]);
                    layer.forward(x, true);
                    layer.backward(dy);
                } else {
                    layer.setLambda(lambdas[k]);
                    try (StepWorkspace.Scope ignored = workspaces[k].step()) {
                        layer.forward(x, true);
                        layer.backward(dy);
                    }
                }
                double elapsed = (System.nanoTime() - start) / 1e6;
                if (round >= 0) {
                    ms[k][round] = elapsed;
                }
            }
        }
        double[] median = new double[n];
        double[] min = new double[n];
        System.out.printf(Locale.ROOT, "%-36s %10s %10s %14s %12s%n", "interleaved, " + rounds + " rounds", "median ms",
                "min ms", "median GFLOP/s", "max GFLOP/s");
        for (int k = 0; k < n; k++) {
            double[] sorted = ms[k].clone();
            Arrays.sort(sorted);
            median[k] = sorted[rounds / 2];
            min[k] = sorted[0];
            double flops = k == 0 ? UsefulFlops.gemm(rows, in, out)
                    : UsefulFlops.pcLoraForwardBackward(rows, in, out, PcLoraLinearBenchmark.RANK, lambdas[k]);
            System.out.printf(Locale.ROOT, "%-36s %10.2f %10.2f %14.1f %12.1f%n", names[k], median[k], min[k],
                    flops / (median[k] * 1e6), flops / (min[k] * 1e6));
        }
        double flopsHalf = UsefulFlops.pcLoraForwardBackward(rows, in, out, PcLoraLinearBenchmark.RANK, 0.5);
        double flopsSgemm = UsefulFlops.gemm(rows, in, out);
        for (int ws = 0; ws < 2; ws++) {
            for (int s = 0; s < 2; s++) {
                double[] t = s == 0 ? median : min;
                double gflopsRatio = (flopsHalf / t[1 + 2 * ws]) / (flopsSgemm / t[0]);
                double timeRatio = t[2 + 2 * ws] / t[1 + 2 * ws];
                System.out.printf(Locale.ROOT, "%s%s: lambda 0.5 GFLOP/s / sgemm GFLOP/s = %.1f%% (target >= 60%%: %s);"
                                + " lambda 0 time / lambda 0.5 time = %.1f%% (target <= 15%%: %s)%n",
                        s == 0 ? "medians" : "minima", ws == 0 ? "" : " in a workspace", 100 * gflopsRatio,
                        gflopsRatio >= 0.6 ? "met" : "MISSED", 100 * timeRatio, timeRatio <= 0.15 ? "met" : "MISSED");
            }
        }
    }
}
