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
            double lambda = r.has("params") && r.get("params").has("lambda")
                    ? r.get("params").get("lambda").asDouble() : Double.NaN;
            String key = method + (Double.isNaN(lambda) ? "" : " lambda=" + r.get("params").get("lambda").asText());
            double ms = toMillis(r.get("primaryMetric").get("score").asDouble(), r.get("primaryMetric").get("scoreUnit").asText());
            double err = toMillis(r.get("primaryMetric").get("scoreError").asDouble(), r.get("primaryMetric").get("scoreUnit").asText());
            double gflops = PcLoraLinearBenchmark.flops(method, lambda) / (ms * 1e6);
            results.put(key, new double[] {ms, err, gflops});
        }
        System.out.printf(Locale.ROOT, "%-42s %10s %9s %9s%n", "benchmark", "ms/op", "+-", "GFLOP/s");
        results.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-42s %10.3f %9.3f %9.1f%n", k, v[0], v[1], v[2]));
        double[] sgemm = results.get("sgemmForward");
        double[] half = results.get("pcLoraForwardBackward lambda=0.5");
        double[] zero = results.get("pcLoraForwardBackward lambda=0");
        if (sgemm != null && half != null) {
            double ratio = half[2] / sgemm[2];
            System.out.printf(Locale.ROOT, "lambda 0.5 step GFLOP/s / sgemm GFLOP/s = %.1f%% (target >= 60%%): %s%n",
                    100 * ratio, ratio >= 0.60 ? "met" : "MISSED");
        }
        if (half != null && zero != null) {
            double ratio = zero[0] / half[0];
            System.out.printf(Locale.ROOT, "lambda 0 step time / lambda 0.5 step time = %.1f%% (target <= 15%%): %s%n",
                    100 * ratio, ratio <= 0.15 ? "met" : "MISSED");
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
