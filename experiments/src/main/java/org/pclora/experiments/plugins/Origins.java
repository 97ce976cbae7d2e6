package org.pclora.experiments.plugins;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.security.CodeSource;

/**
 * Says where a plugin class came from in words a user recognises: a plugin jar from the plugin
 * search path, a module jar of this application, or a module's build directory when run from
 * source.
 */
public final class Origins {
    private Origins() {
    }

    /**
     * E.g. {@code plugin jar my-schedule.jar} (a jar from the plugin search path),
     * {@code module jar pclora-schedulers.jar} or {@code module schedulers}.
     */
    public static String describe(Class<?> type) {
        Path path = location(type);
        if (path == null) {
            return "unknown";
        }
        String file = path.getFileName() == null ? path.toString() : path.getFileName().toString();
        if (file.endsWith(".jar")) {
            return (fromPluginPath(type) ? "plugin jar " : "module jar ") + file;
        }
        // Run from source: <module>/target/classes
        Path target = path.getParent();
        if (target != null && target.getFileName() != null && target.getFileName().toString().equals("target")
                && target.getParent() != null) {
            return "module " + target.getParent().getFileName();
        }
        return "directory " + path;
    }

    /** The jar or classes directory a class was loaded from, or null when unknown. */
    public static Path location(Class<?> type) {
        CodeSource cs = type.getProtectionDomain() == null ? null : type.getProtectionDomain().getCodeSource();
        URL url = cs == null ? null : cs.getLocation();
        if (url == null) {
            return null;
        }
        try {
            return Path.of(url.toURI()).toAbsolutePath().normalize();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether a class was loaded from a jar on the plugin search path. */
    public static boolean fromPluginPath(Class<?> type) {
        return type.getClassLoader() != null && PluginLoader.LOADER_NAME.equals(type.getClassLoader().getName());
    }

    /** Whether a class belongs to this application rather than to an outside plugin. */
    public static boolean builtIn(Class<?> type) {
        return type.getName().startsWith("org.pclora.") && !fromPluginPath(type);
    }
}
