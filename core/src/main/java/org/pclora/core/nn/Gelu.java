package org.pclora.core.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
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

    /** A parameter-free GELU. */
    public Gelu() {
    }

    @Override
    public INDArray forward(INDArray x, boolean training) {
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
