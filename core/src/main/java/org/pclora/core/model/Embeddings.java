package org.pclora.core.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.nn.Dropout;
import org.pclora.core.nn.Parameter;

/**
 * A family's input layer: turns a batch into the encoder's token rows. ViT embeds patches and
 * adds a class token and positions; BERT looks up words, positions and token types.
 */
public interface Embeddings {
    /**
     * The encoder input of one batch.
     *
     * @param rows   token vectors [B*T, D], batch-major
     * @param batch  B
     * @param tokens T
     * @param mask   padding mask [B, T] in the model's dtype (1 attend, 0 padding), or null
     */
    record Embedded(INDArray rows, int batch, int tokens, INDArray mask) {
    }

    /** Checks and embeds a batch; a wrong input raises a one-line {@link org.pclora.core.PcLoraException}. */
    Embedded forward(Batch batch, boolean training);

    /** Backward of the last training forward given dL/d(rows) [B*T, D]; adds parameter gradients. */
    void backward(INDArray dRows);

    /** Parameters in checkpoint order. */
    List<Parameter> parameters();

    /** Multiply-adds per example by layer kind (e.g. {@code patch_embedding}); look-ups count none. */
    Map<String, Long> macs();

    /**
     * Every dropout layer, in a stable order: checkpoints keep their mask streams so that a resumed
     * run draws the masks of the uninterrupted one. A part with dropout must list it here.
     */
    default List<Dropout> dropouts() {
        return List.of();
    }
}
