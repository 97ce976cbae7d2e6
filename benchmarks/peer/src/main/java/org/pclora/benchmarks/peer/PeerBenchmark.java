package org.pclora.benchmarks.peer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.pclora.core.adapter.Adapters;
import org.pclora.core.adapter.BenchModels;
import org.pclora.core.adapter.plugin.PcLoraAdapterFactory;
import org.pclora.core.kernels.Kernels;
import org.pclora.core.memory.StepWorkspace;
import org.pclora.core.model.Batch;
import org.pclora.core.model.BatchParallel;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.model.TransformerStack;
import org.pclora.core.nn.LowRank;
import org.pclora.core.nn.MultiHeadSelfAttention;
import org.pclora.core.nn.Parameter;
import org.pclora.core.optim.AdamW;
import org.pclora.core.train.Objective;
import org.pclora.core.train.Trainer;
import org.pclora.vit.VitFamily;

/**
 * The peer benchmark: the engine's training steps and inference beside libtorch 2.7 (DJL's
 * PyTorch engine, CPU build with oneMKL and oneDNN) on the same models and values, in one process,
 * steps interleaved (one project step, one libtorch step) so that a host whose speed drifts moves
 * both sides alike. Prints one table of medians and their ratios (project / libtorch; below 1 the
 * project is faster).
 *
 * <p>The project side runs the trainer's own step ({@link Trainer#step}, the method the
 * trainer runs every step with, inside its {@link StepWorkspace} scope) and the model's inference forward (as
 * {@code pclora bench infer} and evaluation run it). The libtorch side is {@link TorchModel}, built
 * from the project model's tensors, trained with libtorch's autograd and DJL's AdamW (a fused
 * native update). Both sides: the same batch every step, learning rate 1e-3, no clipping.
 *
 * <p>Usage: {@code benchmarks/peer.sh [steps=10] [warmup=3] [cases=all|stack,stack-lambda0,vit-b16,vit-b16-compressed,vit-mini] [torch=false] [ab=attention|lowrank|split|rankspace|kernels:<list>:<list>]}.
 */
public final class PeerBenchmark {
    private static final double LR = 1e-3;
    /** With {@code torch=false} only the project side runs (for profiling it alone). */
    private static boolean torch = true;
    /**
     * With {@code ab=attention} the "libtorch" column is the project itself with the fused
     * attention kernels switched off, with {@code ab=lowrank} the same with the low-rank inference
     * kernels and fused epilogues switched off ({@code -Dpclora.lowrank=false}), with {@code ab=split}
     * the same with inference split by examples switched off ({@code -Dpclora.inference.split=false}), with
     * {@code ab=rankspace} the same with attention in the rank space switched off
     * ({@code -Dpclora.attention.lowrank=false}), with
     * {@code ab=kernels:A:B} the project with {@code LowRank.setKernels(A)} against B (lists of
     * thin, expand, gelu): an interleaved A/B of that change.
     */
    private static String ab;

    private record Row(String name, double projectMs, double torchMs, String note) {
    }

    private PeerBenchmark() {
    }

    public static void main(String[] args) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                System.err.println("peer: argument '" + a + "' is not key=value; accepted: steps=, warmup=, cases=");
                System.exit(2);
            }
            kv.put(a.substring(0, eq), a.substring(eq + 1));
        }
        int steps = Integer.parseInt(kv.getOrDefault("steps", "10"));
        int warmup = Integer.parseInt(kv.getOrDefault("warmup", "3"));
        Set<String> cases = Set.of(kv.getOrDefault("cases", "all").split(","));
        torch = !"false".equals(kv.get("torch"));
        ab = kv.get("ab");
        if (ab != null && !ab.equals("attention") && !ab.equals("lowrank") && !ab.equals("split") && !ab.equals("rankspace") && !ab.matches("kernels:[a-z,]*:[a-z,]*")) {
            System.err.println("peer: ab=" + ab + " is not known; accepted: ab=attention, ab=lowrank, ab=split, ab=rankspace, ab=kernels:<list>:<list>"
                    + " (lists of thin, expand, gelu)");
            System.exit(2);
        }
        if (ab != null && ab.startsWith("kernels:")) {
            LowRank.setKernels(ab.split(":", -1)[1]);
        }
        Engine engine = Engine.getEngine("PyTorch");
        System.out.println("libtorch " + engine.getVersion() + " via DJL " + Engine.getDjlVersion()
                + "; project kernels " + Kernels.describe() + ", settings " + org.pclora.core.env.EngineSettings.current().asMap() + "; OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS")
                + ", OPENBLAS_CORETYPE=" + System.getenv("OPENBLAS_CORETYPE"));
        List<Row> rows = new ArrayList<>();
        try (NDManager manager = engine.newBaseManager()) {
            if (want(cases, "stack")) {
                rows.add(train("train 2x768 stack B16 T65 r8 lambda 0.5", stack(), 16, 8, 0.5, steps, warmup, manager, false));
            }
            if (want(cases, "stack") || cases.contains("stack-lambda0")) {
                rows.add(train("train 2x768 stack B16 T65 r8 lambda 0", stack(), 16, 8, 0.0, steps, warmup, manager, false));
            }
            if (want(cases, "vit-b16") || cases.contains("vit-b16-compressed")) {
                rows.addAll(inferVitB(steps, warmup, manager, !cases.contains("vit-b16-compressed")));
            }
            if (want(cases, "vit-mini")) {
                rows.add(train("train vit-mini (4x128, patch 7, 28x28) B64 r8 lambda 0.5", vit(Map.of("arch", "custom",
                        "image_size", 28, "patch_size", 7, "channels", 1, "depth", 4, "width", 128, "heads", 4,
                        "mlp", 256, "num_classes", 10)), 64, 8, 0.5, steps, warmup, manager, true));
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-58s %12s %12s %8s%n", "case (median ms)", "project", "libtorch", "ratio");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-58s %12.1f %12.1f %8.3f%s%n", r.name, r.projectMs, r.torchMs,
                    r.projectMs / r.torchMs, r.note.isEmpty() ? "" : "   " + r.note);
        }
        Map<String, Row> by = new LinkedHashMap<>();
        rows.forEach(r -> by.put(r.name, r));
        Row l5 = by.get("train 2x768 stack B16 T65 r8 lambda 0.5");
        Row l0 = by.get("train 2x768 stack B16 T65 r8 lambda 0");
        if (l5 != null && l0 != null) {
            System.out.printf(Locale.ROOT, "lambda 0 step / lambda 0.5 step: project %.3f, libtorch %.3f%n",
                    l0.projectMs / l5.projectMs, l0.torchMs / l5.torchMs);
        }
        Row dense = by.get("infer vit-b16 B8 dense");
        Row comp = by.get("infer vit-b16 B8 compressed r32");
        if (dense != null && comp != null) {
            System.out.printf(Locale.ROOT, "speed-up from compression (dense / compressed): project %.2fx, libtorch %.2fx%n",
                    dense.projectMs / comp.projectMs, dense.torchMs / comp.torchMs);
        }
    }

    /** Switches the A/B subject off (or to its second setting) for the second column; returns its previous setting. */
    private static boolean switchOff(String what) {
        if (what.startsWith("kernels:")) {
            LowRank.setKernels(what.split(":", -1)[2]);
            return true;
        }
        if (what.equals("split")) {
            return BatchParallel.setEnabled(false);
        }
        if (what.equals("rankspace")) {
            return MultiHeadSelfAttention.setLowRankSpace(false);
        }
        return what.equals("attention") ? MultiHeadSelfAttention.setFusedEnabled(false) : Kernels.setLowRankEnabled(false);
    }

    private static void switchBack(String what, boolean was) {
        if (what.startsWith("kernels:")) {
            LowRank.setKernels(what.split(":", -1)[1]);
        } else if (what.equals("attention")) {
            MultiHeadSelfAttention.setFusedEnabled(was);
        } else if (what.equals("split")) {
            BatchParallel.setEnabled(was);
        } else if (what.equals("rankspace")) {
            MultiHeadSelfAttention.setLowRankSpace(was);
        } else {
            Kernels.setLowRankEnabled(was);
        }
    }

    private static boolean want(Set<String> cases, String c) {
        return cases.contains("all") || cases.contains(c);
    }

    private static ClassifierModel stack() {
        return new TransformerStack(2, 768, 4, 3072, 65, 10, 1, DataType.FLOAT);
    }

    private static ClassifierModel vit(Map<String, Object> conf) {
        VitFamily f = new VitFamily();
        Config c = ConfigFactory.parseMap(conf);
        return f.create(f.resolve(c), 1);
    }

    /** Random inputs as {@code pclora bench} makes them: images [B, C, H, W] or token vectors [B, T, D]. */
    private static Batch batch(ClassifierModel model, int b, long seed) {
        Config a = model.architecture();
        INDArray labels = Nd4j.createFromArray(new SplittableRandom(seed).ints(b, 0, a.getInt("num_classes")).toArray());
        Nd4j.getRandom().setSeed(seed);
        if (a.hasPath("image_size")) {
            return Batch.images(Nd4j.randn(DataType.FLOAT, b, a.getInt("channels"), a.getInt("image_size"),
                    a.getInt("image_size")), labels);
        }
        return Batch.images(Nd4j.randn(DataType.FLOAT, b, model.tokens(), a.getInt("width")), labels);
    }

    private static Row train(String name, ClassifierModel model, int b, int rank, double lambda, int steps, int warmup,
                             NDManager base, boolean counters) {
        System.out.println("== " + name);
        List<Parameter> params = BenchModels.student(model, new PcLoraAdapterFactory(), rank, lambda);
        AdamW opt = new AdamW(params);
        Objective taskOnly = new Objective(1.0, List.of());
        Batch batch = batch(model, b, 3);
        int classes = model.architecture().getInt("num_classes");
        try (NDManager m = base.newSubManager()) {
            TorchModel peer = new TorchModel(model, m, true);
            NDArray x = TorchModel.toTorch(batch.inputs(), m);
            NDArray oneHot = m.create(batch.labels().toIntVector()).oneHot(classes);
            Optimizer adam = Optimizer.adamW().optLearningRateTracker(Tracker.fixed((float) LR)).build();
            double[] tp = new double[steps];
            double[] tt = new double[steps];
            double[] lossP = new double[2];
            double[] lossT = new double[2];
            try (StepWorkspace ws = new StepWorkspace("PCLORA_PEER_STEP")) {
                for (int i = -warmup; i < steps; i++) {
                    long t0 = System.nanoTime();
                    Trainer.Step o = Trainer.step(ws, model, null, Set.of(), taskOnly, batch, opt, 0, LR);
                    long t1 = System.nanoTime();
                    double lt;
                    if (ab != null) {
                        boolean was = switchOff(ab);
                        try {
                            lt = Trainer.step(ws, model, null, Set.of(), taskOnly, batch, opt, 0, LR).result().total();
                        } finally {
                            switchBack(ab, was);
                        }
                    } else {
                        lt = torch ? torchStep(peer, x, oneHot, adam, m) : Double.NaN;
                    }
                    long t2 = System.nanoTime();
                    if (i == -warmup) {
                        lossP[0] = o.result().total();
                        lossT[0] = lt;
                    }
                    lossP[1] = o.result().total();
                    lossT[1] = lt;
                    if (i >= 0) {
                        tp[i] = (t1 - t0) / 1e6;
                        tt[i] = (t2 - t1) / 1e6;
                    }
                }
                String note = String.format(Locale.ROOT, "loss first->last: project %.4f->%.4f, libtorch %.4f->%.4f%s",
                        lossP[0], lossP[1], lossT[0], lossT[1],
                        lossP[1] < lossP[0] && (!torch || lossT[1] < lossT[0]) ? "" : "  LOSS DID NOT FALL");
                if (counters) {
                    note += ", " + countNd4jCalls(() -> {
                        Trainer.step(ws, model, null, Set.of(), taskOnly, batch, opt, 0, LR);
                    });
                }
                System.out.println("   project ms " + fmt(tp) + "\n   libtorch ms " + fmt(tt) + "\n   " + note);
                return new Row(name, median(tp), median(tt), note);
            }
        }
    }

    private static double torchStep(TorchModel peer, NDArray x, NDArray oneHot, Optimizer adam, NDManager m) {
        double loss;
        try (NDManager s = m.newSubManager()) {
            x.tempAttach(s); // every array of the step derives from x and so lives in s
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray l = TorchModel.crossEntropy(peer.logits(x), oneHot);
                gc.backward(l);
                loss = l.getFloat();
            }
            for (NDArray p : peer.trainable()) {
                NDArray g = p.getGradient();
                adam.update(peer.name(p), p, g);
                g.subi(g); // libtorch accumulates into .grad: zero it for the next step
                g.close();
            }
        }
        return loss;
    }

    private static List<Row> inferVitB(int steps, int warmup, NDManager base, boolean withDense) {
        System.out.println("== infer vit-b16 B8, dense and rank-32 compressed");
        Map<String, Object> conf = Map.of("arch", "vit-b16", "num_classes", 10);
        ClassifierModel dense = vit(conf);
        // as pclora bench infer: adapters with B and b_A ~ N(0, 0.02), lambda 0, then compressed
        ClassifierModel student = BenchModels.lambdaZeroStudent(dense, vit(conf), new PcLoraAdapterFactory(), 32, 5);
        Adapters.compress(student);
        Batch batch = batch(dense, 8, 4);
        List<Row> rows = new ArrayList<>();
        if (withDense) {
            rows.add(infer("infer vit-b16 B8 dense", dense, batch, steps, warmup, base));
        }
        rows.add(infer("infer vit-b16 B8 compressed r32", student, batch, steps, warmup, base));
        return rows;
    }

    private static Row infer(String name, ClassifierModel model, Batch batch, int steps, int warmup, NDManager base) {
        try (NDManager m = base.newSubManager()) {
            TorchModel peer = new TorchModel(model, m, false);
            NDArray x = TorchModel.toTorch(batch.inputs(), m);
            double[] tp = new double[steps];
            double[] tt = new double[steps];
            double diff = Double.NaN;
            try (StepWorkspace ws = new StepWorkspace("PCLORA_PEER_INFER")) {
                for (int i = -warmup; i < steps; i++) {
                    long t0 = System.nanoTime();
                    float[] mine;
                    try (StepWorkspace.Scope ignored = ws.step()) { // as evaluation runs a batch
                        INDArray logits = model.forward(batch, false, Set.of()).get("logits");
                        mine = i == -warmup ? logits.dup('c').reshape(logits.length()).toFloatVector() : null;
                    }
                    long t1 = System.nanoTime();
                    float[] theirs = mine;
                    if (ab != null) {
                        boolean was = switchOff(ab);
                        try (StepWorkspace.Scope ignored = ws.step()) {
                            INDArray l = model.forward(batch, false, Set.of()).get("logits");
                            theirs = i == -warmup ? l.dup('c').reshape(l.length()).toFloatVector() : null;
                        } finally {
                            switchBack(ab, was);
                        }
                    } else if (torch) {
                        try (NDManager s = m.newSubManager()) {
                            x.tempAttach(s);
                            NDArray l = peer.logits(x);
                            theirs = i == -warmup ? l.toFloatArray() : null;
                        }
                    }
                    long t2 = System.nanoTime();
                    if (DEBUG_RSS) {
                        System.out.println("   rss after step " + i + ": " + rssMb() + " MB");
                    }
                    if (mine != null) {
                        diff = 0;
                        for (int j = 0; j < mine.length; j++) {
                            diff = Math.max(diff, Math.abs(mine[j] - theirs[j]));
                        }
                    }
                    if (i >= 0) {
                        tp[i] = (t1 - t0) / 1e6;
                        tt[i] = (t2 - t1) / 1e6;
                    }
                }
            }
            String note = String.format(Locale.ROOT, "max |logits project - libtorch| %.2e", diff);
            System.out.println("== " + name + "\n   project ms " + fmt(tp) + "\n   libtorch ms " + fmt(tt) + "\n   " + note);
            return new Row(name, median(tp), median(tt), note);
        }
    }

    /** ND4J operations and BLAS calls of one run of {@code body}, from ND4J's op profiler. */
    private static String countNd4jCalls(Runnable body) {
        OpExecutioner ex = Nd4j.getExecutioner();
        OpExecutioner.ProfilingMode was = ex.getProfilingMode();
        ex.setProfilingMode(OpExecutioner.ProfilingMode.ALL);
        OpProfiler.getInstance().reset();
        try {
            body.run();
            return "ND4J calls per step " + OpProfiler.getInstance().getInvocationsCount();
        } finally {
            ex.setProfilingMode(was);
        }
    }

    private static final boolean DEBUG_RSS = Boolean.getBoolean("peer.rss");

    /** Resident set size of this process in MB (from /proc/self/status), or -1. */
    static long rssMb() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double d : v) {
            b.append(String.format(Locale.ROOT, " %.1f", d));
        }
        return b.toString().trim();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
