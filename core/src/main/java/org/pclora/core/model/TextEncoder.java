package org.pclora.core.model;

import com.typesafe.config.Config;
import java.util.List;

/**
 * Turns texts into the batch a text model reads (a family's tokenizer, as its datasets use it),
 * so that {@code pclora infer text=...} feeds a checkpoint exactly what it was trained on.
 */
public interface TextEncoder extends AutoCloseable {
    /** Description keys: where the vocabulary is (a path or {@code embedded:...}). */
    String VOCAB = "vocab";
    /** Description keys: SHA-256 of the vocabulary's tokens in id order, one per line. */
    String VOCAB_SHA256 = "vocab_sha256";
    /** Description keys: whether text is lower-cased (and accents stripped) first. */
    String LOWER_CASE = "lower_case";
    /** Description keys: tokens per text at most, special tokens included. */
    String MAX_LENGTH = "max_length";

    /** Every input the model reads for {@code texts}, padded to the longest; no labels. */
    Batch encode(List<String> texts);

    /**
     * How this encoder was made ({@link #VOCAB}, {@link #VOCAB_SHA256}, {@link #LOWER_CASE},
     * {@link #MAX_LENGTH}): stored with an export and given back to
     * {@link org.pclora.core.spi.ModelFamily#textEncoder} to rebuild the same encoder.
     */
    Config description();

    @Override
    void close();
}
