package org.pclora.bert.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.pclora.core.PcLoraException;

/**
 * Reader of WordNet's noun data file ({@code data.noun}, format {@code wndb(5WN)}): one synset a
 * line, {@code offset lex_filenum n w_cnt word lex_id [word lex_id ...] p_cnt [ptr offset pos
 * src/tgt ...] | gloss}. Licence lines at the top start with two spaces and are skipped. The
 * lexicographer file number names the synset's supersense: noun files 03 (noun.Tops) to 28
 * (noun.time), 26 classes in WordNet's {@code lexnames} order.
 */
public final class WordNetNouns {
    /** The 26 noun lexicographer files (supersenses), index = lex_filenum - 3, as in WordNet's lexnames. */
    public static final List<String> SUPERSENSES = List.of("noun.Tops", "noun.act", "noun.animal", "noun.artifact",
            "noun.attribute", "noun.body", "noun.cognition", "noun.communication", "noun.event", "noun.feeling",
            "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object", "noun.person",
            "noun.phenomenon", "noun.plant", "noun.possession", "noun.process", "noun.quantity", "noun.relation",
            "noun.shape", "noun.state", "noun.substance", "noun.time");

    /** Lexicographer file number of noun.Tops, the first noun file. */
    public static final int FIRST_NOUN_FILE = 3;

    private static final String FORMAT = "expected the WordNet data.noun format 'offset lex_filenum n w_cnt word lex_id"
            + " ... p_cnt [ptr offset pos src/tgt ...] | gloss'";

    private WordNetNouns() {
    }

    /**
     * One noun synset.
     *
     * @param offset     the synset offset (8 digits in the file), its identity within one WordNet version
     * @param lexFile    the lexicographer file number (3..28)
     * @param words      the synset's lemmas, underscores turned into spaces, in file order
     * @param pointers   number of pointers (relations) the line lists
     * @param gloss      everything after {@code " | "}: the definition, then any quoted examples
     */
    public record Synset(long offset, int lexFile, List<String> words, int pointers, String gloss) {
        /** The supersense name, e.g. {@code noun.animal}. */
        public String supersense() {
            return SUPERSENSES.get(lexFile - FIRST_NOUN_FILE);
        }

        /** The class index 0..25 in {@link #SUPERSENSES} order. */
        public int classIndex() {
            return lexFile - FIRST_NOUN_FILE;
        }

        /**
         * The definition part of the gloss: the text before the first {@code ; "} that starts the
         * quoted usage examples (the whole gloss when it has none).
         */
        public String definition() {
            int i = gloss.indexOf("; \"");
            return (i < 0 ? gloss : gloss.substring(0, i)).strip();
        }
    }

    /**
     * Parses the content of a data.noun file ({@code name} is used in error messages, with the
     * line number). Lines that start with two spaces (the licence) and blank lines are skipped.
     */
    public static List<Synset> parse(String content, String name) {
        List<Synset> out = new ArrayList<>();
        int lineNo = 0;
        int from = 0;
        int n = content.length();
        while (from < n) {
            int end = content.indexOf('\n', from);
            if (end < 0) {
                end = n;
            }
            lineNo++;
            String line = content.substring(from, end);
            from = end + 1;
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.startsWith("  ") || line.isBlank()) {
                continue;
            }
            out.add(parseLine(line, name + " line " + lineNo));
        }
        if (out.isEmpty()) {
            throw new PcLoraException("WordNet file " + name + " holds no synset lines: " + FORMAT);
        }
        return Collections.unmodifiableList(out);
    }

    /** Parses one synset line; {@code where} names the file and line in errors. */
    static Synset parseLine(String line, String where) {
        int bar = line.indexOf(" | ");
        String head = bar < 0 ? line : line.substring(0, bar);
        String gloss = bar < 0 ? "" : line.substring(bar + 3).strip();
        if (bar < 0) {
            throw bad(where, "has no ' | ' before the gloss");
        }
        String[] f = head.strip().split(" +");
        int i = 0;
        long offset = number(f, i++, 10, where, "synset offset");
        int lexFile = (int) number(f, i++, 10, where, "lex_filenum");
        if (lexFile < FIRST_NOUN_FILE || lexFile >= FIRST_NOUN_FILE + SUPERSENSES.size()) {
            throw new PcLoraException("WordNet file " + where + " has lex_filenum " + lexFile
                    + ", which is not a noun lexicographer file: expected 03 (noun.Tops) to 28 (noun.time)");
        }
        if (i >= f.length || !f[i].equals("n")) {
            throw bad(where, "has synset type '" + (i < f.length ? f[i] : "") + "' where 'n' belongs");
        }
        i++;
        int wordCount = (int) number(f, i++, 16, where, "w_cnt (two hex digits)");
        if (wordCount < 1) {
            throw bad(where, "has w_cnt 0: a synset has at least one word");
        }
        List<String> words = new ArrayList<>(wordCount);
        for (int w = 0; w < wordCount; w++) {
            if (i + 1 >= f.length) {
                throw bad(where, "ends after " + w + " of its " + wordCount + " words");
            }
            words.add(f[i].replace('_', ' '));
            number(f, i + 1, 16, where, "lex_id of word " + f[i]);
            i += 2;
        }
        int pointerCount = (int) number(f, i++, 10, where, "p_cnt");
        if (f.length - i < 4 * pointerCount) {
            throw bad(where, "lists p_cnt " + pointerCount + " pointers but has fields for "
                    + (f.length - i) / 4);
        }
        return new Synset(offset, lexFile, List.copyOf(words), pointerCount, gloss);
    }

    private static long number(String[] f, int i, int radix, String where, String what) {
        if (i >= f.length) {
            throw bad(where, "ends before its " + what);
        }
        try {
            long v = Long.parseLong(f[i], radix);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw bad(where, "has '" + f[i] + "' where the " + what + " belongs");
        }
    }

    private static PcLoraException bad(String where, String what) {
        return new PcLoraException("WordNet file " + where + " " + what + ": " + FORMAT);
    }
}
