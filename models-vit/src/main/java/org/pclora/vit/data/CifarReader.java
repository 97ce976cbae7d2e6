package org.pclora.vit.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pclora.core.PcLoraException;

/**
 * Reads CIFAR-10 and CIFAR-100 binary batches. A CIFAR-10 record is one label byte then 3072
 * pixel bytes (1024 red, 1024 green, 1024 blue, each 32x32 row-major); a CIFAR-100 record has a
 * coarse and a fine label byte before the same 3072 bytes. Files may also be gzip-compressed.
 */
public final class CifarReader {
    /** Image side of CIFAR. */
    public static final int SIDE = 32;
    /** Pixel bytes per record: 3 x 32 x 32. */
    public static final int PIXELS = 3 * SIDE * SIDE;

    /** Which label of a record to use. */
    public enum Variant {
        /** CIFAR-10: one label byte, 10 classes. */
        CIFAR10(1, 0, 10),
        /** CIFAR-100 fine labels: 100 classes. */
        CIFAR100_FINE(2, 1, 100),
        /** CIFAR-100 coarse labels: 20 super-classes. */
        CIFAR100_COARSE(2, 0, 20);

        final int labelBytes;
        final int labelIndex;
        final int classes;

        Variant(int labelBytes, int labelIndex, int classes) {
            this.labelBytes = labelBytes;
            this.labelIndex = labelIndex;
            this.classes = classes;
        }

        /** Bytes per record. */
        public int recordBytes() {
            return labelBytes + PIXELS;
        }

        /** Number of classes of this label kind. */
        public int classes() {
            return classes;
        }
    }

    private CifarReader() {
    }

    /** Reads and concatenates the batches in order. {@code classNames} must hold the variant's class count. */
    public static RawImages read(List<Path> files, Variant variant, List<String> classNames) {
        if (files.isEmpty()) {
            throw new PcLoraException("no CIFAR batch files given; at least one is needed");
        }
        if (classNames.size() != variant.classes) {
            throw new IllegalArgumentException(variant + " needs " + variant.classes + " class names");
        }
        List<byte[]> pixels = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int rec = variant.recordBytes();
        for (Path f : files) {
            byte[] b = IdxReader.maybeGunzip(IdxReader.readAll(f), f.toString());
            if (b.length == 0) {
                throw new PcLoraException("CIFAR batch " + f + " is empty; it must hold at least one record of "
                        + rec + " bytes");
            }
            if (b.length % rec != 0) {
                throw new PcLoraException("CIFAR batch " + f + " has " + b.length + " bytes, not a multiple of the "
                        + rec + "-byte " + (variant == Variant.CIFAR10 ? "CIFAR-10" : "CIFAR-100")
                        + " record; the file is truncated or of the other CIFAR variant");
            }
            int n = b.length / rec;
            for (int i = 0; i < n; i++) {
                int off = i * rec;
                int label = b[off + variant.labelIndex] & 0xff;
                if (label >= variant.classes) {
                    throw new PcLoraException("CIFAR batch " + f + ": record " + i + " has label " + label
                            + "; labels must lie in [0, " + (variant.classes - 1) + "]");
                }
                labels.add(label);
                pixels.add(java.util.Arrays.copyOfRange(b, off + variant.labelBytes, off + rec));
            }
        }
        int n = pixels.size();
        int[] hs = new int[n];
        int[] ws = new int[n];
        java.util.Arrays.fill(hs, SIDE);
        java.util.Arrays.fill(ws, SIDE);
        String source = files.size() == 1 ? files.get(0).toString() : files.get(0).getParent() + "/" + files.stream()
                .map(p -> p.getFileName().toString()).reduce((a, c) -> a + "," + c).orElse("");
        return new RawImages(source, 3, hs, ws, pixels.toArray(new byte[0][]),
                labels.stream().mapToInt(Integer::intValue).toArray(), classNames);
    }
}
