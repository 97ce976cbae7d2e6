package org.pclora.benchmarks;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.adapter.PcLoraLinear;
import org.pclora.core.nn.Init;
import org.pclora.core.nn.Linear;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.Parameter;

/** Seeded float32 inputs and layers shared by the benchmark states. */
final class Fixtures {
    /** The adapter rank of every PC-LoRA benchmark (the paper's ViT-B / BERT-base setting). */
    static final int RANK = 32;

    private Fixtures() {
    }

    /** Uniform float32 values in [-bound, bound]. */
    static INDArray uniform(SplittableRandom rng, double bound, long... shape) {
        return Init.uniform(rng, bound, DataType.FLOAT, shape);
    }

    /** A dense layer [out, in] with bias whose weight and bias are frozen (no gradient buffers). */
    static Linear frozenLinear(String name, int in, int out, SplittableRandom rng) {
        return new Linear(name, Parameter.frozen(name + ".weight", uniform(rng, 1.0 / Math.sqrt(in), out, in)),
                Parameter.frozen(name + ".bias", uniform(rng, 0.01, out)));
    }

    /** A slot holding a frozen dense layer. */
    static LinearSlot frozenSlot(String name, int in, int out, SplittableRandom rng) {
        return new LinearSlot(frozenLinear(name, in, out, rng));
    }

    /**
     * A PC-LoRA layer (rank {@link #RANK}, alpha = rank, adapter bias) around a dense layer, with a
     * nonzero B as after some training, at the given lambda.
     */
    static PcLoraLinear pcLora(Linear dense, double lambda, SplittableRandom rng) {
        PcLoraLinear layer = PcLoraLinear.pcLora(dense, new AdapterSpec(RANK, RANK, AdapterSpec.BiasPolicy.ADAPTER,
                AdapterSpec.InitPolicy.KAIMING_UNIFORM, 3));
        layer.b().value().assign(uniform(rng, 0.01, dense.outFeatures(), RANK));
        layer.setLambda(lambda);
        return layer;
    }

    /**
     * A [batch, tokens] padding mask (1 attend, 0 padding) with sequence lengths falling from
     * {@code tokens} by tokens/16 per sequence, as a length-bucketed BERT batch; null when the size
     * has no padding.
     */
    static INDArray paddingMask(ModelSize size) {
        if (!size.padded()) {
            return null;
        }
        INDArray mask = Nd4j.zeros(DataType.FLOAT, size.batch(), size.tokens());
        for (int b = 0; b < size.batch(); b++) {
            int length = size.tokens() - b * size.tokens() / 16;
            for (int t = 0; t < length; t++) {
                mask.putScalar(b, t, 1.0);
            }
        }
        return mask;
    }
}
