package org.pclora.core.registry;

import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.pclora.core.Messages;
import org.pclora.core.PcLoraException;
import org.pclora.core.spi.AdapterFactory;
import org.pclora.core.spi.DatasetProvider;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.DistillLoss;
import org.pclora.core.spi.ModelFamily;
import org.pclora.core.spi.Plugin;

/**
 * The one registry of plugins, filled from {@link ServiceLoader} over a class loader (the
 * application's, or one that also sees the jars of a {@code plugins/} directory). Look-up is by
 * kind and name; duplicate names within a kind are an error when the registry is built.
 */
public final class PluginRegistry {

    /** The plugin kinds and the SPI type each is loaded through. */
    public enum Kind {
        SCHEDULE("schedule", DecaySchedule.class),
        DISTILL("distill", DistillLoss.class),
        ADAPTER("adapter", AdapterFactory.class),
        MODEL("model family", ModelFamily.class),
        DATASET("dataset", DatasetProvider.class);

        private final String label;
        private final Class<? extends Plugin> type;

        Kind(String label, Class<? extends Plugin> type) {
            this.label = label;
            this.type = type;
        }

        public String label() {
            return label;
        }

        public Class<? extends Plugin> type() {
            return type;
        }
    }

    /** A discovered plugin and where it came from (module jar, directory or plugin jar). */
    public record Entry(Kind kind, Plugin plugin, String origin) {
    }

    /**
     * A plugin listed in a services file that could not be used: its class is missing or broken,
     * its constructor or {@code name()} throws. Its name is unknown (it comes from the instance).
     *
     * @param kind      the kind it was listed for
     * @param className the provider class, or the services file's words when the class is unknown
     * @param origin    the jar or directory it came from ("unknown" when not found)
     * @param reason    what went wrong, one line
     */
    public record Broken(Kind kind, String className, String origin, String reason) {
        /** One line: kind, class, origin and reason. */
        public String describe() {
            return kind.label() + " plugin " + className + " (" + origin + ") " + reason;
        }
    }

    private static final int MAX_FAILURES = 1000;

    private final Map<Kind, Map<String, Entry>> byKind = new LinkedHashMap<>();
    private final List<Broken> broken = new ArrayList<>();
    private final String searched;

    private PluginRegistry(String searched) {
        this.searched = searched;
    }

    /** Discovers all plugins visible to {@code loader}. */
    public static PluginRegistry load(ClassLoader loader) {
        return load(loader, "");
    }

    /**
     * Discovers all plugins visible to {@code loader}; {@code searched} says in words where plugin
     * jars were looked for (e.g. the plugin directories), and is added to unknown-name errors.
     */
    public static PluginRegistry load(ClassLoader loader, String searched) {
        PluginRegistry r = new PluginRegistry(searched == null ? "" : searched);
        for (Kind kind : Kind.values()) {
            Map<String, Entry> entries = new TreeMap<>();
            Iterator<? extends ServiceLoader.Provider<? extends Plugin>> it =
                    ServiceLoader.load(kind.type(), loader).stream().iterator();
            // A provider that fails is recorded and skipped; the loader moves on to the next one.
            // The bound only guards against a loader that keeps failing on the same entry.
            for (int failures = 0; failures < MAX_FAILURES; ) {
                ServiceLoader.Provider<? extends Plugin> provider;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    provider = it.next();
                } catch (java.util.ServiceConfigurationError | LinkageError ex) {
                    failures++;
                    r.broken.add(unloadable(kind, loader, null, ex));
                    continue;
                }
                Plugin p;
                try {
                    p = provider.get();
                } catch (java.util.ServiceConfigurationError | LinkageError | RuntimeException ex) {
                    failures++;
                    r.broken.add(unloadable(kind, loader, provider.type(), ex));
                    continue;
                }
                String name;
                try {
                    name = p.name();
                } catch (RuntimeException | LinkageError ex) {
                    failures++;
                    r.broken.add(new Broken(kind, p.getClass().getName(), originOf(p.getClass()),
                            "failed in name(): " + describe(ex)));
                    continue;
                }
                if (name == null || name.isBlank()) {
                    failures++;
                    r.broken.add(new Broken(kind, p.getClass().getName(), originOf(p.getClass()),
                            "has no name: name() must return a non-empty name unique within its kind"));
                    continue;
                }
                Entry e = new Entry(kind, p, originOf(p.getClass()));
                Entry previous = entries.putIfAbsent(name, e);
                if (previous != null) {
                    throw new PcLoraException("duplicate " + kind.label() + " plugin name '" + name + "': "
                            + previous.plugin().getClass().getName() + " (" + previous.origin() + ") and "
                            + p.getClass().getName() + " (" + e.origin() + "); names must be unique within a kind");
                }
            }
            r.byKind.put(kind, entries);
        }
        return r;
    }

    /** Discovers the plugins on the class path of this class. */
    public static PluginRegistry load() {
        return load(PluginRegistry.class.getClassLoader());
    }

    /** Every plugin of one kind, by name. */
    public List<Entry> entries(Kind kind) {
        return List.copyOf(byKind.getOrDefault(kind, Collections.emptyMap()).values());
    }

    public List<String> names(Kind kind) {
        return new ArrayList<>(byKind.getOrDefault(kind, Collections.emptyMap()).keySet());
    }

    /** The plugins that could not be loaded, of every kind, in the order found. */
    public List<Broken> broken() {
        return List.copyOf(broken);
    }

    /** The plugins of one kind that could not be loaded. */
    public List<Broken> broken(Kind kind) {
        return broken.stream().filter(b -> b.kind() == kind).toList();
    }

    /**
     * For an unknown name: "" when every plugin of the kind loaded, else the ones that did not
     * (the name asked for may be one of them) and what to do, e.g.
     * {@code ; not loaded: schedule plugin com.example.Sine (my.jar) could not be created: ...; fix or remove its jar}.
     */
    public String brokenNote(Kind kind) {
        List<Broken> b = broken(kind);
        if (b.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        b.forEach(x -> parts.add(x.describe()));
        return "; not loaded: " + String.join("; ", parts) + " (fix or remove " + (b.size() == 1 ? "that jar" : "those jars")
                + ", see 'pclora plugins')";
    }

    /** Where plugin jars were looked for, in words ("" when not said). */
    public String searched() {
        return searched;
    }

    /** The entry of that kind and name, if there is one. */
    public java.util.Optional<Entry> find(Kind kind, String name) {
        return java.util.Optional.ofNullable(byKind.getOrDefault(kind, Collections.emptyMap()).get(name));
    }

    /**
     * The plugin of that kind and name; an unknown name raises an error listing the names available
     * and where plugins were looked for.
     */
    public <T extends Plugin> T get(Kind kind, String name, Class<T> type) {
        Entry e = byKind.getOrDefault(kind, Collections.emptyMap()).get(name);
        if (e == null) {
            throw new PcLoraException("unknown " + kind.label() + " '" + name + "': available are "
                    + String.join(", ", names(kind)) + (searched.isEmpty() ? "" : " (" + searched + ")") + brokenNote(kind));
        }
        return type.cast(e.plugin());
    }

    public DecaySchedule schedule(String name) {
        return get(Kind.SCHEDULE, name, DecaySchedule.class);
    }

    public DistillLoss distillLoss(String name) {
        return get(Kind.DISTILL, name, DistillLoss.class);
    }

    public AdapterFactory adapter(String name) {
        return get(Kind.ADAPTER, name, AdapterFactory.class);
    }

    public ModelFamily modelFamily(String name) {
        return get(Kind.MODEL, name, ModelFamily.class);
    }

    public DatasetProvider dataset(String name) {
        return get(Kind.DATASET, name, DatasetProvider.class);
    }

    /**
     * A plugin that cannot be loaded (its class is missing or broken, its constructor throws): the
     * provider class, the jar that holds or lists it, and the cause in one line.
     */
    private static Broken unloadable(Kind kind, ClassLoader loader, Class<?> type, Throwable ex) {
        String msg = Messages.oneLine(ex.getMessage());
        String className = type != null ? type.getName() : null;
        if (className == null) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Provider ([\\w.$]+)").matcher(msg);
            className = m.find() ? m.group(1) : "(unknown class)";
        }
        String where = type != null ? originOf(type) : "unknown";
        if (type == null && !className.startsWith("(")) {
            URL url = loader.getResource(className.replace('.', '/') + ".class");
            if (url != null) {
                String u = url.toString();
                int bang = u.indexOf("!/");
                String file = bang > 0 ? u.substring(0, bang) : u;
                where = file.substring(file.lastIndexOf('/') + 1);
            }
        }
        Throwable cause = ex;
        while (cause.getCause() != null && (cause instanceof java.util.ServiceConfigurationError
                || cause instanceof java.lang.reflect.InvocationTargetException || cause instanceof ExceptionInInitializerError)) {
            cause = cause.getCause();
        }
        String reason;
        if (cause == ex) {
            // the services file names a class that is missing or not a plugin: the loader's words say which
            reason = "cannot be loaded: " + msg.replaceFirst("^[\\w.]+: ", "");
        } else {
            reason = "could not be created: " + describe(cause);
        }
        return new Broken(kind, className, where, reason);
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + Messages.oneLine(t.getMessage()));
    }

    private static String originOf(Class<?> c) {
        CodeSource cs = c.getProtectionDomain() == null ? null : c.getProtectionDomain().getCodeSource();
        URL url = cs == null ? null : cs.getLocation();
        if (url == null) {
            return "unknown";
        }
        String path = url.getPath();
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
