package org.pclora.vit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;

class IdxReaderTest {
    @TempDir
    Path dir;

    /** An IDX image file: magic 0x803, n, rows, cols, then the bytes. */
    static byte[] images(int magic, int n, int rows, int cols, byte[] pixels) {
        ByteBuffer b = ByteBuffer.allocate(16 + pixels.length);
        b.putInt(magic).putInt(n).putInt(rows).putInt(cols).put(pixels);
        return b.array();
    }

    static byte[] labels(int magic, int n, byte[] labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(magic).putInt(n).put(labels);
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(raw);
        }
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static final byte[] PIXELS = {0, 1, 2, 3, 4, 5, (byte) 200, (byte) 201, (byte) 202, (byte) 203, (byte) 254,
        (byte) 255};

    @Test
    void readsRawAndGzipFilesAlike() throws IOException {
        // Two 2x3 images; the second one's bytes are above 127 to check they are read unsigned.
        byte[] img = images(0x803, 2, 2, 3, PIXELS);
        byte[] lab = labels(0x801, 2, new byte[] {1, 0});
        for (boolean gz : new boolean[] {false, true}) {
            Path pi = write("img" + gz, gz ? gzip(img) : img);
            Path pl = write("lab" + gz, gz ? gzip(lab) : lab);
            RawImages r = IdxReader.read(pi, pl, List.of("a", "b"));
            assertEquals(2, r.size());
            assertEquals(1, r.channels());
            assertEquals(2, r.height(1));
            assertEquals(3, r.width(1));
            assertEquals(1, r.label(0));
            assertEquals(0, r.label(1));
            assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 5}, r.pixels(0));
            assertEquals(255, r.pixels(1)[5] & 0xff);
            assertEquals(List.of("a", "b"), r.classNames());
        }
    }

    @Test
    void namesClassesByNumberWhenNoneGiven() throws IOException {
        RawImages r = IdxReader.read(write("i", images(0x803, 2, 2, 3, PIXELS)),
                write("l", labels(0x801, 2, new byte[] {3, 0})), null);
        assertEquals(List.of("0", "1", "2", "3"), r.classNames());
    }

    @Test
    void rejectsWrongMagic() throws IOException {
        Path pl = write("l", labels(0x801, 2, new byte[] {0, 1}));
        Path swapped = write("i", labels(0x801, 2, new byte[] {0, 1}));
        PcLoraException e = assertThrows(PcLoraException.class, () -> IdxReader.read(swapped, pl, null));
        assertTrue(e.getMessage().contains(swapped.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("0x00000803"), e.getMessage());
        Path pi = write("i2", images(0x803, 2, 2, 3, PIXELS));
        Path badLabels = write("l2", labels(0x803, 2, new byte[] {0, 1}));
        e = assertThrows(PcLoraException.class, () -> IdxReader.read(pi, badLabels, null));
        assertTrue(e.getMessage().contains("0x00000801"), e.getMessage());
    }

    @Test
    void rejectsTruncatedAndMismatchedFiles() throws IOException {
        Path pl = write("l", labels(0x801, 2, new byte[] {0, 1}));
        byte[] full = images(0x803, 2, 2, 3, PIXELS);
        Path cut = write("cut", java.util.Arrays.copyOf(full, full.length - 1));
        PcLoraException e = assertThrows(PcLoraException.class, () -> IdxReader.read(cut, pl, null));
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("truncated"), e.getMessage());
        byte[] gz = gzip(full);
        Path cutGz = write("cut.gz", java.util.Arrays.copyOf(gz, gz.length / 2));
        assertThrows(PcLoraException.class, () -> IdxReader.read(cutGz, pl, null));
        Path threeLabels = write("l3", labels(0x801, 3, new byte[] {0, 1, 1}));
        e = assertThrows(PcLoraException.class, () -> IdxReader.read(write("i", full), threeLabels, null));
        assertTrue(e.getMessage().contains("3 labels"), e.getMessage());
        Path tiny = write("tiny", new byte[] {0, 0, 8});
        assertThrows(PcLoraException.class, () -> IdxReader.read(tiny, pl, null));
        PcLoraException missing = assertThrows(PcLoraException.class,
                () -> IdxReader.read(dir.resolve("nope"), pl, null));
        assertTrue(missing.getMessage().contains("nope"));
    }

    @Test
    void rejectsEmptySetAndLabelsOutOfRange() throws IOException {
        Path empty = write("e", images(0x803, 0, 2, 3, new byte[0]));
        Path noLabels = write("el", labels(0x801, 0, new byte[0]));
        PcLoraException e = assertThrows(PcLoraException.class, () -> IdxReader.read(empty, noLabels, null));
        assertTrue(e.getMessage().contains("no images"), e.getMessage());
        Path pi = write("i", images(0x803, 2, 2, 3, PIXELS));
        Path pl = write("l", labels(0x801, 2, new byte[] {0, 7}));
        e = assertThrows(PcLoraException.class, () -> IdxReader.read(pi, pl, List.of("a", "b", "c")));
        assertTrue(e.getMessage().contains("label 7") && e.getMessage().contains(pl.toString()), e.getMessage());
    }
}
