package org.pclora.vit.data;

/**
 * Bilinear resampling of [C, H, W] planes with half-pixel centres (PyTorch's
 * {@code interpolate(mode="bilinear", align_corners=False)} without antialiasing): output pixel
 * {@code d} samples the input at {@code max(0, (d + 0.5) * in / out - 0.5)}, and neighbours past
 * the last row or column are clamped to it. A plan holds the indices and weights for one pair of
 * sizes so that many images of that size reuse them.
 */
public final class Bilinear {
    private final int inH;
    private final int inW;
    private final int outH;
    private final int outW;
    private final int[] y0;
    private final int[] y1;
    private final double[] wy;
    private final int[] x0;
    private final int[] x1;
    private final double[] wx;

    /** A plan from an {@code inH x inW} to an {@code outH x outW} grid. */
    public Bilinear(int inH, int inW, int outH, int outW) {
        if (inH < 1 || inW < 1 || outH < 1 || outW < 1) {
            throw new IllegalArgumentException("sizes must be positive");
        }
        this.inH = inH;
        this.inW = inW;
        this.outH = outH;
        this.outW = outW;
        y0 = new int[outH];
        y1 = new int[outH];
        wy = new double[outH];
        x0 = new int[outW];
        x1 = new int[outW];
        wx = new double[outW];
        axis(inH, outH, y0, y1, wy);
        axis(inW, outW, x0, x1, wx);
    }

    private static void axis(int in, int out, int[] i0, int[] i1, double[] w1) {
        double scale = (double) in / out;
        for (int d = 0; d < out; d++) {
            double src = Math.max(0.0, (d + 0.5) * scale - 0.5);
            int lo = Math.min((int) src, in - 1);
            i0[d] = lo;
            i1[d] = lo < in - 1 ? lo + 1 : lo;
            w1[d] = src - lo;
        }
    }

    public int inHeight() {
        return inH;
    }

    public int inWidth() {
        return inW;
    }

    /**
     * Resamples {@code channels} planes read from {@code src} at {@code srcOff} (each
     * {@code inH*inW}) into {@code dst} at {@code dstOff} (each {@code outH*outW}).
     */
    public void apply(double[] src, int srcOff, double[] dst, int dstOff, int channels) {
        for (int c = 0; c < channels; c++) {
            int sp = srcOff + c * inH * inW;
            int dp = dstOff + c * outH * outW;
            for (int y = 0; y < outH; y++) {
                int r0 = sp + y0[y] * inW;
                int r1 = sp + y1[y] * inW;
                double b = wy[y];
                double a = 1 - b;
                for (int x = 0; x < outW; x++) {
                    double l = wx[x];
                    double k = 1 - l;
                    double top = k * src[r0 + x0[x]] + l * src[r0 + x1[x]];
                    double bottom = k * src[r1 + x0[x]] + l * src[r1 + x1[x]];
                    dst[dp + y * outW + x] = a * top + b * bottom;
                }
            }
        }
    }

    /** Convenience: resamples {@code channels} planes into a new array. */
    public static double[] resize(double[] src, int channels, int inH, int inW, int outH, int outW) {
        double[] out = new double[channels * outH * outW];
        new Bilinear(inH, inW, outH, outW).apply(src, 0, out, 0, channels);
        return out;
    }
}
