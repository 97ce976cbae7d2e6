package org.pclora.experiments.plugins;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.pclora.core.PcLoraException;
import org.pclora.core.registry.PluginRegistry;

/**
 * Finds plugin jars in a {@code plugins/} directory and builds the {@link PluginRegistry} over
 * them and the application's own modules, so that a schedule or loss written outside this
 * repository is selected by name like a built-in one.
 *
 * <p>The directory is, in order of precedence: the {@code --plugins=<dir>} option, the
 * environment variable {@value #ENV}, or {@code plugins/} under the working directory. A directory
 * named explicitly must exist; the default one may be absent (then only built-in plugins load).
 */
public final class PluginLoader {
    /** Environment variable naming the plugins directory. */
    public static final String ENV = "PCLORA_PLUGINS";
    /** The default directory name under the working directory. */
    public static final String DEFAULT_DIR = "plugins";

    private PluginLoader() {
    }

    /**
     * The plugins directory chosen by {@code option} (may be null), then {@code env}, then
     * {@code workingDir/plugins}; an explicitly chosen directory that does not exist is an error.
     */
    public static Path directory(String option, Map<String, String> env, Path workingDir) {
        String source;
        String value;
        if (option != null && !option.isBlank()) {
            source = "--plugins";
            value = option;
        } else if (env.get(ENV) != null && !env.get(ENV).isBlank()) {
            source = "environment variable " + ENV;
            value = env.get(ENV);
        } else {
            return workingDir.resolve(DEFAULT_DIR);
        }
        Path dir = workingDir.resolve(value);
        if (!Files.isDirectory(dir)) {
            throw new PcLoraException("plugins directory '" + dir + "' (from " + source
                    + ") is not a directory; give an existing directory holding plugin jars");
        }
        return dir;
    }

    /** The *.jar files directly inside {@code dir}, sorted by name (empty when dir is absent). */
    public static List<Path> jars(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            throw new PcLoraException("cannot list plugins directory '" + dir + "': " + e.getMessage(), e);
        }
    }

    /**
     * A class loader that sees every jar in {@code dir} on top of {@code parent}, or {@code parent}
     * itself when there are none. The loader stays open for the life of the process, since
     * plugin classes keep loading lazily from it.
     */
    public static ClassLoader classLoader(Path dir, ClassLoader parent) {
        List<Path> jars = jars(dir);
        if (jars.isEmpty()) {
            return parent;
        }
        List<URL> urls = new ArrayList<>();
        for (Path jar : jars) {
            try {
                urls.add(jar.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new PcLoraException("plugin jar '" + jar + "' has no valid URL: " + e.getMessage(), e);
            }
        }
        return new URLClassLoader("pclora-plugins", urls.toArray(URL[]::new), parent);
    }

    /** The registry of the application's plugins and those in the jars of {@code dir}. */
    public static PluginRegistry registry(Path dir) {
        return PluginRegistry.load(classLoader(dir, PluginLoader.class.getClassLoader()));
    }
}
