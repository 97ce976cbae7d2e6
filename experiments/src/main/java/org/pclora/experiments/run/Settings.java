package org.pclora.experiments.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.pclora.core.PcLoraException;

/** Typed reads of configuration values whose errors name the key and the expected type. */
public final class Settings {
    private Settings() {
    }

    public static String string(Config c, String key) {
        try {
            return c.getString(key);
        } catch (ConfigException.Missing e) {
            throw new PcLoraException("configuration key " + key + " is missing: it must be set (a string)");
        } catch (ConfigException.WrongType e) {
            throw new PcLoraException("configuration key " + key + " has the wrong type: expected a string");
        }
    }

    public static double number(Config c, String key) {
        try {
            return c.getDouble(key);
        } catch (ConfigException.Missing e) {
            throw new PcLoraException("configuration key " + key + " is missing: it must be set (a number)");
        } catch (ConfigException.WrongType e) {
            throw new PcLoraException("configuration key " + key + " has the wrong type: expected a number");
        }
    }

    /**
     * An integer setting. Typesafe Config's {@code getInt} truncates {@code 1.5} to 1 without a
     * word, so a number with a fractional part (or outside the int range) is refused here.
     */
    public static int integer(Config c, String key) {
        long v = longInteger(c, key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new PcLoraException("configuration key " + key + " = " + v + " is out of range: expected an integer"
                    + " between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE);
        }
        return (int) v;
    }

    /** A 64-bit integer setting (e.g. {@code seed}); fractional numbers are refused, not truncated. */
    public static long longInteger(Config c, String key) {
        Number n;
        try {
            n = c.getNumber(key);
        } catch (ConfigException.Missing e) {
            throw new PcLoraException("configuration key " + key + " is missing: it must be set (an integer)");
        } catch (ConfigException.WrongType e) {
            throw new PcLoraException("configuration key " + key + " has the wrong type: expected an integer, got "
                    + c.getValue(key).render(com.typesafe.config.ConfigRenderOptions.concise()));
        }
        if (n instanceof Integer || n instanceof Long) {
            return n.longValue();
        }
        double d = n.doubleValue();
        if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) >= 0x1p63) {
            throw new PcLoraException("configuration key " + key + " = " + c.getValue(key).render(
                    com.typesafe.config.ConfigRenderOptions.concise()) + " is out of range: expected a 64-bit integer");
        }
        if (!Double.isFinite(d) || d != Math.rint(d)) {
            throw new PcLoraException("configuration key " + key + " = " + c.getValue(key).render(
                    com.typesafe.config.ConfigRenderOptions.concise()) + " is not an integer: give a whole number such as "
                    + (Double.isFinite(d) ? Long.toString((long) Math.floor(d)) : "42"));
        }
        return (long) d;
    }

    /** {@code train.workers}, the parallel runs of a multirun: at least 1. */
    public static int workers(Config c) {
        int w = integer(c, "train.workers");
        if (w < 1) {
            throw new PcLoraException("train.workers = " + w + " is out of range: the number of parallel runs of a"
                    + " multirun must be at least 1");
        }
        return w;
    }

    public static boolean bool(Config c, String key) {
        try {
            return c.getBoolean(key);
        } catch (ConfigException.Missing e) {
            throw new PcLoraException("configuration key " + key + " is missing: it must be set (true or false)");
        } catch (ConfigException.WrongType e) {
            throw new PcLoraException("configuration key " + key + " has the wrong type: expected true or false");
        }
    }
}
