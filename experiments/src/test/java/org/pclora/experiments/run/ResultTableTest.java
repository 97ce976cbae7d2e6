package org.pclora.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultTableTest {
    private static Map<String, Object> summary(String dir, String model, int rank, String schedule, String distill) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("run_dir", dir);
        s.put("model", model);
        s.put("rank", rank);
        s.put("schedule", schedule);
        s.put("ratio", 0.8);
        s.put("alpha", 0.2);
        s.put("distill", distill);
        s.put("teacher", Map.of("accuracy", 0.804));
        s.put("student", Map.of("accuracy", 0.801));
        s.put("compressed", Map.of("accuracy", 0.8005, "parameters", 73226L, "macs", 202_304L));
        s.put("compression", Map.of("parameters", 0.86444, "macs", 0.85261, "adapted_parameters", 0.8846));
        s.put("delta", 0.8005 - 0.804);
        return s;
    }

    @Test
    void oneRunFitsATerminalWithTheNumbersOfTheFullTable() {
        String t = ResultTable.compact(List.of(summary("/o/mini/2026/0", "vit-4x128", 8, "sine", "feature-mse")), 100);
        assertEquals(""
                + "| model     | r | schedule | params | params cut | MACs cut | teacher | compressed | delta |\n"
                + "|-----------|---|----------|--------|------------|----------|---------|------------|-------|\n"
                + "| vit-4x128 | 8 | sine     | 73,226 |     86.44% |   85.26% |  80.40% |     80.05% | -0.35 |\n"
                + "run directory: /o/mini/2026/0\n"
                + "(r = rank; accuracy of teacher and compressed student; all columns: summary.json)\n", t);
    }

    @Test
    void columnsThatDifferBetweenRunsAreShownAndLongNamesAreCutToTheWidth() {
        List<Map<String, Object>> runs = List.of(
                summary("/o/sweep/0", "vit-4x128", 8, "sine", "feature-mse"),
                summary("/o/sweep/1", "a-very-long-model-name-from-a-plugin-jar-" + "x".repeat(60), 16,
                        "quadratic-out-from-an-outside-plugin", "logit-kl"));
        String t = ResultTable.compact(runs, 100);
        for (String line : t.split("\n")) {
            assertTrue(line.length() <= 100, line.length() + ": " + line);
        }
        // the widest names are cut one character at a time until the line fits: exactly 100 here
        assertTrue(t.contains("| 1   | a-very-l~ | 16 | quadrati~ | 73,226 |"), t);
        assertEquals(100, t.lines().findFirst().orElseThrow().length(), t);
        // wide enough, the column that differs between the runs (distill) is shown; q and alpha do not differ
        String wide = ResultTable.compact(runs, 400);
        assertTrue(wide.lines().findFirst().orElseThrow().contains("| distill "), wide);
        assertTrue(!wide.contains("| q ") && !wide.contains("| alpha "), wide);
        assertTrue(t.contains("run directories: /o/sweep/<run>"), t);
        // the markdown table keeps every column
        assertTrue(ResultTable.markdown(runs).contains("quadratic-out-from-an-outside-plugin"));
    }
}
