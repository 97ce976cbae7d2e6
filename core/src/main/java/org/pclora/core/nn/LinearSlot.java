package org.pclora.core.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A named place in a model that holds a linear map, dense at first and replaceable by an adapter
 * (or its compressed form) without the model knowing which. Blocks call the slot, never the layer.
 */
public final class LinearSlot implements Layer {
    private final String name;
    private final int in;
    private final int out;
    private Layer layer;
    private boolean keepOutput;
    private INDArray lastOutput;
    private INDArray pendingOutputGradient;

    public LinearSlot(Linear dense) {
        this.name = dense.name();
        this.in = dense.inFeatures();
        this.out = dense.outFeatures();
        this.layer = dense;
    }

    /** Parameter prefix, e.g. {@code vit.encoder.layer.0.intermediate.dense}. */
    public String name() {
        return name;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }

    public Layer layer() {
        return layer;
    }

    /** Puts another layer with the same in/out shape into this slot. */
    public void replace(Layer replacement) {
        this.layer = replacement;
    }

    /** Whether forward keeps its output for distillation taps ({@code layer.<name>} features). */
    public void setKeepOutput(boolean keep) {
        this.keepOutput = keep;
        if (!keep) {
            lastOutput = null;
        }
    }

    /** The output of the last forward when {@link #setKeepOutput} is on, else null. */
    public INDArray lastOutput() {
        return lastOutput;
    }

    /**
     * Adds a gradient with respect to this slot's output coming from a distillation loss; it is
     * added to the gradient flowing back in the next {@link #backward}.
     */
    public void addOutputGradient(INDArray g) {
        pendingOutputGradient = pendingOutputGradient == null ? g.dup() : pendingOutputGradient.addi(g);
    }

    /** The layer's output is disposable and this slot does not keep it as a tap. */
    @Override
    public boolean outputDisposable() {
        return !keepOutput && layer.outputDisposable();
    }

    @Override
    public INDArray forward(INDArray x, boolean training) {
        INDArray y = layer.forward(x, training);
        lastOutput = keepOutput ? y : null;
        return y;
    }

    /**
     * Inference forward followed by what the block does next: {@code e(y) + residual} with e the
     * GELU when {@code gelu}, residual [rows, out] or null. A low-rank layer (compressed, or PC-LoRA
     * at lambda 0) runs it fused into its output pass ({@link LowRank#apply}) unless the output is
     * kept as a tap; any other layer runs its forward, then the GELU layer and a residual add.
     */
    public INDArray forwardInference(INDArray x, boolean gelu, INDArray residual) {
        if (!keepOutput && layer instanceof LowRank.Layer lr) {
            LowRank.Factors f = lr.lowRankFactors();
            if (f != null) {
                try {
                    lastOutput = null;
                    return LowRank.apply(x, f, gelu, residual);
                } finally {
                    f.release();
                }
            }
        }
        return LowRank.epilogue(forward(x, false), gelu, residual);
    }

    /** The factors of this slot's layer when its inference forward is low-rank now and its output is not a tap, else null. */
    LowRank.Factors lowRankFactors() {
        return !keepOutput && layer instanceof LowRank.Layer lr ? lr.lowRankFactors() : null;
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (pendingOutputGradient != null) {
            dy = dy.add(pendingOutputGradient);
            pendingOutputGradient = null;
        }
        return layer.backward(dy);
    }

    @Override
    public void backwardAdding(INDArray dy, INDArray dx) {
        if (pendingOutputGradient != null) {
            dy = dy.add(pendingOutputGradient);
            pendingOutputGradient = null;
        }
        layer.backwardAdding(dy, dx);
    }

    @Override
    public List<Parameter> parameters() {
        return layer.parameters();
    }
}
