package org.pclora.bert.data;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pclora.bert.tokenizer.BertTokenizer;
import org.pclora.bert.tokenizer.Tokenizers;
import org.pclora.core.PcLoraException;
import org.pclora.core.data.Dataset;
import org.pclora.core.data.HoldOut;
import org.pclora.core.spi.DatasetProvider;
import org.pclora.core.spi.PluginParameter;
import org.pclora.core.spi.PluginParameters;

/**
 * Common part of the text dataset plugins: reads a split, maps labels to class indices,
 * tokenizes once with the architecture's WordPiece tokenizer and serves padded batches.
 *
 * <p>Keys shared by all text formats (all optional):
 * <ul>
 *   <li>{@code max_length}: word pieces per example including [CLS]/[SEP] (default: the
 *       architecture's {@code max_length}, else 128; at most its {@code max_positions});</li>
 *   <li>{@code pad_to_max}: pad every batch to {@code max_length} instead of its longest example;</li>
 *   <li>{@code classes}: class names in label order (default: the format's, else the sorted
 *       distinct labels of the train split, or 0..max when they are all integers);</li>
 *   <li>{@code limit} / {@code test_limit}: keep a seeded, class-stratified random subset of N
 *       examples of each / the test split (file order kept; {@link HoldOut#subsetIndices});
 *       {@code subset_seed} (default 0); {@code val_limit} for a format's own validation split
 *       (default: {@code test_limit}, else {@code limit});</li>
 *   <li>{@code name}, {@code provider}: the plugin's name (ignored here).</li>
 * </ul>
 */
public abstract class TextDatasetProvider implements DatasetProvider {
    /** Keys every text format accepts. */
    protected static final Set<String> COMMON_KEYS = Set.of("name", "provider", "max_length", "pad_to_max", "classes", "limit",
            "test_limit", "val_limit", "subset_seed");

    /** Keys specific to the format, besides {@link #COMMON_KEYS}. */
    protected abstract Set<String> formatKeys();

    /** Reads split {@code train} or {@code test}. */
    protected abstract TextExamples read(Config dataset, String split);

    /** The format's own class list (IMDb: neg, pos), or null to derive it from the train split. */
    protected List<String> formatClasses(Config dataset) {
        return null;
    }

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
            case "max_length", "limit", "test_limit", "val_limit", "subset_seed" -> PluginParameter.Type.INTEGER;
            case "pad_to_max" -> PluginParameter.Type.BOOLEAN;
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
        int maxLength = dataset.hasPath("max_length") ? getInt(dataset, "max_length")
                : architecture.hasPath("max_length") ? architecture.getInt("max_length") : 128;
        if (architecture.hasPath("max_positions") && maxLength > architecture.getInt("max_positions")) {
            throw new PcLoraException("dataset max_length " + maxLength + " exceeds the architecture's max_positions "
                    + architecture.getInt("max_positions") + ": use at most that");
        }
        TextExamples ex = read(dataset, split);
        int limit = dataset.hasPath("limit") ? getInt(dataset, "limit") : 0;
        if (split.equals("test") && dataset.hasPath("test_limit")) {
            limit = getInt(dataset, "test_limit");
        }
        if (validation) {
            limit = dataset.hasPath("val_limit") ? getInt(dataset, "val_limit")
                    : dataset.hasPath("test_limit") ? getInt(dataset, "test_limit") : limit;
        }
        long subsetSeed = dataset.hasPath("subset_seed") ? getInt(dataset, "subset_seed") : 0;
        List<String> classes = classes(dataset, split, ex);
        int[] labels = labelIndices(ex, classes);
        if (limit > 0 && limit < ex.size()) {
            int[] keep = HoldOut.subsetIndices(labels, classes.size(), limit, subsetSeed);
            ex = ex.select(keep, " (subset " + limit + " of " + ex.size() + ", seed " + subsetSeed + ")");
            int[] kept = new int[keep.length];
            for (int k = 0; k < keep.length; k++) {
                kept[k] = labels[keep[k]];
            }
            labels = kept;
        }
        boolean padToMax = dataset.hasPath("pad_to_max") && dataset.getBoolean("pad_to_max");
        try (BertTokenizer tok = Tokenizers.forArchitecture(architecture, maxLength)) {
            int n = ex.size();
            int[][] ids = new int[n][];
            int[][] types = ex.pairs() == null ? null : new int[n][];
            // Encode in chunks so the native tokenizer parallelises without holding all encodings at once.
            int chunk = 1024;
            for (int from = 0; from < n; from += chunk) {
                int to = Math.min(n, from + chunk);
                BertTokenizer.Encoded[] es;
                if (ex.pairs() == null) {
                    es = tok.encodeAll(ex.texts().subList(from, to));
                } else {
                    es = new BertTokenizer.Encoded[to - from];
                    for (int i = from; i < to; i++) {
                        es[i - from] = tok.encodePair(ex.texts().get(i), ex.pairs().get(i));
                    }
                }
                for (int i = from; i < to; i++) {
                    BertTokenizer.Encoded e = es[i - from];
                    int len = e.length();
                    ids[i] = java.util.Arrays.copyOf(e.ids(), len);
                    if (types != null) {
                        types[i] = java.util.Arrays.copyOf(e.typeIds(), len);
                    }
                }
            }
            return new TextDataset(ids, types, labels, classes, ex.source() + " (" + tok.source() + ", max_length "
                    + maxLength + ")", tok.padId(), maxLength, padToMax, tok.description());
        }
    }

    private List<String> classes(Config dataset, String split, TextExamples ex) {
        if (dataset.hasPath("classes")) {
            List<String> given;
            try {
                given = dataset.getStringList("classes");
            } catch (ConfigException e) {
                throw new PcLoraException("dataset key 'classes' of " + name() + " is not a list of names: "
                        + e.getMessage());
            }
            if (given.size() < 2 || new LinkedHashSet<>(given).size() != given.size()) {
                throw new PcLoraException("dataset key 'classes' " + given + " is not accepted: at least two distinct"
                        + " names");
            }
            return given;
        }
        List<String> own = formatClasses(dataset);
        if (own != null) {
            return own;
        }
        TextExamples train = split.equals("train") ? ex : read(dataset, "train");
        return derivedClasses(train.labels(), train.source());
    }

    /** Sorted distinct labels, or "0".."max" when all labels are non-negative integers. */
    static List<String> derivedClasses(List<String> labels, String source) {
        boolean allInts = !labels.isEmpty();
        int max = -1;
        for (String l : labels) {
            if (!l.matches("\\d{1,9}")) {
                allInts = false;
                break;
            }
            max = Math.max(max, Integer.parseInt(l));
        }
        List<String> classes = new ArrayList<>();
        if (allInts) {
            for (int i = 0; i <= max; i++) {
                classes.add(Integer.toString(i));
            }
        } else {
            classes.addAll(new TreeSet<>(labels));
        }
        if (classes.size() < 2) {
            throw new PcLoraException("data " + source + " has fewer than two classes " + classes
                    + ": give 'classes' or use a file with at least two labels");
        }
        return classes;
    }

    /** Label of each example as a class index: by class name first, else as an index in range. */
    static int[] labelIndices(TextExamples ex, List<String> classes) {
        Map<String, Integer> byName = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            byName.put(classes.get(i), i);
        }
        int[] out = new int[ex.size()];
        for (int i = 0; i < out.length; i++) {
            String l = ex.labels().get(i);
            Integer c = byName.get(l);
            if (c == null && l.matches("\\d{1,9}") && Integer.parseInt(l) < classes.size()) {
                c = Integer.parseInt(l);
            }
            if (c == null) {
                throw new PcLoraException("data " + ex.where().get(i) + " has label '" + l + "': expected one of "
                        + classes + " or an index below " + classes.size());
            }
            out[i] = c;
        }
        return out;
    }

    /** Rejects keys this format does not know. */
    protected void checkKeys(Config dataset) {
        parameters().check("dataset '" + name() + "'", "dataset", dataset.withoutPath("provider"));
    }

    /** An integer dataset key; a wrong type is a PcLoraException naming the key. */
    protected static int getInt(Config c, String key) {
        try {
            return c.getInt(key);
        } catch (ConfigException e) {
            throw new PcLoraException("dataset key '" + key + "' must be an integer: " + e.getMessage());
        }
    }

    /** A string dataset key, or {@code dflt} when absent. */
    protected static String getString(Config c, String key, String dflt) {
        if (!c.hasPath(key)) {
            return dflt;
        }
        if (c.getValue(key).valueType() == ConfigValueType.OBJECT || c.getValue(key).valueType() == ConfigValueType.LIST) {
            throw new PcLoraException("dataset key '" + key + "' must be a string");
        }
        return c.getString(key);
    }

    /**
     * The file of a split: key {@code train}/{@code test} (default {@code dflt}) resolved against the
     * folder in key {@code path} when relative.
     */
    protected Path splitFile(Config dataset, String split, String dflt) {
        String f = getString(dataset, split, dflt);
        if (dataset.hasPath("path")) {
            return org.pclora.core.data.DatasetPaths.folder(name(), "path", getString(dataset, "path", null),
                    "the " + name() + " split files (" + f + " for " + split + ")").resolve(f);
        }
        Path p = Path.of(f);
        if (!p.isAbsolute()) {
            throw new PcLoraException("dataset " + name() + " needs 'path' (a folder) or an absolute '" + split
                    + "' file");
        }
        return p;
    }
}
