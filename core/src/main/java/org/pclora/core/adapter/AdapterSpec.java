package org.pclora.core.adapter;

import org.pclora.core.PcLoraException;

/**
 * How an adapter is built around one dense layer.
 *
 * @param rank    r, at least 1 and at most min(in, out)
 * @param alpha   LoRA alpha; the scaling is {@code alpha / rank}
 * @param bias    what happens to biases (see {@link BiasPolicy})
 * @param init    how A is initialised (B always starts at zero)
 * @param seed    seed for A's initialisation
 */
public record AdapterSpec(int rank, double alpha, BiasPolicy bias, InitPolicy init, long seed) {

    /** Bias handling of an adapted layer. */
    public enum BiasPolicy {
        /** The adapter has its own trainable bias b_A, zero at start (the default). */
        ADAPTER,
        /** No adapter bias: once lambda is 0 the layer has no bias. */
        NONE
    }

    /** Initialisation of A. */
    public enum InitPolicy {
        /** Kaiming-uniform with a = sqrt(5), as HF PEFT does. */
        KAIMING_UNIFORM,
        /** N(0, 1/r^2)-style Gaussian as in the original LoRA paper. */
        GAUSSIAN
    }

    /** The one check of the rank's lower bound (its upper bound is per layer: {@link #checkFits}). */
    public AdapterSpec {
        if (rank < 1) {
            throw new PcLoraException("adapter rank (pclora.rank) = " + rank + " is out of range: the adapter rank"
                    + " must be at least 1");
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new PcLoraException("LoRA alpha (pclora.lora_alpha) = " + alpha + " is out of range: it must be > 0");
        }
    }

    /** alpha / rank. */
    public double scaling() {
        return alpha / rank;
    }

    /** Checks the rank against one layer's shape. */
    public void checkFits(String layer, int in, int out) {
        if (rank > Math.min(in, out)) {
            throw new PcLoraException("adapter rank " + rank + " is larger than layer " + layer + " ["
                    + out + "x" + in + "] allows: rank must be in [1, " + Math.min(in, out) + "]");
        }
    }
}
