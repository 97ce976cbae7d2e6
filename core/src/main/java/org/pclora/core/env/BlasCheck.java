package org.pclora.core.env;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detects whether the bundled OpenBLAS runs with its slow default kernel on this CPU.
 *
 * <p>ND4J 1.0.0-M2.1 bundles OpenBLAS 0.3.19, which does not recognise recent Xeon families and
 * falls back to a generic kernel (measured here: 36 vs 179 GFLOP/s on a 1040x768x3072 sgemm).
 * {@code OPENBLAS_CORETYPE} must be set before the native library loads, so the launcher,
 * Surefire and the JMH forks set it; the program can only warn.
 */
public final class BlasCheck {
    private static final Logger LOG = LoggerFactory.getLogger(BlasCheck.class);
    private static volatile boolean warned;

    private BlasCheck() {
    }

    /** The core type the launcher would choose for this CPU: SKYLAKEX (AVX-512), HASWELL (AVX2) or empty. */
    public static Optional<String> recommendedCoreType() {
        return recommendedCoreType(readCpuFlags());
    }

    /** The core type for a /proc/cpuinfo {@code flags} line. */
    public static Optional<String> recommendedCoreType(String flags) {
        String f = " " + flags.toLowerCase(Locale.ROOT) + " ";
        if (f.contains(" avx512f ")) {
            return Optional.of("SKYLAKEX");
        }
        if (f.contains(" avx2 ")) {
            return Optional.of("HASWELL");
        }
        return Optional.empty();
    }

    /**
     * A warning text when OPENBLAS_CORETYPE is unset although this CPU would get a faster kernel
     * with it; empty when all is well.
     */
    public static Optional<String> slowDefaultWarning() {
        String set = System.getenv("OPENBLAS_CORETYPE");
        Optional<String> want = recommendedCoreType();
        if ((set == null || set.isBlank()) && want.isPresent()) {
            return Optional.of("OPENBLAS_CORETYPE is not set: the bundled OpenBLAS 0.3.19 may run its slow default"
                    + " kernel on this CPU (about 5x slower GEMM); start through ./pclora or export OPENBLAS_CORETYPE="
                    + want.get() + " before the JVM starts");
        }
        return Optional.empty();
    }

    /** Logs {@link #slowDefaultWarning()} once per process. */
    public static void warnIfSlow() {
        if (!warned) {
            warned = true;
            slowDefaultWarning().ifPresent(LOG::warn);
        }
    }

    private static String readCpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return line.substring(line.indexOf(':') + 1);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux or not readable: nothing to recommend.
        }
        return "";
    }
}
