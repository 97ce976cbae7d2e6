package org.pclora.core.nn;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pclora.core.kernels.Kernels;

/**
 * Layer normalisation over the last axis of x [rows, width]:
 * {@code y = (x - mean) / sqrt(var + eps) * weight + bias}, with the biased variance as
 * BERT and ViT use. Parameters {@code name.weight} (ones) and {@code name.bias} (zeros) are
 * trainable and excluded from weight decay.
 *
 * <p>libnd4j's {@code layer_norm} has no epsilon argument (HF models use 1e-12), so the
 * normalisation is written with row reductions and broadcasting ops.
 */
public final class LayerNorm implements Layer {
    private final String name;
    private final double eps;
    private final Parameter weight;
    private final Parameter bias;
    /** Normalised input of the last training forward, [rows, width]. */
    private INDArray xhat;
    /** 1 / sqrt(var + eps) of the last training forward, [rows, 1]. */
    private INDArray invStd;
    /** 1 / sqrt(var + eps) per row of the last fused training forward, or null. */
    private float[] fusedRstd;

    /**
     * @param name  parameter prefix, e.g. {@code vit.encoder.layer.0.layernorm_before}
     * @param width size of the normalised axis
     * @param eps   added to the variance (HF: {@code layer_norm_eps})
     * @param dtype dtype of the parameters
     */
    public LayerNorm(String name, int width, double eps, DataType dtype) {
        this.name = name;
        this.eps = eps;
        this.weight = Parameter.trainable(name + ".weight", Nd4j.ones(dtype, width), false);
        this.bias = Parameter.trainable(name + ".bias", Nd4j.zeros(dtype, width), false);
    }

    /** Parameter prefix. */
    public String name() {
        return name;
    }

    /** The epsilon added to the variance. */
    public double eps() {
        return eps;
    }

    /** The scale parameter {@code name.weight} [width]. */
    public Parameter weight() {
        return weight;
    }

    /** The shift parameter {@code name.bias} [width]. */
    public Parameter bias() {
        return bias;
    }

    /**
     * {@link #forward} over a temporary the caller owns and will not read again (a residual sum): a
     * fused training forward writes xhat, which backward keeps, over x instead of into a new array
     * (the same values; the kernel has read a row before it writes it). Other paths are
     * {@link #forward}.
     */
    public INDArray forwardOverwriting(INDArray x, boolean training) {
        if (!training || x.rank() != 2 || !Kernels.supports(x, weight.value(), bias.value())) {
            return forward(x, training);
        }
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape());
        xhat = x;
        fusedRstd = new float[(int) x.size(0)];
        invStd = null;
        Kernels.layerNormForward(x, weight.value(), bias.value(), eps, y, x, fusedRstd);
        return y;
    }

    @Override
    public INDArray forward(INDArray x, boolean training) {
        if (x.rank() == 2 && Kernels.supports(x, weight.value(), bias.value())) {
            return fusedForward(x, training);
        }
        fusedRstd = null;
        int width = (int) x.size(1);
        INDArray centred = x.subColumnVector(x.mean(true, 1));
        // var = |x - mean|^2 / width from the row norm: no squared temporary of the input's size
        INDArray rstd = centred.norm2(true, 1);
        rstd.muli(rstd).muli(1.0 / width).addi(eps);
        Transforms.sqrt(rstd, false);
        rstd.rdivi(1.0);
        centred.muliColumnVector(rstd);
        if (!training) {
            xhat = null;
            invStd = null;
            return centred.muliRowVector(weight.value()).addiRowVector(bias.value());
        }
        xhat = centred;
        invStd = rstd;
        return centred.mulRowVector(weight.value()).addiRowVector(bias.value());
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (xhat == null) {
            throw new IllegalStateException(name + ": backward without a training forward");
        }
        if (fusedRstd != null && Kernels.supports(dy, xhat)) {
            return fusedBackward(dy);
        }
        if (fusedRstd != null) {
            invStd = Nd4j.createFromArray(java.util.Arrays.copyOf(fusedRstd, (int) xhat.size(0)))
                    .reshape(xhat.size(0), 1);
            fusedRstd = null;
        }
        INDArray dyXhat = dy.mul(xhat);
        if (weight.isTrainable()) {
            addColumnSums(dyXhat, weight.grad());
        }
        if (bias.isTrainable()) {
            addColumnSums(dy, bias.grad());
        }
        // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * weight
        INDArray meanGx = dyXhat.muliRowVector(weight.value()).mean(true, 1);
        INDArray dx = dy.mulRowVector(weight.value());
        dx.subiColumnVector(dx.mean(true, 1));
        dx.subi(xhat.muliColumnVector(meanGx));
        dx.muliColumnVector(invStd);
        xhat = null;
        invStd = null;
        return dx;
    }

    /** One pass per row through {@link Kernels#layerNormForward}; keeps xhat and rstd for backward. */
    private INDArray fusedForward(INDArray x, boolean training) {
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape());
        if (!training) {
            xhat = null;
            invStd = null;
            fusedRstd = null;
            Kernels.layerNormForward(x, weight.value(), bias.value(), eps, y, null, null);
            return y;
        }
        int rows = (int) x.size(0);
        xhat = Nd4j.createUninitialized(x.dataType(), x.shape());
        fusedRstd = new float[rows];
        invStd = null;
        Kernels.layerNormForward(x, weight.value(), bias.value(), eps, y, xhat, fusedRstd);
        return y;
    }

    private INDArray fusedBackward(INDArray dy) {
        INDArray dx = Nd4j.createUninitialized(dy.dataType(), dy.shape());
        float[][] sums = Kernels.layerNormBackward(dy, xhat, fusedRstd, weight.value(), dx);
        if (weight.isTrainable()) {
            weight.grad().addi(Nd4j.createFromArray(sums[0]).castTo(weight.grad().dataType()));
        }
        if (bias.isTrainable()) {
            bias.grad().addi(Nd4j.createFromArray(sums[1]).castTo(bias.grad().dataType()));
        }
        xhat = null;
        fusedRstd = null;
        return dx;
    }

    /**
     * {@code target[j] += sum_i m[i, j]} as one GEMV with a ones row: native column reductions
     * ({@code sum(0)}) measured 2-3x slower at [1576, 768].
     */
    static void addColumnSums(INDArray m, INDArray target) {
        if (target.rank() != 1 || target.isView() || target.ordering() != 'c') {
            target.addi(m.sum(0)); // a reshape of this target would be a copy, not a view
            return;
        }
        INDArray ones = Nd4j.ones(m.dataType(), 1, m.size(0));
        Nd4j.gemm(ones, m, target.reshape(1, target.length()), false, false, 1.0, 1.0);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }
}
