package org.pclora.core.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.pclora.core.PcLoraException;
import org.pclora.core.model.Batch;

/** The one way datasets order examples and cut them into batches. */
public final class Batches {
    private Batches() {
    }

    /** Makes the batch of examples {@code order[from .. from + count)}. */
    @FunctionalInterface
    public interface Maker {
        Batch make(int[] order, int from, int count);
    }

    /**
     * The example order of one epoch: identity, or with {@code shuffle} a Fisher-Yates permutation
     * from a seeded generator (same seed, same order on every machine).
     */
    public static int[] order(int n, boolean shuffle, long seed) {
        if (!shuffle) {
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            return order;
        }
        return order(n, new SplittableRandom(seed));
    }

    /**
     * A Fisher-Yates permutation of {@code 0 .. n-1} drawn from {@code rng}: {@link #order(int,
     * boolean, long)} with a generator the caller already holds (e.g. one split per class).
     */
    public static int[] order(int n, SplittableRandom rng) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /**
     * Lazily made batches of {@code batchSize} over {@code n} examples in {@link #order} (the last
     * one may be smaller).
     */
    public static Iterator<Batch> iterate(int n, int batchSize, boolean shuffle, long seed, Maker maker) {
        if (batchSize < 1) {
            throw new PcLoraException("batch size " + batchSize + " is not accepted: it must be at least 1");
        }
        int[] order = order(n, shuffle, seed);
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < n;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int b = Math.min(batchSize, n - next);
                Batch batch = maker.make(order, next, b);
                next += b;
                return batch;
            }
        };
    }
}
