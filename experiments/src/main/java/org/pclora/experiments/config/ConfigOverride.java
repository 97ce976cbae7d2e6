package org.pclora.experiments.config;

import org.pclora.core.PcLoraException;

/**
 * One command-line override in Hydra's grammar: {@code group=option}, {@code a.b=value},
 * {@code +a.b=value} (add a key), {@code ~a.b} (remove a key).
 *
 * @param op    what the override does
 * @param key   the group name or dotted key
 * @param value the raw value text (null for removals)
 */
public record ConfigOverride(Op op, String key, String value) {

    /** The kinds of override. */
    public enum Op { SET, ADD, REMOVE }

    /** Parses one argument; malformed text raises an error naming it and the accepted forms. */
    public static ConfigOverride parse(String arg) {
        String a = arg.trim();
        if (a.startsWith("~")) {
            String key = a.substring(1);
            int eq = key.indexOf('=');
            if (eq >= 0) {
                key = key.substring(0, eq);
            }
            return new ConfigOverride(Op.REMOVE, checkKey(key, arg), null);
        }
        Op op = Op.SET;
        if (a.startsWith("+")) {
            op = Op.ADD;
            a = a.substring(1);
        }
        int eq = a.indexOf('=');
        if (eq <= 0) {
            throw new PcLoraException("override '" + arg + "' is malformed: expected group=option, key.path=value,"
                    + " +key.path=value or ~key.path");
        }
        return new ConfigOverride(op, checkKey(a.substring(0, eq), arg), a.substring(eq + 1));
    }

    private static String checkKey(String key, String arg) {
        if (!key.matches("[A-Za-z_][A-Za-z0-9_\\-]*(\\.[A-Za-z_][A-Za-z0-9_\\-]*)*")) {
            throw new PcLoraException("override '" + arg + "' has an invalid key '" + key
                    + "': keys are dotted names such as pclora.rank");
        }
        return key;
    }

    /** Back to command-line form (recorded with each run). */
    @Override
    public String toString() {
        return switch (op) {
            case REMOVE -> "~" + key;
            case ADD -> "+" + key + "=" + value;
            case SET -> key + "=" + value;
        };
    }
}
