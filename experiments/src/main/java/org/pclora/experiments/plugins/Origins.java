package org.pclora.experiments.plugins;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.security.CodeSource;

/**
 * Says where a plugin class came from in words a user recognises: a plugin jar from the plugins
 * directory, a module jar of this application, or a module's build directory when run from
 * source.
 */
public final class Origins {
    private Origins() {
    }

    /** E.g. {@code plugin jar my-schedule.jar}, {@code module jar pclora-schedulers.jar} or {@code module schedulers}. */
    public static String describe(Class<?> type, Path pluginsDir) {
        CodeSource cs = type.getProtectionDomain() == null ? null : type.getProtectionDomain().getCodeSource();
        URL url = cs == null ? null : cs.getLocation();
        if (url == null) {
            return "unknown";
        }
        Path path;
        try {
            path = Path.of(url.toURI()).toAbsolutePath().normalize();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return url.toString();
        }
        String file = path.getFileName() == null ? path.toString() : path.getFileName().toString();
        if (file.endsWith(".jar")) {
            boolean fromPlugins = pluginsDir != null && path.getParent() != null
                    && path.getParent().equals(pluginsDir.toAbsolutePath().normalize());
            return (fromPlugins ? "plugin jar " : "module jar ") + file;
        }
        // Run from source: <module>/target/classes
        Path target = path.getParent();
        if (target != null && target.getFileName() != null && target.getFileName().toString().equals("target")
                && target.getParent() != null) {
            return "module " + target.getParent().getFileName();
        }
        return "directory " + path;
    }
}
