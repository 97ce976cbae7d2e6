package org.pclora.benchmarks;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.kernels.Kernels;
import org.pclora.core.memory.StepWorkspace;
import org.pclora.core.nn.Init;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.LowRank;

/**
 * The low-rank inference kernels against ND4J/OpenBLAS at ViT-B/16's compressed shapes (batch 8:
 * 1576 rows, rank 32), interleaved in one process: each round runs every case once with the
 * kernels ({@link Kernels#setLowRankEnabled} on) and once through ND4J (off), inside a workspace as
 * inference runs; medians over the rounds and their ratio (kernels / ND4J, below 1 the kernels are
 * faster). Cases: the thin products {@code x A^T} (768 and 3072 in, 32 out, and the three
 * attention projections' 96 out as one product against three), the expanding products with their
 * epilogues (bias; bias + GELU; bias + residual), and whole layers ({@code LowRank} with the kernel
 * choice of {@code -Dpclora.lowrank.kernels} against the unfused ND4J path); then explicit pairs
 * (both sides named in the case, the first against the second).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar
 * org.pclora.benchmarks.LowRankAb [rounds] [regex of case names]}.
 */
public final class LowRankAb {
    private static final int ROWS = 1576;
    private static final int RANK = 32;
    /** Cases from this index on name both sides themselves (no switch between the columns). */
    private static final int PAIRS = 9;

    private LowRankAb() {
    }

    private interface Case {
        void run();
    }

    /** Runs the interleaved comparison and prints one line per case. */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        java.util.regex.Pattern only = java.util.regex.Pattern.compile(args.length > 1 ? args[1] : ".*");
        SplittableRandom rng = new SplittableRandom(1);
        INDArray x768 = Init.uniform(rng, 1.0, DataType.FLOAT, ROWS, 768);
        INDArray x3072 = Init.uniform(rng, 1.0, DataType.FLOAT, ROWS, 3072);
        INDArray a768 = Init.uniform(rng, 0.03, DataType.FLOAT, RANK, 768);
        INDArray a3072 = Init.uniform(rng, 0.02, DataType.FLOAT, RANK, 3072);
        INDArray b768 = Init.uniform(rng, 0.02, DataType.FLOAT, 768, RANK);
        INDArray b3072 = Init.uniform(rng, 0.02, DataType.FLOAT, 3072, RANK);
        INDArray bias768 = Init.uniform(rng, 0.1, DataType.FLOAT, 768);
        INDArray bias3072 = Init.uniform(rng, 0.1, DataType.FLOAT, 3072);
        INDArray h = Init.uniform(rng, 1.0, DataType.FLOAT, ROWS, RANK);
        INDArray aq = Init.uniform(rng, 0.03, DataType.FLOAT, RANK, 768);
        INDArray ak = Init.uniform(rng, 0.03, DataType.FLOAT, RANK, 768);
        LowRank.Factors f768 = new LowRank.Factors(a768, b768, bias768, false);
        LowRank.Factors fk = new LowRank.Factors(ak, b768, bias768, false);
        LowRank.Factors fq = new LowRank.Factors(aq, b768, bias768, false);
        LowRank.Factors fUp = new LowRank.Factors(a768, b3072, bias3072, false);
        LowRank.Factors fDown = new LowRank.Factors(a3072, b768, bias768, false);

        String[] names = {
            "x A^T 1576x768 . 768x32", "x A^T 1576x3072 . 3072x32", "x A^T 1576x768 . 768x96 (one vs three)",
            "h B^T + bias 1576x32 . 32x768", "gelu(h B^T + bias) 1576x32 . 32x3072",
            "res + h B^T + bias 1576x32 . 32x768",
            "layer qkv 768->3x768 r32", "layer fc1+gelu 768->3072 r32", "layer fc2+res 3072->768 r32",
            "x A^T 768x96: one OpenBLAS gemm vs three", "kernel 96 vs one OpenBLAS gemm 96",
            "res: fillRowsPlus+gemm b1 vs gemm+bias, add", "gelu: kernel expand vs gemm+bias, gelu in place",
            "h[:,32:64] view B^T vs contiguous h B^T",
        };
        INDArray aqkv = Nd4j.vstack(aq, ak, a768);
        INDArray h96 = Init.uniform(rng, 1.0, DataType.FLOAT, ROWS, 3 * RANK);
        float[] at768 = Kernels.stackTransposed(a768);
        float[] at3072 = Kernels.stackTransposed(a3072);
        float[] atQkv = Kernels.stackTransposed(aq, ak, a768);
        Case[][] cases = {
            {() -> Kernels.thinProduct(x768, at768, out(RANK)),
                () -> Nd4j.gemm(x768, a768, out(RANK), false, true, 1.0, 0.0)},
            {() -> Kernels.thinProduct(x3072, at3072, out(RANK)),
                () -> Nd4j.gemm(x3072, a3072, out(RANK), false, true, 1.0, 0.0)},
            {() -> Kernels.thinProduct(x768, atQkv, out(3 * RANK)),
                () -> {
                    Nd4j.gemm(x768, aq, out(RANK), false, true, 1.0, 0.0);
                    Nd4j.gemm(x768, ak, out(RANK), false, true, 1.0, 0.0);
                    Nd4j.gemm(x768, a768, out(RANK), false, true, 1.0, 0.0);
                }},
            {() -> Kernels.lowRankExpand(h, 0, Kernels.stackTransposed(b768), Kernels.toHeap(bias768), false, null, out(768)),
                () -> Linear.gemmPlusBias(h, b768, bias768, out(768))},
            {() -> Kernels.lowRankExpand(h, 0, Kernels.stackTransposed(b3072), Kernels.toHeap(bias3072), true, null, out(3072)),
                () -> {
                    INDArray y = out(3072);
                    Linear.gemmPlusBias(h, b3072, bias3072, y);
                    Kernels.gelu(y, out(3072), null);
                }},
            {() -> Kernels.lowRankExpand(h, 0, Kernels.stackTransposed(b768), Kernels.toHeap(bias768), false, x768, out(768)),
                () -> {
                    INDArray y = out(768);
                    Linear.gemmPlusBias(h, b768, bias768, y);
                    x768.add(y);
                }},
            {() -> LowRank.applyShared(x768, fq, fk, f768), null},
            {() -> LowRank.apply(x768, fUp, true, null), null},
            {() -> LowRank.apply(x3072, fDown, false, x768), null},
            {() -> Nd4j.gemm(x768, Nd4j.vstack(aq, ak, a768), out(3 * RANK), false, true, 1.0, 0.0),
                () -> {
                    Nd4j.gemm(x768, aq, out(RANK), false, true, 1.0, 0.0);
                    Nd4j.gemm(x768, ak, out(RANK), false, true, 1.0, 0.0);
                    Nd4j.gemm(x768, a768, out(RANK), false, true, 1.0, 0.0);
                }},
            {() -> Kernels.thinProduct(x768, Kernels.stackTransposed(aq, ak, a768), out(3 * RANK)),
                () -> Nd4j.gemm(x768, Nd4j.vstack(aq, ak, a768), out(3 * RANK), false, true, 1.0, 0.0)},
            {() -> {
                INDArray y = out(768);
                Kernels.fillRowsPlus(y, x768, bias768);
                Nd4j.gemm(h, b768, y, false, true, 1.0, 1.0);
            },
                () -> {
                    INDArray y = out(768);
                    Linear.gemmPlusBias(h, b768, bias768, y);
                    x768.add(y);
                }},
            {() -> Kernels.lowRankExpand(h, 0, Kernels.stackTransposed(b3072), Kernels.toHeap(bias3072), true, null, out(3072)),
                () -> {
                    INDArray y = out(3072);
                    Linear.gemmPlusBias(h, b3072, bias3072, y);
                    Kernels.gelu(y, y, null);
                }},
            {() -> Linear.gemmPlusBias(h96.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(RANK, 2 * RANK)), b768, bias768, out(768)),
                () -> Linear.gemmPlusBias(h, b768, bias768, out(768))},
        };
        int n = names.length;
        double[][][] ms = new double[n][2][rounds];
        StepWorkspace ws = new StepWorkspace("LOWRANK_AB");
        for (int round = -3; round < rounds; round++) {
            for (int c = 0; c < n; c++) {
                if (!only.matcher(names[c]).find()) {
                    continue;
                }
                for (int side = 0; side < 2; side++) {
                    boolean kernels = side == 0;
                    Case body = cases[c][side] != null ? cases[c][side] : cases[c][0];
                    boolean was = Kernels.setLowRankEnabled(kernels || c >= PAIRS);
                    long t0;
                    long t1;
                    try (StepWorkspace.Scope ignored = ws.step()) {
                        t0 = System.nanoTime();
                        body.run();
                        t1 = System.nanoTime();
                    } finally {
                        Kernels.setLowRankEnabled(was);
                    }
                    if (round >= 0) {
                        ms[c][side][round] = (t1 - t0) / 1e6;
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "kernels %s; medians of %d interleaved rounds%n", Kernels.describe(), rounds);
        System.out.printf(Locale.ROOT, "%-44s %10s %10s %8s%n", "case", "kernels ms", "nd4j ms", "ratio");
        for (int c = 0; c < n; c++) {
            if (!only.matcher(names[c]).find()) {
                continue;
            }
            double k = median(ms[c][0]);
            double d = median(ms[c][1]);
            System.out.printf(Locale.ROOT, "%-44s %10.3f %10.3f %8.3f%n", names[c], k, d, k / d);
        }
    }

    private static INDArray out(int cols) {
        return Nd4j.createUninitialized(DataType.FLOAT, ROWS, cols);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
