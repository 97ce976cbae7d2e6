package org.pclora.bert.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.PcLoraException;

/**
 * The tiny bundle written byte by byte by make_tf_bundle_fixture.py (26 variables over 2 shards,
 * 4-entry data blocks with restart interval 3): float tensor k in key order holds k*100 + j at
 * flat index j; module/global_step is int64. Corrupted copies must fail naming the file.
 */
class TensorBundleTest {
    @TempDir
    Path tmp;

    static Path tiny() throws Exception {
        return Path.of(TensorBundleTest.class.getResource("tiny/variables.index").toURI()).getParent();
    }

    @Test
    void readsEveryTensorWithItsValues() throws Exception {
        TensorBundle b = TensorBundle.open(tiny());
        assertEquals(2, b.numShards());
        assertEquals(26, b.entries().size());
        TensorBundle.Entry step = b.entries().get("module/global_step");
        assertEquals(TensorBundle.DT_INT64, step.dtype());
        assertEquals(0, step.shape().length);
        assertArrayEquals(new long[] {8, 4}, b.entries().get("module/bert/embeddings/word_embeddings").shape());
        assertArrayEquals(new long[] {4, 8},
                b.entries().get("module/bert/encoder/layer_0/intermediate/dense/kernel").shape());
        int k = 0;
        for (TensorBundle.Entry e : b.entries().values()) {
            if (e.dtype() != TensorBundle.DT_FLOAT) {
                continue;
            }
            assertEquals(k % 2, e.shard(), e.name());
            INDArray t = b.readFloat(e.name());
            assertArrayEquals(e.shape(), t.shape(), e.name());
            float[] v = t.data().asFloat();
            for (int j = 0; j < v.length; j++) {
                assertEquals(k * 100 + j, v[j], 0.0, e.name());
            }
            k++;
        }
        assertEquals(25, k);
        assertEquals(12345L, b.bytes(step).getLong());
        assertThrows(PcLoraException.class, () -> b.readFloat("module/global_step"));
        assertThrows(PcLoraException.class, () -> b.readFloat("nope"));
    }

    @Test
    void locationsAccepted() throws Exception {
        assertEquals(26, TensorBundle.open(tiny().resolve("variables")).entries().size());
        assertEquals(26, TensorBundle.open(tiny().resolve("variables.index")).entries().size());
        Path saved = tmp.resolve("saved");
        copyTo(saved.resolve("variables"));
        assertEquals(26, TensorBundle.open(saved).entries().size());
        PcLoraException e = assertThrows(PcLoraException.class, () -> TensorBundle.open(tmp.resolve("none")));
        assertTrue(e.getMessage().contains("none"), e.getMessage());
    }

    @Test
    void namesMapToHfLayout() throws Exception {
        assertEquals("bert.encoder.layer.11.attention.self.query.weight",
                TfBertNames.map("bert/encoder/layer_11/attention/self/query/kernel").hfName());
        assertEquals("bert.encoder.layer.0.output.LayerNorm.bias",
                TfBertNames.map("module/bert/encoder/layer_0/output/LayerNorm/beta").hfName());
        assertEquals("bert.embeddings.LayerNorm.weight", TfBertNames.map("bert/embeddings/LayerNorm/gamma").hfName());
        assertEquals("bert.embeddings.token_type_embeddings.weight",
                TfBertNames.map("bert/embeddings/token_type_embeddings").hfName());
        assertEquals("bert.pooler.dense.weight", TfBertNames.map("bert/pooler/dense/kernel").hfName());
        assertEquals("classifier.weight", TfBertNames.map("output_weights").hfName());
        assertEquals(TfBertNames.Role.UNUSED_HEAD, TfBertNames.map("cls/predictions/transform/dense/kernel").role());
        assertEquals(TfBertNames.Role.TRAINING_STATE,
                TfBertNames.map("bert/encoder/layer_0/output/dense/kernel/adam_m").role());
        assertNull(TfBertNames.map("some/other/var").hfName());

        TensorBundle b = TensorBundle.open(tiny());
        TfBertNames.Converted c = TfBertNames.convert(b);
        assertEquals(23, c.weights().size());
        assertEquals(Set.of("cls.predictions.bias", "cls.predictions.transform.LayerNorm.weight"),
                c.unusedHeads().keySet());
        assertEquals(List.of("module/global_step"), c.skipped());
        assertTrue(c.unknown().isEmpty());
        // Kernel [in, out] -> weight [out, in].
        INDArray kernel = b.readFloat("module/bert/encoder/layer_0/intermediate/dense/kernel");
        INDArray w = c.weights().get("bert.encoder.layer.0.intermediate.dense.weight");
        assertArrayEquals(new long[] {8, 4}, w.shape());
        for (int o = 0; o < 8; o++) {
            for (int i = 0; i < 4; i++) {
                assertEquals(kernel.getFloat(i, o), w.getFloat(o, i), 0.0);
            }
        }
        assertEquals(b.readFloat("module/bert/embeddings/LayerNorm/gamma"), c.weights().get("bert.embeddings.LayerNorm.weight"));
    }

    private Path copyTo(Path dir) throws Exception {
        Files.createDirectories(dir);
        try (var s = Files.list(tiny())) {
            for (Path p : s.toList()) {
                Files.copy(p, dir.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    private static void assertNames(PcLoraException e, Path file) {
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void damagedIndexFilesAreRejected() throws Exception {
        Path dir = copyTo(tmp.resolve("c"));
        Path idx = dir.resolve("variables.index");
        byte[] good = Files.readAllBytes(idx);
        List<byte[]> variants = new ArrayList<>();
        variants.add(java.util.Arrays.copyOf(good, good.length - 10)); // truncated: no magic
        variants.add(java.util.Arrays.copyOf(good, 20)); // shorter than the footer
        byte[] flipped = good.clone();
        flipped[10] ^= 0x40; // inside the first data block: CRC mismatch
        variants.add(flipped);
        byte[] garbage = new byte[200];
        new java.util.Random(1).nextBytes(garbage);
        variants.add(garbage);
        byte[] badHandle = good.clone();
        // Index handle offset points past the end (first footer byte = metaindex offset varint).
        int footer = good.length - 48;
        badHandle[footer] = 0x7f;
        badHandle[footer + 1] = 0x7f;
        badHandle[footer + 2] = 0x7f;
        badHandle[footer + 3] = 0x7f;
        variants.add(badHandle);
        for (byte[] v : variants) {
            Files.write(idx, v);
            PcLoraException e = assertThrows(PcLoraException.class, () -> TensorBundle.open(dir));
            assertNames(e, idx);
        }
    }

    @Test
    void damagedDataFilesAreRejected() throws Exception {
        Path dir = copyTo(tmp.resolve("d"));
        TensorBundle b = TensorBundle.open(dir);
        String name = "module/bert/embeddings/word_embeddings";
        TensorBundle.Entry e = b.entries().get(name);
        Path shard = b.shardFile(e.shard());
        byte[] good = Files.readAllBytes(shard);
        byte[] flipped = good.clone();
        flipped[(int) e.offset() + 5] ^= 1;
        Files.write(shard, flipped);
        PcLoraException ex = assertThrows(PcLoraException.class, () -> b.readFloat(name));
        assertNames(ex, shard);
        assertTrue(ex.getMessage().contains("CRC32C"), ex.getMessage());
        Files.write(shard, java.util.Arrays.copyOf(good, (int) e.offset() + 3));
        ex = assertThrows(PcLoraException.class, () -> b.readFloat(name));
        assertNames(ex, shard);
        Files.delete(shard);
        ex = assertThrows(PcLoraException.class, () -> b.readFloat(name));
        assertNames(ex, shard);
    }
}
