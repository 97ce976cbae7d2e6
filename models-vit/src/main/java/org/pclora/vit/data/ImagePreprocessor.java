package org.pclora.vit.data;

import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.pclora.core.PcLoraException;

/**
 * Turns one raw 8-bit image into the model's input: bilinear resize to {@code size x size},
 * grey replicated to three channels (or RGB reduced to grey by ITU-R BT.601 luma) to match the
 * model, optional training augmentation (random crop from the image zero-padded by
 * {@code cropPadding} pixels on each side, then a horizontal flip with probability 1/2), and
 * normalisation {@code (pixel / 255 - mean[c]) / std[c]}.
 */
public final class ImagePreprocessor {
    private final int size;
    private final int channels;
    private final double[] mean;
    private final double[] std;
    private final int cropPadding;
    private final boolean flip;
    private final Map<Long, Bilinear> plans = new ConcurrentHashMap<>();

    /**
     * @param size        output side in pixels (the model's image size)
     * @param channels    output channels (1 or 3)
     * @param mean        per-channel mean (one value for all channels, or one per channel)
     * @param std         per-channel standard deviation, positive (one value or one per channel)
     * @param cropPadding padding in output pixels for the random crop (0: no crop)
     * @param flip        whether augmentation flips horizontally
     */
    public ImagePreprocessor(int size, int channels, double[] mean, double[] std, int cropPadding, boolean flip) {
        if (size < 1) {
            throw new PcLoraException("image size " + size + " is not accepted: it must be at least 1");
        }
        if (channels != 1 && channels != 3) {
            throw new PcLoraException("model channels " + channels + " is not accepted by the image datasets: 1 or 3");
        }
        this.size = size;
        this.channels = channels;
        this.mean = perChannel(mean, channels, "mean");
        this.std = perChannel(std, channels, "std");
        for (double s : this.std) {
            if (!(s > 0)) {
                throw new PcLoraException("dataset std " + s + " is not accepted: every std must be positive");
            }
        }
        if (cropPadding < 0) {
            throw new PcLoraException("dataset crop_padding " + cropPadding + " is not accepted: it must be 0 or more");
        }
        this.cropPadding = cropPadding;
        this.flip = flip;
    }

    private static double[] perChannel(double[] v, int channels, String what) {
        if (v.length == channels) {
            return v.clone();
        }
        if (v.length == 1) {
            double[] out = new double[channels];
            java.util.Arrays.fill(out, v[0]);
            return out;
        }
        throw new PcLoraException("dataset " + what + " has " + v.length + " values; give one value or one per"
                + " model channel (" + channels + ")");
    }

    public int size() {
        return size;
    }

    public int channels() {
        return channels;
    }

    /** Floats per processed image: channels * size * size. */
    public int imageLength() {
        return channels * size * size;
    }

    /**
     * Writes image {@code i} of {@code raw} to {@code dst[dstOff ...]} as [C, size, size].
     * {@code augmentRng} null means no augmentation.
     */
    public void process(RawImages raw, int i, SplittableRandom augmentRng, float[] dst, int dstOff) {
        int inC = raw.channels();
        int h = raw.height(i);
        int w = raw.width(i);
        byte[] px = raw.pixels(i);
        double[] src = new double[px.length];
        for (int k = 0; k < px.length; k++) {
            src[k] = (px[k] & 0xff) / 255.0;
        }
        double[] resized;
        if (h == size && w == size) {
            resized = src;
        } else {
            resized = new double[inC * size * size];
            plan(h, w).apply(src, 0, resized, 0, inC);
        }
        int plane = size * size;
        int dy = 0;
        int dx = 0;
        boolean mirror = false;
        if (augmentRng != null) {
            if (cropPadding > 0) {
                dy = augmentRng.nextInt(2 * cropPadding + 1) - cropPadding;
                dx = augmentRng.nextInt(2 * cropPadding + 1) - cropPadding;
            }
            mirror = flip && augmentRng.nextBoolean();
        }
        for (int c = 0; c < channels; c++) {
            double m = mean[c];
            double s = std[c];
            int o = dstOff + c * plane;
            for (int y = 0; y < size; y++) {
                int sy = y + dy;
                for (int x = 0; x < size; x++) {
                    int sx = (mirror ? size - 1 - x : x) + dx;
                    double v = 0;
                    if (sy >= 0 && sy < size && sx >= 0 && sx < size) {
                        v = pixel(resized, inC, c, sy * size + sx, plane);
                    }
                    dst[o + y * size + x] = (float) ((v - m) / s);
                }
            }
        }
    }

    /** Channel {@code c} of the model's input from an image with {@code inC} channels. */
    private double pixel(double[] img, int inC, int c, int at, int plane) {
        if (inC == channels) {
            return img[c * plane + at];
        }
        if (inC == 1) {
            return img[at];
        }
        return 0.299 * img[at] + 0.587 * img[plane + at] + 0.114 * img[2 * plane + at];
    }

    private Bilinear plan(int h, int w) {
        return plans.computeIfAbsent(((long) h << 32) | w, k -> new Bilinear(h, w, size, size));
    }
}
