package org.pclora.core.spi;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The parameters a plugin declares (see {@link Plugin#parameters()}): their names, types and
 * defaults, or the statement that the plugin does not declare them.
 *
 * <p>Declared parameters are the plugin's contract with the configuration: with no conf file the
 * plugin's group starts from {@link #defaults()}; a key of the group that is not declared is
 * refused naming the nearest declared one; a value of the wrong type is refused before the plugin
 * sees it. An {@linkplain #undeclared() undeclared} plugin receives whatever keys its group holds
 * and must check them itself.
 */
public final class PluginParameters {
    private static final PluginParameters UNDECLARED = new PluginParameters(false, Map.of());
    private static final PluginParameters NONE = new PluginParameters(true, Map.of());

    private final boolean declared;
    private final Map<String, PluginParameter> byName;

    private PluginParameters(boolean declared, Map<String, PluginParameter> byName) {
        this.declared = declared;
        this.byName = byName;
    }

    /** The plugin does not say which parameters it reads; its own {@code configure} checks them. */
    public static PluginParameters undeclared() {
        return UNDECLARED;
    }

    /** The plugin reads no parameters: any key given to it is an error. */
    public static PluginParameters none() {
        return NONE;
    }

    /** The plugin reads exactly these parameters. */
    public static PluginParameters of(PluginParameter... parameters) {
        return of(List.of(parameters));
    }

    /** The plugin reads exactly these parameters. */
    public static PluginParameters of(List<PluginParameter> parameters) {
        Map<String, PluginParameter> m = new LinkedHashMap<>();
        for (PluginParameter p : parameters) {
            if (m.putIfAbsent(p.name(), p) != null) {
                throw new IllegalArgumentException("plugin parameter '" + p.name() + "' is declared twice");
            }
        }
        return new PluginParameters(true, Map.copyOf(m));
    }

    /**
     * The plugin reads exactly these keys, each optional (no default), typed by {@code typeOf}: the
     * declaration of a provider whose keys come from a format's list rather than one by one.
     */
    public static PluginParameters optional(Collection<String> keys, Function<String, PluginParameter.Type> typeOf) {
        List<PluginParameter> ps = new ArrayList<>();
        for (String k : new TreeSet<>(keys)) {
            ps.add(PluginParameter.optional(k, typeOf.apply(k), ""));
        }
        return of(ps);
    }

    /** Whether the plugin declared its parameters (possibly none). */
    public boolean declared() {
        return declared;
    }

    /** The declared parameters, in declaration order of their names (sorted). */
    public List<PluginParameter> list() {
        return byName.values().stream().sorted(java.util.Comparator.comparing(PluginParameter::name)).toList();
    }

    /** The declared parameter names. */
    public Set<String> names() {
        return new java.util.TreeSet<>(byName.keySet());
    }

    /** The parameter of that name, if declared. */
    public Optional<PluginParameter> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The declared parameters that have defaults, as a configuration (empty when undeclared). */
    public Config defaults() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (PluginParameter p : list()) {
            if (p.hasDefault()) {
                m.put(p.name(), p.defaultValue());
            }
        }
        return ConfigFactory.parseMap(m, "defaults declared by the plugin");
    }

    @Override
    public String toString() {
        return declared ? "parameters " + names() : "parameters undeclared";
    }
}
