package org.pclora.core.registry;

import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
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

    private final Map<Kind, Map<String, Entry>> byKind = new LinkedHashMap<>();
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
            java.util.Iterator<? extends Plugin> it = ServiceLoader.load(kind.type(), loader).iterator();
            while (true) {
                Plugin p;
                String name;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    p = it.next();
                } catch (java.util.ServiceConfigurationError | LinkageError ex) {
                    throw unloadable(kind, loader, ex);
                }
                try {
                    name = p.name();
                } catch (RuntimeException ex) {
                    throw new PcLoraException(kind.label() + " plugin " + p.getClass().getName() + " (" + originOf(p.getClass())
                            + ") failed in name(): " + ex.getClass().getSimpleName()
                            + (ex.getMessage() == null ? "" : ": " + ex.getMessage().replaceAll("\\s*\\R\\s*", " ")), ex);
                }
                if (name == null || name.isBlank()) {
                    throw new PcLoraException(kind.label() + " plugin " + p.getClass().getName() + " (" + originOf(p.getClass())
                            + ") has no name: name() must return a non-empty name unique within its kind");
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
                    + String.join(", ", names(kind)) + (searched.isEmpty() ? "" : " (" + searched + ")"));
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
     * One line for a plugin that cannot be loaded (its class is missing or broken, its constructor
     * or {@code name()} throws): the provider class, the jar that lists it and the cause.
     */
    private static PcLoraException unloadable(Kind kind, ClassLoader loader, Throwable ex) {
        String msg = String.valueOf(ex.getMessage()).replaceAll("\\s*\\R\\s*", " ");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Provider ([\\w.$]+)").matcher(msg);
        String where = "";
        if (m.find()) {
            URL url = loader.getResource(m.group(1).replace('.', '/') + ".class");
            if (url != null) {
                String u = url.toString();
                int bang = u.indexOf("!/");
                String file = bang > 0 ? u.substring(0, bang) : u;
                where = " (" + file.substring(file.lastIndexOf('/') + 1) + ")";
            }
        }
        Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
        while (cause.getCause() != null && cause instanceof java.lang.reflect.InvocationTargetException) {
            cause = cause.getCause();
        }
        String detail = cause == ex ? "" : ": " + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage().replaceAll("\\s*\\R\\s*", " "));
        return new PcLoraException("cannot load a " + kind.label() + " plugin" + where + ": " + msg + detail, ex);
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
