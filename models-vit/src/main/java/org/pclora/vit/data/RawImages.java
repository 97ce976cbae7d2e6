package org.pclora.vit.data;

import java.util.List;
import org.pclora.core.PcLoraException;

/**
 * Decoded images of one split kept as they came from disk: 8-bit pixels in channel-major order
 * ([C, H, W] per image), one label each. Floats are made per batch by {@link ImagePreprocessor},
 * so a whole split costs one byte per pixel in memory.
 */
public final class RawImages {
    private final String source;
    private final int channels;
    private final int[] heights;
    private final int[] widths;
    private final byte[][] pixels;
    private final int[] labels;
    private final List<String> classNames;

    /**
     * @param source     where the images came from (file or folder), used in messages and provenance
     * @param channels   1 (grey) or 3 (RGB), the same for every image
     * @param heights    height of each image
     * @param widths     width of each image
     * @param pixels     per image, channels*height*width bytes in [C, H, W] order
     * @param labels     class index of each image, in [0, classNames.size())
     * @param classNames class names in label order
     */
    public RawImages(String source, int channels, int[] heights, int[] widths, byte[][] pixels, int[] labels,
                     List<String> classNames) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (heights.length != pixels.length || widths.length != pixels.length || labels.length != pixels.length) {
            throw new IllegalArgumentException("heights, widths, pixels and labels differ in length");
        }
        if (pixels.length == 0) {
            throw new PcLoraException("dataset " + source + " holds no images; at least one labelled image is needed");
        }
        for (int i = 0; i < pixels.length; i++) {
            if (pixels[i].length != channels * heights[i] * widths[i]) {
                throw new IllegalArgumentException("image " + i + " has " + pixels[i].length + " bytes, expected "
                        + channels * heights[i] * widths[i]);
            }
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new PcLoraException("dataset " + source + ": label " + labels[i] + " of example " + i
                        + " is out of range; labels must lie in [0, " + (classNames.size() - 1) + "]");
            }
        }
        this.source = source;
        this.channels = channels;
        this.heights = heights;
        this.widths = widths;
        this.pixels = pixels;
        this.labels = labels;
        this.classNames = List.copyOf(classNames);
    }

    /** Images of equal size cut from one contiguous [N, C, H, W] byte array. */
    public static RawImages uniform(String source, int channels, int height, int width, byte[] data, int dataOffset,
                                    int count, int[] labels, List<String> classNames) {
        int per = channels * height * width;
        byte[][] px = new byte[count][];
        int[] hs = new int[count];
        int[] ws = new int[count];
        for (int i = 0; i < count; i++) {
            px[i] = java.util.Arrays.copyOfRange(data, dataOffset + i * per, dataOffset + (i + 1) * per);
            hs[i] = height;
            ws[i] = width;
        }
        return new RawImages(source, channels, hs, ws, px, labels, classNames);
    }

    /** The images at {@code idx}, in that order. */
    public RawImages select(int[] idx) {
        int[] h = new int[idx.length];
        int[] w = new int[idx.length];
        byte[][] px = new byte[idx.length][];
        int[] l = new int[idx.length];
        for (int k = 0; k < idx.length; k++) {
            h[k] = heights[idx[k]];
            w[k] = widths[idx[k]];
            px[k] = pixels[idx[k]];
            l[k] = labels[idx[k]];
        }
        return new RawImages(source, channels, h, w, px, l, classNames);
    }

    public String source() {
        return source;
    }

    public int size() {
        return pixels.length;
    }

    public int channels() {
        return channels;
    }

    public int height(int i) {
        return heights[i];
    }

    public int width(int i) {
        return widths[i];
    }

    /** The bytes of image {@code i} in [C, H, W] order (not copied: do not modify). */
    public byte[] pixels(int i) {
        return pixels[i];
    }

    public int label(int i) {
        return labels[i];
    }

    public List<String> classNames() {
        return classNames;
    }
}
