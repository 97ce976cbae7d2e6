package org.pclora.vit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pclora.core.PcLoraException;

class ImagePreprocessorTest {
    /** Float32 storage of values computed in double: 1e-6 covers its rounding. */
    private static final double TOL = 1e-6;

    /** A grey 2x2 image [[0, 100], [200, 40]]. */
    private static RawImages grey2x2() {
        return new RawImages("test", 1, new int[] {2}, new int[] {2}, new byte[][] {{0, 100, (byte) 200, 40}},
                new int[] {0}, List.of("a"));
    }

    /**
     * Bilinear 2x2 -> 4x4 with half-pixel centres samples rows/columns at 0 (clamped from -0.25),
     * 0.25, 0.75, 1 (clamped neighbour), i.e. weights (1,0), (.75,.25), (.25,.75), (0,1).
     * Top row [0, 100] -> [0, 25, 75, 100]; bottom [200, 40] -> [200, 160, 80, 40];
     * row 1 = .75 top + .25 bottom = [50, 58.75, 76.25, 85];
     * row 2 = .25 top + .75 bottom = [150, 126.25, 78.75, 55].
     */
    private static final double[] RESIZED = {
        0, 25, 75, 100,
        50, 58.75, 76.25, 85,
        150, 126.25, 78.75, 55,
        200, 160, 80, 40};

    @Test
    void resizesTwoByTwoToFourByFourBilinearly() {
        double[] out = Bilinear.resize(new double[] {0, 100, 200, 40}, 1, 2, 2, 4, 4);
        assertArrayEquals(RESIZED, out, 1e-12);
    }

    @Test
    void downsamplesByAveragingNeighbours() {
        // 4 -> 2 samples at 0.5 and 2.5: the mean of pixels (0,1) and (2,3).
        double[] out = Bilinear.resize(new double[] {0, 10, 20, 30}, 1, 1, 4, 1, 2);
        assertArrayEquals(new double[] {5, 25}, out, 1e-12);
    }

    @Test
    void replicatesGreyAndNormalisesPerChannel() {
        double[] mean = {0.5, 0.4, 0.3};
        double[] std = {0.25, 0.5, 1.0};
        ImagePreprocessor p = new ImagePreprocessor(4, 3, mean, std, 0, false);
        float[] out = new float[3 * 16];
        p.process(grey2x2(), 0, null, out, 0);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 16; i++) {
                double expected = (RESIZED[i] / 255.0 - mean[c]) / std[c];
                assertEquals(expected, out[c * 16 + i], TOL, "channel " + c + " pixel " + i);
            }
        }
    }

    @Test
    void reducesRgbToGreyByLuma() {
        // One RGB pixel (255, 0, 51) -> 0.299 + 0.114 * 0.2 = 0.3218.
        RawImages rgb = new RawImages("t", 3, new int[] {1}, new int[] {1}, new byte[][] {{(byte) 255, 0, 51}},
                new int[] {0}, List.of("a"));
        float[] out = new float[1];
        new ImagePreprocessor(1, 1, new double[] {0}, new double[] {1}, 0, false).process(rgb, 0, null, out, 0);
        assertEquals(0.3218, out[0], TOL);
    }

    @Test
    void augmentationIsAShiftedOrMirroredCropWithZeroPadding() {
        // A 3x3 grey image 1..9; padding 1, flip on. Every augmented output must equal the crop
        // at some shift (dy, dx) in [-1, 1]^2 of the zero-padded image, mirrored or not.
        byte[] px = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        RawImages raw = new RawImages("t", 1, new int[] {3}, new int[] {3}, new byte[][] {px}, new int[] {0},
                List.of("a"));
        ImagePreprocessor p = new ImagePreprocessor(3, 1, new double[] {0}, new double[] {1.0 / 255}, 1, true);
        SplittableRandom rng = new SplittableRandom(5);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int trial = 0; trial < 200; trial++) {
            float[] out = new float[9];
            p.process(raw, 0, rng, out, 0);
            String match = null;
            for (int dy = -1; dy <= 1 && match == null; dy++) {
                for (int dx = -1; dx <= 1 && match == null; dx++) {
                    for (int m = 0; m < 2 && match == null; m++) {
                        boolean ok = true;
                        for (int y = 0; y < 3 && ok; y++) {
                            for (int x = 0; x < 3 && ok; x++) {
                                int sy = y + dy;
                                int sx = (m == 1 ? 2 - x : x) + dx;
                                double v = sy >= 0 && sy < 3 && sx >= 0 && sx < 3 ? px[sy * 3 + sx] : 0;
                                ok = Math.abs(out[y * 3 + x] - v) < 1e-4;
                            }
                        }
                        if (ok) {
                            match = dy + "," + dx + "," + m;
                        }
                    }
                }
            }
            assertTrue(match != null, "augmented image is no padded crop: " + java.util.Arrays.toString(out));
            seen.add(match);
        }
        // 18 combinations, each drawn with probability 1/18: all appear in 200 draws.
        assertEquals(18, seen.size());
    }

    @Test
    void rejectsBadNormalisation() {
        assertThrows(PcLoraException.class, () -> new ImagePreprocessor(4, 3, new double[] {0.1, 0.2},
                new double[] {1}, 0, false));
        assertThrows(PcLoraException.class, () -> new ImagePreprocessor(4, 3, new double[] {0.1},
                new double[] {0}, 0, false));
    }
}
