package org.pclora.schedulers;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.pclora.core.PcLoraException;

/**
 * Reads and validates the parameters of one decay schedule from its {@link Config}, so that every
 * schedule reports unknown names and bad values in the same one-line form.
 */
final class ScheduleParameters {
    private final String schedule;
    private final Config params;

    private ScheduleParameters(String schedule, Config params) {
        this.schedule = schedule;
        this.params = params;
    }

    /**
     * Checks that {@code params} holds only the {@code accepted} names (top-level keys) and returns
     * a reader for them.
     */
    static ScheduleParameters of(String schedule, Config params, String... accepted) {
        Set<String> allowed = Set.of(accepted);
        for (String key : new TreeSet<>(params.root().keySet())) {
            if (!allowed.contains(key)) {
                String list = accepted.length == 0 ? "none (it takes no parameters)"
                        : String.join(", ", new TreeSet<>(allowed));
                throw new PcLoraException("schedule '" + schedule + "' has no parameter '" + key
                        + "'; accepted parameters: " + list);
            }
        }
        return new ScheduleParameters(schedule, params);
    }

    /** A number strictly greater than 0 (finite), or {@code fallback} when absent. */
    double positive(String key, double fallback) {
        if (!params.hasPath(key)) {
            return fallback;
        }
        double v = number(key);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new PcLoraException("schedule '" + schedule + "' parameter '" + key
                    + "' must be a finite number > 0, got " + render(key));
        }
        return v;
    }

    /**
     * A list of numbers, written as a HOCON list ({@code [0.25, 0.5]}) or as a comma-separated
     * string ({@code 0.25,0.5}, the form a command line gives), or null when absent.
     */
    double[] numbers(String key) {
        if (!params.hasPath(key)) {
            return null;
        }
        List<String> items = new ArrayList<>();
        if (params.getValue(key).valueType() == ConfigValueType.LIST) {
            params.getList(key).forEach(v -> items.add(String.valueOf(v.unwrapped())));
        } else {
            for (String s : String.valueOf(params.getValue(key).unwrapped()).split(",")) {
                items.add(s.trim());
            }
        }
        double[] out = new double[items.size()];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = Double.parseDouble(items.get(i));
            } catch (NumberFormatException e) {
                throw new PcLoraException("schedule '" + schedule + "' parameter '" + key
                        + "' must be a list of numbers such as [0.25, 0.5], got " + render(key));
            }
            if (!Double.isFinite(out[i])) {
                throw new PcLoraException("schedule '" + schedule + "' parameter '" + key
                        + "' must hold finite numbers, got " + items.get(i));
            }
        }
        return out;
    }

    /** Throws the common error for a value outside its accepted range. */
    PcLoraException invalid(String key, String accepted) {
        return new PcLoraException("schedule '" + schedule + "' parameter '" + key + "' must be " + accepted
                + ", got " + render(key));
    }

    private String render(String key) {
        return params.getValue(key).render(ConfigRenderOptions.concise());
    }

    private double number(String key) {
        try {
            return params.getDouble(key);
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            throw new PcLoraException("schedule '" + schedule + "' parameter '" + key
                    + "' must be a number, got " + render(key));
        }
    }
}
