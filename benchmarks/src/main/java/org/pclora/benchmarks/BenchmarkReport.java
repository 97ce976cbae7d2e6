package org.pclora.benchmarks;

import org.pclora.core.accounting.UsefulFlops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns a JMH JSON result file of the benchmark suites into a table: for every benchmark and
 * parameter set, mean ms/op with its error, the fastest iteration, and, where a useful-FLOP count
 * is defined (PcLoraLinear, attention, block: see {@link UsefulFlops}), GFLOP/s and the fraction of
 * the sgemm GFLOP/s measured in the same class and run at the same shape ({@code sgemmForward}).
 * Then the two targets of the PC-LoRA layer at each measured shape: the lambda 0.5 step reaches at
 * least 60% of plain sgemm GFLOP/s, and the lambda 0 step costs at most 15% of the lambda 0.5 step.
 * Argument: the JSON file (default {@code bench-results/jmh.json}).
 */
public final class BenchmarkReport {
    /** The reference method every FLOP-counted class has. */
    static final String SGEMM = "sgemmForward";

    private BenchmarkReport() {
    }

    /**
     * One JMH result.
     *
     * @param benchmarkClass simple class name, e.g. {@code AttentionBenchmark}
     * @param method         benchmark method
     * @param params         JMH parameters in JMH's order (empty when none)
     * @param ms             mean ms/op
     * @param errorMs        JMH's 99.9% error of the mean, ms (NaN with a single iteration)
     * @param bestMs         fastest iteration, ms/op: the least disturbed on a shared machine
     */
    public record Result(String benchmarkClass, String method, Map<String, String> params, double ms,
                         double errorMs, double bestMs) {
        /** {@code Class.method} and the parameters, e.g. {@code AttentionBenchmark.attentionForward model=vit-b}. */
        public String label() {
            String p = params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(" "));
            return benchmarkClass + "." + method + (p.isEmpty() ? "" : " " + p);
        }

        /** Useful flops per call, or NaN where none is defined. */
        public double flops() {
            return switch (benchmarkClass) {
                case "PcLoraLinearBenchmark" -> PcLoraLinearBenchmark.flops(method, params);
                case "AttentionBenchmark" -> AttentionBenchmark.flops(method, params);
                case "BlockBenchmark" -> BlockBenchmark.flops(method, params);
                default -> Double.NaN;
            };
        }

        /** Mean GFLOP/s (NaN without a FLOP count). */
        public double gflops() {
            return flops() / (ms * 1e6);
        }

        /** GFLOP/s of the fastest iteration. */
        public double bestGflops() {
            return flops() / (bestMs * 1e6);
        }
    }

    /** Prints the report of the JMH JSON file given as the only argument. */
    public static void main(String[] args) throws IOException {
        JsonNode root = new ObjectMapper().readTree(Path.of(args.length > 0 ? args[0] : "bench-results/jmh.json").toFile());
        System.out.print(report(parse(root)));
    }

    /** The results of a JMH JSON array, in file order. */
    public static List<Result> parse(JsonNode root) {
        List<Result> results = new ArrayList<>();
        for (JsonNode r : root) {
            String bench = r.get("benchmark").asText();
            String method = bench.substring(bench.lastIndexOf('.') + 1);
            String qualifiedClass = bench.substring(0, bench.lastIndexOf('.'));
            String simpleClass = qualifiedClass.substring(qualifiedClass.lastIndexOf('.') + 1);
            Map<String, String> params = new LinkedHashMap<>();
            JsonNode p = r.get("params");
            if (p != null) {
                for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    params.put(e.getKey(), e.getValue().asText());
                }
            }
            JsonNode metric = r.get("primaryMetric");
            String unit = metric.get("scoreUnit").asText();
            double best = Double.POSITIVE_INFINITY;
            for (JsonNode fork : metric.get("rawData")) {
                for (JsonNode it : fork) {
                    best = Math.min(best, toMillis(it.asDouble(), unit));
                }
            }
            // JMH writes "NaN" (a string) as the error of a single iteration
            double err = metric.get("scoreError").isNumber() ? metric.get("scoreError").asDouble() : Double.NaN;
            results.add(new Result(simpleClass, method, params, toMillis(metric.get("score").asDouble(), unit),
                    toMillis(err, unit), best));
        }
        return results;
    }

    /**
     * The sgemm result of the same class whose parameters all equal this result's parameters of
     * the same name (the same shape), or null.
     */
    public static Result reference(Result r, List<Result> all) {
        for (Result c : all) {
            if (c.benchmarkClass().equals(r.benchmarkClass()) && c.method().equals(SGEMM)
                    && c.params().entrySet().stream().allMatch(e -> e.getValue().equals(r.params().get(e.getKey())))) {
                return c;
            }
        }
        return null;
    }

    /** The printed report: the table, then the PC-LoRA layer targets. */
    public static String report(List<Result> results) {
        StringBuilder out = new StringBuilder();
        int width = results.stream().mapToInt(r -> r.label().length()).max().orElse(9);
        String row = "%-" + width + "s %9s %8s %9s %8s %9s %8s%n";
        out.append(String.format(Locale.ROOT, row, "benchmark", "mean ms", "+-", "best ms", "GFLOP/s",
                "best GF/s", "% sgemm"));
        for (Result r : results) {
            Result ref = reference(r, results);
            boolean counted = !Double.isNaN(r.flops());
            out.append(String.format(Locale.ROOT, row, r.label(), fmt("%.3f", r.ms()), fmt("%.3f", r.errorMs()),
                    fmt("%.3f", r.bestMs()), counted ? fmt("%.1f", r.gflops()) : "-",
                    counted ? fmt("%.1f", r.bestGflops()) : "-",
                    counted && ref != null ? fmt("%.1f", 100 * r.gflops() / ref.gflops()) : "-"));
        }
        out.append("(% sgemm: mean GFLOP/s over the mean GFLOP/s of sgemmForward at the same shape, same class and run)\n");
        targets(results, out);
        return out.toString();
    }

    /** The two PC-LoRA layer targets at every shape (and workspace setting) with all three results. */
    private static void targets(List<Result> results, StringBuilder out) {
        if (results.stream().anyMatch(r -> r.method().equals("pcLoraForwardBackward"))) {
            out.append("PC-LoRA layer targets (set at vit-b 768->3072; the other shapes for orientation):\n");
        }
        for (Result half : results) {
            if (!half.benchmarkClass().equals("PcLoraLinearBenchmark") || !half.method().equals("pcLoraForwardBackward")
                    || Double.parseDouble(half.params().get("lambda")) != 0.5) {
                continue;
            }
            Result sgemm = reference(half, results);
            Result zero = null;
            for (Result c : results) {
                if (c.method().equals(half.method()) && c.benchmarkClass().equals(half.benchmarkClass())
                        && Double.parseDouble(c.params().get("lambda")) == 0.0 && sameExcept(c, half, "lambda")) {
                    zero = c;
                }
            }
            String label = " (" + half.params().getOrDefault("model", "vit-b") + " " + PcLoraLinearBenchmark.IN
                    + "->" + half.params().getOrDefault("out", String.valueOf(PcLoraLinearBenchmark.OUT))
                    + ("true".equals(half.params().get("workspace")) ? ", in a workspace" : "") + ")";
            String[] kind = {"mean", "best iteration"};
            for (int k = 0; k < 2; k++) {
                boolean best = k == 1;
                if (sgemm != null) {
                    double ratio = (best ? half.bestGflops() : half.gflops()) / (best ? sgemm.bestGflops() : sgemm.gflops());
                    out.append(String.format(Locale.ROOT,
                            "%s%s: lambda 0.5 step GFLOP/s / sgemm GFLOP/s = %.1f%% (target >= 60%%): %s%n",
                            kind[k], label, 100 * ratio, ratio >= 0.60 ? "met" : "MISSED"));
                }
                if (zero != null) {
                    double ratio = best ? zero.bestMs() / half.bestMs() : zero.ms() / half.ms();
                    out.append(String.format(Locale.ROOT,
                            "%s%s: lambda 0 step time / lambda 0.5 step time = %.1f%% (target <= 15%%): %s%n",
                            kind[k], label, 100 * ratio, ratio <= 0.15 ? "met" : "MISSED"));
                }
            }
        }
    }

    private static boolean sameExcept(Result a, Result b, String ignored) {
        Map<String, String> pa = new LinkedHashMap<>(a.params());
        Map<String, String> pb = new LinkedHashMap<>(b.params());
        pa.remove(ignored);
        pb.remove(ignored);
        return pa.equals(pb);
    }

    private static String fmt(String format, double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, format, v);
    }

    private static double toMillis(double v, String unit) {
        return switch (unit) {
            case "s/op" -> v * 1e3;
            case "ms/op" -> v;
            case "us/op" -> v / 1e3;
            case "ns/op" -> v / 1e6;
            default -> throw new IllegalArgumentException("unexpected JMH unit " + unit
                    + "; the report reads AverageTime results (s/op, ms/op, us/op or ns/op)");
        };
    }
}
