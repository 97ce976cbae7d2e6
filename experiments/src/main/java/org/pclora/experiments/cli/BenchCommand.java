package org.pclora.experiments.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;
import org.pclora.core.accounting.Accounting;
import org.pclora.core.accounting.UsefulFlops;
import org.pclora.core.train.Objective;
import org.pclora.core.train.Trainer;
import org.pclora.core.adapter.Adapters;
import org.pclora.core.adapter.BenchModels;
import org.pclora.core.adapter.PcLoraLinear;
import org.pclora.core.env.BlasCheck;
import org.pclora.core.env.NativeMemory;
import org.pclora.core.env.NumericsEnvironment;
import org.pclora.core.env.SgemmProbe;
import org.pclora.core.model.Batch;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.model.TransformerStack;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.Parameter;
import org.pclora.core.optim.AdamW;
import org.pclora.core.memory.StepWorkspace;
import org.pclora.core.kernels.Kernels;
import org.pclora.core.spi.ModelFamily;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pclora bench train ...} and {@code pclora bench infer ...}: training-step and inference
 * throughput measured in-process beside this machine's sgemm, printed as one JSON object.
 */
@Command(name = "bench", description = {"Measure training steps or inference; prints one JSON object.",
        "bench train model=<conf model or architecture> batch=<B> [image_size=|max_length=] [rank=8] [lambda=0.5] [steps=10]",
        "bench train layers=2 width=768 heads=4 mlp=3072 batch=16 max_length=65 rank=8 [lambda=0.5]",
        "bench infer checkpoint=<file>[,<file>] batch=<B> [repeats=10]  |  bench infer model=vit-b16 rank=32 batch=8"})
public final class BenchCommand implements Callable<Integer> {
    /** Gradient clipping of the timed steps: the default configuration's {@code optimizer.clip_norm}. */
    private static final double CLIP_NORM = 1.0;

    @ParentCommand
    PcLoraCli root;

    @Parameters(index = "0", paramLabel = "train|infer")
    String what;

    @Parameters(index = "1..*", paramLabel = "key=value")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        KeyValueArguments kv = KeyValueArguments.parse("bench " + what, args,
                "model, layers, width, heads, mlp, max_length, image_size, batch, rank, lambda, steps, warmup, checkpoint, repeats");
        Map<String, Object> result = switch (what) {
            case "train" -> train(kv);
            case "infer" -> infer(kv);
            default -> throw new PcLoraException("bench '" + what + "' is not known: use bench train or bench infer");
        };
        if (!kv.remaining().isEmpty()) {
            throw new PcLoraException("bench " + what + " argument '" + kv.remaining().keySet().iterator().next()
                    + "' is not used by this measurement");
        }
        root.out().println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result));
        return 0;
    }

    private Map<String, Object> train(KeyValueArguments kv) {
        int batch = intArg(kv, "batch", 16);
        int rank = intArg(kv, "rank", 8);
        double lambda = doubleArg(kv, "lambda", 0.5);
        int steps = intArg(kv, "steps", 10);
        int warmup = intArg(kv, "warmup", 3);
        ClassifierModel model;
        String model0 = kv.take("model");
        // every argument is read before the native libraries load (a bad one is a one-line error)
        Config sizes = model0 != null ? sizeOverrides(kv) : null;
        int[] stack = model0 != null ? null : new int[] {intArg(kv, "layers", 2), intArg(kv, "width", 768),
                intArg(kv, "heads", 4), intArg(kv, "mlp", 3072), intValue(kv, "max_length", kv.take("max_length", "tokens"), 65)};
        Nd4j.create(DataType.FLOAT, 1); // native libraries loaded: what is resident now is the JVM and the libraries
        BlasCheck.warnIfSlow();
        NativeMemory.release(); // a bench run earlier in this process leaves nothing behind
        long rssAtStart = MemoryProbe.rssBytes();
        if (model0 != null) {
            model = familyModel(model0, sizes, null);
        } else {
            model = new TransformerStack(stack[0], stack[1], stack[2], stack[3], stack[4], 10, 1, DataType.FLOAT);
        }
        List<Parameter> params = BenchModels.student(model, root.registry().adapter("pclora"), rank, lambda);
        AdamW opt = new AdamW(params);
        Objective taskOnly = new Objective(1.0, List.of());
        Batch b = model.syntheticBatch(batch, 3);
        long rssPeakModel = MemoryProbe.rssPeakBytes();
        long rssModel = MemoryProbe.rssBytes();
        double[] times = new double[steps];
        double[] sgemmAfter = new double[steps];
        long[] rssAfter = new long[steps];
        // The reference sgemm (the step's largest GEMM shape) runs once after every timed step, so a
        // host whose speed drifts (this VM's varies 2x) moves both sides of the ratio alike.
        LinearSlot big = model.linearSlots().stream().max((x, y) -> Long.compare(
                (long) x.inFeatures() * x.outFeatures(), (long) y.inFeatures() * y.outFeatures())).orElseThrow();
        long rows = (long) batch * model.tokens();
        SgemmProbe probe = new SgemmProbe(rows, big.inFeatures(), big.outFeatures());
        probe.gflops();
        probe.gflops();
        long workspaceBytes;
        long backwardWorkspaceBytes;
        long[] forwardBytes = new long[1];
        long[] rssAfterFirstRun = new long[2];
        try (StepWorkspace workspace = new StepWorkspace("PCLORA_BENCH_STEP")) {
            Runnable afterForward = () -> forwardBytes[0] = Math.max(forwardBytes[0], workspace.usedBytes());
            for (int i = -warmup; i < steps; i++) {
                long t0 = System.nanoTime();
                Trainer.step(workspace, model, null, Set.of(), taskOnly, b, opt, CLIP_NORM, 1e-4, afterForward);
                if (i == -warmup) {
                    rssAfterFirstRun[0] = MemoryProbe.rssPeakBytes();
                    rssAfterFirstRun[1] = MemoryProbe.rssBytes();
                }
                if (i >= 0) {
                    times[i] = (System.nanoTime() - t0) / 1e6;
                    rssAfter[i] = MemoryProbe.rssBytes();
                    sgemmAfter[i] = probe.gflops();
                }
            }
            workspaceBytes = workspace.sizeBytes();
            backwardWorkspaceBytes = StepWorkspace.nestedSizeBytes(org.pclora.core.nn.TransformerBlock.BACKWARD_WORKSPACE);
        }
        double ms = median(times);
        double gflop = UsefulFlops.trainingStep(model, batch, lambda) / 1e9;
        double sgemm = median(sgemmAfter);
        double[] paired = new double[steps];
        for (int i = 0; i < steps; i++) {
            paired[i] = gflop / (times[i] / 1e3) / sgemmAfter[i];
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", model.family());
        r.put("batch", batch);
        r.put("tokens", model.tokens());
        r.put("rank", rank);
        r.put("lambda", lambda);
        r.put("steps_timed", steps);
        r.put("ms_per_step", ms);
        r.put("ms_per_step_all", times);
        r.put("gflop_per_step", gflop);
        r.put("gflops", gflop / (ms / 1e3));
        r.put("sgemm_shape", rows + "x" + big.inFeatures() + "x" + big.outFeatures());
        r.put("sgemm_gflops", sgemm);
        r.put("fraction_of_sgemm", median(paired));
        r.put("fraction_rule", "median over timed steps of (step GFLOP/s / the sgemm GFLOP/s measured right after that step)");
        r.put("flop_rule", UsefulFlops.TRAINING_STEP_RULE);
        long heap = Runtime.getRuntime().totalMemory();
        long weightBytes = 0;
        long trainableBytes = 0;
        for (Parameter p : model.parameters()) {
            long bytes = p.size() * p.value().dataType().width();
            weightBytes += bytes;
            trainableBytes += p.isTrainable() ? bytes : 0;
        }
        Map<String, Object> mem = new LinkedHashMap<>();
        mem.put("rss_peak_bytes", MemoryProbe.rssPeakBytes());
        mem.put("rss_at_start_bytes", rssAtStart);
        mem.put("rss_after_model_and_optimizer_bytes", rssModel);
        mem.put("rss_peak_while_building_bytes", rssPeakModel);
        mem.put("rss_peak_after_first_step_bytes", rssAfterFirstRun[0]);
        mem.put("rss_after_first_step_bytes", rssAfterFirstRun[1]);
        Map<String, Object> parts = new LinkedHashMap<>();
        parts.put("jvm_java_heap_and_native_libraries_at_start_bytes", rssAtStart);
        parts.put("weights_bytes", weightBytes);
        parts.put("trainable_weights_bytes", trainableBytes);
        parts.put("optimizer_state_and_gradients_bytes", opt.stateBytes());
        parts.put("forward_in_workspace_bytes", forwardBytes[0]);
        parts.put("step_workspace_bytes", workspaceBytes);
        parts.put("block_backward_workspace_bytes", backwardWorkspaceBytes);
        long accounted = rssAtStart + weightBytes + opt.stateBytes() + workspaceBytes
                + backwardWorkspaceBytes;
        parts.put("unaccounted_bytes", MemoryProbe.rssPeakBytes() - accounted);
        parts.put("rule", "jvm_java_heap_and_native_libraries_at_start: RSS before the model was built;"
                + " weights: every parameter tensor (frozen and trainable; a frozen W0 is counted once);"
                + " optimizer_state_and_gradients: AdamW's two moments, the packed gradient buffer and its scratch;"
                + " forward_in_workspace: the step workspace's use right after the student's forward (activations kept"
                + " for backward and forward temporaries), inside step_workspace (the whole step's block);"
                + " block_backward_workspace: the nested workspace each block's backward runs in;"
                + " unaccounted: peak RSS minus the sum of the others (allocations outside workspaces: the first"
                + " step's, while the workspace learns its size, and libnd4j's own)");
        mem.put("breakdown", parts);
        mem.put("java_heap_committed_bytes", heap);
        mem.put("offheap_peak_estimate_bytes", MemoryProbe.rssPeakBytes() - heap);
        mem.put("step_workspace_bytes", workspaceBytes);
        mem.put("rss_after_first_timed_step_bytes", rssAfter[0]);
        mem.put("rss_after_last_step_bytes", rssAfter[steps - 1]);
        mem.put("rss_growth_first_to_last_bytes", rssAfter[steps - 1] - rssAfter[0]);
        mem.put("rule", "RSS from /proc/self/status (VmHWM peak, VmRSS after each timed step); off-heap estimate ="
                + " peak RSS - committed Java heap (so it also counts JVM metaspace and code, ~0.1 GB)");
        r.put("memory", mem);
        r.put("openblas_coretype", System.getenv().getOrDefault("OPENBLAS_CORETYPE", ""));
        r.put("numerics", NumericsEnvironment.facts());
        r.put("kernels", Kernels.describe());
        r.put("engine_settings", org.pclora.core.env.EngineSettings.current().asMap());
        return r;
    }

    private Map<String, Object> infer(KeyValueArguments kv) {
        int batch = intArg(kv, "batch", 8);
        int repeats = intArg(kv, "repeats", 10);
        String ckpt = kv.take("checkpoint");
        Map<String, Object> r = new LinkedHashMap<>();
        List<ClassifierModel> models = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (ckpt != null) {
            for (String c : ckpt.split(",")) {
                models.add(ModelNames.load(root, c.trim(), null, "bench infer"));
                names.add(Path.of(c.trim()).getFileName().toString());
            }
        } else {
            String m = kv.take("model");
            if (m == null) {
                throw new PcLoraException("bench infer needs checkpoint=<file>[,<file>] or model=<architecture> rank=<r>");
            }
            int rank = intArg(kv, "rank", 32);
            ClassifierModel dense = familyModel(m, kv);
            ClassifierModel student = BenchModels.lambdaZeroStudent(dense,
                    familyModel(m, ConfigFactory.empty(), dense.architecture()), root.registry().adapter("pclora"), rank, 5);
            Batch b = dense.syntheticBatch(batch, 4);
            INDArray studentLogits = student.forward(b, false, Set.of()).get("logits").dup();
            Adapters.compress(student);
            INDArray compressedLogits = student.forward(b, false, Set.of()).get("logits");
            r.put("max_abs_diff_student_lambda0_vs_compressed", studentLogits.sub(compressedLogits).amaxNumber().doubleValue());
            models.add(dense);
            names.add(m + " dense");
            models.add(student);
            names.add(m + " compressed rank " + rank);
        }
        BlasCheck.warnIfSlow();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            ClassifierModel model = models.get(i);
            Batch b = model.syntheticBatch(batch, 4);
            double[] t = new double[repeats];
            try (StepWorkspace workspace = new StepWorkspace("PCLORA_BENCH_INFER")) {
                for (int k = -2; k < repeats; k++) {
                    long t0 = System.nanoTime();
                    try (StepWorkspace.Scope ignored = workspace.step()) { // as evaluation runs a batch
                        model.forward(b, false, Set.of());
                    }
                    if (k >= 0) {
                        t[k] = (System.nanoTime() - t0) / 1e9;
                    }
                }
            }
            Accounting.Report acc = Accounting.of(model);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", names.get(i));
            row.put("examples_per_second", batch / median(t));
            row.put("ms_per_batch", 1e3 * median(t));
            row.put("macs_per_example", acc.total().compressedMacs());
            rows.add(row);
        }
        r.put("batch", batch);
        r.put("repeats", repeats);
        r.put("results", rows);
        if (rows.size() == 2) {
            double speed = (double) rows.get(1).get("examples_per_second") / (double) rows.get(0).get("examples_per_second");
            double macRatio = ((Number) rows.get(0).get("macs_per_example")).doubleValue()
                    / ((Number) rows.get(1).get("macs_per_example")).doubleValue();
            r.put("speedup", speed);
            r.put("analytic_mac_ratio", macRatio);
            r.put("speedup_over_mac_ratio", speed / macRatio);
        }
        return r;
    }

    /** A model of a conf/model option or a named architecture, with image_size / tokens overrides. */
    private ClassifierModel familyModel(String name, KeyValueArguments kv) {
        return familyModel(name, sizeOverrides(kv), null);
    }

    /** The image_size / max_length arguments as model config overrides. */
    private static Config sizeOverrides(KeyValueArguments kv) {
        Map<String, Object> extra = new LinkedHashMap<>();
        String img = kv.take("image_size");
        if (img != null) {
            extra.put("image_size", intValue(kv, "image_size", img, 0));
        }
        String tok = kv.take("max_length", "tokens");
        if (tok != null) {
            extra.put("max_length", intValue(kv, "max_length", tok, 0));
        }
        return ConfigFactory.parseMap(extra);
    }

    private ClassifierModel familyModel(String name, Config extra, Config resolved) {
        Config model = resolved != null ? resolved : extra.withFallback(ModelNames.config(root, name));
        ModelFamily f = ModelNames.family(root, model, "bench");
        return f.create(f.resolve(model), 1);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static int intArg(KeyValueArguments kv, String key, int dflt) {
        return intValue(kv, key, kv.take(key), dflt);
    }

    private static int intValue(KeyValueArguments kv, String key, String v, int dflt) {
        if (v == null) {
            return dflt;
        }
        try {
            int x = Integer.parseInt(v);
            if (x >= 1) {
                return x;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new PcLoraException("bench argument " + key + "=" + v + " is not accepted: it must be an integer >= 1");
    }

    /** A number; its range is checked where it is used (lambda: {@code PcLoraLinear.checkLambda}). */
    private static double doubleArg(KeyValueArguments kv, String key, double dflt) {
        String v = kv.take(key);
        if (v == null) {
            return dflt;
        }
        try {
            return PcLoraLinear.checkLambda(Double.parseDouble(v));
        } catch (NumberFormatException e) {
            throw new PcLoraException("bench argument " + key + "=" + v + " is not accepted: it must be a number");
        }
    }
}
