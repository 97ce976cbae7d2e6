package org.pclora.vit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pclora.core.PcLoraException;

/**
 * 1,000 mutated IDX image/label pairs (bit flips, truncations, extreme count and size fields,
 * raw and gzip): each either loads or raises the loader's own error, never anything else.
 */
class IdxFuzzTest {
    private static byte[] images(int n, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(16 + n * rows * cols);
        b.putInt(IdxReader.IMAGES_MAGIC).putInt(n).putInt(rows).putInt(cols);
        for (int i = 0; i < n * rows * cols; i++) {
            b.put((byte) (i * 7));
        }
        return b.array();
    }

    private static byte[] labels(int n) {
        ByteBuffer b = ByteBuffer.allocate(8 + n);
        b.putInt(IdxReader.LABELS_MAGIC).putInt(n);
        for (int i = 0; i < n; i++) {
            b.put((byte) (i % 3));
        }
        return b.array();
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // a hang guard, not a speed target
    void mutatedIdxFilesLoadOrFailWithTheLoadersOwnError() throws IOException {
        byte[] img = images(6, 4, 4);
        byte[] lab = labels(6);
        SplittableRandom rng = new SplittableRandom(7);
        int loaded = 0;
        int rejected = 0;
        int[] extremes = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 65536, 1 << 30};
        for (int i = 0; i < 1000; i++) {
            boolean mutateImages = rng.nextBoolean();
            byte[] m = (mutateImages ? img : lab).clone();
            switch (i % 4) {
                case 0 -> {
                    for (int k = 0; k <= rng.nextInt(3); k++) {
                        int at = rng.nextInt(m.length);
                        m[at] ^= (byte) (1 << rng.nextInt(8));
                    }
                }
                case 1 -> m = Arrays.copyOf(m, rng.nextInt(m.length));
                case 2 -> {
                    int fields = mutateImages ? 4 : 2; // magic, count (, rows, cols)
                    ByteBuffer.wrap(m).putInt(4 * (1 + rng.nextInt(fields - 1)), extremes[rng.nextInt(extremes.length)]);
                }
                default -> m = Arrays.copyOf(m, m.length + 1 + rng.nextInt(8)); // trailing bytes
            }
            boolean zipped = i % 8 >= 4;
            byte[] a = mutateImages ? m : img;
            byte[] b = mutateImages ? lab : m;
            if (zipped) {
                a = gzip(a);
                b = gzip(b);
                if (i % 16 == 15) { // a damaged gzip stream
                    a = Arrays.copyOf(a, a.length / 2);
                }
            }
            try {
                IdxReader.read(a, "images.idx", b, "labels.idx", null);
                loaded++;
            } catch (PcLoraException e) {
                assertTrue(e.getMessage().contains(".idx"), "names the file: " + e.getMessage());
                rejected++;
            }
        }
        assertEquals(1000, loaded + rejected);
        System.out.println("IDX fuzz: 1000 mutants, " + loaded + " loaded, " + rejected + " rejected with PcLoraException");
        assertTrue(rejected > 300, "most mutants are malformed: " + rejected);
    }
}
