package org.pclora.vit.data;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.pclora.core.PcLoraException;
import org.pclora.core.data.Dataset;
import org.pclora.core.data.HoldOut;
import org.pclora.core.spi.DatasetProvider;
import org.pclora.core.spi.PluginParameter;
import org.pclora.core.spi.PluginParameters;

/**
 * Common part of the image dataset plugins: reads the preprocessing keys shared by every image
 * format and the model's input size, and leaves decoding a split to the format.
 *
 * <p>Keys shared by all image formats (all optional):
 * <ul>
 *   <li>{@code mean}, {@code std}: normalisation, one number or a list with one value per model
 *       channel (default 0.5 and 0.5, as HF's ViT image processor);</li>
 *   <li>{@code augment}: whether training batches may use random crop and flip (default true);</li>
 *   <li>{@code crop_padding}: zero padding in pixels of the model's image size for the random
 *       crop (default image_size / 8, rounded);</li>
 *   <li>{@code flip}: horizontal flip with probability 1/2 when augmenting (default true);</li>
 *   <li>{@code limit}: keep a seeded, class-stratified random N examples of every split, in
 *       file order (default 0: all; {@link HoldOut#subsetIndices}); {@code test_limit} overrides
 *       it for the test split, {@code val_limit} for a format's own validation split (default:
 *       {@code test_limit}, else {@code limit}); {@code subset_seed} seeds the draw (default 0,
 *       the same for every run seed, so that runs of several seeds share their data);</li>
 *   <li>{@code provider}: the dataset plugin's name (read by the runner, ignored here).</li>
 * </ul>
 * The architecture must give {@code image_size} and {@code channels}.
 */
public abstract class ImageDatasetProvider implements DatasetProvider {
    /** Keys every image format accepts. */
    protected static final Set<String> COMMON_KEYS = Set.of("provider", "mean", "std", "augment", "crop_padding", "flip",
            "limit", "test_limit", "val_limit", "subset_seed");

    /** Keys specific to the format, besides {@link #COMMON_KEYS}. */
    protected abstract Set<String> formatKeys();

    /** Decodes split {@code train} or {@code test}, or {@code validation} where {@link #hasValidation}. */
    protected abstract RawImages read(Config dataset, String split);

    /** Provenance string of a split. */
    protected abstract String source(Config dataset, String split, RawImages raw);

    /**
     * Every key this format reads, all optional: {@link #COMMON_KEYS} and {@link #formatKeys()}
     * ({@code provider} is the selector, not a parameter).
     */
    @Override
    public PluginParameters parameters() {
        Set<String> keys = new TreeSet<>(COMMON_KEYS);
        keys.addAll(formatKeys());
        keys.remove("provider");
        return PluginParameters.optional(keys, k -> switch (k) {
            case "limit", "test_limit", "val_limit", "subset_seed", "crop_padding" -> PluginParameter.Type.INTEGER;
            case "augment", "flip" -> PluginParameter.Type.BOOLEAN;
            default -> PluginParameter.Type.ANY;
        });
    }

    @Override
    public Dataset open(Config dataset, Config architecture, String split) {
        checkKeys(dataset);
        boolean validation = split.equals("validation") && hasValidation(dataset);
        if (!split.equals("train") && !split.equals("test") && !validation) {
            throw new PcLoraException("dataset split '" + split + "' is not known to " + name() + ": train or test"
                    + (hasValidation(dataset) ? " or validation" : ""));
        }
        int size = archInt(architecture, "image_size");
        int channels = archInt(architecture, "channels");
        int padding = dataset.hasPath("crop_padding") ? getInt(dataset, "crop_padding") : Math.round(size / 8.0f);
        ImagePreprocessor pre = new ImagePreprocessor(size, channels, doubles(dataset, "mean", 0.5),
                doubles(dataset, "std", 0.5), padding, getBoolean(dataset, "flip", true));
        RawImages raw = read(dataset, split);
        String limitKey = "limit";
        if (split.equals("test") && dataset.hasPath("test_limit")) {
            limitKey = "test_limit";
        }
        if (validation) {
            limitKey = dataset.hasPath("val_limit") ? "val_limit" : dataset.hasPath("test_limit") ? "test_limit" : "limit";
        }
        int limit = dataset.hasPath(limitKey) ? getInt(dataset, limitKey) : 0;
        if (limit < 0) {
            throw new PcLoraException("dataset " + limitKey + " " + limit + " is not accepted: 0 (all) or a positive"
                    + " count");
        }
        int n = raw.size();
        String subset = "";
        if (limit > 0 && limit < n) {
            long seed = dataset.hasPath("subset_seed") ? getInt(dataset, "subset_seed") : 0;
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = raw.label(i);
            }
            raw = raw.select(HoldOut.subsetIndices(labels, raw.classNames().size(), limit, seed));
            subset = " (subset " + limit + " of " + n + ", seed " + seed + ")";
        }
        return new ImageDataset(raw, pre, getBoolean(dataset, "augment", true), source(dataset, split, raw) + subset);
    }

    /** The keys and types of the group, checked against {@link #parameters()} (its selector aside). */
    private void checkKeys(Config dataset) {
        parameters().check("dataset '" + name() + "'", "dataset", dataset.withoutPath("provider"));
    }

    private static int archInt(Config architecture, String key) {
        if (!architecture.hasPath(key)) {
            throw new PcLoraException("image datasets need the model's '" + key + "', which the architecture does not"
                    + " give; use an image model (e.g. a vit architecture)");
        }
        return architecture.getInt(key);
    }

    /** An integer key, with the key named in the error when it is not one. */
    protected static int getInt(Config c, String key) {
        try {
            return c.getInt(key);
        } catch (ConfigException.WrongType e) {
            throw new PcLoraException("dataset key '" + key + "' must be an integer, got " + c.getValue(key).render());
        }
    }

    /** A boolean key or its default. */
    protected static boolean getBoolean(Config c, String key, boolean dflt) {
        if (!c.hasPath(key)) {
            return dflt;
        }
        try {
            return c.getBoolean(key);
        } catch (ConfigException.WrongType e) {
            throw new PcLoraException("dataset key '" + key + "' must be true or false, got " + c.getValue(key).render());
        }
    }

    /** A string key or its default. */
    protected static String getString(Config c, String key, String dflt) {
        if (!c.hasPath(key)) {
            return dflt;
        }
        try {
            return c.getString(key);
        } catch (ConfigException.WrongType e) {
            throw new PcLoraException("dataset key '" + key + "' must be a string, got " + c.getValue(key).render());
        }
    }

    /** A string or a list of strings. */
    protected static List<String> getStrings(Config c, String key, List<String> dflt) {
        if (!c.hasPath(key)) {
            return dflt;
        }
        try {
            if (c.getValue(key).valueType() == ConfigValueType.LIST) {
                return c.getStringList(key);
            }
            return List.of(c.getString(key));
        } catch (ConfigException.WrongType e) {
            throw new PcLoraException("dataset key '" + key + "' must be a string or a list of strings, got "
                    + c.getValue(key).render());
        }
    }

    private static double[] doubles(Config c, String key, double dflt) {
        if (!c.hasPath(key)) {
            return new double[] {dflt};
        }
        try {
            if (c.getValue(key).valueType() == ConfigValueType.LIST) {
                return c.getDoubleList(key).stream().mapToDouble(Double::doubleValue).toArray();
            }
            return new double[] {c.getDouble(key)};
        } catch (ConfigException.WrongType e) {
            throw new PcLoraException("dataset key '" + key + "' must be a number or a list of numbers, got "
                    + c.getValue(key).render());
        }
    }

    /** The required {@code path} key as a path, checked to be an existing folder. */
    protected Path requiredPath(Config dataset) {
        if (!hasPath(dataset)) {
            throw new PcLoraException("the " + name() + " dataset needs a non-empty 'path' (the folder holding "
                    + expectedContents(dataset) + ")");
        }
        return org.pclora.core.data.DatasetPaths.folder(name(), "path", getString(dataset, "path", null),
                expectedContents(dataset));
    }

    /** What the folder in {@code path} must hold, for error messages (e.g. the file names read). */
    protected String expectedContents(Config dataset) {
        return "its files";
    }

    /** Whether a non-empty {@code path} is given (an empty string counts as none). */
    protected static boolean hasPath(Config dataset) {
        return dataset.hasPath("path") && !getString(dataset, "path", "").isBlank();
    }

    /**
     * {@code dir/name}; when that file is missing, the same name with or without a trailing
     * {@code .gz} is tried, since both forms of IDX and CIFAR files are common.
     */
    protected static Path locate(Path dir, String name) {
        Path p = dir.resolve(name);
        if (Files.exists(p)) {
            return p;
        }
        Path alt = name.endsWith(".gz") ? dir.resolve(name.substring(0, name.length() - 3)) : dir.resolve(name + ".gz");
        if (Files.exists(alt)) {
            return alt;
        }
        throw new PcLoraException("data file " + p + " does not exist (nor " + alt.getFileName() + ")");
    }
}
