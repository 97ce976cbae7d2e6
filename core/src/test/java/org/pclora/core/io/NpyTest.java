package org.pclora.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;

class NpyTest {
    /** Bytes as numpy.save writes them: magic, version 1.0, header padded to 64, data. */
    private static byte[] npy(String descr, String shape, byte[] data) {
        String h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        StringBuilder sb = new StringBuilder(h);
        while ((10 + sb.length() + 1) % 64 != 0) {
            sb.append(' ');
        }
        sb.append('\n');
        ByteBuffer b = ByteBuffer.allocate(10 + sb.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) sb.length());
        b.put(sb.toString().getBytes(StandardCharsets.ISO_8859_1)).put(data);
        return b.array();
    }

    @Test
    void readsWhatNumpyWritesByHand(@TempDir Path dir) throws Exception {
        ByteBuffer d = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : new float[] {1, 2, 3, 4, 5, 6}) {
            d.putFloat(v);
        }
        Path f = dir.resolve("a.npy");
        Files.write(f, npy("<f4", "(2, 3)", d.array()));
        INDArray a = Npy.read(f);
        assertArrayEquals(new long[] {2, 3}, a.shape());
        assertEquals(6f, a.getFloat(1, 2));
        ByteBuffer i = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(-1);
        Files.write(f, npy("<i8", "(2,)", i.array()));
        INDArray b = Npy.read(f);
        assertEquals(DataType.LONG, b.dataType());
        assertEquals(-1L, b.getLong(1));
    }

    @Test
    void roundTrip(@TempDir Path dir) {
        INDArray a = Nd4j.create(new float[] {1.5f, -2f, 3f, 4f}, new long[] {1, 2, 2}, 'c');
        Path f = dir.resolve("b.npy");
        Npy.write(f, a);
        assertEquals(a, Npy.read(f));
    }

    @Test
    void rejectsMalformedFiles(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.npy");
        Files.write(f, "not numpy".getBytes());
        assertMessage(f, "magic");
        Files.write(f, npy("<f4", "(2, 3)", new byte[20]));
        assertMessage(f, "needs 24 data bytes but the file has 20");
        Files.write(f, npy(">f4", "(1,)", new byte[4]));
        assertMessage(f, "dtype '>f4'");
        Files.write(f, npy("<f4", "(-1,)", new byte[4]));
        assertMessage(f, "negative");
        byte[] ok = npy("<f4", "(1,)", new byte[4]);
        Files.write(f, java.util.Arrays.copyOf(ok, 20));
        assertMessage(f, "runs past the end");
    }

    private static void assertMessage(Path f, String part) {
        PcLoraException e = assertThrows(PcLoraException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().contains(part) && e.getMessage().contains(f.toString()), e.getMessage());
    }
}
