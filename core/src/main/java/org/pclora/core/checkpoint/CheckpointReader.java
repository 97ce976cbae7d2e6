package org.pclora.core.checkpoint;

/**
 * Reads one checkpoint format. Core reads safetensors (HF files and this project's exports);
 * a model family adds the formats only it knows (BERT: Google TF bundles, SavedModels, jars,
 * {@code maven:} coordinates) through the model family SPI ({@code ModelFamily#checkpointReaders()}).
 */
public interface CheckpointReader {
    /** Short format name, e.g. {@code safetensors}. */
    String format();

    /** What locations this reader takes, for the error that lists the accepted forms. */
    String accepted();

    /** Whether this reader takes {@code location} (a cheap look at the name or the first bytes). */
    boolean accepts(String location);

    /**
     * Reads the checkpoint; a broken file raises one {@link org.pclora.core.PcLoraException} line.
     * With {@code strict}, tensors that belong to no model of the format are an error.
     */
    Checkpoint read(String location, boolean strict);
}
