package org.pclora.vit.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.pclora.core.PcLoraException;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST: labels with magic {@code 0x00000801}
 * (unsigned bytes, one dimension) and images with magic {@code 0x00000803} (unsigned bytes,
 * [N, rows, cols]). Files may be gzip-compressed or raw; gzip is recognised by its magic bytes,
 * not by the file name.
 */
public final class IdxReader {
    /** Magic number of an IDX file of unsigned bytes with one dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;
    /** Magic number of an IDX file of unsigned bytes with three dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;

    private IdxReader() {
    }

    /** Reads a pair of IDX image and label files into grey images; labels must be below {@code classNames.size()}. */
    public static RawImages read(Path images, Path labels, List<String> classNames) {
        return read(readAll(images), images.toString(), readAll(labels), labels.toString(), classNames);
    }

    /**
     * Reads an image and a label IDX file already in memory (gzip or raw bytes). When
     * {@code classNames} is null, classes are named {@code 0..max(label)}.
     */
    public static RawImages read(byte[] imageBytes, String imageName, byte[] labelBytes, String labelName,
                                 List<String> classNames) {
        ByteBuffer img = ByteBuffer.wrap(maybeGunzip(imageBytes, imageName)).order(ByteOrder.BIG_ENDIAN);
        ByteBuffer lab = ByteBuffer.wrap(maybeGunzip(labelBytes, labelName)).order(ByteOrder.BIG_ENDIAN);
        int[] dims = header(img, imageName, IMAGES_MAGIC, 3, "images");
        int[] ldims = header(lab, labelName, LABELS_MAGIC, 1, "labels");
        int n = dims[0];
        int rows = dims[1];
        int cols = dims[2];
        if (n == 0) {
            throw new PcLoraException("IDX file " + imageName + " holds no images; at least one is needed");
        }
        if (rows < 1 || cols < 1) {
            throw new PcLoraException("IDX file " + imageName + " declares images of " + rows + "x" + cols
                    + " pixels; both sizes must be at least 1");
        }
        long expected = 16L + (long) n * rows * cols;
        if (img.capacity() != expected) {
            throw new PcLoraException("IDX file " + imageName + " has " + img.capacity() + " bytes but its header ("
                    + n + " images of " + rows + "x" + cols + ") needs exactly " + expected + "; the file is truncated or corrupt");
        }
        if (ldims[0] != n) {
            throw new PcLoraException("IDX file " + labelName + " holds " + ldims[0] + " labels but " + imageName
                    + " holds " + n + " images; the counts must be equal");
        }
        if (lab.capacity() != 8L + n) {
            throw new PcLoraException("IDX file " + labelName + " has " + lab.capacity() + " bytes but its header ("
                    + n + " labels) needs exactly " + (8L + n) + "; the file is truncated or corrupt");
        }
        int[] labels = new int[n];
        int max = 0;
        for (int i = 0; i < n; i++) {
            labels[i] = lab.get(8 + i) & 0xff;
            max = Math.max(max, labels[i]);
        }
        List<String> names = classNames;
        if (names == null) {
            String[] gen = new String[max + 1];
            for (int k = 0; k <= max; k++) {
                gen[k] = Integer.toString(k);
            }
            names = List.of(gen);
        } else if (max >= names.size()) {
            throw new PcLoraException("IDX file " + labelName + " holds label " + max + " but the dataset has "
                    + names.size() + " classes; labels must lie in [0, " + (names.size() - 1) + "]");
        }
        return RawImages.uniform(imageName, 1, rows, cols, img.array(), 16, n, labels, names);
    }

    private static int[] header(ByteBuffer b, String name, int magic, int ndim, String what) {
        if (b.capacity() >= 4 && b.getInt(0) != magic) {
            throw new PcLoraException(String.format("IDX file %s has magic number 0x%08x; IDX %s need 0x%08x", name,
                    b.getInt(0), what, magic));
        }
        if (b.capacity() < 4 + 4 * ndim) {
            throw new PcLoraException("IDX file " + name + " is too short (" + b.capacity() + " bytes) to hold an IDX "
                    + what + " header");
        }
        int[] dims = new int[ndim];
        for (int d = 0; d < ndim; d++) {
            dims[d] = b.getInt(4 + 4 * d);
            if (dims[d] < 0) {
                throw new PcLoraException("IDX file " + name + " declares a negative size " + dims[d] + "; the file is corrupt");
            }
        }
        return dims;
    }

    /** All bytes of a file; a missing or unreadable file raises PcLoraException naming it. */
    static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PcLoraException("data file " + file + " does not exist");
        } catch (IOException e) {
            throw new PcLoraException("data file " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** All bytes of a stream (e.g. a class-path resource). */
    static byte[] readAll(InputStream in, String name) {
        try (InputStream s = new BufferedInputStream(in)) {
            return s.readAllBytes();
        } catch (IOException e) {
            throw new PcLoraException("data " + name + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Decompresses when the bytes start with the gzip magic 1f 8b, else returns them unchanged. */
    static byte[] maybeGunzip(byte[] bytes, String name) {
        if (bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes), 1 << 16)) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new PcLoraException("data file " + name + " starts as gzip but cannot be decompressed ("
                        + e.getMessage() + "); the file is truncated or corrupt", e);
            }
        }
        return bytes;
    }
}
