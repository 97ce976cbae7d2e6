package org.pclora.core.checkpoint;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The tensors of one checkpoint and what its source says about them, in a form every model
 * family reads alike, whatever the file format.
 *
 * @param source       where the tensors came from (a file, a bundle index), for messages
 * @param format       the reader's format name ({@code safetensors}, {@code tf-bundle} ...)
 * @param tensors      tensors by name (HF names where the reader translates them)
 * @param metadata     the file's string metadata (safetensors {@code __metadata__}), or empty
 * @param architecture this project's resolved architecture from the metadata, or null
 * @param hfConfig     a HF-style {@code config.json} (or Google's {@code bert_config.json}) beside it, or null
 * @param family       the model family the source names (metadata, {@code model_type}, the format), or null
 * @param unusedHeads  pre-training head tensors present and not used by a classifier
 * @param skipped      source names not read (training state, position ids ...)
 */
public record Checkpoint(String source, String format, Map<String, INDArray> tensors, Map<String, String> metadata,
                         Config architecture, Path hfConfig, String family, Map<String, INDArray> unusedHeads,
                         List<String> skipped) {
}
