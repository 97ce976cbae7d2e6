package org.pclora.core.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;

/**
 * Inverted dropout: in training each element is kept with probability {@code 1 - p} and scaled
 * by {@code 1 / (1 - p)}, so evaluation is the identity. Masks come from this layer's own native
 * random stream seeded at construction, so a seed fixes the sequence of masks (libnd4j's
 * generator is counter based: the same on any thread count).
 */
public final class Dropout implements Layer {
    private final double p;
    private long seed;
    private Random rng;
    /** Keep mask times 1/(1-p) of the last training forward, or null when it was the identity. */
    private INDArray mask;
    private boolean pending;

    /**
     * @param p    drop probability in [0, 1)
     * @param seed seed of this layer's mask stream
     */
    public Dropout(double p, long seed) {
        this.p = checkProbability(p, "dropout probability");
        this.seed = seed;
    }

    /** Rejects a probability outside [0, 1) with a message naming {@code what}. */
    static double checkProbability(double p, String what) {
        if (!(p >= 0 && p < 1)) {
            throw new PcLoraException(what + " " + p + " is out of range; accepted: a number in [0, 1)");
        }
        return p;
    }

    /** The drop probability. */
    public double p() {
        return p;
    }

    /**
     * Draws a fresh scaled keep-mask shaped like {@code like} (values 0 or 1/(1-p)) from this
     * layer's stream; used by layers that apply dropout to tensors they own.
     */
    INDArray drawMask(INDArray like) {
        INDArray m = Nd4j.createUninitialized(like.dataType(), like.shape());
        Nd4j.getExecutioner().exec(new BernoulliDistribution(m, 1.0 - p), stream());
        return m.muli(1.0 / (1.0 - p));
    }

    /**
     * The position of this layer's mask stream: libnd4j's two generator states. A checkpoint keeps
     * it so that a resumed run draws the masks the uninterrupted run would have drawn.
     */
    public long[] streamState() {
        Random r = stream();
        return new long[] {r.rootState(), r.nodeState()};
    }

    /**
     * Moves this layer's mask stream to a position read by {@link #streamState()}.
     *
     * @throws IllegalArgumentException when {@code state} is not two numbers
     */
    public void restoreStreamState(long[] state) {
        if (state.length != 2) {
            throw new IllegalArgumentException("dropout stream state: expected 2 numbers, got " + state.length);
        }
        stream().setStates(state[0], state[1]);
    }

    /** Restarts this layer's mask stream from {@code seed} (a run gives each layer its own, see RunSeeds). */
    public void reseed(long seed) {
        this.seed = seed;
        this.rng = null;
    }

    private Random stream() {
        if (rng == null) {
            rng = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        }
        return rng;
    }

    /** The scaled mask of the last training forward (null when it was the identity). */
    INDArray lastMask() {
        return mask;
    }

    @Override
    public INDArray forward(INDArray x, boolean training) {
        return apply(x, training, false);
    }

    /**
     * {@link #forward} over an array the caller owns and will not read again: the mask is applied in
     * place (the same products), and x itself is returned.
     */
    public INDArray forwardOverwriting(INDArray x, boolean training) {
        return apply(x, training, true);
    }

    private INDArray apply(INDArray x, boolean training, boolean inPlace) {
        pending = training;
        if (!training || p == 0) {
            mask = null;
            return x;
        }
        mask = drawMask(x);
        return inPlace ? x.muli(mask) : x.mul(mask);
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (!pending) {
            throw new IllegalStateException("dropout: backward without a training forward");
        }
        pending = false;
        INDArray dx = mask == null ? dy : dy.mul(mask);
        mask = null;
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
