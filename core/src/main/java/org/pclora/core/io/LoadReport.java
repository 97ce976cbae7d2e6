package org.pclora.core.io;

import java.util.List;

/**
 * What loading a state dict into a model found.
 *
 * @param missing    model tensors the state dict did not provide (they keep their values)
 * @param unexpected state-dict tensors the model has no place for (ignored)
 * @param mismatched tensors present on both sides with different shapes (ignored), each as
 *                   {@code name: checkpoint [..] vs model [..]}
 */
public record LoadReport(List<String> missing, List<String> unexpected, List<String> mismatched) {
    public LoadReport {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        mismatched = List.copyOf(mismatched);
    }

    /** True when every tensor matched. */
    public boolean clean() {
        return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
    }

    /** One line for logs and error messages; long lists are cut after a few names. */
    public String summary() {
        return "missing " + part(missing) + ", unexpected " + part(unexpected) + ", mismatched " + part(mismatched);
    }

    private static String part(List<String> names) {
        if (names.isEmpty()) {
            return "none";
        }
        int shown = Math.min(5, names.size());
        String head = String.join(", ", names.subList(0, shown));
        return names.size() + " (" + head + (names.size() > shown ? ", ..." : "") + ")";
    }
}
