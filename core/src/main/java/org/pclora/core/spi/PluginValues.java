package org.pclora.core.spi;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import org.pclora.core.PcLoraException;

/**
 * A plugin's parameter values, checked against its declaration ({@link Plugin#parameters()},
 * the one place a plugin's parameters are declared) and read with the same one-line errors for
 * every plugin: names and types by {@link PluginParameters#check}, ranges here.
 */
public final class PluginValues {
    private final String who;
    private final Config params;

    private PluginValues(String who, Config params) {
        this.who = who;
        this.params = params;
    }

    /**
     * Checks {@code params} against the plugin's declared parameters and returns a reader.
     *
     * @param who    the plugin as messages name it, e.g. {@code schedule 'exponential'}
     * @param plugin the plugin, whose {@link Plugin#parameters()} declare what it reads
     * @param params its group's keys
     */
    public static PluginValues of(String who, Plugin plugin, Config params) {
        plugin.parameters().check(who, "", params);
        return new PluginValues(who, params);
    }

    /** A number strictly greater than 0 (finite), or {@code fallback} when absent. */
    public double positive(String key, double fallback) {
        if (!params.hasPath(key)) {
            return fallback;
        }
        double v = number(key);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw invalid(key, "a finite number > 0");
        }
        return v;
    }

    /**
     * A list of numbers, written as a HOCON list ({@code [0.25, 0.5]}) or as a comma-separated
     * string ({@code 0.25,0.5}, the form a command line gives), or null when absent.
     */
    public double[] numbers(String key) {
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
                throw invalid(key, "a list of numbers such as [0.25, 0.5]");
            }
            if (!Double.isFinite(out[i])) {
                throw new PcLoraException(who + " parameter '" + key + "' must hold finite numbers, got " + items.get(i));
            }
        }
        return out;
    }

    /** The one-line error for a value outside its accepted range. */
    public PcLoraException invalid(String key, String accepted) {
        return new PcLoraException(who + " parameter '" + key + "' must be " + accepted + ", got " + render(key));
    }

    private String render(String key) {
        return params.getValue(key).render(ConfigRenderOptions.concise());
    }

    private double number(String key) {
        try {
            return params.getDouble(key);
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            throw invalid(key, "a number");
        }
    }
}
