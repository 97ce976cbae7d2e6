package org.pclora.vit.data;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Set;

/**
 * Dataset plugin {@code image-folder}: {@code path/<split>/<class>/<image>.png|jpg|jpeg}, classes
 * in sorted folder-name order (the test split must have the same class folders).
 *
 * <p>Keys, besides those of {@link ImageDatasetProvider}:
 * <ul>
 *   <li>{@code path} (required): the root folder;</li>
 *   <li>{@code train}, {@code test}: the split sub-folder names (defaults {@code train} and
 *       {@code test}).</li>
 * </ul>
 */
public final class ImageFolderDatasetProvider extends ImageDatasetProvider {
    @Override
    public String name() {
        return "image-folder";
    }

    @Override
    public String description() {
        return "PNG/JPEG images in one folder per class (path/train/<class>/, path/test/<class>/)";
    }

    @Override
    protected Set<String> formatKeys() {
        return Set.of("path", "train", "test");
    }

    @Override
    protected RawImages read(Config dataset, String split) {
        Path root = requiredPath(dataset);
        Path dir = root.resolve(getString(dataset, split, split));
        if (split.equals("test")) {
            // Label order is defined by the training split's class folders.
            Path trainDir = root.resolve(getString(dataset, "train", "train"));
            if (java.nio.file.Files.isDirectory(trainDir)) {
                return ImageFolderReader.read(dir, ImageFolderReader.classNames(trainDir));
            }
        }
        return ImageFolderReader.read(dir);
    }

    @Override
    protected String expectedContents(Config dataset) {
        return "one folder per split (" + getString(dataset, "train", "train") + "/, " + getString(dataset, "test", "test")
                + "/), each with one folder of PNG/JPEG images per class";
    }

    @Override
    protected String source(Config dataset, String split, RawImages raw) {
        return raw.source() + " (" + raw.size() + " examples)";
    }
}
