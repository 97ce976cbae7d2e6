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
import org.pclora.core.PcLoraException;

/**
 * Composes a run's configuration Hydra-style from a {@code conf/} tree: the root
 * {@code config.conf} with its {@code defaults} (one option per group), the selected experiment
 * (which may change the defaults and any value), each group's option file placed under the
 * group's key, then command-line overrides. Strict: overriding a key that does not exist, or
 * with a value of another type, is an error naming the nearest valid keys or the expected type.
 */
public final class ConfigComposer {
    /** Config groups, each a folder of option files under {@code conf/}. */
    public static final List<String> GROUPS = List.of("experiment", "model", "dataset", "schedule", "distill", "optimizer");

    private final Path confDir;

    public ConfigComposer(Path confDir) {
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
    public record Composed(Config config, Map<String, String> choices, List<Override> overrides) {
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
    public Composed compose(List<Override> overrides) {
        overrides = overrides.stream().map(ConfigComposer::undeprecate).toList();
        Config root = parse(confDir.resolve("config.conf"));
        Map<String, String> choices = new LinkedHashMap<>();
        if (root.hasPath("defaults")) {
            root.getConfig("defaults").root().unwrapped().forEach((k, v) -> choices.put(k, String.valueOf(v)));
        }
        List<Override> keyOverrides = new ArrayList<>();
        Map<String, String> cliChoices = new LinkedHashMap<>();
        for (Override o : overrides) {
            if (GROUPS.contains(o.key()) && o.op() == Override.Op.SET) {
                if (Sweep.isSweep(o.value())) {
                    throw new PcLoraException("override '" + o + "' is a sweep: run it with -m (multirun)");
                }
                cliChoices.put(o.key(), o.value().trim());
            } else {
                if (o.op() != Override.Op.REMOVE && Sweep.isSweep(o.value())) {
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
        choices.putAll(cliChoices);
        for (String g : choices.keySet()) {
            if (!GROUPS.contains(g)) {
                throw new PcLoraException("defaults name an unknown config group '" + g + "': groups are " + GROUPS);
            }
        }

        Config merged = root.withoutPath("defaults");
        for (String g : GROUPS) {
            if (g.equals("experiment") || !choices.containsKey(g)) {
                continue;
            }
            Config groupConf = parse(groupFile(g, choices.get(g)));
            merged = groupConf.atKey(g).withFallback(merged);
        }
        merged = experimentConf.withFallback(merged);
        // Config files may still use an old spelling: its value moves to the new key.
        for (Map.Entry<String, String> d : DEPRECATED.entrySet()) {
            if (merged.hasPath(d.getKey())) {
                org.slf4j.LoggerFactory.getLogger(ConfigComposer.class).warn("configuration key {} is deprecated; use {}",
                        d.getKey(), d.getValue());
                merged = merged.withValue(d.getValue(), merged.getValue(d.getKey())).withoutPath(d.getKey());
            }
        }
        for (Override o : keyOverrides) {
            merged = apply(merged, o);
        }
        try {
            merged = merged.resolve();
        } catch (ConfigException e) {
            throw new PcLoraException("configuration does not resolve: " + oneLine(e));
        }
        return new Composed(merged, choices, List.copyOf(overrides));
    }

    /**
     * The sweep an experiment file declares in its {@code sweep} block (key or group to a comma
     * list or range), as overrides; empty when it declares none. {@code overrides} may select
     * the experiment; otherwise the root default applies.
     */
    public List<Override> sweepOf(List<Override> overrides) {
        String experiment = null;
        for (Override o : overrides) {
            if (o.key().equals("experiment") && o.op() == Override.Op.SET) {
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
        List<Override> out = new ArrayList<>();
        e.getConfig("sweep").entrySet().forEach(en -> out.add(new Override(Override.Op.SET, en.getKey(),
                String.valueOf(en.getValue().unwrapped()))));
        return out;
    }

    private Path groupFile(String group, String option) {
        Path p = confDir.resolve(group).resolve(option + ".conf");
        if (!Files.isRegularFile(p)) {
            throw new PcLoraException("unknown " + group + " '" + option + "': available are "
                    + String.join(", ", options(group)));
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

    private static Override undeprecate(Override o) {
        String to = DEPRECATED.get(o.key());
        if (to == null) {
            return o;
        }
        org.slf4j.LoggerFactory.getLogger(ConfigComposer.class).warn("override key {} is deprecated; use {}", o.key(), to);
        return new Override(o.op(), to, o.value());
    }

    private static Config apply(Config c, Override o) {
        switch (o.op()) {
            case REMOVE:
                if (!c.hasPathOrNull(o.key())) {
                    throw unknownKey(c, o);
                }
                return c.withoutPath(o.key());
            case ADD:
                if (c.hasPathOrNull(o.key())) {
                    throw new PcLoraException("override '" + o + "' adds key " + o.key()
                            + ", which exists already: use " + o.key() + "=" + o.value() + " to change it");
                }
                return c.withValue(o.key(), parseValue(o, null));
            default:
                if (!c.hasPathOrNull(o.key())) {
                    throw unknownKey(c, o);
                }
                ConfigValue old = c.hasPath(o.key()) ? c.getValue(o.key()) : null;
                return c.withValue(o.key(), parseValue(o, old == null ? null : old.valueType()));
        }
    }

    /** Parses an override value as HOCON; checks it against the type of the value it replaces. */
    static ConfigValue parseValue(Override o, ConfigValueType expected) {
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

    private static PcLoraException unknownKey(Config c, Override o) {
        List<String> keys = new ArrayList<>();
        c.entrySet().forEach(e -> keys.add(e.getKey()));
        for (String g : GROUPS) {
            keys.add(g);
        }
        List<String> nearest = keys.stream()
                .sorted(Comparator.comparingInt((String k) -> distance(k, o.key())).thenComparing(k -> k))
                .distinct().limit(3).collect(Collectors.toList());
        String hint = o.op() == Override.Op.SET ? " (use +" + o.key() + "=... to add a new key)" : "";
        return new PcLoraException("override '" + o + "' names unknown key " + o.key() + ": nearest valid keys are "
                + String.join(", ", nearest) + hint);
    }

    /** Levenshtein distance, for "did you mean". */
    static int distance(String a, String b) {
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

    private static String oneLine(ConfigException e) {
        return e.getMessage().replace('\n', ' ');
    }
}
