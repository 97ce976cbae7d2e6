package org.pclora.core.spi;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.List;
import java.util.Objects;

/**
 * One parameter a plugin reads from its configuration group, declared so that {@code pclora run}
 * can offer the plugin's defaults when no conf file exists, accept {@code schedule.<param>=}
 * overrides, check their types before the plugin sees them and refuse misspelt names.
 *
 * @param name         the key inside the plugin's group, e.g. {@code power} for {@code schedule.power}
 * @param type         what values are accepted
 * @param defaultValue the default (a {@link Number}, {@link Boolean}, {@link String} or {@link List}),
 *                     or null for an optional parameter without one (the plugin then uses its own fallback)
 * @param description  one line for {@code pclora plugins} and error messages
 */
public record PluginParameter(String name, Type type, Object defaultValue, String description) {

    /** The accepted values of a parameter. */
    public enum Type {
        /** Any finite or infinite number. */
        NUMBER("a number"),
        /** A number without a fractional part. */
        INTEGER("an integer"),
        /** true or false. */
        BOOLEAN("true or false"),
        /** A string. */
        STRING("a string"),
        /** A list such as {@code [0.25, 0.5]}, or a string the plugin splits itself. */
        LIST("a list such as [1, 2]"),
        /** Anything: the plugin checks the value itself. */
        ANY("any value");

        private final String words;

        Type(String words) {
            this.words = words;
        }

        /** What the type accepts, in words for error messages. */
        public String words() {
            return words;
        }

        /**
         * Whether {@code value} is acceptable; null (HOCON {@code null}) is always accepted, and a
         * number or integer may be written as a string.
         */
        public boolean accepts(ConfigValue value) {
            if (value == null || value.valueType() == ConfigValueType.NULL) {
                return true;
            }
            ConfigValueType t = value.valueType();
            // a number written as a string ("3", as a command line hands it over) is read as the number
            Number n = t == ConfigValueType.NUMBER ? (Number) value.unwrapped()
                    : t == ConfigValueType.STRING ? parse((String) value.unwrapped()) : null;
            return switch (this) {
                case NUMBER -> n != null;
                case INTEGER -> n != null && isIntegral(n);
                case BOOLEAN -> t == ConfigValueType.BOOLEAN;
                case STRING -> t == ConfigValueType.STRING;
                case LIST -> t == ConfigValueType.LIST || t == ConfigValueType.STRING;
                case ANY -> true;
            };
        }

        private static Number parse(String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }

        private static boolean isIntegral(Number n) {
            if (n instanceof Integer || n instanceof Long) {
                return true;
            }
            double d = n.doubleValue();
            return Double.isFinite(d) && d == Math.rint(d);
        }
    }

    public PluginParameter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (!name.matches("[A-Za-z_][A-Za-z0-9_\\-]*")) {
            throw new IllegalArgumentException("plugin parameter name '" + name + "' must be a plain key such as power");
        }
        description = description == null ? "" : description;
        if (defaultValue instanceof List<?> l) {
            defaultValue = List.copyOf(l);
        }
    }

    /** A number with a default. */
    public static PluginParameter number(String name, double defaultValue, String description) {
        return new PluginParameter(name, Type.NUMBER, defaultValue, description);
    }

    /** An integer with a default. */
    public static PluginParameter integer(String name, long defaultValue, String description) {
        return new PluginParameter(name, Type.INTEGER, defaultValue, description);
    }

    /** A boolean with a default. */
    public static PluginParameter bool(String name, boolean defaultValue, String description) {
        return new PluginParameter(name, Type.BOOLEAN, defaultValue, description);
    }

    /** A string with a default. */
    public static PluginParameter string(String name, String defaultValue, String description) {
        return new PluginParameter(name, Type.STRING, defaultValue, description);
    }

    /** A list of numbers with a default. */
    public static PluginParameter list(String name, List<?> defaultValue, String description) {
        return new PluginParameter(name, Type.LIST, defaultValue, description);
    }

    /** An optional parameter without a default: the plugin falls back on its own when it is absent. */
    public static PluginParameter optional(String name, Type type, String description) {
        return new PluginParameter(name, type, null, description);
    }

    /** Whether the parameter has a default value. */
    public boolean hasDefault() {
        return defaultValue != null;
    }
}
