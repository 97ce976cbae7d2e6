package org.pclora.bert.data;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.pclora.core.PcLoraException;

/**
 * WordNet noun supersenses ({@code wordnet-supersense}): the gloss of a noun synset labelled with
 * its lexicographer file, 26 classes from {@code noun.Tops} to {@code noun.time} (see
 * {@link WordNetNouns#SUPERSENSES}). The text is the gloss alone by default, so the lemma does
 * not give the class away; the split is {@link WordNetSplit}'s fixed stratified 80 / 10 / 10 by
 * synset offset.
 *
 * <p>Keys (besides {@link TextDatasetProvider#COMMON_KEYS}):
 * <ul>
 *   <li>{@code path}: a WordNet dict folder holding {@code data.noun} (Debian's {@code wordnet-base}:
 *       {@code /usr/share/wordnet}) or the data.noun file itself; {@code ""} (default) reads the
 *       embedded stratified subset (see its ATTRIBUTION file), already split;</li>
 *   <li>{@code text}: {@code gloss} (definition and quoted examples, default) or {@code definition}
 *       (the examples dropped);</li>
 *   <li>{@code prepend_lemmas}: put the synset's words before the text ({@code "dog, domestic dog: ..."});
 *       default false;</li>
 *   <li>{@code eval_split}: which split the runner's evaluation split reads, {@code test}
 *       (default) or {@code validation}.</li>
 * </ul>
 */
public final class WordNetSupersenseProvider extends TextDatasetProvider {
    /** Classpath folder of the embedded subset: {train,validation,test}.noun in data.noun format. */
    public static final String EMBEDDED = "/org/pclora/bert/data/wordnet/";

    /** The Debian package that holds WordNet 3.0's database files. */
    public static final String DEBIAN_PACKAGE = "wordnet-base";

    // Parsing the full data.noun takes a second; the train and test opens of one run share it.
    private static final Map<String, List<WordNetNouns.Synset>> PARSED = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "wordnet-supersense";
    }

    @Override
    public String description() {
        return "WordNet 3.0 noun glosses -> 26 supersenses (embedded stratified subset, or path= a WordNet dict"
                + " folder such as /usr/share/wordnet from Debian's wordnet-base)";
    }

    @Override
    protected Set<String> formatKeys() {
        return Set.of("path", "text", "prepend_lemmas", "eval_split");
    }

    /** WordNet has its own validation split (1,000 embedded glosses; 10 % of all synsets from a dict folder). */
    @Override
    public boolean hasValidation(Config dataset) {
        return true;
    }

    @Override
    protected List<String> formatClasses(Config dataset) {
        return WordNetNouns.SUPERSENSES;
    }

    @Override
    protected TextExamples read(Config dataset, String split) {
        String which = split.equals("test") ? getString(dataset, "eval_split", "test") : split;
        if (split.equals("test")) {
            if (!which.equals("test") && !which.equals("validation")) {
                throw new PcLoraException("dataset key 'eval_split' = '" + which + "' is not accepted: test or"
                        + " validation");
            }
        }
        String text = getString(dataset, "text", "gloss");
        if (!text.equals("gloss") && !text.equals("definition")) {
            throw new PcLoraException("dataset key 'text' = '" + text + "' is not accepted: gloss or definition");
        }
        boolean lemmas = false;
        if (dataset.hasPath("prepend_lemmas")) {
            if (dataset.getValue("prepend_lemmas").valueType() != ConfigValueType.BOOLEAN) {
                throw new PcLoraException("dataset key 'prepend_lemmas' must be true or false");
            }
            lemmas = dataset.getBoolean("prepend_lemmas");
        }
        String path = getString(dataset, "path", "");
        List<WordNetNouns.Synset> synsets;
        String source;
        if (path.isEmpty()) {
            source = "embedded:wordnet/" + which + ".noun";
            synsets = PARSED.computeIfAbsent(source, s -> WordNetNouns.parse(
                    TextReaders.resource(EMBEDDED + which + ".noun"), s));
        } else {
            Path file = dataNoun(Path.of(path));
            List<WordNetNouns.Synset> all = PARSED.computeIfAbsent(fileKey(file),
                    f -> WordNetNouns.parse(TextReaders.readUtf8(file), file.toString()));
            synsets = WordNetSplit.of(all, which);
            source = file + " (" + which + " split)";
        }
        List<String> texts = new ArrayList<>(synsets.size());
        List<String> labels = new ArrayList<>(synsets.size());
        List<String> where = new ArrayList<>(synsets.size());
        for (WordNetNouns.Synset s : synsets) {
            String t = text.equals("definition") ? s.definition() : s.gloss();
            texts.add(lemmas ? String.join(", ", s.words()) + ": " + t : t);
            labels.add(s.supersense());
            where.add(source + " synset " + String.format("%08d", s.offset()));
        }
        return new TextExamples(texts, null, labels, where, source + ", text " + text
                + (lemmas ? " with lemmas" : ""));
    }

    /** Cache key of a file: its absolute path, size and modification time (an edited file is read again). */
    private static String fileKey(Path file) {
        try {
            return file.toAbsolutePath() + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file).toMillis();
        } catch (java.io.IOException e) {
            throw new PcLoraException("WordNet file " + file + " cannot be read (" + e + ")");
        }
    }

    /** The data.noun file of a dict folder (or the file itself); a one-line error when missing. */
    static Path dataNoun(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("data.noun") : path;
        if (!Files.isRegularFile(file)) {
            throw new PcLoraException("WordNet file " + file + " does not exist: install Debian's " + DEBIAN_PACKAGE
                    + " (apt-get install " + DEBIAN_PACKAGE + "; files in /usr/share/wordnet), point dataset.path at a"
                    + " WordNet dict folder holding data.noun, or leave dataset.path empty for the embedded subset");
        }
        return file;
    }
}
