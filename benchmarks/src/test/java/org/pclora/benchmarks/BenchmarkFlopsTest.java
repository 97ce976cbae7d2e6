package org.pclora.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks' FLOP counts (core's {@code UsefulFlops} rule) for the benchmark shapes,
 * multiplied out separately (the products are exact in double: all are below 2^53).
 */
class BenchmarkFlopsTest {

    @Test
    void pcLoraLinearShapes() {
        // ViT-B fc1: 2 * 1576 * 768 * 3072
        Map<String, String> vitFc1 = Map.of("model", "vit-b", "out", "3072", "lambda", "0.5");
        assertEquals(7_436_500_992.0, PcLoraLinearBenchmark.flops("sgemmForward", vitFc1));
        // 4 * 1576 * 768 * 3072 + 6 * 1576 * 32 * 3840
        assertEquals(16_034_955_264.0, PcLoraLinearBenchmark.flops("pcLoraForwardBackward", vitFc1));
        assertEquals(1_161_953_280.0, PcLoraLinearBenchmark.flops("pcLoraForwardBackward",
                Map.of("model", "vit-b", "out", "3072", "lambda", "0")));
        assertEquals(22_309_502_976.0, PcLoraLinearBenchmark.flops("denseLinearForwardBackward", vitFc1));
        // BERT-base q/k/v/o: 1024 rows, 768 -> 768, lambda 0: 6 * 1024 * 32 * 1536
        assertEquals(301_989_888.0, PcLoraLinearBenchmark.flops("pcLoraForwardBackward",
                Map.of("model", "bert-base", "out", "768", "lambda", "0")));
        // 4 * 1024 * 768 * 768 + 301 989 888
        assertEquals(2_717_908_992.0, PcLoraLinearBenchmark.flops("pcLoraForwardBackward",
                Map.of("model", "bert-base", "out", "768", "lambda", "0.5")));
        assertTrue(Double.isNaN(PcLoraLinearBenchmark.flops("somethingElse", vitFc1)));
    }

    @Test
    void attentionShapes() {
        // ViT-B: product 2 * 8 * 197 * 197 * 768 = 476 884 992; projections 2 * 1576 * 768 * 768 = 1 859 125 248
        Map<String, String> vit = Map.of("model", "vit-b");
        assertEquals(1_859_125_248.0, AttentionBenchmark.flops("sgemmForward", vit));
        // 2 * 476 884 992 + 4 * 1 859 125 248
        assertEquals(8_390_270_976.0, AttentionBenchmark.flops("attentionForward", vit));
        // 6 * 476 884 992 + 8 * 1 859 125 248
        assertEquals(17_734_311_936.0, AttentionBenchmark.flops("attentionForwardBackward", vit));
        // BERT-base: product 2 * 8 * 128 * 128 * 768 = 201 326 592; projection 1 207 959 552
        Map<String, String> bert = Map.of("model", "bert-base");
        assertEquals(5_234_491_392.0, AttentionBenchmark.flops("attentionForward", bert));
        assertEquals(10_871_635_968.0, AttentionBenchmark.flops("attentionForwardBackward", bert));
    }

    @Test
    void blockShapes() {
        // ViT-B dense-frozen: 6 * 476 884 992 + 4 * 2 * 1 859 125 248 + 2 * 2 * 7 436 500 992
        assertEquals(47_480_315_904.0, BlockBenchmark.flops("blockForwardBackward",
                Map.of("model", "vit-b", "variant", "dense-frozen")));
        // + adapters 4 * 6*1576*32*1536 + 2 * 6*1576*32*3840 = 4 183 031 808
        assertEquals(51_663_347_712.0, BlockBenchmark.flops("blockForwardBackward",
                Map.of("model", "vit-b", "variant", "pclora-0.5")));
        // core 2 861 309 952 + adapters 4 183 031 808
        assertEquals(7_044_341_760.0, BlockBenchmark.flops("blockForwardBackward",
                Map.of("model", "vit-b", "variant", "pclora-0")));
        assertEquals(7_436_500_992.0, BlockBenchmark.flops("sgemmForward", Map.of("model", "vit-b")));
        // BERT-base: core 6 * 201 326 592 = 1 207 959 552; frozen linears 28 991 029 248; adapters 2 717 908 992
        assertEquals(30_198_988_800.0, BlockBenchmark.flops("blockForwardBackward",
                Map.of("model", "bert-base", "variant", "dense-frozen")));
        assertEquals(32_916_897_792.0, BlockBenchmark.flops("blockForwardBackward",
                Map.of("model", "bert-base", "variant", "pclora-0.5")));
        assertEquals(3_925_868_544.0, BlockBenchmark.flops("blockForwardBackward",
                Map.of("model", "bert-base", "variant", "pclora-0")));
    }

    @Test
    void unknownNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ModelSize.of("vit-l"));
        assertThrows(IllegalArgumentException.class, () -> BlockBenchmark.lambdaOf("lora-0.5"));
    }
}
