package org.pclora.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A named tensor of a model, with HF-style dotted name (e.g.
 * {@code vit.encoder.layer.0.attention.attention.query.weight}). Trainable parameters own a
 * gradient buffer of the same shape that backward passes accumulate into; frozen ones have none.
 */
public final class Parameter {
    private final String name;
    private INDArray value;
    private INDArray grad;
    private boolean weightDecay;

    private Parameter(String name, INDArray value, boolean trainable, boolean weightDecay) {
        this.name = name;
        this.value = value;
        this.weightDecay = weightDecay;
        if (trainable) {
            this.grad = value.ulike();
            this.grad.assign(0);
        }
    }

    /** A trainable parameter; {@code weightDecay} is false for biases and LayerNorm parameters. */
    public static Parameter trainable(String name, INDArray value, boolean weightDecay) {
        return new Parameter(name, value, true, weightDecay);
    }

    /** A frozen parameter: no gradient buffer, never touched by the optimizer. */
    public static Parameter frozen(String name, INDArray value) {
        return new Parameter(name, value, false, false);
    }

    public String name() {
        return name;
    }

    public INDArray value() {
        return value;
    }

    /** Replaces the value (e.g. when loading weights); the shape must match. */
    public void set(INDArray newValue) {
        if (!java.util.Arrays.equals(newValue.shape(), value.shape())) {
            throw new IllegalArgumentException("parameter " + name + ": shape "
                    + java.util.Arrays.toString(newValue.shape()) + " does not match "
                    + java.util.Arrays.toString(value.shape()));
        }
        value.assign(newValue);
    }

    /** The gradient buffer, or null when frozen. */
    public INDArray grad() {
        return grad;
    }

    public boolean isTrainable() {
        return grad != null;
    }

    public boolean weightDecay() {
        return weightDecay;
    }

    public void zeroGrad() {
        if (grad != null) {
            grad.assign(0);
        }
    }

    /**
     * Moves this trainable parameter's value and gradient into the given arrays (same shape;
     * typically views of one flat buffer an optimizer updates in a few large operations). The
     * current contents are copied over; layers read {@link #value()} at each use, so they follow.
     */
    public void rebind(INDArray valueView, INDArray gradView) {
        if (grad == null) {
            throw new IllegalStateException("parameter " + name + " is frozen: only trainable parameters are packed");
        }
        if (!java.util.Arrays.equals(valueView.shape(), value.shape())
                || !java.util.Arrays.equals(gradView.shape(), value.shape())) {
            throw new IllegalArgumentException("parameter " + name + ": packed views must have shape "
                    + java.util.Arrays.toString(value.shape()));
        }
        valueView.assign(value);
        gradView.assign(grad);
        value = valueView;
        if (grad.closeable()) {
            grad.close(); // the parameter's own buffer, never shared: freed now
        }
        grad = gradView;
    }

    /** Stops training this parameter and releases its gradient buffer. */
    public void freeze() {
        // freed now, not at some later collection: freezing a whole pre-trained model's weights
        // (PC-LoRA wraps every linear layer) otherwise leaves their size in garbage
        if (grad != null && grad.closeable()) {
            grad.close();
        }
        grad = null;
    }

    /** Starts training this parameter (allocates a zero gradient buffer if needed). */
    public void unfreeze(boolean decay) {
        if (grad == null) {
            grad = value.ulike();
            grad.assign(0);
        }
        this.weightDecay = decay;
    }

    public long size() {
        return value.length();
    }

    @Override
    public String toString() {
        return name + java.util.Arrays.toString(value.shape()) + (isTrainable() ? "" : " (frozen)");
    }
}
