package org.pclora.vit.data;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Dataset plugin {@code idx}: MNIST-style IDX files (gzip or raw) in one folder.
 *
 * <p>Keys, besides those of {@link ImageDatasetProvider}:
 * <ul>
 *   <li>{@code path} (required): the folder holding the four files;</li>
 *   <li>{@code train_images}, {@code train_labels}, {@code test_images}, {@code test_labels}: file
 *       names (defaults {@code train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz},
 *       {@code t10k-images-idx3-ubyte.gz}, {@code t10k-labels-idx1-ubyte.gz}; the name without
 *       or with {@code .gz} is tried when the given one is missing);</li>
 *   <li>{@code classes}: class names in label order (default {@code "0"} to the largest label of
 *       the training labels).</li>
 * </ul>
 */
public class IdxDatasetProvider extends ImageDatasetProvider {
    /** File-name keys and their defaults, the names MNIST and Fashion-MNIST are distributed under. */
    static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";

    @Override
    public String name() {
        return "idx";
    }

    @Override
    public String description() {
        return "IDX image/label files (MNIST layout, gzip or raw) from a folder";
    }

    @Override
    protected Set<String> formatKeys() {
        return Set.of("path", "train_images", "train_labels", "test_images", "test_labels", "classes");
    }

    @Override
    protected RawImages read(Config dataset, String split) {
        Path dir = requiredPath(dataset);
        List<String> classes = classNames(dataset, dir);
        boolean train = split.equals("train");
        Path images = locate(dir, getString(dataset, train ? "train_images" : "test_images",
                train ? TRAIN_IMAGES : TEST_IMAGES));
        Path labels = locate(dir, getString(dataset, train ? "train_labels" : "test_labels",
                train ? TRAIN_LABELS : TEST_LABELS));
        return IdxReader.read(images, labels, classes);
    }

    @Override
    protected String expectedContents(Config dataset) {
        return "the IDX files " + String.join(", ", getString(dataset, "train_images", TRAIN_IMAGES),
                getString(dataset, "train_labels", TRAIN_LABELS), getString(dataset, "test_images", TEST_IMAGES),
                getString(dataset, "test_labels", TEST_LABELS)) + " (gzip or raw)";
    }

    /** Class names from config, or numbered from the training labels. */
    protected List<String> classNames(Config dataset, Path dir) {
        List<String> given = getStrings(dataset, "classes", null);
        if (given != null) {
            return given;
        }
        Path labels = locate(dir, getString(dataset, "train_labels", TRAIN_LABELS));
        byte[] b = IdxReader.maybeGunzip(IdxReader.readAll(labels), labels.toString());
        int max = 0;
        for (int i = 8; i < b.length; i++) {
            max = Math.max(max, b[i] & 0xff);
        }
        String[] names = new String[max + 1];
        for (int k = 0; k <= max; k++) {
            names[k] = Integer.toString(k);
        }
        return List.of(names);
    }

    @Override
    protected String source(Config dataset, String split, RawImages raw) {
        return raw.source() + " (" + raw.size() + " examples)";
    }
}
