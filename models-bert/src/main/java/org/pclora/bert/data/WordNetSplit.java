package org.pclora.bert.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The fixed train / validation / test split of WordNet noun synsets, stratified by supersense and
 * decided by the synset offsets alone (no seed, no machine state): within each class the synsets
 * are ordered by a SplitMix64 hash of their offset (ties by offset), and rank r goes to test when
 * {@code r % 10 == 0}, to validation when {@code r % 10 == 1}, else to train. Every class is thus
 * split 10 / 10 / 80 up to rounding, and the same file always gives the same split.
 */
public final class WordNetSplit {
    /** Names of the three splits. */
    public static final List<String> SPLITS = List.of("train", "validation", "test");

    private WordNetSplit() {
    }

    /** SplitMix64's finaliser (Steele, Lea, Flood 2014): a fixed, well-mixed hash of the offset. */
    public static long mix(long offset) {
        long z = offset + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The synsets of {@code split} ({@code train}, {@code validation} or {@code test}), in offset
     * order.
     */
    public static List<WordNetNouns.Synset> of(List<WordNetNouns.Synset> all, String split) {
        int want = switch (split) {
            case "test" -> 0;
            case "validation" -> 1;
            case "train" -> -1;
            default -> throw new IllegalArgumentException("split " + split);
        };
        List<WordNetNouns.Synset> out = new ArrayList<>();
        for (List<WordNetNouns.Synset> members : byClassInHashOrder(all)) {
            for (int r = 0; r < members.size(); r++) {
                int bucket = r % 10;
                if (want >= 0 ? bucket == want : bucket >= 2) {
                    out.add(members.get(r));
                }
            }
        }
        out.sort(Comparator.comparingLong(WordNetNouns.Synset::offset));
        return out;
    }

    /**
     * A stratified subset of about {@code target} synsets of {@code split}: from each class the
     * first {@code max(1, round(n_c * target / n))} members in hash order (all when fewer), in
     * offset order. Used to build the embedded subset; deterministic like the split.
     */
    public static List<WordNetNouns.Synset> subset(List<WordNetNouns.Synset> split, int target) {
        if (target >= split.size()) {
            return List.copyOf(split);
        }
        double f = (double) target / split.size();
        List<WordNetNouns.Synset> out = new ArrayList<>();
        for (List<WordNetNouns.Synset> members : byClassInHashOrder(split)) {
            if (!members.isEmpty()) {
                int k = (int) Math.min(members.size(), Math.max(1, Math.round(members.size() * f)));
                out.addAll(members.subList(0, k));
            }
        }
        out.sort(Comparator.comparingLong(WordNetNouns.Synset::offset));
        return out;
    }

    /** Each class's synsets ordered by (hash of offset, offset); index = class index. */
    static List<List<WordNetNouns.Synset>> byClassInHashOrder(List<WordNetNouns.Synset> all) {
        List<List<WordNetNouns.Synset>> byClass = new ArrayList<>();
        for (int c = 0; c < WordNetNouns.SUPERSENSES.size(); c++) {
            byClass.add(new ArrayList<>());
        }
        for (WordNetNouns.Synset s : all) {
            byClass.get(s.classIndex()).add(s);
        }
        Comparator<WordNetNouns.Synset> order = Comparator.comparingLong((WordNetNouns.Synset s) -> mix(s.offset()))
                .thenComparingLong(WordNetNouns.Synset::offset);
        byClass.forEach(l -> l.sort(order));
        return byClass;
    }
}
