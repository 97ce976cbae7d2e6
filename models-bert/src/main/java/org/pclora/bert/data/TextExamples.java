package org.pclora.bert.data;

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

    /** The first {@code n} examples (all when {@code n <= 0} or larger than the split). */
    public TextExamples limit(int n) {
        if (n <= 0 || n >= size()) {
            return this;
        }
        return new TextExamples(texts.subList(0, n), pairs == null ? null : pairs.subList(0, n),
                labels.subList(0, n), where.subList(0, n), source);
    }
}
