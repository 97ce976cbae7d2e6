package org.pclora.core.env;

import java.nio.file.Path;
import java.util.Map;

/**
 * The per-user cache directory (cached teachers, extracted pre-trained weights), shared by every
 * working directory (outputs, by contrast, stay relative to the working directory, as in Hydra).
 * The first of these that is set wins:
 * <ol>
 *   <li>the environment variable {@value #ENV};</li>
 *   <li>the system property {@value #PROPERTY} (the test build points it into {@code target/});</li>
 *   <li>{@code $XDG_CACHE_HOME/pclora} (an absolute {@code XDG_CACHE_HOME}, as the XDG base
 *       directory specification requires);</li>
 *   <li>{@code ~/.cache/pclora}.</li>
 * </ol>
 */
public final class UserCache {
    /** Environment variable naming the cache directory. */
    public static final String ENV = "PCLORA_CACHE";
    /** System property naming the cache directory (also read by the pre-trained BERT jar cache). */
    public static final String PROPERTY = "pclora.cache";

    private UserCache() {
    }

    /** The cache directory for the environment {@code env}. */
    public static Path root(Map<String, String> env) {
        String v = env.get(ENV);
        if (v != null && !v.isBlank()) {
            return Path.of(v).toAbsolutePath().normalize();
        }
        v = System.getProperty(PROPERTY);
        if (v != null && !v.isBlank()) {
            return Path.of(v).toAbsolutePath().normalize();
        }
        v = env.get("XDG_CACHE_HOME");
        if (v != null && !v.isBlank() && Path.of(v).isAbsolute()) {
            return Path.of(v, "pclora").normalize();
        }
        String home = env.get("HOME");
        if (home == null || home.isBlank()) {
            home = System.getProperty("user.home");
        }
        return Path.of(home, ".cache", "pclora").toAbsolutePath().normalize();
    }

    /** Where trained teachers are cached by default: {@code <cache>/teachers}. */
    public static Path teachers(Map<String, String> env) {
        return root(env).resolve("teachers");
    }
}
