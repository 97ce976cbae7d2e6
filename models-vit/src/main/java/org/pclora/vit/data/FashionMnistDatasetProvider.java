package org.pclora.vit.data;

import com.typesafe.config.Config;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.pclora.core.PcLoraException;

/**
 * Dataset plugin {@code fashion-mnist}: Fashion-MNIST (Zalando Research, MIT licence) in IDX
 * form. Without {@code path} (or with an empty one) it opens the class-balanced subset embedded in this jar (10,000
 * training images, 1,000 per class; 2,000 test images, 200 per class; see the README beside the
 * files); with {@code path} (e.g. {@code /usr/share/datasets/fashion-mnist} from Debian's
 * {@code dataset-fashion-mnist}) it reads the full set there.
 *
 * <p>Keys: those of {@link IdxDatasetProvider} except {@code classes}, which are fixed to the
 * ten Fashion-MNIST class names.
 */
public final class FashionMnistDatasetProvider extends IdxDatasetProvider {
    /** The ten Fashion-MNIST classes in label order. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** Class-path folder of the embedded subset. */
    static final String EMBEDDED = "/org/pclora/vit/data/fashion-mnist/";

    @Override
    public String name() {
        return "fashion-mnist";
    }

    @Override
    public String description() {
        return "Fashion-MNIST: embedded 10k/2k class-balanced subset, or the full set from 'path'";
    }

    @Override
    protected Set<String> formatKeys() {
        return Set.of("path", "train_images", "train_labels", "test_images", "test_labels");
    }

    @Override
    protected List<String> classNames(Config dataset, Path dir) {
        return CLASSES;
    }

    @Override
    protected RawImages read(Config dataset, String split) {
        if (hasPath(dataset)) {
            return super.read(dataset, split);
        }
        boolean train = split.equals("train");
        String images = train ? TRAIN_IMAGES : TEST_IMAGES;
        String labels = train ? TRAIN_LABELS : TEST_LABELS;
        return IdxReader.read(resource(images), "embedded:fashion-mnist/" + images, resource(labels),
                "embedded:fashion-mnist/" + labels, CLASSES);
    }

    private static byte[] resource(String file) {
        InputStream in = FashionMnistDatasetProvider.class.getResourceAsStream(EMBEDDED + file);
        if (in == null) {
            throw new PcLoraException("the embedded Fashion-MNIST file " + EMBEDDED + file + " is missing from the"
                    + " class path; give 'path' to a Fashion-MNIST folder instead");
        }
        return IdxReader.readAll(in, EMBEDDED + file);
    }
}
