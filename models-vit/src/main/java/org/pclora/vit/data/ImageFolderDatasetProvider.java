package org.pclora.vit.data;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.pclora.core.PcLoraException;

/**
 * Dataset plugin {@code image-folder}: {@code path/<split>/<class>/<image>.png|jpg|jpeg}, classes
 * in sorted folder-name order (the test split must have the same class folders).
 *
 * <p>Keys, besides those of {@link ImageDatasetProvider}:
 * <ul>
 *   <li>{@code path} (required): the root folder;</li>
 *   <li>{@code train}, {@code test}, {@code val}: the split sub-folder names (defaults
 *       {@code train}, {@code test} and {@code val}).</li>
 * </ul>
 * A {@code val} folder, when it exists, is the validation split (classes as the training split's);
 * without one the runner holds {@code dataset.val_fraction} of the training split out.
 */
public final class ImageFolderDatasetProvider extends ImageDatasetProvider {
    @Override
    public String name() {
        return "image-folder";
    }

    @Override
    public String description() {
        return "PNG/JPEG images in one folder per class (path/train/<class>/, path/test/<class>/, optional"
                + " path/val/<class>/)";
    }

    @Override
    protected Set<String> formatKeys() {
        return Set.of("path", "train", "test", "val");
    }

    /** Whether the folder in {@code path} has the validation sub-folder ({@code val}, default {@code val/}). */
    @Override
    public boolean hasValidation(Config dataset) {
        if (!hasPath(dataset)) {
            return false;
        }
        try {
            return Files.isDirectory(Path.of(getString(dataset, "path", "")).resolve(valFolder(dataset)));
        } catch (java.nio.file.InvalidPathException e) {
            return false; // open names the bad path
        }
    }

    private static String valFolder(Config dataset) {
        return getString(dataset, "val", "val");
    }

    @Override
    protected RawImages read(Config dataset, String split) {
        Path root = requiredPath(dataset);
        if (split.equals("validation") && root.resolve(valFolder(dataset)).normalize()
                .equals(root.resolve(getString(dataset, "test", "test")).normalize())) {
            throw new PcLoraException("dataset image-folder: val = " + valFolder(dataset) + " is the test folder; the"
                    + " validation split must not be the test split: name another folder, or none (val_fraction)");
        }
        Path dir = root.resolve(split.equals("validation") ? valFolder(dataset) : getString(dataset, split, split));
        if (!split.equals("train")) {
            // Label order is defined by the training split's class folders.
            Path trainDir = root.resolve(getString(dataset, "train", "train"));
            if (Files.isDirectory(trainDir)) {
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
