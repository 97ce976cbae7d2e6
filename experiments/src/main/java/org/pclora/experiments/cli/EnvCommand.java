package org.pclora.experiments.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.env.BlasCheck;
import org.pclora.core.env.BlasInfo;
import org.pclora.core.env.NumericsEnvironment;
import org.pclora.core.env.SgemmProbe;
import org.pclora.core.kernels.Kernels;
import org.pclora.experiments.run.RunEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pclora env}: what decides speed and numerics on this machine, in the spirit of PyTorch's
 * {@code collect_env}: Java and ND4J, the BLAS library and the kernel it runs, the kernel this CPU
 * could run, threads, vector lanes and fused kernels, the CPU, memory caps and a measured sgemm.
 */
@Command(name = "env", description = {"What decides speed and numerics here: Java, ND4J, the BLAS library and its"
        + " kernel, the kernel this CPU could run, threads, vector lanes, CPU, memory caps, a measured sgemm.",
        "When the kernel in force is below what the CPU runs, the CPU's best kernel is measured too (in a child"
        + " JVM, since the kernel is fixed when the library loads); --no-compare skips that."})
public final class EnvCommand implements Callable<Integer> {
    /** CPU flags that decide which kernels can run. */
    static final List<String> FLAGS = List.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512bw",
            "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile");

    @ParentCommand
    PcLoraCli root;

    @Option(names = "--json", description = "Print one JSON object instead of aligned lines.")
    boolean json;

    @Option(names = "--no-compare", description = "Do not measure the CPU's best kernel in a child JVM.")
    boolean noCompare;

    @Option(names = "--sgemm-only", hidden = true, description = "Print the sgemm GFLOP/s alone (the child JVM's job).")
    boolean sgemmOnly;

    @Override
    public Integer call() throws IOException {
        if (sgemmOnly) {
            root.out().println(String.format(Locale.ROOT, "%.1f %s", sgemm(), BlasInfo.coreName().orElse("unknown")));
            return 0;
        }
        Map<String, Object> facts = collect(root.env(), !noCompare);
        if (json) {
            root.out().println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(facts));
        } else {
            root.out().print(text(facts));
        }
        return 0;
    }

    /** Median GFLOP/s of {@link SgemmProbe#ENV_SHAPE} over 7 products after 3 untimed ones. */
    static double sgemm() {
        long[] s = SgemmProbe.ENV_SHAPE;
        return new SgemmProbe(s[0], s[1], s[2]).medianGflops(3, 7);
    }

    /** Every fact as an ordered map; with {@code compare}, the CPU's best kernel is measured too where it differs. */
    static Map<String, Object> collect(Map<String, String> env, boolean compare) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("pclora", new PcLoraCli.Version().getVersion()[0]);
        f.put("java", System.getProperty("java.vendor") + " " + System.getProperty("java.version") + " ("
                + System.getProperty("java.vm.name") + ")");
        Map<String, String> numerics = NumericsEnvironment.facts();
        f.put("nd4j", numerics.get("nd4j") + " (nd4j-native, " + System.getProperty("os.arch") + ")");
        f.put("blas", BlasInfo.config().orElse(numerics.get("blas")));
        String preset = env.get("OPENBLAS_CORETYPE");
        String cpuFlags = BlasCheck.cpuFlags();
        String kernel = numerics.get("blas_kernel");
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("in_force", kernel);
        k.put("openblas_coretype", preset == null ? "" : preset);
        k.put("set_by", preset == null || preset.isBlank() ? "nobody (OpenBLAS detected the CPU itself)"
                : "launcher".equals(env.get("PCLORA_CORETYPE_FROM")) ? "./pclora, for this CPU" : "the environment");
        k.put("cpu_supports", BlasCheck.cpuLevel(cpuFlags) + BlasCheck.recommendedCoreType(cpuFlags)
                .map(c -> " (best kernel: " + c + ")").orElse(""));
        f.put("kernel", k);
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("model", RunEnvironment.cpuModel());
        cpu.put("cores", Runtime.getRuntime().availableProcessors());
        List<String> present = new ArrayList<>();
        String padded = " " + cpuFlags.toLowerCase(Locale.ROOT) + " ";
        for (String flag : FLAGS) {
            if (padded.contains(" " + flag + " ")) {
                present.add(flag);
            }
        }
        cpu.put("flags", String.join(" ", present));
        f.put("cpu", cpu);
        Map<String, Object> threads = new LinkedHashMap<>();
        threads.put("blas", numerics.get("blas_threads"));
        threads.put("openmp", Nd4j.getEnvironment().maxThreads());
        threads.put("kernels", Kernels.threads());
        threads.put("OMP_NUM_THREADS", env.getOrDefault("OMP_NUM_THREADS", ""));
        threads.put("OMP_WAIT_POLICY", env.getOrDefault("OMP_WAIT_POLICY", ""));
        f.put("threads", threads);
        Map<String, Object> vector = new LinkedHashMap<>();
        vector.put("module", Kernels.moduleAvailable() ? "jdk.incubator.vector" : "absent");
        vector.put("float_lanes", Kernels.lanes());
        vector.put("fused_kernels", Kernels.enabled() ? "on" : "off");
        f.put("vector_api", vector);
        Map<String, Object> memory = new LinkedHashMap<>();
        memory.put("machine_bytes", Pointer.totalPhysicalBytes());
        memory.put("java_heap_max_bytes", Runtime.getRuntime().maxMemory());
        memory.put("offheap_cap_bytes", Pointer.maxBytes());
        memory.put("resident_cap_bytes", Pointer.maxPhysicalBytes());
        memory.put("caps_set_by", "PCLORA_JAVA_OPTS (heap), PCLORA_OFFHEAP, PCLORA_PHYSICAL");
        f.put("memory", memory);
        Map<String, Object> gemm = new LinkedHashMap<>();
        long[] s = SgemmProbe.ENV_SHAPE;
        gemm.put("shape", s[0] + "x" + s[1] + "x" + s[2]);
        double here = sgemm();
        gemm.put("gflops", round(here));
        gemm.put("kernel", kernel);
        Optional<String> warning = BlasCheck.belowCapabilityWarning(preset, kernel, cpuFlags);
        Optional<String> best = BlasCheck.recommendedCoreType(cpuFlags);
        if (compare && warning.isPresent() && best.isPresent()) {
            gemm.put("best_kernel", best.get());
            try {
                double other = childSgemm(env, best.get());
                gemm.put("best_kernel_gflops", round(other));
                gemm.put("ratio_in_force_to_best", round(here / other));
            } catch (IOException | RuntimeException e) {
                gemm.put("best_kernel_gflops", "not measured: " + e.getMessage());
            }
        }
        f.put("sgemm", gemm);
        f.put("numerics", numerics);
        f.put("warning", warning.orElse(""));
        return f;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** The sgemm GFLOP/s of this same program in a child JVM that loads OpenBLAS with {@code coreType}. */
    static double childSgemm(Map<String, String> env, String coreType) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PcLoraCli.class.getName());
        cmd.add("env");
        cmd.add("--sgemm-only");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().put("OPENBLAS_CORETYPE", coreType);
        Process p = pb.start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("the child JVM took more than 120 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String[] parts = out.split("\\s+");
        if (p.exitValue() != 0 || parts.length < 2) {
            throw new IOException("the child JVM exited with " + p.exitValue());
        }
        if (BlasCheck.coreLevel(parts[1]) != BlasCheck.coreLevel(coreType)) {
            throw new IOException("the child JVM ran the " + parts[1] + " kernel instead of " + coreType);
        }
        return Double.parseDouble(parts[0]);
    }

    /** The facts as aligned {@code name  value} lines; nested maps as {@code name.key}. */
    static String text(Map<String, Object> facts) {
        List<String[]> rows = new ArrayList<>();
        flatten("", facts, rows);
        int w = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            b.append(String.format(Locale.ROOT, "%-" + w + "s  %s%n", r[0], r[1]));
        }
        return b.toString();
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> m, List<String[]> rows) {
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String name = prefix + e.getKey();
            Object v = e.getValue();
            if (v instanceof Map<?, ?> nested) {
                flatten(name + ".", (Map<String, Object>) nested, rows);
            } else if (name.endsWith("_bytes") && v instanceof Number n) {
                rows.add(new String[] {name.substring(0, name.length() - "_bytes".length()),
                        String.format(Locale.ROOT, "%.1f GiB", n.doubleValue() / (1L << 30))});
            } else if (!name.equals("warning") || !String.valueOf(v).isEmpty()) {
                rows.add(new String[] {name, String.valueOf(v)});
            }
        }
    }
}
