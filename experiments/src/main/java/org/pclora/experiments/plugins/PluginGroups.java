package org.pclora.experiments.plugins;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.pclora.core.Messages;
import org.pclora.core.PcLoraException;
import org.pclora.core.registry.PluginRegistry;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.DistillLoss;
import org.pclora.core.spi.ModelFamily;
import org.pclora.core.spi.Plugin;
import org.pclora.core.spi.PluginParameter;
import org.pclora.core.spi.PluginParameters;
import org.pclora.core.train.Objective;

/**
 * The configuration groups that select a plugin by name ({@code schedule}, {@code distill},
 * {@code model}, {@code dataset}) and everything the run's configuration needs to know about the
 * plugin each selects: its group configuration when no conf file exists (the selector key and the
 * plugin's declared defaults), which keys of the group are the plugin's parameters, their checks,
 * and the configured plugin, with whatever the plugin throws turned into one line naming the
 * plugin, where it came from and the parameter.
 *
 * <p>Group layouts: {@code schedule { name = <schedule>, <param> = ... }};
 * {@code distill { name = <loss>, weight = 1.0, <param> = ... }} or, for several losses,
 * {@code distill { losses = [ { name, weight, <param> = ... }, ... ] }};
 * {@code model { family = <family>, <param> = ... }}; {@code dataset { provider = <provider>, <param> = ... }}.
 * Configurations written before parameters sat beside the selector ({@code params { ... }}) are
 * still read.
 */
public final class PluginGroups {

    /** A configuration group backed by a plugin kind. */
    public enum Group {
        SCHEDULE("schedule", PluginRegistry.Kind.SCHEDULE, "name", Set.of("name")),
        DISTILL("distill", PluginRegistry.Kind.DISTILL, "name", Set.of("name", "weight")),
        MODEL("model", PluginRegistry.Kind.MODEL, "family", Set.of("family")),
        DATASET("dataset", PluginRegistry.Kind.DATASET, "provider", Set.of("provider", "val_fraction"));

        private final String key;
        private final PluginRegistry.Kind kind;
        private final String selector;
        private final Set<String> structural;

        Group(String key, PluginRegistry.Kind kind, String selector, Set<String> structural) {
            this.key = key;
            this.kind = kind;
            this.selector = selector;
            this.structural = structural;
        }

        /** The group's key in the configuration and on the command line. */
        public String key() {
            return key;
        }

        /** The plugin kind it selects. */
        public PluginRegistry.Kind kind() {
            return kind;
        }

        /** The key inside the group that names the plugin. */
        public String selector() {
            return selector;
        }

        /** The group's keys that are not the plugin's parameters. */
        public Set<String> structural() {
            return structural;
        }

        /** The group of that configuration key, if it is one. */
        public static Optional<Group> of(String key) {
            for (Group g : values()) {
                if (g.key.equals(key)) {
                    return Optional.of(g);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * The plugin a group selects and its parameters.
     *
     * @param group  the group
     * @param entry  the plugin
     * @param path   the configuration path of the plugin's block, e.g. {@code schedule} or {@code distill.losses[1]}
     * @param params the plugin's parameters (the block without its structural keys)
     */
    public record Selected(Group group, PluginRegistry.Entry entry, String path, Config params) {
        /** E.g. {@code schedule 'quadratic-out' (plugin jar my-schedules-1.0.0.jar)}. */
        public String label() {
            return PluginGroups.label(entry.kind(), entry.plugin());
        }
    }

    private final PluginRegistry registry;

    public PluginGroups(PluginRegistry registry) {
        this.registry = registry;
    }

    /** The plugins of the application's class path only (no plugin jars). */
    public static PluginGroups builtIn() {
        return new PluginGroups(PluginRegistry.load(PluginGroups.class.getClassLoader()));
    }

    public PluginRegistry registry() {
        return registry;
    }

    /** E.g. {@code schedule 'quadratic-out' (plugin jar my-schedules-1.0.0.jar)}. */
    public static String label(PluginRegistry.Kind kind, Plugin plugin) {
        return kind.label() + " '" + plugin.name() + "' (" + Origins.describe(plugin.getClass()) + ")";
    }

    /** The plugin names a group can select (empty for groups that are not plugin groups). */
    public List<String> names(String group) {
        return Group.of(group).map(g -> registry.names(g.kind())).orElse(List.of());
    }

    /** Where plugin jars were looked for, in words. */
    public String searched() {
        return registry.searched();
    }

    /**
     * The group configuration of {@code group=option} when {@code option} is a plugin's name: the
     * selector, a weight of 1 for a distillation loss, and the plugin's declared defaults.
     */
    public Optional<Config> optionConfig(String group, String option) {
        Optional<Group> g = Group.of(group);
        if (g.isEmpty()) {
            return Optional.empty();
        }
        Optional<PluginRegistry.Entry> e = registry.find(g.get().kind(), option);
        if (e.isEmpty()) {
            return Optional.empty();
        }
        Config c = parameters(e.get()).defaults()
                .withValue(g.get().selector(), ConfigValueFactory.fromAnyRef(option, "plugin " + option));
        if (g.get() == Group.DISTILL) {
            c = c.withValue("weight", ConfigValueFactory.fromAnyRef(1.0, "plugin " + option));
        }
        return Optional.of(c);
    }

    /** The parameters a plugin declares; a plugin that throws from {@code parameters()} is reported in one line. */
    public static PluginParameters parameters(PluginRegistry.Entry e) {
        try {
            PluginParameters p = e.plugin().parameters();
            return p == null ? PluginParameters.undeclared() : p;
        } catch (RuntimeException ex) {
            throw new PcLoraException(label(e.kind(), e.plugin()) + " failed to declare its parameters: " + describe(ex), ex);
        }
    }

    /** Every plugin the configuration selects, with its parameters. Unknown names raise the registry's error. */
    public List<Selected> selected(Config config) {
        List<Selected> out = new ArrayList<>();
        for (Group g : Group.values()) {
            if (!config.hasPath(g.key()) || config.getValue(g.key()).valueType() != ConfigValueType.OBJECT) {
                continue;
            }
            Config block = config.getConfig(g.key());
            if (g == Group.DISTILL && block.hasPath("losses")) {
                List<? extends Config> losses;
                try {
                    losses = block.getConfigList("losses");
                } catch (ConfigException e) {
                    throw new PcLoraException("distill.losses must be a list of { name, weight, <parameters> }: "
                            + Messages.oneLine(e.getMessage()));
                }
                for (int i = 0; i < losses.size(); i++) {
                    out.add(select(g, losses.get(i), "distill.losses[" + i + "]"));
                }
                continue;
            }
            if (block.hasPath(g.selector())) {
                out.add(select(g, block, g.key()));
            }
        }
        return out;
    }

    private Selected select(Group g, Config block, String path) {
        String name;
        try {
            name = block.getString(g.selector());
        } catch (ConfigException e) {
            throw new PcLoraException("configuration key " + path + "." + g.selector() + " must name a "
                    + g.kind().label() + ": " + String.join(", ", registry.names(g.kind())));
        }
        registry.get(g.kind(), name, Plugin.class); // unknown names: the list and where plugins were looked for
        PluginRegistry.Entry entry = registry.find(g.kind(), name).orElseThrow();
        Config params = block;
        for (String k : g.structural()) {
            params = params.withoutPath(k);
        }
        PluginParameters declared = parameters(entry);
        // Written before parameters sat beside the selector: { name = x, params { ... } }.
        if (params.root().containsKey("params") && params.root().get("params").valueType() == ConfigValueType.OBJECT
                && declared.get("params").isEmpty()) {
            Config legacy = params.getConfig("params");
            params = legacy.withFallback(params.withoutPath("params"));
        }
        return new Selected(g, entry, path, params);
    }

    /** The selected plugin of a group (the first for distill), if the configuration has one. */
    public Optional<Selected> selected(Config config, Group group) {
        return selected(config).stream().filter(s -> s.group() == group).findFirst();
    }

    /** What an override key under a plugin group is to the selected plugin. */
    public enum KeyRole { NOT_A_PLUGIN_KEY, DECLARED, UNDECLARED_PLUGIN, UNKNOWN }

    /**
     * The role of dotted {@code key} given the configuration so far: a declared parameter of the
     * plugin its group selects, a key of a plugin that declares none (its own check decides), a key
     * the selected plugin does not read, or not a key of a plugin group at all.
     */
    public KeyRole role(Config config, String key) {
        Optional<Selected> s = owner(config, key);
        if (s.isEmpty()) {
            return KeyRole.NOT_A_PLUGIN_KEY;
        }
        PluginParameters p = parameters(s.get().entry());
        String param = param(key, p);
        if (s.get().group().structural().contains(param)) {
            return KeyRole.NOT_A_PLUGIN_KEY;
        }
        if (!p.declared()) {
            return KeyRole.UNDECLARED_PLUGIN;
        }
        return p.get(param).isPresent() ? KeyRole.DECLARED : KeyRole.UNKNOWN;
    }

    /** The selected plugin whose group holds {@code key} (flat single-plugin groups only). */
    public Optional<Selected> owner(Config config, String key) {
        int dot = key.indexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        Optional<Group> g = Group.of(key.substring(0, dot));
        if (g.isEmpty() || !config.hasPath(g.get().key())
                || config.getValue(g.get().key()).valueType() != ConfigValueType.OBJECT) {
            return Optional.empty();
        }
        Config block = config.getConfig(g.get().key());
        if (!block.hasPath(g.get().selector()) || (g.get() == Group.DISTILL && block.hasPath("losses"))) {
            return Optional.empty();
        }
        return Optional.of(select(g.get(), block, g.get().key()));
    }

    /** The declared parameter a dotted key names, if any. */
    public Optional<PluginParameter> declared(Config config, String key) {
        return owner(config, key).flatMap(s -> {
            PluginParameters p = parameters(s.entry());
            return p.get(param(key, p));
        });
    }

    /** Declared parameter paths of every selected plugin, for "nearest key" suggestions. */
    public List<String> declaredKeys(Config config) {
        List<String> out = new ArrayList<>();
        for (Selected s : selected(config)) {
            if (s.path().contains("[")) {
                continue;
            }
            parameters(s.entry()).names().forEach(n -> out.add(s.path() + "." + n));
        }
        return out;
    }

    /**
     * The parameter a dotted key under a group names: {@code schedule.power} and, in the layout
     * configurations had before parameters sat beside the selector, {@code schedule.params.power}
     * (unless the plugin declares a parameter called {@code params}).
     */
    private static String param(String key, PluginParameters declared) {
        String[] parts = key.split("\\.");
        if (parts.length >= 3 && parts[1].equals("params") && declared.declared() && declared.get("params").isEmpty()) {
            return parts[2];
        }
        return parts.length < 2 ? "" : parts[1];
    }

    /** Whether a key addresses a parameter in the earlier {@code <group>.params.<name>} layout. */
    public boolean legacyKey(Config config, String key) {
        Optional<Selected> s = owner(config, key);
        if (s.isEmpty()) {
            return false;
        }
        String[] parts = key.split("\\.");
        return parts.length >= 3 && parts[1].equals("params") && parameters(s.get().entry()).get("params").isEmpty();
    }

    /** The one-line error for a parameter value of the wrong type ({@code from}: where it was set, or null). */
    public static PcLoraException wrongType(Selected s, PluginParameter p, ConfigValue value, String from) {
        return PluginParameters.wrongType(s.label(), p, value, from);
    }

    /**
     * Checks every selected plugin against the configuration: declared parameter names and types,
     * then lets the plugin configure itself ({@code configure} of schedules and losses,
     * {@code resolve} of model families), so that a sweep fails before its first run starts.
     */
    public void validate(Config config) {
        for (Selected s : selected(config)) {
            check(s);
            switch (s.group()) {
                case SCHEDULE -> configure(s, DecaySchedule.class);
                case DISTILL -> configure(s, DistillLoss.class);
                case MODEL -> resolveModel(s, config.getConfig("model"));
                default -> { } // datasets are opened by the run, which reports them
            }
        }
    }

    /** Declared names and types of one selected plugin's parameters (see {@link PluginParameters#check}). */
    private void check(Selected s) {
        parameters(s.entry()).check(s.label(), s.path(), s.params());
    }

    /**
     * Schedule {@code name} configured from {@code params} (the {@code pclora schedule} command),
     * with the same checks and one-line errors as in a run; {@code path} is how the user addressed them.
     */
    public DecaySchedule schedule(String name, Config params, String path) {
        registry.get(PluginRegistry.Kind.SCHEDULE, name, Plugin.class);
        Selected s = new Selected(Group.SCHEDULE, registry.find(PluginRegistry.Kind.SCHEDULE, name).orElseThrow(), path, params);
        check(s);
        return configure(s, DecaySchedule.class);
    }

    /** The configured schedule the configuration selects. */
    public DecaySchedule schedule(Config config) {
        Selected s = selected(config, Group.SCHEDULE)
                .orElseThrow(() -> new PcLoraException("configuration key schedule.name is missing: it must name a schedule: "
                        + String.join(", ", registry.names(PluginRegistry.Kind.SCHEDULE))));
        check(s);
        return configure(s, DecaySchedule.class);
    }

    /** The configured distillation losses and their weights. */
    public List<Objective.Term> losses(Config config) {
        List<Objective.Term> terms = new ArrayList<>();
        Config distill = config.hasPath("distill") ? config.getConfig("distill") : ConfigFactory.empty();
        List<Config> blocks = new ArrayList<>();
        List<Selected> selected = selected(config).stream().filter(s -> s.group() == Group.DISTILL).toList();
        if (selected.isEmpty()) {
            throw new PcLoraException("configuration key distill.name is missing: it must name a distillation loss: "
                    + String.join(", ", registry.names(PluginRegistry.Kind.DISTILL)));
        }
        if (distill.hasPath("losses")) {
            blocks.addAll(distill.getConfigList("losses"));
        } else {
            blocks.add(distill);
        }
        for (int i = 0; i < selected.size(); i++) {
            Selected s = selected.get(i);
            check(s);
            double weight = 1.0;
            if (blocks.get(i).hasPath("weight")) {
                try {
                    weight = blocks.get(i).getDouble("weight");
                } catch (ConfigException e) {
                    throw new PcLoraException("configuration key " + s.path() + ".weight has the wrong type: expected a number");
                }
            }
            if (!Double.isFinite(weight) || weight < 0) {
                throw new PcLoraException(s.path() + ".weight = " + weight + " is out of range: a finite number >= 0");
            }
            terms.add(new Objective.Term(configure(s, DistillLoss.class), weight));
        }
        return terms;
    }

    @SuppressWarnings("unchecked")
    private <T extends Plugin> T configure(Selected s, Class<T> type) {
        Plugin p = s.entry().plugin();
        try {
            Object configured = p instanceof DecaySchedule d ? d.configure(s.params())
                    : p instanceof DistillLoss l ? l.configure(s.params()) : p;
            if (configured == null) {
                throw new IllegalStateException("configure returned null");
            }
            return type.cast(configured);
        } catch (RuntimeException e) {
            throw failure(s, e);
        }
    }

    private void resolveModel(Selected s, Config model) {
        try {
            ((ModelFamily) s.entry().plugin()).resolve(model);
        } catch (RuntimeException e) {
            throw failure(s, e);
        }
    }

    /**
     * One line for whatever a plugin threw while it was configured: a built-in plugin's own
     * {@link PcLoraException} as it is (its messages name the parameter already); anything else,
     * and every error of an outside plugin, prefixed with the plugin, where it came from and the
     * parameter the error concerns.
     */
    public static PcLoraException failure(Selected s, RuntimeException e) {
        Plugin p = s.entry().plugin();
        if (e instanceof PcLoraException pe && Origins.builtIn(p.getClass())) {
            return pe;
        }
        String detail = describe(e);
        String param = parameterOf(s.params(), detail);
        String what = param != null
                ? " parameter '" + param + "' = " + render(s.params().root().get(param))
                        + (s.path().isEmpty() ? "" : " (" + where(s, param) + ")")
                : s.params().isEmpty() ? " with no parameters" : " with parameters " + render(s.params().root());
        return new PcLoraException(s.label() + " refused" + what + ": " + detail, e);
    }

    private static String where(Selected s, String key) {
        return s.path().isEmpty() ? key : s.path() + "." + key;
    }

    /** The parameter an error message concerns: the one mentioned in it, or the only one given. */
    static String parameterOf(Config params, String message) {
        List<String> keys = new ArrayList<>(new TreeSet<>(params.root().keySet()));
        List<String> mentioned = new ArrayList<>();
        for (String k : keys) {
            if (message.matches("(?s).*(^|[^A-Za-z0-9_\\-])" + java.util.regex.Pattern.quote(k) + "([^A-Za-z0-9_\\-]|$).*")) {
                mentioned.add(k);
            }
        }
        if (mentioned.size() == 1) {
            return mentioned.get(0);
        }
        return keys.size() == 1 ? keys.get(0) : null;
    }

    /** An exception as one line: a user error's message, or the exception's type and message. */
    public static String describe(Throwable e) {
        if (e instanceof PcLoraException) {
            return Messages.oneLine(e.getMessage());
        }
        String msg = e.getMessage();
        if (e instanceof ConfigException && msg != null) {
            // "<origin>: <message>": the origin is the generated parameter block, not the user's file
            int colon = msg.indexOf(": ");
            msg = colon >= 0 && e instanceof ConfigException.WrongType ? msg.substring(colon + 2) : msg;
        }
        String type = e.getClass().getName();
        type = type.substring(type.lastIndexOf('.') + 1).replace('$', '.');
        return type + (msg == null ? "" : ": " + Messages.oneLine(msg));
    }


    private static String render(ConfigValue v) {
        return v == null ? "null" : v.render(ConfigRenderOptions.concise());
    }

    /** Edit distance between two names (see {@link PluginParameters#distance}). */
    public static int distance(String a, String b) {
        return PluginParameters.distance(a, b);
    }

    /** Plugin names with the conf-file options of a group, for "available are" lists. */
    public static List<String> merge(List<String> confOptions, List<String> pluginNames) {
        Set<String> all = new TreeSet<>(confOptions);
        all.addAll(pluginNames);
        return List.copyOf(all);
    }
}
