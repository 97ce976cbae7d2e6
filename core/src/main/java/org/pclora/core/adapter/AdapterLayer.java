package org.pclora.core.adapter;

import org.pclora.core.nn.Layer;
import org.pclora.core.nn.Linear;

/**
 * A linear layer wrapped with a low-rank adapter beside its frozen dense path (PC-LoRA, plain
 * LoRA, ...). Input [rows, in], output [rows, out].
 */
public interface AdapterLayer extends Layer {
    /** Parameter prefix of the wrapped layer, e.g. {@code bert.encoder.layer.0.attention.self.query}. */
    String name();

    /** Sets the decay factor applied to the frozen path for the following passes. */
    void setLambda(double lambda);

    double lambda();

    int rank();

    int inFeatures();

    int outFeatures();

    /**
     * The adapter-only layer that remains when lambda is 0: tensors {@code name.lora_A.weight}
     * [r, in], {@code name.lora_B.weight} [out, r] with the scaling folded in, and
     * {@code name.lora_B.bias} [out] when the adapter has a bias.
     */
    CompressedLinear compress();

    /** The wrapped dense layer (frozen path). */
    Linear dense();
}
