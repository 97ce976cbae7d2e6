package org.pclora.core.spi;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.pclora.core.PcLoraException;

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

    /**
     * Checks a plugin's group against this declaration: the one check every plugin's parameters
     * get, whoever configures the plugin. A key not declared is refused naming the accepted ones
     * and the nearest; a value of the wrong type names the type accepted. An undeclared plugin's
     * keys are left to the plugin.
     *
     * @param who    the plugin as messages name it, e.g. {@code schedule 'sine'}
     * @param group  the configuration path of its group ({@code schedule}), or "" when it has none
     * @param params the group's keys, its selector removed
     */
    public void check(String who, String group, Config params) {
        if (!declared) {
            return;
        }
        for (String key : new TreeSet<>(params.root().keySet())) {
            PluginParameter p = byName.get(key);
            if (p == null) {
                throw new PcLoraException(who + " has no parameter '" + key + "'"
                        + (group.isEmpty() ? "" : " (" + group + "." + key + ")") + ": " + accepted(key));
            }
            ConfigValue v = params.root().get(key);
            if (!p.type().accepts(v)) {
                String from = v.origin() == null ? null : v.origin().description();
                boolean unnamed = from == null || from.startsWith("hardcoded") || from.startsWith("String");
                throw wrongType(who, p, v, unnamed ? null : from);
            }
        }
    }

    /** The one-line error for a value of the wrong type ({@code from}: where it was set, or null). */
    public static PcLoraException wrongType(String who, PluginParameter p, ConfigValue value, String from) {
        return new PcLoraException(who + " parameter '" + p.name() + "' expects " + p.type().words() + ", got "
                + value.valueType().name().toLowerCase(java.util.Locale.ROOT) + " "
                + value.render(ConfigRenderOptions.concise()) + (from == null ? "" : " (from " + from + ")"));
    }

    /** "accepted parameters are a, b (nearest: a)", or "it takes no parameters". */
    public String accepted(String given) {
        if (byName.isEmpty()) {
            return "it takes no parameters";
        }
        String nearest = names().stream()
                .min(java.util.Comparator.comparingInt((String n) -> distance(n, given)).thenComparing(n -> n))
                .orElseThrow();
        return "accepted parameters are " + String.join(", ", names()) + " (nearest: " + nearest + ")";
    }

    /** Edit distance (Levenshtein) between two names, for "nearest" suggestions. */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    @Override
    public String toString() {
        return declared ? "parameters " + names() : "parameters undeclared";
    }
}
