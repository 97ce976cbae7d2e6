package org.pclora.core.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.kernels.Kernels;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * GELU in the exact erf form used by BERT and ViT: {@code y = x * Phi(x)} with
 * {@code Phi(x) = 0.5 (1 + erf(x / sqrt 2))}. Its derivative is {@code Phi(x) + x phi(x)} with
 * {@code phi(x) = exp(-x^2 / 2) / sqrt(2 pi)}.
 */
public final class Gelu implements Layer {
    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    private INDArray lastInput;
    /** Phi(x) of the last training forward, reused by backward. */
    private INDArray lastCdf;
    /** GELU'(x) of the last training forward when the fused kernel ran. */
    private INDArray lastDerivative;

    /** A parameter-free GELU. */
    public Gelu() {
    }

    /**
     * {@link #forward} over a temporary the caller owns and will not read again: the fused path
     * writes the output over x (the same values as {@link #forward}; the kernel reads each element
     * before writing it), saving one array of x's size. Other paths are {@link #forward}.
     */
    public INDArray forwardOverwriting(INDArray x, boolean training) {
        if (!Kernels.supports(x)) {
            return forward(x, training);
        }
        INDArray d = training ? Nd4j.createUninitialized(x.dataType(), x.shape()) : null;
        Kernels.gelu(x, x, d);
        lastInput = null;
        lastCdf = null;
        lastDerivative = d;
        return x;
    }

    @Override
    public INDArray forward(INDArray x, boolean training) {
        lastDerivative = null;
        if (Kernels.supports(x)) {
            // one fused pass; training keeps GELU'(x) so that backward is a single multiply
            INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape());
            INDArray d = training ? Nd4j.createUninitialized(x.dataType(), x.shape()) : null;
            Kernels.gelu(x, y, d);
            lastInput = null;
            lastCdf = null;
            lastDerivative = d;
            return y;
        }
        INDArray cdf = x.mul(INV_SQRT2);
        Nd4j.exec(new Erf(cdf, cdf));
        cdf.addi(1.0).muli(0.5);
        if (!training) {
            lastInput = null;
            lastCdf = null;
            return cdf.muli(x);
        }
        lastInput = x;
        lastCdf = cdf;
        return cdf.mul(x);
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (lastDerivative != null) {
            INDArray d = lastDerivative;
            lastDerivative = null;
            return d.muli(dy);
        }
        if (lastInput == null) {
            throw new IllegalStateException("gelu: backward without a training forward");
        }
        // d = Phi(x) + x * exp(-x^2/2) / sqrt(2 pi), built in one buffer
        INDArray d = lastInput.mul(lastInput);
        d.muli(-0.5);
        Transforms.exp(d, false);
        d.muli(lastInput).muli(INV_SQRT_2PI).addi(lastCdf);
        lastInput = null;
        lastCdf = null;
        return d.muli(dy);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
