package org.pclora.vit.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.pclora.core.PcLoraException;

/**
 * Reads an image-folder layout: one sub-folder per class (classes sorted by folder name), each
 * holding PNG or JPEG files (decoded with {@code javax.imageio}). Every image is kept as 8-bit
 * RGB; grey files are replicated to three channels here.
 */
public final class ImageFolderReader {
    private ImageFolderReader() {
    }

    /** Reads all images below {@code root}; classes are the sorted sub-folder names. */
    public static RawImages read(Path root) {
        return read(root, null);
    }

    /**
     * Reads all images below {@code root}. When {@code classNames} is given, the sub-folders must be
     * exactly those names (so that train and test splits share one label order).
     */
    public static RawImages read(Path root, List<String> classNames) {
        if (!Files.isDirectory(root)) {
            throw new PcLoraException("image folder " + root + " does not exist or is not a directory; expected one"
                    + " sub-folder per class holding PNG or JPEG files");
        }
        List<Path> classDirs = classDirs(root);
        List<String> names = classDirs.stream().map(p -> p.getFileName().toString()).toList();
        if (classNames != null && !classNames.equals(names)) {
            throw new PcLoraException("image folder " + root + " has classes " + names + " but " + classNames
                    + " were expected (the same class folders as the training split)");
        }
        List<byte[]> pixels = new ArrayList<>();
        List<Integer> hs = new ArrayList<>();
        List<Integer> ws = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int k = 0; k < classDirs.size(); k++) {
            List<Path> files;
            try (Stream<Path> s = Files.list(classDirs.get(k))) {
                files = s.filter(ImageFolderReader::isImage).sorted().toList();
            } catch (IOException e) {
                throw new PcLoraException("image folder " + classDirs.get(k) + " cannot be listed: " + e.getMessage(), e);
            }
            for (Path f : files) {
                BufferedImage img;
                try {
                    img = ImageIO.read(f.toFile());
                } catch (IOException e) {
                    throw new PcLoraException("image " + f + " cannot be decoded (" + e.getMessage()
                            + "); PNG and JPEG files are accepted", e);
                }
                if (img == null) {
                    throw new PcLoraException("image " + f + " is not a decodable PNG or JPEG file");
                }
                pixels.add(rgb(img));
                hs.add(img.getHeight());
                ws.add(img.getWidth());
                labels.add(k);
            }
        }
        if (pixels.isEmpty()) {
            throw new PcLoraException("image folder " + root + " holds no .png, .jpg or .jpeg files in its class"
                    + " sub-folders " + names);
        }
        return new RawImages(root.toString(), 3, hs.stream().mapToInt(Integer::intValue).toArray(),
                ws.stream().mapToInt(Integer::intValue).toArray(), pixels.toArray(new byte[0][]),
                labels.stream().mapToInt(Integer::intValue).toArray(), names);
    }

    /** The class names (sorted sub-folder names) of an image folder, without decoding any image. */
    public static List<String> classNames(Path root) {
        if (!Files.isDirectory(root)) {
            throw new PcLoraException("image folder " + root + " does not exist or is not a directory; expected one"
                    + " sub-folder per class holding PNG or JPEG files");
        }
        return classDirs(root).stream().map(p -> p.getFileName().toString()).toList();
    }

    private static List<Path> classDirs(Path root) {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(root)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new PcLoraException("image folder " + root + " cannot be listed: " + e.getMessage(), e);
        }
        if (dirs.isEmpty()) {
            throw new PcLoraException("image folder " + root + " has no class sub-folders; expected one sub-folder"
                    + " per class holding PNG or JPEG files");
        }
        return dirs;
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
    }

    /** The image as [3, H, W] bytes; grey and indexed images come out with equal channels. */
    static byte[] rgb(BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        int plane = h * w;
        byte[] out = new byte[3 * plane];
        int[] row = new int[w];
        boolean grey = img.getColorModel().getNumColorComponents() == 1;
        for (int y = 0; y < h; y++) {
            if (grey) {
                // getRGB would apply a colour-space conversion to 16-bit/linear grey; read the raster instead.
                img.getRaster().getSamples(0, y, w, 1, 0, row);
                int bits = img.getColorModel().getComponentSize(0);
                for (int x = 0; x < w; x++) {
                    byte v = (byte) (bits == 8 ? row[x] : (row[x] * 255 + ((1 << bits) - 1) / 2) / ((1 << bits) - 1));
                    out[y * w + x] = v;
                    out[plane + y * w + x] = v;
                    out[2 * plane + y * w + x] = v;
                }
            } else {
                img.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int p = row[x];
                    out[y * w + x] = (byte) (p >> 16);
                    out[plane + y * w + x] = (byte) (p >> 8);
                    out[2 * plane + y * w + x] = (byte) p;
                }
            }
        }
        return out;
    }
}
