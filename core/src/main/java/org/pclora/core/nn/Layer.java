package org.pclora.core.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A differentiable block with explicit forward and backward passes over INDArray.
 *
 * <p>{@code forward} keeps what {@code backward} needs; {@code backward} takes the gradient of
 * the loss with respect to the last forward's output, <em>adds</em> parameter gradients into
 * the trainable parameters' buffers and returns the gradient with respect to the input. One
 * backward per forward; in evaluation ({@code training == false}) nothing is kept.
 */
public interface Layer {
    INDArray forward(INDArray x, boolean training);

    INDArray backward(INDArray dy);

    /**
     * {@link #backward} that adds dL/dx into {@code dx} [rows, in] instead of returning it: layers
     * whose input gradient is a product accumulate it there (GEMM beta 1), saving a temporary and an
     * add; the default adds the returned gradient.
     */
    default void backwardAdding(INDArray dy, INDArray dx) {
        dx.addi(backward(dy));
    }

    /**
     * Whether the array a training {@link #forward} returns is the caller's to overwrite once read:
     * the layer keeps no reference to it for backward. The block then runs the next elementwise
     * pass (GELU) in place, saving one activation-sized array per step. Default false.
     */
    default boolean outputDisposable() {
        return false;
    }

    /** All parameters, trainable and frozen, in a stable order. */
    List<Parameter> parameters();
}
