package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.io.Npy;
import org.pclora.core.io.Safetensors;
import org.pclora.core.io.StateDict;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.model.TextEncoder;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.core.spi.ModelFamily;

/**
 * {@code infer text=...}: a tiny BERT exported as a run exports it (class names and tokenizer in
 * the metadata) gives the same logits from text as from the word-piece ids BERT-base-uncased's
 * vocabulary gives by hand, names its labels, writes JSON lines and sentence embeddings, and says
 * when a checkpoint has no trained classifier.
 */
class InferTextTest {
    private static final List<String> LABELS = List.of("art", "food", "science");
    /** "hello world" in BERT-base-uncased: [CLS] hello world [SEP]. */
    private static final int[] HELLO_WORLD = {101, 7592, 2088, 102};

    @TempDir
    Path dir;
    private ModelFamily bert;
    private Config arch;

    @BeforeEach
    void export() {
        bert = PluginRegistry.load().modelFamily("bert");
        arch = bert.resolve(ConfigFactory.parseString("arch = custom, depth = 1, width = 8, heads = 2, mlp = 16,"
                + " max_positions = 16, max_length = 16, num_classes = 3"));
        ClassifierModel m = bert.create(arch, 7);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(StateDict.LABELS_KEY, "[\"art\",\"food\",\"science\"]");
        try (TextEncoder enc = bert.textEncoder(arch, null).orElseThrow()) {
            meta.put(StateDict.TEXT_ENCODER_KEY, enc.description().root().render(com.typesafe.config.ConfigRenderOptions.concise()));
        }
        StateDict.save(dir.resolve("student.safetensors"), m, "{\"git_commit\":\"abc\",\"seed\":7}", meta);
    }

    private static double[] softmax(double[] l) {
        double max = java.util.Arrays.stream(l).max().orElseThrow();
        double[] e = java.util.Arrays.stream(l).map(v -> Math.exp(v - max)).toArray();
        double s = java.util.Arrays.stream(e).sum();
        return java.util.Arrays.stream(e).map(v -> v / s).toArray();
    }

    @Test
    void textGivesTheLogitsOfItsWordPieceIdsAndNamesTheLabel() throws Exception {
        CliRun t = CliRun.of(dir, "infer", "checkpoint=student.safetensors", "text=Hello, World", "text=hello world",
                "output=out.jsonl", "hidden=emb.npy");
        assertEquals(0, t.status(), t.err());
        Npy.write(dir.resolve("ids.npy"), Nd4j.createFromArray(new int[][] {{101, 7592, 1010, 2088, 102}, {101, 7592, 2088, 102, 0}}));
        Npy.write(dir.resolve("mask.npy"), Nd4j.createFromArray(new int[][] {{1, 1, 1, 1, 1}, {1, 1, 1, 1, 0}}));
        CliRun ids = CliRun.of(dir, "infer", "checkpoint=student.safetensors", "input=ids.npy", "mask=mask.npy",
                "output=logits.npy", "hidden=hidden.npy");
        assertEquals(0, ids.status(), ids.err());
        INDArray expected = Npy.read(dir.resolve("logits.npy"));

        List<String> lines = Files.readAllLines(dir.resolve("out.jsonl"));
        assertEquals(2, lines.size());
        ObjectMapper om = new ObjectMapper();
        for (int i = 0; i < 2; i++) {
            JsonNode n = om.readTree(lines.get(i));
            assertEquals(i == 0 ? "Hello, World" : "hello world", n.get("text").asText());
            double[] logits = new double[3];
            for (int j = 0; j < 3; j++) {
                logits[j] = n.get("logits").get(j).asDouble();
                assertEquals(expected.getDouble(i, j), logits[j], 1e-5, "text " + i + " logit " + j);
            }
            double[] p = softmax(logits);
            int best = 0;
            for (int j = 1; j < 3; j++) {
                best = p[j] > p[best] ? j : best;
            }
            assertEquals(LABELS.get(best), n.get("label").asText());
            assertEquals(p[best], n.get("probability").asDouble(), 1e-6);
            String row = t.out().lines().filter(l -> l.startsWith(n.get("text").asText() + " ")).findFirst().orElseThrow();
            assertTrue(row.matches(java.util.regex.Pattern.quote(n.get("text").asText()) + "\\s+" + LABELS.get(best) + "\\s+"
                    + String.format(java.util.Locale.ROOT, "%.3f", p[best])), row);
        }
        assertTrue(t.out().lines().findFirst().orElseThrow().matches("TEXT\\s+LABEL\\s+PROBABILITY"), t.out());
        assertTrue(t.err().startsWith("infer: " + dir.resolve("student.safetensors") + " made by pclora abc, seed 7"), t.err());

        // Sentence embeddings: [CLS] and the mean over the real tokens of the hidden states the ids give.
        INDArray emb = Npy.read(dir.resolve("emb.npy"));
        INDArray hidden = Npy.read(dir.resolve("hidden.npy"));
        assertArrayEquals(new long[] {2, 2, 8}, emb.shape());
        for (int i = 0; i < 2; i++) {
            int real = i == 0 ? 5 : 4;
            for (int h = 0; h < 8; h++) {
                assertEquals(hidden.getDouble(i, 0, h), emb.getDouble(i, 0, h), 1e-5);
                double mean = 0;
                for (int k = 0; k < real; k++) {
                    mean += hidden.getDouble(i, k, h) / real;
                }
                assertEquals(mean, emb.getDouble(i, 1, h), 1e-5);
            }
        }
    }

    @Test
    void aTextFileAndAJsonLinesFileGiveTheSameTable() throws Exception {
        Files.writeString(dir.resolve("in.txt"), "hello world\n\nthe cat sat\n");
        Files.writeString(dir.resolve("in.jsonl"), "{\"text\": \"hello world\", \"id\": 1}\n\"the cat sat\"\n");
        CliRun txt = CliRun.of(dir, "infer", "checkpoint=student.safetensors", "input=in.txt");
        CliRun jsonl = CliRun.of(dir, "infer", "checkpoint=student.safetensors", "input=in.jsonl");
        assertEquals(0, txt.status(), txt.err());
        assertEquals(3, txt.out().lines().count(), txt.out());
        assertEquals(txt.out(), jsonl.out());

        Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"fine\"}\n{\"txt\": \"typo\"}\n");
        CliRun bad = CliRun.of(dir, "infer", "checkpoint=student.safetensors", "input=bad.jsonl", "output=o.jsonl");
        assertEquals(2, bad.status());
        assertEquals("infer input " + dir.resolve("bad.jsonl") + " line 2 has no string field \"text\": expected e.g."
                + " {\"text\": \"...\"}\n", bad.err());
        assertFalse(Files.exists(dir.resolve("o.jsonl")));
    }

    @Test
    void aCheckpointWithoutClassifierSaysSoInOneWarning() throws Exception {
        Map<String, INDArray> tensors = new LinkedHashMap<>(Safetensors.read(dir.resolve("student.safetensors")).tensors());
        tensors.keySet().removeIf(k -> k.startsWith("classifier."));
        Safetensors.write(dir.resolve("encoder.safetensors"), tensors,
                Map.of(StateDict.ARCHITECTURE_KEY, arch.withValue("family", com.typesafe.config.ConfigValueFactory.fromAnyRef("bert"))
                        .root().render(com.typesafe.config.ConfigRenderOptions.concise())));
        CliRun r = CliRun.of(dir, "infer", "checkpoint=encoder.safetensors", "text=hello world", "hidden=emb.npy");
        assertEquals(0, r.status(), r.err());
        assertEquals("[WARN] infer: " + dir.resolve("encoder.safetensors") + " has no trained classifier (its 3-class head is a"
                + " seeded initialisation): its labels and probabilities mean nothing; hidden=<embeddings.npy> gives sentence"
                + " embeddings ([CLS] and mean-pooled)\n", r.err());
        assertArrayEquals(new long[] {1, 2, 8}, Npy.read(dir.resolve("emb.npy")).shape());
    }

    @Test
    void aWrongShapeArrayIsTheErrorAloneAndArgumentsAreChecked() throws Exception {
        Npy.write(dir.resolve("x.npy"), Nd4j.zeros(DataType.FLOAT, 2, 3, 4));
        CliRun r = CliRun.of(dir, "infer", "checkpoint=student.safetensors", "input=x.npy", "output=o.npy");
        assertEquals(2, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("input " + dir.resolve("x.npy")) || r.err().contains("x.npy"), r.err());
        assertFalse(r.err().contains("made by") || r.err().contains("[INFO]"), r.err());

        assertEquals("infer argument 'colour' is not known; accepted keys: checkpoint, text, input, output, hidden, mask,"
                + " types, model\n", CliRun.of(dir, "infer", "checkpoint=student.safetensors", "text=a", "colour=red").err());
        assertEquals("infer takes text=\"...\" or input=<file>, not both\n",
                CliRun.of(dir, "infer", "checkpoint=student.safetensors", "text=a", "input=x.npy").err());
        assertEquals("infer argument 'output' must be a .npy file (logits) or a .jsonl file (text, label, probability, logits"
                + " a line), got 'o.csv'\n", CliRun.of(dir, "infer", "checkpoint=student.safetensors", "text=a", "output=o.csv").err());
    }
}
