package org.pclora.core.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pclora.core.nn.Dropout;
import org.pclora.core.nn.Parameter;

/** A family's task head: the logits from the last hidden state. */
public interface Head {
    /** Logits [B, classes] from the last hidden state [B, T, D]. */
    INDArray forward(INDArray hidden, boolean training);

    /**
     * Backward of the last training forward: adds the parameter gradients for {@code dLogits}
     * (null when the loss did not use the logits) and adds dL/d(hidden) into {@code dHidden}
     * [B, T, D].
     */
    void backward(INDArray dLogits, INDArray dHidden);

    /** Parameters in checkpoint order. */
    List<Parameter> parameters();

    /** Multiply-adds per example by layer kind (e.g. {@code pooler}, {@code classifier}). */
    Map<String, Long> macs();

    /**
     * Every dropout layer, in a stable order: checkpoints keep their mask streams so that a resumed
     * run draws the masks of the uninterrupted one. A part with dropout must list it here.
     */
    default List<Dropout> dropouts() {
        return List.of();
    }
}
