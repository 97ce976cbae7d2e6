package org.pclora.experiments.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pclora.core.PcLoraException;

/**
 * The {@code key=value} arguments of a command, in the order given, with one-line errors for
 * malformed or repeated ones and typed access to the values.
 */
public final class KeyValueArguments {
    private final String command;
    private final String accepted;
    private final Map<String, String> values;
    private final Map<String, List<String>> repeated;

    private KeyValueArguments(String command, String accepted, Map<String, String> values, Map<String, List<String>> repeated) {
        this.command = command;
        this.accepted = accepted;
        this.values = values;
        this.repeated = repeated;
    }

    /** Splits each argument at its first {@code =}; {@code accepted} describes valid keys for errors. */
    public static KeyValueArguments parse(String command, List<String> arguments, String accepted) {
        return parse(command, arguments, accepted, java.util.Set.of());
    }

    /**
     * As {@link #parse(String, List, String)}, where the keys in {@code repeatable} may be given
     * any number of times (read them with {@link #takeAll}).
     */
    public static KeyValueArguments parse(String command, List<String> arguments, String accepted,
                                          java.util.Set<String> repeatable) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, List<String>> repeated = new LinkedHashMap<>();
        for (String arg : arguments) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new PcLoraException(command + " argument '" + arg + "' is not key=value; accepted keys: " + accepted);
            }
            String key = arg.substring(0, eq).trim();
            String value = arg.substring(eq + 1).trim();
            if (value.isEmpty()) {
                throw new PcLoraException(command + " argument '" + key + "' has no value; write " + key + "=<value>");
            }
            if (repeatable.contains(key)) {
                repeated.computeIfAbsent(key, k -> new java.util.ArrayList<>()).add(value);
                continue;
            }
            if (values.putIfAbsent(key, value) != null) {
                throw new PcLoraException(command + " argument '" + key + "' is given twice ('" + values.get(key)
                        + "' and '" + value + "'); give it once");
            }
        }
        return new KeyValueArguments(command, accepted, values, repeated);
    }

    /** Removes and returns every value of a repeatable key, in the order given (empty when absent). */
    public List<String> takeAll(String key) {
        List<String> v = repeated.remove(key);
        return v == null ? List.of() : List.copyOf(v);
    }

    /** Throws the one-line error for the first argument not taken, naming the accepted keys. */
    public void rejectUnknown() {
        String first = !values.isEmpty() ? values.keySet().iterator().next()
                : !repeated.isEmpty() ? repeated.keySet().iterator().next() : null;
        if (first != null) {
            throw new PcLoraException(command + " argument '" + first + "' is not known; accepted keys: " + accepted);
        }
    }

    /** Removes and returns a value, or null when absent. */
    public String take(String key) {
        return values.remove(key);
    }

    /**
     * Removes and returns {@code key}, or the value of a deprecated spelling of it (with a warning
     * naming the key to use); giving both is an error.
     */
    public String take(String key, String... deprecated) {
        String v = values.remove(key);
        for (String old : deprecated) {
            String o = values.remove(old);
            if (o != null) {
                if (v != null) {
                    throw new PcLoraException(command + " arguments '" + key + "' and '" + old + "' name the same thing;"
                            + " give " + key + " only");
                }
                org.slf4j.LoggerFactory.getLogger(KeyValueArguments.class).warn("{} argument '{}' is deprecated; use {}",
                        command, old, key);
                v = o;
            }
        }
        return v;
    }

    /** Removes and returns a value that must be present; {@code meaning} explains it in the error. */
    public String require(String key, String meaning) {
        String v = values.remove(key);
        if (v == null) {
            throw new PcLoraException(command + " needs " + key + "=<" + meaning + ">");
        }
        return v;
    }

    /** {@code value} of argument {@code key} as an integer >= 1, else a one-line error. */
    public int positive(String key, String value) {
        try {
            int x = Integer.parseInt(value);
            if (x >= 1) {
                return x;
            }
        } catch (NumberFormatException e) {
            // fall through to the error
        }
        throw new PcLoraException(command + " argument " + key + "=" + value
                + " is not accepted: it must be an integer >= 1");
    }

    /** The arguments not yet taken, in the order given. */
    public Map<String, String> remaining() {
        return new LinkedHashMap<>(values);
    }

    /** Throws the common error for an out-of-range value. */
    public PcLoraException invalid(String key, String value, String accepted) {
        return new PcLoraException(command + " argument '" + key + "' must be " + accepted + ", got '" + value + "'");
    }

    /**
     * The values as a {@link Config}, typed as a user means them: numbers as numbers,
     * {@code [a, b]} as HOCON lists, {@code true/false} as booleans, anything else as a string.
     * Dotted keys become paths ({@code exponential.rate=3}).
     */
    public Config toConfig(Map<String, String> entries) {
        Config c = ConfigFactory.empty();
        for (Map.Entry<String, String> e : entries.entrySet()) {
            try {
                c = c.withValue(e.getKey(), typed(e.getKey(), e.getValue()));
            } catch (ConfigException.BadPath bad) {
                throw new PcLoraException(command + " argument '" + e.getKey()
                        + "' is not a valid key; use letters, digits, '-' and '_' with '.' between parts");
            }
        }
        return c;
    }

    private ConfigValue typed(String key, String value) {
        if (value.startsWith("[")) {
            try {
                return ConfigFactory.parseString("v = " + value).getValue("v");
            } catch (ConfigException bad) {
                throw new PcLoraException(command + " argument '" + key + "' is not a valid list such as [0.25, 0.5], got '"
                        + value + "'");
            }
        }
        if (value.equals("true") || value.equals("false")) {
            return ConfigValueFactory.fromAnyRef(Boolean.parseBoolean(value));
        }
        try {
            return ConfigValueFactory.fromAnyRef(Long.parseLong(value));
        } catch (NumberFormatException notLong) {
            try {
                return ConfigValueFactory.fromAnyRef(Double.parseDouble(value));
            } catch (NumberFormatException notNumber) {
                return ConfigValueFactory.fromAnyRef(value);
            }
        }
    }
}
