package org.pclora.core.optim;

import java.util.List;
import org.pclora.core.PcLoraException;
import org.pclora.core.nn.Parameter;

/** Gradient-norm clipping over all trainable parameters together. */
public final class GradientClipping {
    private GradientClipping() {
    }

    /**
     * Scales all trainable gradients by {@code maxNorm / (norm + 1e-6)} when their global L2 norm
     * exceeds {@code maxNorm} (as {@code torch.nn.utils.clip_grad_norm_}); frozen parameters are
     * ignored.
     *
     * @return the global norm before clipping
     */
    public static double clipGlobalNorm(List<Parameter> parameters, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new PcLoraException("gradient clipping max norm " + maxNorm + " is out of range; accepted: a number > 0");
        }
        double sumSquares = 0;
        for (Parameter p : parameters) {
            if (p.isTrainable()) {
                double n = p.grad().norm2Number().doubleValue();
                sumSquares += n * n;
            }
        }
        double norm = Math.sqrt(sumSquares);
        double scale = scale(norm, maxNorm);
        if (scale != 1.0) {
            for (Parameter p : parameters) {
                if (p.isTrainable()) {
                    p.grad().muli(scale);
                }
            }
        }
        return norm;
    }

    /** The factor gradients of global norm {@code norm} are multiplied by: torch's {@code max/(norm+1e-6)} above the limit, else 1. */
    static double scale(double norm, double maxNorm) {
        return norm > maxNorm ? maxNorm / (norm + 1e-6) : 1.0;
    }
}
