package org.pclora.core.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UserCacheTest {
    /** Runs {@code body} with the system property unset, as outside the test build. */
    private static void withoutProperty(Runnable body) {
        String before = System.getProperty(UserCache.PROPERTY);
        System.clearProperty(UserCache.PROPERTY);
        try {
            body.run();
        } finally {
            if (before != null) {
                System.setProperty(UserCache.PROPERTY, before);
            }
        }
    }

    @Test
    void theFirstSetOfEnvPropertyXdgAndHomeWins() {
        withoutProperty(() -> {
            assertEquals(Path.of("/c/p"), UserCache.root(Map.of("PCLORA_CACHE", "/c/p", "XDG_CACHE_HOME", "/x", "HOME", "/h")));
            assertEquals(Path.of("/x/pclora"), UserCache.root(Map.of("XDG_CACHE_HOME", "/x", "HOME", "/h")));
            // the XDG specification: a relative XDG_CACHE_HOME is invalid and ignored
            assertEquals(Path.of("/h/.cache/pclora"), UserCache.root(Map.of("XDG_CACHE_HOME", "rel", "HOME", "/h")));
            assertEquals(Path.of("/h/.cache/pclora/teachers"), UserCache.teachers(Map.of("HOME", "/h")));
            assertEquals(Path.of(System.getProperty("user.home"), ".cache", "pclora"), UserCache.root(Map.of()));
        });
        System.setProperty(UserCache.PROPERTY, "/p");
        try {
            assertEquals(Path.of("/p"), UserCache.root(Map.of("XDG_CACHE_HOME", "/x")));
            assertEquals(Path.of("/c"), UserCache.root(Map.of("PCLORA_CACHE", "/c")));
        } finally {
            System.clearProperty(UserCache.PROPERTY);
        }
    }

    /** The build points every test's cache below target/, never at the user's ~/.cache. */
    @Test
    void surefirePointsTheCacheIntoTheBuildDirectory() {
        assumeTrue(System.getProperty("surefire.real.class.path") != null || System.getProperty("surefire.test.class.path") != null,
                "run by Maven Surefire");
        Path cache = UserCache.root(System.getenv());
        assertTrue(cache.toString().contains("target"), cache.toString());
        assertTrue(!cache.startsWith(Path.of(System.getProperty("user.home"), ".cache")), cache.toString());
    }
}
