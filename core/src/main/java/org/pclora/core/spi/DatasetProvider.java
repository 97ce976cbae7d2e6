package org.pclora.core.spi;

import com.typesafe.config.Config;
import org.pclora.core.data.Dataset;

/**
 * Opens datasets of one format (e.g. {@code idx}, {@code cifar}, {@code image-folder},
 * {@code fortunes}, {@code imdb}) prepared for a model architecture (image size and channels,
 * or tokenizer and sequence length).
 */
public interface DatasetProvider extends Plugin {
    /**
     * Opens {@code split} ({@code train} or {@code test}) of the dataset described by
     * {@code dataset} (format-specific keys such as {@code path}), preprocessed for
     * {@code architecture}. Missing or malformed data raises {@link org.pclora.core.PcLoraException}
     * naming the file and what was expected; a provider that reads a folder checks it first with
     * {@link org.pclora.core.data.DatasetPaths#folder}, so that a file or a missing path is named
     * as such together with what the provider expects there.
     */
    Dataset open(Config dataset, Config architecture, String split);

    /**
     * Whether this format has a validation split of its own, opened as split {@code validation}
     * (WordNet's 1,000 embedded validation glosses, a folder's {@code val/}); without one the
     * runner holds {@code dataset.val_fraction} of the training split out instead.
     */
    default boolean hasValidation(Config dataset) {
        return false;
    }
}
