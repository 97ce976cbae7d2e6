package org.pclora.bert.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Raw labelled texts of one split, as read from disk before tokenization.
 *
 * @param texts  the first (or only) text of each example
 * @param pairs  the second text of each example for sentence-pair tasks, or null
 * @param labels the label of each example as written in the file (class name or index)
 * @param where  for each example, the file (and line) it came from, for error messages
 * @param source where the split came from, for provenance
 */
public record TextExamples(List<String> texts, List<String> pairs, List<String> labels, List<String> where,
                           String source) {
    /** Number of examples. */
    public int size() {
        return texts.size();
    }

    /** The examples at {@code keep}, in that order; {@code note} is added to the source. */
    public TextExamples select(int[] keep, String note) {
        List<String> t = new ArrayList<>(keep.length);
        List<String> p = pairs == null ? null : new ArrayList<>(keep.length);
        List<String> l = new ArrayList<>(keep.length);
        List<String> w = new ArrayList<>(keep.length);
        for (int i : keep) {
            t.add(texts.get(i));
            if (p != null) {
                p.add(pairs.get(i));
            }
            l.add(labels.get(i));
            w.add(where.get(i));
        }
        return new TextExamples(t, p, l, w, source + note);
    }
}
