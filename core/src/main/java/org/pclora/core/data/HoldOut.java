package org.pclora.core.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.pclora.core.PcLoraException;

/**
 * Cuts a validation share or a random subset out of a training split: fixed for a seed, stratified
 * by class, the kept examples in their original order.
 */
public final class HoldOut {
    private HoldOut() {
    }

    /** A training split and the validation share held out of it. */
    public record Split(Dataset train, Dataset validation) {
    }

    /**
     * Holds out {@code fraction} of every class of {@code train} (rounded, at least one example of
     * a class with two or more) as validation: within each class the examples are taken in the
     * order of a permutation seeded by {@code seed}.
     */
    public static Split stratified(Dataset train, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new PcLoraException("dataset.val_fraction = " + fraction + " is not accepted: a number in (0, 1)");
        }
        requireSelectable(train, "a validation share");
        int n = Math.toIntExact(train.size());
        List<List<Integer>> byClass = byClass(train, n);
        boolean[] held = new boolean[n];
        SplittableRandom rng = new SplittableRandom(seed);
        for (List<Integer> members : byClass) {
            int[] order = Batches.order(members.size(), rng.split());
            int take = (int) Math.round(fraction * members.size());
            if (take == 0 && members.size() >= 2) {
                take = 1;
            }
            for (int k = 0; k < take; k++) {
                held[members.get(order[k])] = true;
            }
        }
        int[] keep = indices(held, false);
        int[] val = indices(held, true);
        if (keep.length == 0 || val.length == 0) {
            throw new PcLoraException("dataset " + train.source() + ": val_fraction " + fraction + " of " + n
                    + " examples leaves " + keep.length + " to train and " + val.length + " to validate; use more data"
                    + " or another fraction");
        }
        String tag = String.format(Locale.ROOT, "val_fraction %s, seed %d", fraction, seed);
        return new Split(train.select(keep, train.source() + " (train without the " + tag + " share)"),
                train.select(val, train.source() + " (validation: the " + tag + " share)"));
    }

    /**
     * A seeded random subset of {@code limit} examples of {@code data}, stratified by class
     * (proportional, rounded), in their original order; all of it when {@code limit} is 0 or at
     * least its size.
     */
    public static Dataset subset(Dataset data, int limit, long seed) {
        int n = Math.toIntExact(data.size());
        if (limit <= 0 || limit >= n) {
            return data;
        }
        requireSelectable(data, "a subset");
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = data.label(i);
        }
        return data.select(subsetIndices(labels, data.numClasses(), limit, seed),
                data.source() + " (subset " + limit + " of " + n + ", seed " + seed + ")");
    }

    /**
     * The examples {@link #subset} keeps, by index in increasing order, for examples labelled
     * {@code labels} (class indices below {@code numClasses}): every class gets the floor of its
     * proportional share, taken in the order of {@link Batches#order} for {@code seed}, and the
     * remaining slots go to the first examples of that order not yet kept. All indices when
     * {@code limit} is 0 or at least {@code labels.length}.
     */
    public static int[] subsetIndices(int[] labels, int numClasses, int limit, long seed) {
        int n = labels.length;
        if (limit <= 0 || limit >= n) {
            return java.util.stream.IntStream.range(0, n).toArray();
        }
        int[] count = new int[numClasses];
        for (int label : labels) {
            count[label]++;
        }
        int[] perClass = new int[numClasses];
        for (int c = 0; c < numClasses; c++) {
            perClass[c] = (int) Math.floor((double) limit * count[c] / n);
        }
        // a class-proportional share first, then the remaining slots in seeded order over the rest
        int[] order = Batches.order(n, true, seed);
        boolean[] kept = new boolean[n];
        int taken = 0;
        for (int i : order) {
            int c = labels[i];
            if (perClass[c] > 0) {
                perClass[c]--;
                kept[i] = true;
                taken++;
            }
        }
        for (int i : order) {
            if (taken == limit) {
                break;
            }
            if (!kept[i]) {
                kept[i] = true;
                taken++;
            }
        }
        return indices(kept, true);
    }

    private static void requireSelectable(Dataset d, String what) {
        if (!d.selectable()) {
            throw new PcLoraException("dataset " + d.source() + " cannot give " + what + " (its examples cannot be"
                    + " selected one by one)");
        }
    }

    private static List<List<Integer>> byClass(Dataset d, int n) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < d.numClasses(); c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            byClass.get(d.label(i)).add(i);
        }
        return byClass;
    }

    private static int[] indices(boolean[] flags, boolean value) {
        return java.util.stream.IntStream.range(0, flags.length).filter(i -> flags[i] == value).toArray();
    }

    /** For messages. */
    static String describe(int[] a) {
        return Arrays.toString(a);
    }
}
