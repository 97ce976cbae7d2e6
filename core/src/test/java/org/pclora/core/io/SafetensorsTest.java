package org.pclora.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SafetensorsTest {
    @TempDir
    Path dir;

    /** A file made by hand: declared header length, header text, then data bytes. */
    private Path raw(String fileName, long declaredLength, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(h).put(data);
        Path p = dir.resolve(fileName);
        Files.write(p, b.array());
        return p;
    }

    private Path raw(String fileName, String header, byte[] data) throws IOException {
        return raw(fileName, header.getBytes(StandardCharsets.UTF_8).length, header, data);
    }

    private static byte[] shortsLe(int... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    private static byte[] floatsLe(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    @Test
    void roundTripKeepsValuesShapesOrderAndMetadata() {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("z.weight", Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, 'c'));
        t.put("a.bias", Nd4j.create(new double[] {0.5, -1.25, 3}, new long[] {3}, DataType.DOUBLE)); // written as F32
        t.put("m.view", Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, 'c').getRow(1)); // a view
        t.put("m.fortran", Nd4j.create(new float[] {1, 2, 3, 4}, new long[] {2, 2}, 'f'));
        t.put("scalar", Nd4j.scalar(7.5f));
        t.put("empty", Nd4j.create(DataType.FLOAT, 0, 4));
        t.put("ids", Nd4j.create(new long[] {0, 1, 511}, new long[] {3}, DataType.INT64));
        Map<String, String> meta = Map.of("pclora.architecture", "{\"family\":\"vit\"}", "format", "pt");
        Path p = dir.resolve("model.safetensors");
        Safetensors.write(p, t, meta);

        SafetensorsFile f = Safetensors.read(p);
        assertEquals(List.of("z.weight", "a.bias", "m.view", "m.fortran", "scalar", "empty", "ids"),
                List.copyOf(f.tensors().keySet()));
        assertEquals(meta, f.metadata());
        assertArrayEquals(new long[] {2, 3}, f.tensors().get("z.weight").shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, f.tensors().get("z.weight").ravel().toFloatVector());
        assertEquals(DataType.FLOAT, f.tensors().get("a.bias").dataType());
        assertArrayEquals(new float[] {0.5f, -1.25f, 3}, f.tensors().get("a.bias").toFloatVector());
        assertArrayEquals(new float[] {4, 5, 6}, f.tensors().get("m.view").toFloatVector());
        // f-order [[1,3],[2,4]] comes back c-order with the same logical values
        assertArrayEquals(new float[] {1, 3, 2, 4}, f.tensors().get("m.fortran").ravel().toFloatVector());
        assertEquals(0, f.tensors().get("scalar").rank());
        assertEquals(7.5f, f.tensors().get("scalar").getFloat(0));
        assertArrayEquals(new long[] {0, 4}, f.tensors().get("empty").shape());
        assertEquals(DataType.INT64, f.tensors().get("ids").dataType());
        assertArrayEquals(new long[] {0, 1, 511}, f.tensors().get("ids").toLongVector());
        assertEquals(meta, Safetensors.readMetadata(p));
    }

    @Test
    void writtenBytesFollowTheFormat() throws IOException {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("w", Nd4j.create(new float[] {1, -2}, new long[] {2}, 'c'));
        Path p = dir.resolve("w.safetensors");
        Safetensors.write(p, t, Map.of("k", "v"));
        byte[] bytes = Files.readAllBytes(p);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong(0);
        assertEquals(0, n % 8, "data section 8-byte aligned");
        assertEquals(8 + n + 8, bytes.length);
        JsonNode h = new ObjectMapper().readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8).trim());
        assertEquals("F32", h.get("w").get("dtype").asText());
        assertEquals("[2]", h.get("w").get("shape").toString());
        assertEquals("[0,8]", h.get("w").get("data_offsets").toString());
        assertEquals("v", h.get("__metadata__").get("k").asText());
        // 1.0f = 0x3F800000, -2.0f = 0xC0000000, little-endian
        assertEquals(0x3F800000, b.getInt((int) (8 + n)));
        assertEquals(0xC0000000, b.getInt((int) (8 + n + 4)));
    }

    @Test
    void decodesF16AndBf16() throws IOException {
        // F16: 0x3C00 = 1, 0xC000 = -2, 0x7BFF = 65504 (largest), 0x0001 = 2^-24 (smallest subnormal),
        //      0x3555 = 2^-2 * (1 + 341/1024) = 0.333251953125, 0x8000 = -0, 0x7C00 = +inf
        // BF16: 0x3F80 = 1, 0xC040 = -3, 0x4049 = 3.140625 (0x40490000)
        byte[] f16 = shortsLe(0x3C00, 0xC000, 0x7BFF, 0x0001, 0x3555, 0x8000, 0x7C00);
        byte[] bf16 = shortsLe(0x3F80, 0xC040, 0x4049);
        byte[] data = new byte[f16.length + bf16.length];
        System.arraycopy(f16, 0, data, 0, f16.length);
        System.arraycopy(bf16, 0, data, f16.length, bf16.length);
        Path p = raw("half.safetensors", "{\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[14,20]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[7],\"data_offsets\":[0,14]}}", data);
        SafetensorsFile f = Safetensors.read(p);
        assertEquals(List.of("h", "b"), List.copyOf(f.tensors().keySet()), "file order, not header order");
        float[] h = f.tensors().get("h").toFloatVector();
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, 0.333251953125f, -0f, Float.POSITIVE_INFINITY}, h);
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(h[5]));
        assertArrayEquals(new float[] {1f, -3f, 3.140625f}, f.tensors().get("b").toFloatVector());
        assertEquals(DataType.FLOAT, f.tensors().get("h").dataType());
        assertTrue(Float.isNaN(Safetensors.halfToFloat((short) 0x7E00)));
    }

    @Test
    void decodesF64AsFloat32() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1).putDouble(-3);
        Path p = raw("d.safetensors", "{\"d\":{\"dtype\":\"F64\",\"shape\":[2,1],\"data_offsets\":[0,16]}}", b.array());
        INDArray d = Safetensors.read(p).tensors().get("d");
        assertArrayEquals(new long[] {2, 1}, d.shape());
        assertArrayEquals(new float[] {0.1f, -3f}, d.ravel().toFloatVector());
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
        Path p = dir.resolve("ckpt.safetensors");
        Safetensors.write(p, Map.of("a", Nd4j.ones(DataType.FLOAT, 3)), Map.of());
        Safetensors.write(p, Map.of("a", Nd4j.zeros(DataType.FLOAT, 5)), Map.of());
        assertArrayEquals(new float[5], Safetensors.read(p).tensors().get("a").toFloatVector());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(p), s.toList());
        }
        // a missing directory is created; a path below a regular file cannot be written
        Safetensors.write(dir.resolve("new/dir/y.safetensors"), Map.of("a", Nd4j.ones(3)), Map.of());
        assertTrue(Files.isRegularFile(dir.resolve("new/dir/y.safetensors")));
        Path underFile = p.resolve("x.safetensors");
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> Safetensors.write(underFile, Map.of("a", Nd4j.ones(3)), Map.of()));
        assertTrue(e.getMessage().contains(underFile.toString()), e.getMessage());
    }

    private void assertRejected(Path p, String tensor, String... fragments) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.read(p));
        String m = e.getMessage();
        assertTrue(m.contains(p.toString()), "names the file: " + m);
        if (tensor != null) {
            assertTrue(m.contains("'" + tensor + "'"), "names the tensor: " + m);
        }
        for (String f : fragments) {
            assertTrue(m.contains(f), "says '" + f + "': " + m);
        }
        assertFalse(m.contains("\n"), "one line: " + m);
    }

    private static final String GOOD = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    @Test
    void rejectsTruncatedFiles() throws IOException {
        // a valid 2-float tensor cut after its first float
        assertRejected(raw("trunc.safetensors", GOOD, floatsLe(1f)), "w", "past the data section of 4 bytes");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 0, 0});
        assertRejected(tiny, null, "3 bytes long");
    }

    @Test
    void rejectsHeaderLengthsLargerThanTheFileOrAbsurd() throws IOException {
        assertRejected(raw("long.safetensors", 4096, GOOD, floatsLe(1f, 2f)), null, "header length 4096", "larger than");
        assertRejected(raw("absurd.safetensors", 1L << 62, GOOD, floatsLe(1f, 2f)), null, "4611686018427387904",
                "exceeds the limit");
        assertRejected(raw("unsigned.safetensors", -1L, GOOD, floatsLe(1f, 2f)), null, "18446744073709551615");
        assertRejected(raw("zero.safetensors", 0, "", new byte[0]), null, "too short");
    }

    @Test
    void rejectsHeadersThatAreNotJsonObjects() throws IOException {
        assertRejected(raw("json.safetensors", "{\"w\":{\"dtype\":\"F32\",", floatsLe(1f, 2f)), null, "not valid JSON");
        assertRejected(raw("array.safetensors", "[1,2]", new byte[0]), null, "JSON array");
        assertRejected(raw("trailing.safetensors", "{} {}", new byte[0]), null, "not valid JSON");
        assertRejected(raw("entry.safetensors", "{\"w\":[1]}", new byte[0]), "w", "not a JSON object");
        assertRejected(raw("meta.safetensors", "{\"__metadata__\":{\"k\":1}}", new byte[0]), null, "'k'", "expected a string");
        assertRejected(raw("dup.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", floatsLe(1f, 2f)), null, "Duplicate", "'w'");
    }

    @Test
    void rejectsOffsetsOutOfRange() throws IOException {
        assertRejected(raw("range.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
                floatsLe(1f, 2f)), "w", "[8, 16]", "past the data section of 8 bytes");
        assertRejected(raw("reversed.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}",
                floatsLe(1f, 2f)), "w", "begin <= end");
        assertRejected(raw("neg.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}",
                floatsLe(1f, 2f)), "w", "data_offsets");
        assertRejected(raw("nooffsets.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}",
                floatsLe(1f, 2f)), "w", "data_offsets is missing");
    }

    @Test
    void rejectsOverlapsHolesAndTrailingBytes() throws IOException {
        assertRejected(raw("overlap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", floatsLe(1, 2, 3)), "b", "overlap tensor 'a'");
        assertRejected(raw("hole.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", floatsLe(1, 2, 3)), "b", "[4, 8)", "no holes");
        assertRejected(raw("tail.safetensors", GOOD, floatsLe(1, 2, 3)), null, "[8, 12)", "no trailing bytes");
    }

    @Test
    void rejectsByteCountsThatDisagreeWithTheShape() throws IOException {
        assertRejected(raw("count.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                floatsLe(1f, 2f)), "w", "needs 12 bytes", "hold 8");
        assertRejected(raw("f16count.safetensors", "{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                floatsLe(1f, 2f)), "w", "needs 4 bytes");
        assertRejected(raw("overflow.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],"
                + "\"data_offsets\":[0,8]}}", floatsLe(1f, 2f)), "w", "64-bit");
    }

    @Test
    void rejectsUnknownDtypesAndBadShapes() throws IOException {
        assertRejected(raw("dtype.safetensors", "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]}}",
                floatsLe(1f, 2f)), "w", "unsupported dtype 'F8_E4M3'", "F32");
        assertRejected(raw("nodtype.safetensors", "{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}",
                floatsLe(1f, 2f)), "w", "dtype");
        assertRejected(raw("negshape.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",
                floatsLe(1f, 2f)), "w", "shape", "non-negative");
        assertRejected(raw("floatshape.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}",
                floatsLe(1f, 2f)), "w", "shape");
    }

    @Test
    void rejectsMissingFiles() {
        assertRejected(dir.resolve("none.safetensors"), null, "no such file");
    }

    @Test
    void mutatedFilesLoadOrFailWithTheLoadersOwnError() throws IOException {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("enc.weight", Nd4j.rand(DataType.FLOAT, 3, 4));
        t.put("enc.bias", Nd4j.rand(DataType.FLOAT, 3));
        Path good = dir.resolve("good.safetensors");
        Safetensors.write(good, t, Map.of("k", "v"));
        byte[] original = Files.readAllBytes(good);
        SplittableRandom rng = new SplittableRandom(42);
        int loaded = 0;
        int rejected = 0;
        Path p = dir.resolve("mutant.safetensors");
        for (int i = 0; i < 1000; i++) {
            byte[] m = original.clone();
            switch (i % 4) {
                case 0 -> { // bit flips
                    for (int k = 0; k <= rng.nextInt(3); k++) {
                        int at = rng.nextInt(m.length);
                        m[at] ^= (byte) (1 << rng.nextInt(8));
                    }
                }
                case 1 -> m = java.util.Arrays.copyOf(m, rng.nextInt(m.length)); // truncation
                case 2 -> { // extreme length field
                    long[] extremes = {0, 1, 7, m.length - 8, m.length, Long.MAX_VALUE, Long.MIN_VALUE, -1, 1L << 31};
                    ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putLong(0, extremes[rng.nextInt(extremes.length)]);
                }
                default -> { // random bytes inside the header
                    int n = (int) ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
                    m[8 + rng.nextInt(n)] = (byte) "0123456789-[]{},:\"e ".charAt(rng.nextInt(20));
                }
            }
            Files.write(p, m);
            try {
                Safetensors.read(p);
                loaded++;
            } catch (SafetensorsException e) {
                rejected++;
            }
        }
        assertEquals(1000, loaded + rejected);
        System.out.println("safetensors fuzz: 1000 mutants, " + loaded + " loaded, " + rejected + " rejected with SafetensorsException");
        assertTrue(rejected > 300, "most mutants are malformed: " + rejected);
    }
}
