package org.pclora.vit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;

class CifarReaderTest {
    @TempDir
    Path dir;

    /** One record: label bytes, then pixel p of channel c = (seed + 3*p + c) mod 256 in planar order. */
    static byte[] record(int seed, int... labelBytes) {
        byte[] r = new byte[labelBytes.length + 3072];
        for (int i = 0; i < labelBytes.length; i++) {
            r[i] = (byte) labelBytes[i];
        }
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < 1024; p++) {
                r[labelBytes.length + c * 1024 + p] = (byte) (seed + 3 * p + c);
            }
        }
        return r;
    }

    private Path write(String name, byte[]... records) throws IOException {
        int n = 0;
        for (byte[] r : records) {
            n += r.length;
        }
        byte[] all = new byte[n];
        int o = 0;
        for (byte[] r : records) {
            System.arraycopy(r, 0, all, o, r.length);
            o += r.length;
        }
        Path p = dir.resolve(name);
        Files.write(p, all);
        return p;
    }

    private static List<String> names(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add("c" + i);
        }
        return l;
    }

    @Test
    void readsCifar10RecordsAcrossBatches() throws IOException {
        Path a = write("a.bin", record(0, 3), record(7, 9));
        Path b = write("b.bin", record(11, 0));
        RawImages r = CifarReader.read(List.of(a, b), CifarReader.Variant.CIFAR10, names(10));
        assertEquals(3, r.size());
        assertEquals(3, r.channels());
        assertEquals(32, r.height(0));
        assertEquals(3, r.label(0));
        assertEquals(9, r.label(1));
        assertEquals(0, r.label(2));
        // Image 1 (seed 7): green (c=1) pixel at row 2, column 5 -> p = 69 -> 7 + 207 + 1 = 215.
        assertEquals(215, r.pixels(1)[1024 + 2 * 32 + 5] & 0xff);
        assertEquals(11, r.pixels(2)[0] & 0xff);
    }

    @Test
    void readsCifar100FineAndCoarseLabels() throws IOException {
        Path f = write("train.bin", record(0, 19, 99), record(1, 4, 42));
        RawImages fine = CifarReader.read(List.of(f), CifarReader.Variant.CIFAR100_FINE, names(100));
        RawImages coarse = CifarReader.read(List.of(f), CifarReader.Variant.CIFAR100_COARSE, names(20));
        assertEquals(99, fine.label(0));
        assertEquals(42, fine.label(1));
        assertEquals(19, coarse.label(0));
        assertEquals(4, coarse.label(1));
        assertEquals(1, fine.pixels(1)[0] & 0xff);
    }

    @Test
    void rejectsTruncatedEmptyAndOutOfRange() throws IOException {
        byte[] rec = record(0, 1);
        Path cut = write("cut.bin", rec, java.util.Arrays.copyOf(rec, 100));
        PcLoraException e = assertThrows(PcLoraException.class,
                () -> CifarReader.read(List.of(cut), CifarReader.Variant.CIFAR10, names(10)));
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("3073"), e.getMessage());
        Path empty = write("empty.bin");
        e = assertThrows(PcLoraException.class,
                () -> CifarReader.read(List.of(empty), CifarReader.Variant.CIFAR10, names(10)));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        Path bad = write("bad.bin", record(0, 10));
        e = assertThrows(PcLoraException.class,
                () -> CifarReader.read(List.of(bad), CifarReader.Variant.CIFAR10, names(10)));
        assertTrue(e.getMessage().contains("label 10") && e.getMessage().contains("[0, 9]"), e.getMessage());
        Path badFine = write("badfine.bin", record(0, 1, 100));
        assertThrows(PcLoraException.class,
                () -> CifarReader.read(List.of(badFine), CifarReader.Variant.CIFAR100_FINE, names(100)));
        // A CIFAR-10 file read as CIFAR-100 does not divide into 3074-byte records.
        Path ten = write("ten.bin", record(0, 1), record(0, 2));
        assertThrows(PcLoraException.class,
                () -> CifarReader.read(List.of(ten), CifarReader.Variant.CIFAR100_FINE, names(100)));
    }
}
