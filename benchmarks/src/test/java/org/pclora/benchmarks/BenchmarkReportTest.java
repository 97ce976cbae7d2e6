package org.pclora.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The report on a hand-written JMH JSON file whose ratios are worked out by hand. */
class BenchmarkReportTest {
    private static String result(String benchmark, String params, double score, String error, String raw) {
        return "{\"benchmark\":\"org.pclora.benchmarks." + benchmark + "\",\"mode\":\"avgt\",\"params\":{" + params
                + "},\"primaryMetric\":{\"score\":" + score + ",\"scoreError\":" + error
                + ",\"scoreUnit\":\"ms/op\",\"rawData\":[[" + raw + "]]}}";
    }

    private static List<BenchmarkReport.Result> sample() throws Exception {
        String json = "[" + String.join(",",
                result("PcLoraLinearBenchmark.sgemmForward", "\"model\":\"vit-b\",\"out\":\"3072\"", 50, "1.5", "50,48"),
                result("PcLoraLinearBenchmark.pcLoraForwardBackward",
                        "\"model\":\"vit-b\",\"out\":\"3072\",\"lambda\":\"0.5\",\"workspace\":\"false\"", 200, "4", "200,190"),
                result("PcLoraLinearBenchmark.pcLoraForwardBackward",
                        "\"model\":\"vit-b\",\"out\":\"3072\",\"lambda\":\"0\",\"workspace\":\"false\"", 20, "1", "20,19"),
                result("PcLoraLinearBenchmark.pcLoraForwardBackward",
                        "\"model\":\"bert-base\",\"out\":\"3072\",\"lambda\":\"0.5\",\"workspace\":\"false\"", 120, "2", "120"),
                "{\"benchmark\":\"org.pclora.benchmarks.LayerNormBenchmark.geluForward\",\"mode\":\"avgt\","
                        + "\"primaryMetric\":{\"score\":0.012,\"scoreError\":\"NaN\",\"scoreUnit\":\"s/op\",\"rawData\":[[0.012]]}}")
                + "]";
        return BenchmarkReport.parse(new ObjectMapper().readTree(json));
    }

    @Test
    void parsesUnitsParametersAndTheFastestIteration() throws Exception {
        List<BenchmarkReport.Result> rs = sample();
        assertEquals(5, rs.size());
        assertEquals("PcLoraLinearBenchmark.pcLoraForwardBackward model=vit-b out=3072 lambda=0.5 workspace=false",
                rs.get(1).label());
        assertEquals(190, rs.get(1).bestMs());
        // 0.012 s/op = 12 ms; the single iteration's error is NaN
        assertEquals(12, rs.get(4).ms(), 1e-12);
        assertTrue(Double.isNaN(rs.get(4).errorMs()));
        assertTrue(rs.get(4).params().isEmpty());
        assertTrue(Double.isNaN(rs.get(4).flops()));
    }

    @Test
    void pairsEachResultWithTheSgemmOfItsShape() throws Exception {
        List<BenchmarkReport.Result> rs = sample();
        assertSame(rs.get(0), BenchmarkReport.reference(rs.get(1), rs));
        assertSame(rs.get(0), BenchmarkReport.reference(rs.get(0), rs));
        assertNull(BenchmarkReport.reference(rs.get(3), rs)); // bert-base: no sgemm of its shape in the file
        assertNull(BenchmarkReport.reference(rs.get(4), rs));
        // 7 436 500 992 flops in 50 ms = 148.73 GFLOP/s
        assertEquals(148.73001984, rs.get(0).gflops(), 1e-9);
    }

    @Test
    void printsFractionsAndTargets() throws Exception {
        String report = BenchmarkReport.report(sample());
        // lambda 0.5 step / sgemm: flops ratio 2 + 6*32*3840/(2*768*3072) = 2.15625, times 50/200 ms
        // = 53.90625 %; best iterations: 2.15625 * 48/190 = 54.47 %
        assertTrue(report.contains("mean (vit-b 768->3072): lambda 0.5 step GFLOP/s / sgemm GFLOP/s = 53.9% "
                + "(target >= 60%): MISSED"), report);
        assertTrue(report.contains("best iteration (vit-b 768->3072): lambda 0.5 step GFLOP/s / sgemm GFLOP/s = 54.5%"),
                report);
        // lambda 0 / lambda 0.5 time: 20 / 200 = 10 %, best 19 / 190 = 10 %
        assertTrue(report.contains("mean (vit-b 768->3072): lambda 0 step time / lambda 0.5 step time = 10.0% "
                + "(target <= 15%): met"), report);
        // the table's row for the lambda 0.5 step: 16 034 955 264 flops / 200 ms = 80.2 GFLOP/s, 53.9 % of sgemm
        String row = report.lines().filter(l -> l.contains("lambda=0.5") && l.contains("vit-b")).findFirst().orElseThrow();
        assertTrue(row.matches(".*\\s80\\.2\\s+84\\.4\\s+53\\.9$"), row);
        // GELU has no FLOP count: ms only
        String gelu = report.lines().filter(l -> l.startsWith("LayerNormBenchmark.geluForward")).findFirst().orElseThrow();
        assertTrue(gelu.matches(".*12\\.000\\s+-\\s+12\\.000\\s+-\\s+-\\s+-$"), gelu);
        // bert-base has no sgemm in this file: no target lines for it
        assertTrue(!report.contains("(bert-base"), report);
    }
}
