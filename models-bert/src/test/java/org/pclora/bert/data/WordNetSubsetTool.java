package org.pclora.bert.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the embedded WordNet supersense subset from a real {@code data.noun} (Debian's
 * {@code wordnet-base}): the fixed {@link WordNetSplit}, then a stratified
 * {@link WordNetSplit#subset} of each split, written as data.noun lines with the pointers dropped
 * ({@code p_cnt 000}) and WordNet's licence lines at the top. Deterministic: the same data.noun
 * gives the same bytes ({@code WordNetSupersenseTest} checks the committed files against it).
 *
 * <p>Regenerate: {@code mvn -B -q -pl models-bert -am test-compile} then run this class's main
 * with the test class path, arguments {@code /usr/share/wordnet/data.noun
 * models-bert/src/main/resources/org/pclora/bert/data/wordnet}.
 */
public final class WordNetSubsetTool {
    /** Synsets per split in the embedded subset (before per-class rounding). */
    public static final Map<String, Integer> SIZES = Map.of("train", 12000, "validation", 1000, "test", 2500);

    private WordNetSubsetTool() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: WordNetSubsetTool <data.noun> <output folder>");
            System.exit(2);
        }
        Map<String, String> files = build(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8), args[0]);
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        for (Map.Entry<String, String> e : files.entrySet()) {
            Files.writeString(out.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
            System.out.println(out.resolve(e.getKey()) + ": " + e.getValue().lines().filter(l -> !l.startsWith("  ")).count()
                    + " synsets");
        }
    }

    /** File name ({@code train.noun}, ...) to content. */
    static Map<String, String> build(String dataNoun, String name) {
        StringBuilder licence = new StringBuilder();
        Map<Long, String> lines = new HashMap<>();
        for (String line : dataNoun.split("\n", -1)) {
            if (line.startsWith("  ")) {
                licence.append(line).append('\n');
            } else if (!line.isBlank()) {
                lines.put(Long.parseLong(line.substring(0, line.indexOf(' '))), line);
            }
        }
        List<WordNetNouns.Synset> all = WordNetNouns.parse(dataNoun, name);
        Map<String, String> out = new java.util.TreeMap<>();
        for (String split : WordNetSplit.SPLITS) {
            StringBuilder sb = new StringBuilder(licence);
            for (WordNetNouns.Synset s : WordNetSplit.subset(WordNetSplit.of(all, split), SIZES.get(split))) {
                sb.append(withoutPointers(lines.get(s.offset()))).append('\n');
            }
            out.put(split + ".noun", sb.toString());
        }
        return out;
    }

    /** The line with its pointer list replaced by {@code 000}: offset, file, type, words, gloss kept. */
    static String withoutPointers(String line) {
        int bar = line.indexOf(" | ");
        String[] f = line.substring(0, bar).split(" +");
        int words = Integer.parseInt(f[3], 16);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4 + 2 * words; i++) {
            sb.append(f[i]).append(' ');
        }
        return sb.append("000").append(line.substring(bar)).toString().stripTrailing();
    }
}
