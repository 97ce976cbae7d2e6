package org.pclora.core.nn;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.kernels.Kernels;

/**
 * Dense layer {@code y = x W^T + b} with the weight stored as HF does, [out, in]. Input is
 * [rows, in] (callers flatten batch and tokens into rows).
 */
public final class Linear implements Layer {
    private final String name;
    private final Parameter weight;
    private final Parameter bias;
    private INDArray lastInput;

    /**
     * @param name   parameter prefix; tensors are {@code name + ".weight"} and {@code name + ".bias"}
     * @param weight [out, in]
     * @param bias   [out], or null for no bias
     */
    public Linear(String name, Parameter weight, Parameter bias) {
        this.name = name;
        this.weight = weight;
        this.bias = bias;
    }

    /** A trainable layer with weights ~ N(0, std^2) drawn from {@code rng} and zero bias. */
    public static Linear create(String name, int in, int out, boolean withBias, double std, DataType dtype,
                                java.util.SplittableRandom rng) {
        Parameter pw = Parameter.trainable(name + ".weight", Init.normal(rng, std, dtype, out, in), true);
        Parameter pb = withBias ? Parameter.trainable(name + ".bias", Nd4j.zeros(dtype, out), false) : null;
        return new Linear(name, pw, pb);
    }

    public String name() {
        return name;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias parameter or null. */
    public Parameter bias() {
        return bias;
    }

    public int inFeatures() {
        return (int) weight.value().size(1);
    }

    public int outFeatures() {
        return (int) weight.value().size(0);
    }

    /** The output is fresh and not kept (backward reads the input only). */
    @Override
    public boolean outputDisposable() {
        return true;
    }

    @Override
    public INDArray forward(INDArray x, boolean training) {
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.size(0), outFeatures());
        gemmPlusBias(x, weight.value(), bias == null ? null : bias.value(), y);
        lastInput = training ? x : null;
        return y;
    }

    /**
     * {@code y = x w^T + bias} (bias [out] or null). With the fused kernels the bias is written into
     * y first and the GEMM adds to it (beta 1), saving the separate pass over y.
     */
    public static void gemmPlusBias(INDArray x, INDArray w, INDArray bias, INDArray y) {
        if (bias != null && Kernels.supports(y, bias)) {
            Kernels.fillRows(y, bias);
            Nd4j.gemm(x, w, y, false, true, 1.0, 1.0);
            return;
        }
        Nd4j.gemm(x, w, y, false, true, 1.0, 0.0);
        if (bias != null) {
            y.addiRowVector(bias);
        }
    }

    @Override
    public INDArray backward(INDArray dy) {
        return backward(dy, null);
    }

    /** Adds dL/dx into {@code dx} with the input-gradient product (GEMM beta 1). */
    @Override
    public void backwardAdding(INDArray dy, INDArray dx) {
        backward(dy, dx);
    }

    private INDArray backward(INDArray dy, INDArray dxSum) {
        if (lastInput == null) {
            throw new IllegalStateException(name + ": backward without a training forward");
        }
        if (weight.isTrainable()) {
            // dW [out,in] += dy^T [out,rows] x [rows,in]
            Nd4j.gemm(dy, lastInput, weight.grad(), true, false, 1.0, 1.0);
        }
        if (bias != null && bias.isTrainable()) {
            if (Kernels.supports(dy, bias.grad())) {
                Kernels.addColumnSums(dy, bias.grad());
            } else {
                bias.grad().addi(dy.sum(0));
            }
        }
        INDArray dx = dxSum != null ? dxSum : Nd4j.createUninitialized(dy.dataType(), dy.size(0), inFeatures());
        Nd4j.gemm(dy, weight.value(), dx, false, false, 1.0, dxSum != null ? 1.0 : 0.0);
        lastInput = null;
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(2);
        ps.add(weight);
        if (bias != null) {
            ps.add(bias);
        }
        return ps;
    }
}
