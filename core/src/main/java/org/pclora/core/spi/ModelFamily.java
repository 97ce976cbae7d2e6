package org.pclora.core.spi;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.pclora.core.checkpoint.Checkpoint;
import org.pclora.core.checkpoint.CheckpointReader;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.model.FeatureKind;

/**
 * Supplies transformer architectures by name (e.g. {@code vit-b16}, {@code bert-base}), their
 * HF parameter names and their feature taps for distillation.
 */
public interface ModelFamily extends Plugin {
    /** Named architectures, e.g. {@code vit-ti16, vit-s16, vit-b16, vit-l16}. */
    List<String> architectures();

    /**
     * The full architecture config of {@code model}: the named architecture's values with any
     * free-size keys in {@code model} overriding them. Unknown names or keys raise
     * {@link org.pclora.core.PcLoraException}.
     */
    Config resolve(Config model);

    /** A freshly initialised model (seeded) of a resolved architecture. */
    ClassifierModel create(Config architecture, long seed);

    /**
     * Loads a checkpoint (HF safetensors or the family's other formats) into a model of the
     * resolved architecture; strict about missing, unexpected and mis-shaped tensors unless
     * {@code strict} is false.
     */
    ClassifierModel load(Path checkpoint, Config architecture, boolean strict);

    /**
     * As {@link #load(Path, Config, boolean)}, with {@code headSeed} seeding whatever the checkpoint
     * does not hold (a classifier head it lacks or has for another class count).
     */
    default ClassifierModel load(Path checkpoint, Config architecture, boolean strict, long headSeed) {
        return load(checkpoint, architecture, strict);
    }

    /**
     * Loads an already read checkpoint (see {@link org.pclora.core.checkpoint.CheckpointChain}),
     * as {@link #load(Path, Config, boolean)} does for a location.
     */
    default ClassifierModel load(Checkpoint checkpoint, Config architecture, boolean strict) {
        return load(Path.of(checkpoint.source()), architecture, strict);
    }

    /** Readers of the checkpoint formats only this family knows (core reads safetensors). */
    default List<CheckpointReader> checkpointReaders() {
        return List.of();
    }

    /**
     * The text encoder (tokenizer) of a model of this family: the one {@code description} names
     * (from an export's metadata, see {@link org.pclora.core.model.TextEncoder#description()}), or,
     * with {@code description} null, the architecture's own. Empty for families that do not read
     * text. A vocabulary that is missing or has changed since the export raises
     * {@link org.pclora.core.PcLoraException}.
     */
    default java.util.Optional<org.pclora.core.model.TextEncoder> textEncoder(Config architecture, Config description) {
        return java.util.Optional.empty();
    }

    /** The feature kinds this family can tap. */
    Set<FeatureKind> taps();

    /** Regular expression over linear-slot names selecting the default adapted layers. */
    String defaultTargets();
}
