package org.pclora.experiments.plugins;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.pclora.core.PcLoraException;
import org.pclora.core.registry.PluginRegistry;

/**
 * Where plugin jars are looked for, and the {@link PluginRegistry} over them and the application's
 * own modules, so that a schedule or loss written outside this repository is selected by name like
 * a built-in one.
 *
 * <p>Searched, all of them, in this order: the entries of the {@code --plugins} option, the
 * entries of the environment variable {@value #ENV} (each a path list of directories or jar files,
 * separated by {@code File.pathSeparator}, relative entries taken from the working directory), and
 * the installation's {@code $PCLORA_HOME/plugins}. A directory contributes every {@code *.jar}
 * directly inside it. The working directory is never searched by itself, so a command gives the
 * same plugins wherever it is run from. Entries named explicitly must exist; the installation's
 * directory may be absent.
 */
public final class PluginLoader {
    /** Environment variable holding a path list of plugin directories or jars. */
    public static final String ENV = "PCLORA_PLUGINS";
    /** Environment variable naming the installation (set by the {@code pclora} launcher). */
    public static final String HOME_ENV = "PCLORA_HOME";
    /** The plugins directory's name under the installation. */
    public static final String DEFAULT_DIR = "plugins";

    /** One searched location: a directory or a jar, and what named it. */
    public record Location(Path path, String from, boolean required) {
        @Override
        public String toString() {
            return path + " (" + from + (Files.exists(path) ? "" : ", absent") + ")";
        }
    }

    private final List<Location> locations;

    private PluginLoader(List<Location> locations) {
        this.locations = List.copyOf(locations);
    }

    /**
     * The search path from the {@code --plugins} option (may be null), {@value #ENV} and
     * {@code $PCLORA_HOME/plugins} of {@code env}; an explicitly named entry that is neither a
     * directory nor a jar file is an error naming it and where it came from.
     */
    public static PluginLoader of(String option, Map<String, String> env, Path workingDir) {
        List<Location> out = new ArrayList<>();
        addList(out, option, "--plugins", workingDir);
        addList(out, env.get(ENV), "$" + ENV, workingDir);
        String home = env.get(HOME_ENV);
        if (home != null && !home.isBlank()) {
            out.add(new Location(workingDir.resolve(home).resolve(DEFAULT_DIR).normalize(), "$" + HOME_ENV + "/" + DEFAULT_DIR,
                    false));
        }
        return new PluginLoader(out);
    }

    /** A search path of the given directories or jars (all required to exist). */
    public static PluginLoader of(Path... dirsOrJars) {
        List<Location> out = new ArrayList<>();
        for (Path p : dirsOrJars) {
            Location l = new Location(p.toAbsolutePath().normalize(), "given", true);
            check(l);
            out.add(l);
        }
        return new PluginLoader(out);
    }

    private static void addList(List<Location> out, String list, String from, Path workingDir) {
        if (list == null || list.isBlank()) {
            return;
        }
        for (String entry : list.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Location l = new Location(workingDir.resolve(entry.trim()).normalize(), from, true);
            check(l);
            out.add(l);
        }
    }

    private static void check(Location l) {
        boolean ok = Files.isDirectory(l.path())
                || (Files.isRegularFile(l.path()) && l.path().getFileName().toString().endsWith(".jar"));
        if (!ok) {
            throw new PcLoraException("plugin path entry '" + l.path() + "' (from " + l.from() + ") "
                    + (Files.exists(l.path()) ? "is not a directory or a .jar file" : "does not exist")
                    + "; give directories holding plugin jars, or jar files, separated by '" + File.pathSeparator + "'");
        }
    }

    /** The searched locations, in order. */
    public List<Location> locations() {
        return locations;
    }

    /** Every plugin jar found: jars named directly, and the *.jar files directly inside each directory, without repeats. */
    public List<Path> jars() {
        Set<Path> jars = new LinkedHashSet<>();
        for (Location l : locations) {
            if (Files.isRegularFile(l.path())) {
                jars.add(real(l.path()));
            } else if (Files.isDirectory(l.path())) {
                try (Stream<Path> files = Files.list(l.path())) {
                    files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                            .sorted().forEach(p -> jars.add(real(p)));
                } catch (IOException e) {
                    throw new PcLoraException("cannot list plugins directory '" + l.path() + "': " + e.getMessage(), e);
                }
            }
        }
        return List.copyOf(jars);
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /** Where plugins were looked for, in words, for errors and {@code pclora plugins}. */
    public String describe() {
        if (locations.isEmpty()) {
            return "no plugin jars searched: $" + ENV + " and $" + HOME_ENV + " are unset";
        }
        List<String> parts = new ArrayList<>();
        locations.forEach(l -> parts.add(l.toString()));
        return "plugin jars searched in " + String.join(", ", parts);
    }

    /**
     * A class loader that sees every plugin jar on top of {@code parent}, or {@code parent} itself
     * when there are none. The loader stays open for the life of the process, since plugin
     * classes keep loading lazily from it.
     */
    public ClassLoader classLoader(ClassLoader parent) {
        List<Path> jars = jars();
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
        return new URLClassLoader(LOADER_NAME, urls.toArray(URL[]::new), parent);
    }

    /** The name of the class loader of plugin jars (stack frames of plugin code carry it). */
    public static final String LOADER_NAME = "pclora-plugins";

    /** The registry of the application's plugins and those in the plugin jars. */
    public PluginRegistry registry() {
        return PluginRegistry.load(classLoader(PluginLoader.class.getClassLoader()), describe());
    }

    /** The registry of the application's plugins and those in the jars of {@code dir}. */
    public static PluginRegistry registry(Path dir) {
        return of(dir).registry();
    }
}
