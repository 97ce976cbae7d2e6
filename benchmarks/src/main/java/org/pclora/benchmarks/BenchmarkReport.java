package org.pclora.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a JMH JSON result of {@link PcLoraLinearBenchmark} into ms, GFLOP/s and the two targets
 * of the PC-LoRA layer: the lambda 0.5 step reaches at least 60% of plain sgemm GFLOP/s, and the
 * lambda 0 step costs at most 15% of the lambda 0.5 step.
 */
public final class BenchmarkReport {
    private BenchmarkReport() {
    }

    /** Prints the report of the JMH JSON file given as the only argument. */
    public static void main(String[] args) throws IOException {
        JsonNode root = new ObjectMapper().readTree(Path.of(args.length > 0 ? args[0] : "bench-results/jmh.json").toFile());
        Map<String, double[]> results = new LinkedHashMap<>(); // key -> {ms, error, gflops}
        for (JsonNode r : root) {
            String bench = r.get("benchmark").asText();
            String method = bench.substring(bench.lastIndexOf('.') + 1);
            if (!bench.contains("PcLoraLinearBenchmark")) {
                continue;
            }
            JsonNode params = r.get("params");
            double lambda = params != null && params.has("lambda") ? params.get("lambda").asDouble() : Double.NaN;
            String key = method + (Double.isNaN(lambda) ? "" : " lambda=" + params.get("lambda").asText())
                    + (params != null && params.has("workspace") && params.get("workspace").asBoolean() ? " ws" : "");
            JsonNode metric = r.get("primaryMetric");
            String unit = metric.get("scoreUnit").asText();
            double ms = toMillis(metric.get("score").asDouble(), unit);
            double err = toMillis(metric.get("scoreError").asDouble(), unit);
            // The fastest iteration: the least disturbed by other work on a shared machine.
            double best = Double.POSITIVE_INFINITY;
            for (JsonNode fork : metric.get("rawData")) {
                for (JsonNode it : fork) {
                    best = Math.min(best, toMillis(it.asDouble(), unit));
                }
            }
            double flops = PcLoraLinearBenchmark.flops(method, lambda);
            results.put(key, new double[] {ms, err, flops / (ms * 1e6), best, flops / (best * 1e6)});
        }
        System.out.printf(Locale.ROOT, "%-42s %10s %9s %9s %12s %12s%n", "benchmark", "mean ms", "+-", "GFLOP/s",
                "best it. ms", "best GFLOP/s");
        results.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-42s %10.3f %9.3f %9.1f %12.3f %12.1f%n",
                k, v[0], v[1], v[2], v[3], v[4]));
        for (String suffix : new String[] {"", " ws"}) {
            targets(results.get("sgemmForward"), results.get("pcLoraForwardBackward lambda=0.5" + suffix),
                    results.get("pcLoraForwardBackward lambda=0" + suffix), suffix.isEmpty() ? "" : " (in a workspace)");
        }
    }

    private static void targets(double[] sgemm, double[] half, double[] zero, String label) {
        String[] kind = {"mean", "best iteration"};
        int[][] idx = {{2, 0}, {4, 3}}; // {GFLOP/s, ms} columns
        for (int k = 0; k < 2; k++) {
            if (sgemm != null && half != null) {
                double ratio = half[idx[k][0]] / sgemm[idx[k][0]];
                System.out.printf(Locale.ROOT, "%s%s: lambda 0.5 step GFLOP/s / sgemm GFLOP/s = %.1f%% (target >= 60%%): %s%n",
                        kind[k], label, 100 * ratio, ratio >= 0.60 ? "met" : "MISSED");
            }
            if (half != null && zero != null) {
                double ratio = zero[idx[k][1]] / half[idx[k][1]];
                System.out.printf(Locale.ROOT, "%s%s: lambda 0 step time / lambda 0.5 step time = %.1f%% (target <= 15%%): %s%n",
                        kind[k], label, 100 * ratio, ratio <= 0.15 ? "met" : "MISSED");
            }
        }
    }

    private static double toMillis(double v, String unit) {
        return switch (unit) {
            case "s/op" -> v * 1e3;
            case "ms/op" -> v;
            case "us/op" -> v / 1e3;
            case "ns/op" -> v / 1e6;
            default -> throw new IllegalArgumentException("unexpected JMH unit " + unit);
        };
    }
}
