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

    public static int integer(Config c, String key) {
        try {
            return c.getInt(key);
        } catch (ConfigException.Missing e) {
            throw new PcLoraException("configuration key " + key + " is missing: it must be set (an integer)");
        } catch (ConfigException.WrongType e) {
            throw new PcLoraException("configuration key " + key + " has the wrong type: expected an integer");
        }
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
