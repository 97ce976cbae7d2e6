package org.pclora.bert.tokenizer;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pclora.core.PcLoraException;

/**
 * Builds the tokenizer an architecture config asks for: key {@code vocab} is a {@code vocab.txt},
 * a {@code tokenizer.json}, or {@code embedded:uncased} (the default: the BERT-base-uncased
 * vocabulary shipped in this jar); key {@code lower_case} (default true) applies to vocab.txt.
 */
public final class Tokenizers {
    /** The embedded BERT-base-uncased vocabulary. */
    public static final String EMBEDDED_UNCASED = "embedded:uncased";
    private static final String UNCASED_RESOURCE = "/org/pclora/bert/data/vocab-uncased.txt";

    private Tokenizers() {
    }

    /** The tokenizer of {@code architecture} producing at most {@code maxLength} tokens. */
    public static BertTokenizer forArchitecture(Config architecture, int maxLength) {
        String vocab = architecture.hasPath("vocab") ? architecture.getString("vocab") : EMBEDDED_UNCASED;
        boolean lower = !architecture.hasPath("lower_case") || architecture.getBoolean("lower_case");
        return open(vocab, lower, maxLength);
    }

    /** The tokenizer of a vocab location (see the class comment). */
    public static BertTokenizer open(String vocab, boolean lowerCase, int maxLength) {
        if (vocab.equals(EMBEDDED_UNCASED)) {
            return BertTokenizer.fromVocab(embeddedUncased(), true, maxLength, EMBEDDED_UNCASED);
        }
        Path p = Path.of(vocab);
        if (Files.isDirectory(p)) {
            Path json = p.resolve("tokenizer.json");
            p = Files.exists(json) ? json : p.resolve("vocab.txt");
        }
        if (!Files.isRegularFile(p)) {
            throw new PcLoraException("vocab " + vocab + " does not exist: expected a vocab.txt, a tokenizer.json, "
                    + "a folder holding one, or " + EMBEDDED_UNCASED);
        }
        return p.getFileName().toString().endsWith(".json") ? BertTokenizer.fromTokenizerJson(p, maxLength)
                : BertTokenizer.fromVocab(p, lowerCase, maxLength);
    }

    /** The 30,522 tokens of the embedded BERT-base-uncased vocabulary, in id order. */
    public static List<String> embeddedUncased() {
        try (InputStream in = Tokenizers.class.getResourceAsStream(UNCASED_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + UNCASED_RESOURCE + " is missing from the jar");
            }
            return BertTokenizer.readVocab(in.readAllBytes(), EMBEDDED_UNCASED);
        } catch (IOException e) {
            throw new IllegalStateException("resource " + UNCASED_RESOURCE + " cannot be read", e);
        }
    }
}
