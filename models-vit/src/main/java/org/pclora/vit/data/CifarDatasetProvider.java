package org.pclora.vit.data;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.pclora.core.PcLoraException;

/**
 * Dataset plugin {@code cifar}: CIFAR-10 or CIFAR-100 binary batches in one folder (the
 * {@code cifar-10-batches-bin} or {@code cifar-100-binary} layout).
 *
 * <p>Keys, besides those of {@link ImageDatasetProvider}:
 * <ul>
 *   <li>{@code path} (required): the folder holding the batches;</li>
 *   <li>{@code variant}: {@code cifar-10} (default), {@code cifar-100} (fine labels) or
 *       {@code cifar-100-coarse} (the 20 super-classes);</li>
 *   <li>{@code train_files}, {@code test_files}: batch file names (defaults
 *       {@code data_batch_1.bin} ... {@code data_batch_5.bin} and {@code test_batch.bin} for
 *       CIFAR-10, {@code train.bin} and {@code test.bin} for CIFAR-100).</li>
 * </ul>
 * Class names come from {@code batches.meta.txt} (CIFAR-10) or {@code fine_label_names.txt} /
 * {@code coarse_label_names.txt} (CIFAR-100) when present, else the CIFAR-10 names or numbers.
 */
public final class CifarDatasetProvider extends ImageDatasetProvider {
    /** CIFAR-10 class names in label order. */
    public static final List<String> CIFAR10_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");

    @Override
    public String name() {
        return "cifar";
    }

    @Override
    public String description() {
        return "CIFAR-10 / CIFAR-100 binary batches from a folder";
    }

    @Override
    protected Set<String> formatKeys() {
        return Set.of("path", "variant", "train_files", "test_files");
    }

    @Override
    protected RawImages read(Config dataset, String split) {
        Path dir = requiredPath(dataset);
        String v = getString(dataset, "variant", "cifar-10");
        CifarReader.Variant variant = switch (v) {
            case "cifar-10" -> CifarReader.Variant.CIFAR10;
            case "cifar-100" -> CifarReader.Variant.CIFAR100_FINE;
            case "cifar-100-coarse" -> CifarReader.Variant.CIFAR100_COARSE;
            default -> throw new PcLoraException("dataset variant '" + v + "' is not known to the cifar dataset;"
                    + " valid are cifar-10, cifar-100, cifar-100-coarse");
        };
        boolean ten = variant == CifarReader.Variant.CIFAR10;
        List<String> dflt = split.equals("train")
                ? (ten ? List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                        "data_batch_5.bin") : List.of("train.bin"))
                : List.of(ten ? "test_batch.bin" : "test.bin");
        List<Path> files = new ArrayList<>();
        for (String f : getStrings(dataset, split.equals("train") ? "train_files" : "test_files", dflt)) {
            files.add(locate(dir, f));
        }
        return CifarReader.read(files, variant, classNames(dir, variant));
    }

    @Override
    protected String expectedContents(Config dataset) {
        return "CIFAR binary batches (cifar-10: data_batch_1.bin ... data_batch_5.bin, test_batch.bin;"
                + " cifar-100: train.bin, test.bin)";
    }

    private static List<String> classNames(Path dir, CifarReader.Variant variant) {
        String file = switch (variant) {
            case CIFAR10 -> "batches.meta.txt";
            case CIFAR100_FINE -> "fine_label_names.txt";
            case CIFAR100_COARSE -> "coarse_label_names.txt";
        };
        Path p = dir.resolve(file);
        if (Files.isRegularFile(p)) {
            try {
                List<String> names = Files.readAllLines(p).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
                if (names.size() != variant.classes()) {
                    throw new PcLoraException("CIFAR class-name file " + p + " lists " + names.size()
                            + " names; it must list " + variant.classes());
                }
                return names;
            } catch (IOException e) {
                throw new PcLoraException("CIFAR class-name file " + p + " cannot be read: " + e.getMessage(), e);
            }
        }
        if (variant == CifarReader.Variant.CIFAR10) {
            return CIFAR10_CLASSES;
        }
        List<String> names = new ArrayList<>();
        for (int k = 0; k < variant.classes(); k++) {
            names.add(Integer.toString(k));
        }
        return names;
    }

    @Override
    protected String source(Config dataset, String split, RawImages raw) {
        return raw.source() + " (" + raw.size() + " examples)";
    }
}
