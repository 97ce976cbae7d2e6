package org.pclora.core.train;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.Dropout;

/**
 * The random streams of one run, each derived from the run's {@code seed} through its own name
 * (SplitMix64 over the seed and a 64-bit FNV-1a hash of the name), so that the seed changes every
 * random choice of a run and no two choices share a generator: a new model's weights, a new
 * classifier head, every dropout layer's mask stream, A's initialisation, each epoch's data order,
 * seeded training subsets.
 *
 * @param seed the run's {@code seed}
 */
public record RunSeeds(long seed) {
    /** A model initialised from scratch (teacher without checkpoint, student of another architecture). */
    public static final String MODEL_INIT = "model.init";
    /** The classifier head a pre-trained checkpoint lacks (or has for another class count). */
    public static final String HEAD_INIT = "head.init";
    /** Dropout masks; layer {@code i} draws from {@code dropout/i}. */
    public static final String DROPOUT = "dropout";
    /** A of every adapter (each layer mixes its name in, see {@code PcLoraLinear}). */
    public static final String ADAPTER_INIT = "adapter.init";
    /** Training data order; epoch {@code e} shuffles with {@code data.order/e}. */
    public static final String DATA_ORDER = "data.order";
    /** A seeded random subset of the training examples (e.g. {@code student.train_limit}). */
    public static final String DATA_SUBSET = "data.subset";

    /** The seed of stream {@code name}. */
    public long of(String name) {
        return mix(seed, name);
    }

    /** The seed of the data order of epoch {@code epoch} (0-based). */
    public long epochOrder(long epoch) {
        return mix(of(DATA_ORDER), Long.toString(epoch));
    }

    /**
     * Gives every dropout layer of {@code model} its own mask stream, {@code dropout/i} for the
     * i-th layer of {@link ClassifierModel#dropouts()}; layers with p = 0 draw nothing either way.
     */
    public void seedDropouts(ClassifierModel model) {
        List<Dropout> dropouts = model.dropouts();
        long base = of(DROPOUT);
        for (int i = 0; i < dropouts.size(); i++) {
            dropouts.get(i).reseed(mix(base, Integer.toString(i)));
        }
    }

    /** SplitMix64's finaliser over {@code seed} plus the golden gamma times FNV-1a-64 of {@code name}. */
    public static long mix(long seed, String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        long z = seed + 0x9E3779B97F4A7C15L * (h | 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
