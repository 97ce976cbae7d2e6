package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.io.Npy;

/** infer on the torch-made tiny ViT fixture of models-vit (HF layout with config.json). */
class InferCommandTest {
    private static final Path FIXTURE = Path.of("..", "models-vit", "src", "test", "resources", "fixtures", "vit_tiny");

    private static int run(Path wd, StringWriter err, String... args) {
        return PcLoraCli.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err), Map.of(), wd);
    }

    @Test
    void logitsAndHiddenMatchTheTorchFixture(@TempDir Path dir) throws Exception {
        for (String f : new String[] {"model.safetensors", "config.json"}) {
            Files.copy(FIXTURE.resolve(f), dir.resolve(f));
        }
        StringWriter err = new StringWriter();
        int status = run(dir, err, "infer", "checkpoint=model.safetensors", "input=" + FIXTURE.toAbsolutePath().resolve("input.npy"),
                "output=logits.npy", "hidden=hidden.npy");
        assertEquals(0, status, err.toString());
        INDArray expected = Npy.read(FIXTURE.resolve("logits.npy"));
        INDArray got = Npy.read(dir.resolve("logits.npy"));
        assertTrue(expected.castTo(got.dataType()).equalsWithEps(got, 1e-4), got + " vs " + expected);
        INDArray hidden = Npy.read(FIXTURE.resolve("hidden.npy"));
        assertTrue(hidden.castTo(got.dataType()).equalsWithEps(Npy.read(dir.resolve("hidden.npy")), 1e-4));
    }

    @Test
    void wrongInputShapeIsOneLineAndWritesNothing(@TempDir Path dir) throws Exception {
        for (String f : new String[] {"model.safetensors", "config.json"}) {
            Files.copy(FIXTURE.resolve(f), dir.resolve(f));
        }
        Npy.write(dir.resolve("x.npy"), Nd4j.zeros(2, 3, 5, 5).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        StringWriter err = new StringWriter();
        int status = run(dir, err, "infer", "checkpoint=model.safetensors", "input=x.npy", "output=out.npy");
        assertEquals(PcLoraCli.USER_ERROR, status);
        assertTrue(err.toString().contains("needs float32 [B, 3, 8, 8]"), err.toString());
        assertEquals(1, err.toString().strip().lines().count());
        assertFalse(Files.exists(dir.resolve("out.npy")));
        // wrong rank and wrong dtype get the same one-line answer
        Npy.write(dir.resolve("r3.npy"), Nd4j.zeros(3, 8, 8).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        Npy.write(dir.resolve("f64.npy"), Nd4j.zeros(1, 3, 8, 8).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
        for (String x : new String[] {"r3.npy", "f64.npy"}) {
            StringWriter e2 = new StringWriter();
            assertEquals(PcLoraCli.USER_ERROR, run(dir, e2, "infer", "checkpoint=model.safetensors", "input=" + x, "output=out.npy"));
            assertTrue(e2.toString().contains("needs float32 [B, 3, 8, 8]"), e2.toString());
        }
        assertFalse(Files.exists(dir.resolve("out.npy")));
    }

    @Test
    void bertLogitsAndHiddenMatchTheTorchFixture(@TempDir Path dir) throws Exception {
        Path bert = Path.of("..", "models-bert", "src", "test", "resources", "org", "pclora", "bert", "fixture");
        for (String f : new String[] {"model.safetensors", "config.json"}) {
            Files.copy(bert.resolve(f), dir.resolve(f));
        }
        Map<String, INDArray> expected = org.pclora.core.io.Safetensors.read(bert.resolve("expected.safetensors")).tensors();
        Npy.write(dir.resolve("ids.npy"), expected.get("input_ids"));
        Npy.write(dir.resolve("mask.npy"), expected.get("attention_mask"));
        Npy.write(dir.resolve("types.npy"), expected.get("token_type_ids"));
        StringWriter err = new StringWriter();
        int status = run(dir, err, "infer", "checkpoint=model.safetensors", "input=ids.npy", "mask=mask.npy",
                "types=types.npy", "output=logits.npy", "hidden=hidden.npy");
        assertEquals(0, status, err.toString());
        INDArray logits = Npy.read(dir.resolve("logits.npy"));
        assertTrue(expected.get("logits").castTo(logits.dataType()).equalsWithEps(logits, 1e-4), logits.toString());
        INDArray hidden = Npy.read(dir.resolve("hidden.npy"));
        // hidden = the last encoder layer's output; padded positions are compared too (HF computes them alike)
        assertTrue(expected.get("hidden.1").castTo(hidden.dataType()).equalsWithEps(hidden, 1e-4));
    }

    @Test
    void aTfBundleDirectoryLoadsThroughTheSameChain(@TempDir Path dir) throws Exception {
        Path tf = Path.of("..", "models-bert", "src", "test", "resources", "org", "pclora", "bert", "tf", "tiny");
        Files.createDirectories(dir.resolve("conf/model"));
        Files.writeString(dir.resolve("conf/model/tiny-tf.conf"), "family = bert\narch = custom\ndepth = 1\nwidth = 4\n"
                + "heads = 2\nmlp = 8\nvocab_size = 8\nmax_positions = 6\nnum_classes = 2\n");
        Npy.write(dir.resolve("ids.npy"), Nd4j.createFromArray(new int[][] {{1, 2, 3}, {4, 5, 0}}));
        StringWriter err = new StringWriter();
        int status = run(dir, err, "infer", "checkpoint=" + tf.toAbsolutePath(), "model=tiny-tf", "input=ids.npy",
                "output=logits.npy", "hidden=hidden.npy");
        assertEquals(0, status, err.toString());
        assertEquals(java.util.List.of(2L, 2L), java.util.Arrays.stream(Npy.read(dir.resolve("logits.npy")).shape())
                .boxed().toList());
        assertEquals(java.util.List.of(2L, 3L, 4L), java.util.Arrays.stream(Npy.read(dir.resolve("hidden.npy")).shape())
                .boxed().toList());
    }

    @Test
    void whatIsNoCheckpointIsSaidInOneLine(@TempDir Path dir) throws Exception {
        Npy.write(dir.resolve("x.npy"), Nd4j.zeros(1, 3, 8, 8).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        Files.write(dir.resolve("short.bin"), new byte[] {1, 2, 3});
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(dir.resolve("archive.zip")))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
            zip.write("not a model".getBytes());
        }
        Files.createDirectories(dir.resolve("empty"));
        Map<String, String> expected = Map.of("short.bin", "too short (3 bytes)", "archive.zip", "zip/jar archive",
                "empty", "is a directory", "missing.safetensors", "does not exist", "x.npy", ".npy array");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            StringWriter err = new StringWriter();
            int status = run(dir, err, "infer", "checkpoint=" + e.getKey(), "input=x.npy", "output=out.npy");
            assertEquals(PcLoraCli.USER_ERROR, status, err.toString());
            assertTrue(err.toString().contains(e.getValue()), err.toString());
            assertEquals(1, err.toString().strip().lines().count(), err.toString());
        }
        assertFalse(Files.exists(dir.resolve("out.npy")));
    }

    /** An .npy file of float32 [0, 3, 8, 8]: a valid header and no data. */
    private static void writeEmptyBatch(Path f) throws Exception {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3, 8, 8), }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) (header.length() & 0xff), (byte) (header.length() >> 8)});
        b.write(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Files.write(f, b.toByteArray());
    }

    @Test
    void anEmptyBatchIsRefusedInOneLine(@TempDir Path dir) throws Exception {
        for (String f : new String[] {"model.safetensors", "config.json"}) {
            Files.copy(FIXTURE.resolve(f), dir.resolve(f));
        }
        writeEmptyBatch(dir.resolve("empty.npy"));
        StringWriter err = new StringWriter();
        assertEquals(PcLoraCli.USER_ERROR, run(dir, err, "infer", "checkpoint=model.safetensors", "input=empty.npy",
                "output=out.npy"));
        assertEquals("infer input " + dir.resolve("empty.npy") + " holds no examples (shape [0, 3, 8, 8]): give a batch of"
                + " at least one", err.toString().strip());
        assertFalse(Files.exists(dir.resolve("out.npy")));
    }

    @Test
    void anOutputThatIsTheInputIsRefusedHoweverSpelledAndTheInputKept(@TempDir Path dir) throws Exception {
        for (String f : new String[] {"model.safetensors", "config.json"}) {
            Files.copy(FIXTURE.resolve(f), dir.resolve(f));
        }
        Files.copy(FIXTURE.resolve("input.npy"), dir.resolve("x.npy"));
        Files.createDirectories(dir.resolve("sub"));
        Files.createSymbolicLink(dir.resolve("link.npy"), dir.resolve("x.npy"));
        byte[] before = Files.readAllBytes(dir.resolve("x.npy"));
        for (String out : new String[] {"x.npy", "./x.npy", "sub/../x.npy", dir.resolve("x.npy").toString(), "link.npy"}) {
            StringWriter err = new StringWriter();
            assertEquals(PcLoraCli.USER_ERROR, run(dir, err, "infer", "checkpoint=model.safetensors", "input=x.npy",
                    "output=" + out), out);
            assertTrue(err.toString().contains("is the input"), err.toString());
            assertEquals(1, err.toString().strip().lines().count(), err.toString());
        }
        StringWriter err = new StringWriter();
        assertEquals(PcLoraCli.USER_ERROR, run(dir, err, "infer", "checkpoint=model.safetensors", "input=x.npy",
                "output=y.npy", "hidden=./y.npy"));
        assertTrue(err.toString().contains("are the same file"), err.toString());
        err = new StringWriter();
        assertEquals(PcLoraCli.USER_ERROR, run(dir, err, "infer", "checkpoint=model.safetensors", "input=x.npy",
                "output=model.safetensors"));
        assertTrue(err.toString().contains("is the input"), err.toString());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(dir.resolve("x.npy"))));
        assertFalse(Files.exists(dir.resolve("y.npy")));
    }

    @Test
    void aCheckpointThatIsADirectoryIsNamedSo(@TempDir Path dir) throws Exception {
        Files.copy(FIXTURE.resolve("input.npy"), dir.resolve("x.npy"));
        Files.createDirectories(dir.resolve("ckpt"));
        StringWriter err = new StringWriter();
        assertEquals(PcLoraCli.USER_ERROR, run(dir, err, "infer", "checkpoint=ckpt", "input=x.npy", "output=y.npy"));
        // One line from the checkpoint chain, saying what the location is and what is accepted.
        assertTrue(err.toString().strip().startsWith("infer checkpoint " + dir.resolve("ckpt") + " is a directory"),
                err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }

    @Test
    void anExportsProvenanceIsShown(@TempDir Path dir) throws Exception {
        org.pclora.core.model.ClassifierModel m = org.pclora.core.registry.PluginRegistry.load().modelFamily("vit")
                .load(FIXTURE.resolve("model.safetensors"), null, true);
        org.pclora.core.provenance.Provenance p = new org.pclora.core.provenance.Provenance(
                new org.pclora.core.provenance.CodeVersion("abc123", true, "f00d"), 7,
                java.util.List.of(new org.pclora.core.provenance.Provenance.PluginVersion("model", "vit", "0.1.0")),
                "{}", Map.of("/data/train.idx", "12ab"), "beef", Map.of());
        org.pclora.core.io.StateDict.save(dir.resolve("export.safetensors"), m, p.toJson());
        StringWriter err = new StringWriter();
        int status = PcLoraCli.run(new String[] {"infer", "checkpoint=export.safetensors",
                "input=" + FIXTURE.toAbsolutePath().resolve("input.npy"), "output=logits.npy"},
                new PrintWriter(new StringWriter()), new PrintWriter(err), Map.of(), dir);
        assertEquals(0, status, err.toString());
        assertTrue(err.toString().contains("made by pclora abc123-dirty, seed 7, plugins {model/vit=0.1.0},"
                + " 1 data file(s) hashed, teacher sha256 beef"), err.toString());
    }
}
