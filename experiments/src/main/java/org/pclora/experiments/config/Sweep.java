package org.pclora.experiments.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.pclora.core.PcLoraException;

/**
 * Multirun expansion (Hydra's {@code -m}): comma lists {@code a=1,2,3} and
 * {@code a=range(start,stop[,step])} (stop exclusive) become the cartesian product of overrides,
 * first argument varying slowest.
 */
public final class Sweep {
    private static final Pattern RANGE = Pattern.compile("range\\(\\s*(-?\\d+)\\s*,\\s*(-?\\d+)\\s*(?:,\\s*(-?\\d+)\\s*)?\\)");

    private Sweep() {
    }

    /** The sweep values of one override value: a range, a comma list, or the single value. */
    public static List<String> values(String key, String raw) {
        String v = raw.trim();
        if (v.startsWith("range(")) {
            Matcher m = RANGE.matcher(v);
            if (!m.matches()) {
                throw new PcLoraException("sweep value '" + raw + "' for " + key
                        + " is malformed: expected range(start,stop) or range(start,stop,step) with integers");
            }
            long start = Long.parseLong(m.group(1));
            long stop = Long.parseLong(m.group(2));
            long step = m.group(3) == null ? 1 : Long.parseLong(m.group(3));
            if (step == 0 || (stop - start) * step <= 0) {
                throw new PcLoraException("sweep value '" + raw + "' for " + key
                        + " is empty: range(start,stop,step) needs a non-zero step towards stop");
            }
            List<String> out = new ArrayList<>();
            for (long x = start; step > 0 ? x < stop : x > stop; x += step) {
                out.add(Long.toString(x));
            }
            return out;
        }
        if (isList(v)) {
            List<String> out = new ArrayList<>();
            for (String part : splitTopLevel(v)) {
                if (part.isBlank()) {
                    throw new PcLoraException("sweep value '" + raw + "' for " + key
                            + " has an empty element: expected a,b,c");
                }
                out.add(part.trim());
            }
            return out;
        }
        return List.of(v);
    }

    /** Whether a value is a sweep (comma list outside brackets/quotes, or range(...)). */
    public static boolean isSweep(String raw) {
        String v = raw.trim();
        return v.startsWith("range(") || isList(v);
    }

    private static boolean isList(String v) {
        return splitTopLevel(v).size() > 1;
    }

    private static List<String> splitTopLevel(String v) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        StringBuilder cur = new StringBuilder();
        for (char c : v.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == '[' || c == '{' || c == '(')) {
                depth++;
            } else if (!quoted && (c == ']' || c == '}' || c == ')')) {
                depth--;
            }
            if (c == ',' && depth == 0 && !quoted) {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString());
        return parts;
    }

    /** The cartesian product of all overrides' sweep values. */
    public static List<List<ConfigOverride>> expand(List<ConfigOverride> overrides) {
        List<List<ConfigOverride>> runs = new ArrayList<>();
        runs.add(new ArrayList<>());
        for (ConfigOverride o : overrides) {
            List<String> vals = o.op() == ConfigOverride.Op.REMOVE ? null : values(o.key(), o.value());
            List<List<ConfigOverride>> next = new ArrayList<>();
            for (List<ConfigOverride> run : runs) {
                if (vals == null) {
                    List<ConfigOverride> r = new ArrayList<>(run);
                    r.add(o);
                    next.add(r);
                    continue;
                }
                for (String val : vals) {
                    List<ConfigOverride> r = new ArrayList<>(run);
                    r.add(new ConfigOverride(o.op(), o.key(), val));
                    next.add(r);
                }
            }
            runs = next;
        }
        return runs;
    }
}
