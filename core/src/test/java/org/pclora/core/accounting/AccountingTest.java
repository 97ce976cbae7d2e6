package org.pclora.core.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.adapter.Adapters;
import org.pclora.core.adapter.plugin.PcLoraAdapterFactory;
import org.pclora.core.testing.TinyClassifierModel;

class AccountingTest {
    // A ViT-B MLP pair at 197 tokens: fc1 768 -> 3072, fc2 3072 -> 768, rank 32 on fc1 only.
    private static TinyClassifierModel model() {
        return new TinyClassifierModel(768, 3072, 3, 197, DataType.FLOAT, 1);
    }

    private static final long FC1_DENSE_P = 768L * 3072 + 3072;          // 2,362,368
    private static final long FC1_COMPRESSED_P = 32L * (768 + 3072) + 3072; // 122,880 + 3,072 = 125,952
    private static final long FC1_DENSE_MACS = 197L * 768 * 3072;         // 464,781,312
    private static final long FC1_COMPRESSED_MACS = 197L * 32 * (768 + 3072); // 24,207,360
    private static final long FC2_P = 3072L * 768 + 768;                  // 2,360,064
    private static final long FC2_MACS = 197L * 3072 * 768;
    private static final long EMB_P = 10L * 768;
    private static final long NORM_P = 2L * 768;
    private static final long CLS_P = 3L * 768 + 3;
    private static final long CLS_MACS = 768L * 3;

    private static void assertFc1Rank32(Accounting.Report r, long compressedAdapterParams) {
        Accounting.Row a = r.row(Accounting.ADAPTED);
        assertEquals(FC1_DENSE_P, a.denseParameters());
        assertEquals(compressedAdapterParams, a.compressedParameters());
        assertEquals(FC1_DENSE_MACS, a.denseMacs());
        assertEquals(FC1_COMPRESSED_MACS, a.compressedMacs());
        Accounting.Row d = r.row(Accounting.DENSE_SLOTS);
        assertEquals(FC2_P, d.compressedParameters());
        assertEquals(FC2_MACS, d.compressedMacs());
        assertEquals(EMB_P, r.row("embeddings").denseParameters());
        assertEquals(NORM_P, r.row("layernorm").denseParameters());
        assertEquals(CLS_P, r.row("classifier/pooler").compressedParameters());
        assertEquals(CLS_MACS, r.row("classifier/pooler").denseMacs());
        assertNull(r.row("other"));

        long dense = FC1_DENSE_P + FC2_P + EMB_P + NORM_P + CLS_P;
        long compressed = compressedAdapterParams + FC2_P + EMB_P + NORM_P + CLS_P;
        assertEquals(dense, r.total().denseParameters());
        assertEquals(compressed, r.total().compressedParameters());
        assertEquals(1.0 - (double) compressed / dense, r.total().parameterCompression(), 1e-15);
        long denseMacs = FC1_DENSE_MACS + FC2_MACS + CLS_MACS;
        long compressedMacs = FC1_COMPRESSED_MACS + FC2_MACS + CLS_MACS;
        assertEquals(1.0 - (double) compressedMacs / denseMacs, r.total().macCompression(), 1e-15);
        // adapted layer only: 1 - 24,207,360 / 464,781,312 = 1 - 32*3840/(768*3072) = 0.947916...
        assertEquals(1.0 - 32.0 * 3840 / (768 * 3072), r.adapted().macCompression(), 1e-15);
        assertEquals(1.0 - (double) compressedAdapterParams / FC1_DENSE_P, r.adapted().parameterCompression(), 1e-15);
        assertEquals(1, r.adaptedSlots());
        assertEquals(197, r.tokens());
    }

    @Test
    void plannedAdaptedAndCompressedAgreeWithHandCounts() {
        TinyClassifierModel m = model();
        assertFc1Rank32(Accounting.planned(m, ".*fc1", 32, true), FC1_COMPRESSED_P);
        assertFc1Rank32(Accounting.planned(m, ".*fc1", 32, false), FC1_COMPRESSED_P - 3072);

        Adapters.apply(m, new PcLoraAdapterFactory(),
                new AdapterSpec(32, 32, AdapterSpec.BiasPolicy.ADAPTER, AdapterSpec.InitPolicy.KAIMING_UNIFORM, 1), ".*fc1");
        assertFc1Rank32(Accounting.of(m), FC1_COMPRESSED_P);
        Adapters.setLambda(m, 0);
        Adapters.compress(m);
        assertFc1Rank32(Accounting.of(m), FC1_COMPRESSED_P);
    }

    @Test
    void denseModelHasNoCompression() {
        Accounting.Report r = Accounting.of(model());
        assertNull(r.row(Accounting.ADAPTED));
        assertEquals(0.0, r.total().parameterCompression());
        assertEquals(0.0, r.total().macCompression());
        assertEquals(FC1_DENSE_MACS + FC2_MACS + CLS_MACS, r.total().denseMacs());
    }

    @Test
    void kindsFromNames() {
        assertEquals("layernorm", Accounting.kindOf("bert.embeddings.LayerNorm.weight"));
        assertEquals("layernorm", Accounting.kindOf("vit.encoder.layer.3.layernorm_before.bias"));
        assertEquals("embeddings", Accounting.kindOf("bert.embeddings.word_embeddings.weight"));
        assertEquals("embeddings", Accounting.kindOf("vit.embeddings.cls_token"));
        assertEquals("embeddings", Accounting.kindOf("patch_embedding"));
        assertEquals("classifier/pooler", Accounting.kindOf("bert.pooler.dense.weight"));
        assertEquals("classifier/pooler", Accounting.kindOf("classifier.bias"));
        assertEquals("other", Accounting.kindOf("attention_scores"));
    }

    @Test
    void tableShowsEveryRowAndTheRule() {
        String t = Accounting.planned(model(), ".*fc1", 32, true).table();
        assertTrue(t.contains("464,781,312") && t.contains("24,207,360"), t);
        assertTrue(t.contains("adapted layers only") && t.contains("total") && t.contains("counting rule:"), t);
        assertTrue(t.contains("94.79%"), t); // adapted MAC compression 1 - 3840*32/(768*3072)
    }
}
