package org.pclora.experiments.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.pclora.core.Messages;
import org.pclora.core.PcLoraException;
import org.pclora.core.spi.PluginParameter;
import org.pclora.experiments.plugins.PluginGroups;

/**
 * Composes a run's configuration Hydra-style from a {@code conf/} tree: the root
 * {@code config.conf} with its {@code defaults} (one option per group), the selected experiment
 * (which may change the defaults and any value), each group's option file placed under the
 * group's key, then command-line overrides. Strict: overriding a key that does not exist, or
 * with a value of another type, is an error naming the nearest valid keys or the expected type.
 *
 * <p>A group that selects a plugin ({@code schedule}, {@code distill}, {@code model},
 * {@code dataset}) accepts every discovered plugin's name as an option as well: without a conf file
 * of that name the group is the plugin's selector and its declared defaults
 * ({@link PluginGroups#optionConfig}). The plugin's parameters are keys of its group
 * ({@code schedule.power=3}); {@code +key=value} adds only keys some component reads (a plugin's
 * declared parameter, or any key of a plugin that declares none), and the composed configuration
 * is checked against the selected plugins before it is returned.
 */
public final class ConfigComposer {
    /** Config groups, each a folder of option files under {@code conf/}. */
    public static final List<String> GROUPS = List.of("experiment", "row", "model", "dataset", "schedule", "distill",
            "optimizer", "launcher");

    /**
     * Groups whose option files are placed at the root (like Hydra's {@code @package _global_})
     * rather than under the group's key: the experiment, and the row of a comparison table (a
     * named bundle of settings, e.g. {@code row=lora-kd}, applied over the experiment).
     */
    private static final List<String> GLOBAL_GROUPS = List.of("experiment", "row");

    private final Path confDir;
    private final PluginGroups plugins;

    /** A composer that knows the plugins of the application's class path (no plugin jars). */
    public ConfigComposer(Path confDir) {
        this(confDir, PluginGroups.builtIn());
    }

    /** A composer over {@code confDir} whose plugin groups also offer the plugins of {@code plugins}. */
    public ConfigComposer(Path confDir, PluginGroups plugins) {
        this.plugins = plugins;
        if (!Files.isRegularFile(confDir.resolve("config.conf"))) {
            throw new PcLoraException("config directory " + confDir + " has no config.conf: pass the project's conf/"
                    + " folder (set PCLORA_HOME or run from the project root)");
        }
        this.confDir = confDir;
    }

    public Path confDir() {
        return confDir;
    }

    /** A composed configuration with the group choices and overrides that made it. */
    public record Composed(Config config, Map<String, String> choices, List<ConfigOverride> overrides) {
    }

    /** The options of one group (file names without {@code .conf}), sorted. */
    public List<String> options(String group) {
        Path dir = confDir.resolve(group);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".conf"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new PcLoraException("cannot list config group " + dir + ": " + e.getMessage());
        }
    }

    /** Old spellings of keys, still read with a warning: old key to the key to use. */
    public static final Map<String, String> DEPRECATED = Map.of("pclora.alpha", "pclora.lora_alpha");

    /** Composes the configuration for one run. */
    public Composed compose(List<ConfigOverride> overrides) {
        overrides = overrides.stream().map(ConfigComposer::undeprecate).toList();
        Config root = parse(confDir.resolve("config.conf"));
        Map<String, String> choices = new LinkedHashMap<>();
        if (root.hasPath("defaults")) {
            root.getConfig("defaults").root().unwrapped().forEach((k, v) -> choices.put(k, String.valueOf(v)));
        }
        List<ConfigOverride> keyOverrides = new ArrayList<>();
        Map<String, String> cliChoices = new LinkedHashMap<>();
        for (ConfigOverride o : overrides) {
            if (GROUPS.contains(o.key()) && o.op() == ConfigOverride.Op.SET) {
                if (Sweep.isSweep(o.value())) {
                    throw new PcLoraException("override '" + o + "' is a sweep: run it with -m (multirun)");
                }
                cliChoices.put(o.key(), o.value().trim());
            } else {
                if (o.op() != ConfigOverride.Op.REMOVE && Sweep.isSweep(o.value())) {
                    throw new PcLoraException("override '" + o + "' is a sweep: run it with -m (multirun), or quote a"
                            + " value that contains commas: " + o.key() + "='\"...\"'");
                }
                keyOverrides.add(o);
            }
        }
        // The experiment is chosen first, because it may change the other groups' defaults.
        String experiment = cliChoices.getOrDefault("experiment", choices.get("experiment"));
        Config experimentConf = ConfigFactory.empty();
        if (experiment != null && !experiment.isEmpty()) {
            experimentConf = parse(groupFile("experiment", experiment));
            if (experimentConf.hasPath("sweep")) {
                experimentConf = experimentConf.withoutPath("sweep"); // read by sweepOf, not a run setting
            }
            if (experimentConf.hasPath("defaults")) {
                experimentConf.getConfig("defaults").root().unwrapped()
                        .forEach((k, v) -> choices.put(k, String.valueOf(v)));
                experimentConf = experimentConf.withoutPath("defaults");
            }
            choices.put("experiment", experiment);
        }
        // The row comes next: it may change the groups again (schedule=constant for LoRA + KD).
        String row = cliChoices.getOrDefault("row", choices.get("row"));
        Config rowConf = ConfigFactory.empty();
        if (row != null && !row.isEmpty()) {
            rowConf = parse(groupFile("row", row));
            if (rowConf.hasPath("defaults")) {
                rowConf.getConfig("defaults").root().unwrapped().forEach((k, v) -> choices.put(k, String.valueOf(v)));
                rowConf = rowConf.withoutPath("defaults");
            }
            // Recorded in the configuration, so that summaries and reports can name the row.
            rowConf = rowConf.withValue("row", ConfigValueFactory.fromAnyRef(row));
            choices.put("row", row);
        }
        choices.putAll(cliChoices);
        for (String g : choices.keySet()) {
            if (!GROUPS.contains(g)) {
                throw new PcLoraException("defaults name an unknown config group '" + g + "': groups are " + GROUPS);
            }
        }

        Config merged = root.withoutPath("defaults");
        for (String g : GROUPS) {
            if (GLOBAL_GROUPS.contains(g) || !choices.containsKey(g)) {
                continue;
            }
            Config groupConf = groupConfig(g, choices.get(g));
            merged = groupConf.atKey(g).withFallback(merged);
        }
        merged = rowConf.withFallback(experimentConf.withFallback(merged));
        // Config files may still use an old spelling: its value moves to the new key.
        for (Map.Entry<String, String> d : DEPRECATED.entrySet()) {
            if (merged.hasPath(d.getKey())) {
                org.slf4j.LoggerFactory.getLogger(ConfigComposer.class).warn("configuration key {} is deprecated; use {}",
                        d.getKey(), d.getValue());
                merged = merged.withValue(d.getValue(), merged.getValue(d.getKey())).withoutPath(d.getKey());
            }
        }
        for (ConfigOverride o : keyOverrides) {
            merged = apply(merged, o);
        }
        try {
            merged = merged.resolve();
        } catch (ConfigException e) {
            throw new PcLoraException("configuration does not resolve: " + oneLine(e));
        }
        plugins.validate(merged);
        return new Composed(merged, choices, List.copyOf(overrides));
    }

    /**
     * The sweep an experiment file declares in its {@code sweep} block (key or group to a comma
     * list or range), as overrides; empty when it declares none. {@code overrides} may select
     * the experiment; otherwise the root default applies.
     */
    public List<ConfigOverride> sweepOf(List<ConfigOverride> overrides) {
        String experiment = null;
        for (ConfigOverride o : overrides) {
            if (o.key().equals("experiment") && o.op() == ConfigOverride.Op.SET) {
                experiment = o.value().trim();
            }
        }
        if (experiment == null) {
            Config root = parse(confDir.resolve("config.conf"));
            experiment = root.hasPath("defaults.experiment") ? root.getString("defaults.experiment") : null;
        }
        if (experiment == null || experiment.isEmpty() || Sweep.isSweep(experiment)) {
            return List.of();
        }
        Config e = parse(groupFile("experiment", experiment));
        if (!e.hasPath("sweep")) {
            return List.of();
        }
        List<ConfigOverride> out = new ArrayList<>();
        e.getConfig("sweep").entrySet().forEach(en -> out.add(new ConfigOverride(ConfigOverride.Op.SET, en.getKey(),
                String.valueOf(en.getValue().unwrapped()))));
        return out;
    }

    /** The options of a group: its conf files and, for plugin groups, the discovered plugins' names. */
    public List<String> available(String group) {
        return PluginGroups.merge(options(group), plugins.names(group));
    }

    /** The configuration of {@code group=option}: the conf file, else the plugin of that name. */
    private Config groupConfig(String group, String option) {
        Path p = confDir.resolve(group).resolve(option + ".conf");
        if (Files.isRegularFile(p)) {
            return parse(p);
        }
        return plugins.optionConfig(group, option).orElseThrow(() -> unknownOption(group, option));
    }

    private PcLoraException unknownOption(String group, String option) {
        boolean pluginGroup = PluginGroups.Group.of(group).isPresent();
        return new PcLoraException("unknown " + group + " '" + option + "': available are "
                + String.join(", ", available(group)) + " (conf files in " + confDir.resolve(group)
                + (pluginGroup ? "; " + plugins.searched() : "") + ")"
                + (pluginGroup ? plugins.registry().brokenNote(PluginGroups.Group.of(group).orElseThrow().kind()) : ""));
    }

    private Path groupFile(String group, String option) {
        Path p = confDir.resolve(group).resolve(option + ".conf");
        if (!Files.isRegularFile(p)) {
            throw unknownOption(group, option);
        }
        return p;
    }

    private static Config parse(Path file) {
        try {
            return ConfigFactory.parseFile(file.toFile(),
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
        } catch (ConfigException e) {
            throw new PcLoraException("malformed HOCON in " + file + ": " + oneLine(e));
        }
    }

    private static ConfigOverride undeprecate(ConfigOverride o) {
        String to = DEPRECATED.get(o.key());
        if (to == null) {
            return o;
        }
        org.slf4j.LoggerFactory.getLogger(ConfigComposer.class).warn("override key {} is deprecated; use {}", o.key(), to);
        return new ConfigOverride(o.op(), to, o.value());
    }

    private Config apply(Config c, ConfigOverride o) {
        switch (o.op()) {
            case REMOVE:
                if (!c.hasPathOrNull(o.key())) {
                    throw unknownKey(c, o);
                }
                return c.withoutPath(o.key());
            case ADD:
                if (c.hasPathOrNull(o.key()) && plugins.role(c, o.key()) == PluginGroups.KeyRole.DECLARED) {
                    // A plugin parameter the plugin's defaults put there already: adding it sets it.
                    return c.withValue(o.key(), pluginValue(c, o, c.hasPath(o.key()) ? c.getValue(o.key()).valueType() : null));
                }
                if (c.hasPathOrNull(o.key())) {
                    throw new PcLoraException("override '" + o + "' adds key " + o.key()
                            + ", which exists already: use " + o.key() + "=" + o.value() + " to change it");
                }
                if (!readBySomething(c, o.key())) {
                    throw unreadKey(c, o);
                }
                return c.withValue(o.key(), pluginValue(c, o, null));
            default:
                if (!c.hasPathOrNull(o.key())) {
                    // A plugin's parameter without a default is set like any other key (no '+').
                    if (readBySomething(c, o.key())) {
                        return c.withValue(o.key(), pluginValue(c, o, null));
                    }
                    throw unknownKey(c, o);
                }
                ConfigValue old = c.hasPath(o.key()) ? c.getValue(o.key()) : null;
                return c.withValue(o.key(), pluginValue(c, o, old == null ? null : old.valueType()));
        }
    }

    /** Whether some component reads {@code key}: a declared parameter, or a key of a plugin that declares none. */
    private boolean readBySomething(Config c, String key) {
        PluginGroups.KeyRole role = plugins.role(c, key);
        return role == PluginGroups.KeyRole.DECLARED || role == PluginGroups.KeyRole.UNDECLARED_PLUGIN;
    }

    /**
     * The override's value; a declared plugin parameter is checked against its declared type
     * (the error names the plugin, where it came from and the parameter), other keys against the
     * type of the value they replace.
     */
    private ConfigValue pluginValue(Config c, ConfigOverride o, ConfigValueType oldType) {
        java.util.Optional<PluginParameter> p = plugins.declared(c, o.key());
        // A string stays the text typed (paths need no quotes); other values are parsed as HOCON.
        ConfigValueType asString = oldType == ConfigValueType.STRING ? ConfigValueType.STRING : null;
        if (p.isEmpty()) {
            // a plugin that declares nothing judges the value itself, in one line naming it and its jar
            return parseValue(o, plugins.role(c, o.key()) == PluginGroups.KeyRole.UNDECLARED_PLUGIN ? asString : oldType);
        }
        if (o.key().indexOf('.') != o.key().lastIndexOf('.') && !plugins.legacyKey(c, o.key())) {
            return parseValue(o, null); // inside a parameter's value (e.g. a map): the plugin checks it
        }
        PluginParameter.Type t = p.get().type();
        boolean text = t == PluginParameter.Type.STRING || (t == PluginParameter.Type.ANY && asString != null);
        ConfigValue v = parseValue(o, text ? ConfigValueType.STRING : null);
        if (!p.get().type().accepts(v)) {
            throw PluginGroups.wrongType(plugins.owner(c, o.key()).orElseThrow(), p.get(), v, "override '" + o + "'");
        }
        return v;
    }

    private PcLoraException unreadKey(Config c, ConfigOverride o) {
        java.util.Optional<PluginGroups.Selected> owner = plugins.owner(c, o.key());
        if (owner.isPresent() && plugins.role(c, o.key()) == PluginGroups.KeyRole.UNKNOWN) {
            String param = o.key().substring(owner.get().path().length() + 1);
            return new PcLoraException("override '" + o + "' adds key " + o.key() + ", which " + owner.get().label()
                    + " does not read: " + acceptedOf(owner.get(), param));
        }
        return new PcLoraException("override '" + o + "' adds key " + o.key() + ", which nothing reads: nearest real keys are "
                + String.join(", ", nearest(c, o.key())));
    }

    private static String acceptedOf(PluginGroups.Selected s, String given) {
        java.util.Set<String> names = PluginGroups.parameters(s.entry()).names();
        if (names.isEmpty()) {
            return "it takes no parameters";
        }
        String nearest = names.stream().min(Comparator.comparingInt((String n) -> distance(n, given)).thenComparing(n -> n))
                .orElseThrow();
        return "its parameters are " + String.join(", ", names) + " (nearest: " + s.path() + "." + nearest + ")";
    }

    /** Parses an override value as HOCON; checks it against the type of the value it replaces. */
    static ConfigValue parseValue(ConfigOverride o, ConfigValueType expected) {
        String raw = o.value();
        if (expected == ConfigValueType.STRING) {
            String s = raw.trim();
            if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
                s = s.substring(1, s.length() - 1);
            }
            return ConfigValueFactory.fromAnyRef(s, "command line " + o);
        }
        ConfigValue v;
        try {
            v = ConfigFactory.parseString("v = " + raw).getValue("v");
        } catch (ConfigException e) {
            v = ConfigValueFactory.fromAnyRef(raw.trim(), "command line " + o);
        }
        if (expected != null && expected != ConfigValueType.NULL && v.valueType() != expected) {
            throw new PcLoraException("override '" + o + "' has the wrong type: " + o.key() + " expects a "
                    + expected.name().toLowerCase() + ", got " + v.valueType().name().toLowerCase()
                    + " '" + raw + "'");
        }
        return v;
    }

    private PcLoraException unknownKey(Config c, ConfigOverride o) {
        java.util.Optional<PluginGroups.Selected> owner = plugins.owner(c, o.key());
        if (owner.isPresent() && plugins.role(c, o.key()) == PluginGroups.KeyRole.UNKNOWN) {
            String param = o.key().substring(owner.get().path().length() + 1);
            return new PcLoraException("override '" + o + "' names unknown key " + o.key() + ": " + owner.get().label()
                    + " does not read it; " + acceptedOf(owner.get(), param));
        }
        return new PcLoraException("override '" + o + "' names unknown key " + o.key() + ": nearest valid keys are "
                + String.join(", ", nearest(c, o.key())));
    }

    /** The three keys nearest to {@code key}: existing keys, group names and declared plugin parameters. */
    private List<String> nearest(Config c, String key) {
        List<String> keys = new ArrayList<>();
        c.entrySet().forEach(e -> keys.add(e.getKey()));
        keys.addAll(GROUPS);
        keys.addAll(plugins.declaredKeys(c));
        return keys.stream()
                .sorted(Comparator.comparingInt((String k) -> distance(k, key)).thenComparing(k -> k))
                .distinct().limit(3).collect(Collectors.toList());
    }

    /** Edit distance, for "did you mean": the one {@link PluginGroups#distance} the plugin errors use too. */
    static int distance(String a, String b) {
        return PluginGroups.distance(a, b);
    }

    private static String oneLine(ConfigException e) {
        return Messages.oneLine(e.getMessage());
    }
}
