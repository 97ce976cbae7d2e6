package org.pclora.core.nn;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

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

    @Override
    public INDArray forward(INDArray x, boolean training) {
        INDArray mean = x.mean(true, 1);
        INDArray y = x.subColumnVector(mean);
        // var = mean((x - mean)^2); 1/std computed in place on the [rows,1] vector
        INDArray rstd = y.mul(y).mean(true, 1);
        rstd.addi(eps);
        Transforms.sqrt(rstd, false);
        rstd.rdivi(1.0);
        y.muliColumnVector(rstd);
        if (training) {
            xhat = y.dup();
            invStd = rstd;
        } else {
            xhat = null;
            invStd = null;
        }
        y.muliRowVector(weight.value());
        y.addiRowVector(bias.value());
        return y;
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (xhat == null) {
            throw new IllegalStateException(name + ": backward without a training forward");
        }
        if (weight.isTrainable()) {
            weight.grad().addi(dy.mul(xhat).sum(0));
        }
        if (bias.isTrainable()) {
            bias.grad().addi(dy.sum(0));
        }
        // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * weight
        INDArray g = dy.mulRowVector(weight.value());
        INDArray meanG = g.mean(true, 1);
        INDArray meanGx = g.mul(xhat).mean(true, 1);
        INDArray dx = g.subiColumnVector(meanG);
        dx.subi(xhat.muliColumnVector(meanGx));
        dx.muliColumnVector(invStd);
        xhat = null;
        invStd = null;
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }
}
