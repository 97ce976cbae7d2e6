package org.pclora.core.data;

import java.util.Iterator;
import java.util.List;
import org.pclora.core.model.Batch;

/**
 * A labelled split, preprocessed for one model, streamed in batches (no requirement to hold the
 * decoded float inputs of the whole split in memory).
 */
public interface Dataset {
    /** Number of examples. */
    long size();

    /** Class names in label order. */
    List<String> classNames();

    default int numClasses() {
        return classNames().size();
    }

    /**
     * Batches over one epoch. With {@code shuffle}, the order is a seeded permutation (same seed,
     * same order); {@code augment} turns on training augmentation where the dataset has any.
     * The last batch may be smaller.
     */
    Iterator<Batch> batches(int batchSize, boolean shuffle, long seed, boolean augment);

    /**
     * How raw inputs became this split's tensors, for exports that must take raw inputs later:
     * a text split's tokenizer ({@link org.pclora.core.model.TextEncoder#description()}); empty
     * when there is nothing to record.
     */
    default java.util.Optional<com.typesafe.config.Config> textEncoding() {
        return java.util.Optional.empty();
    }

    /** Where the data came from, for provenance (path or "embedded:..."). */
    String source();

    /**
     * Whether {@link #label} and {@link #select} work, so that a validation share or a subset can
     * be cut from this dataset ({@link HoldOut}).
     */
    default boolean selectable() {
        return false;
    }

    /** Class index of example {@code i} (when {@link #selectable()}). */
    default int label(int i) {
        throw new UnsupportedOperationException(source() + " cannot report single labels");
    }

    /**
     * The examples at {@code indices}, in that order, as a dataset of their own with the same
     * preprocessing (when {@link #selectable()}); {@code source} names it.
     */
    default Dataset select(int[] indices, String source) {
        throw new UnsupportedOperationException(source() + " cannot select examples");
    }
}
