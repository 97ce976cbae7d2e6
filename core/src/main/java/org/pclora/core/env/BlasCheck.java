package org.pclora.core.env;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which OpenBLAS kernel runs here, which one this CPU could run, and the one line that says so
 * when the two differ.
 *
 * <p>ND4J 1.0.0-M2.1 bundles OpenBLAS 0.3.19, which does not recognise recent CPU families and
 * falls back to a generic kernel (measured: 36 against 179 GFLOP/s on a 1040x768x3072 sgemm).
 * {@code OPENBLAS_CORETYPE} must be set before the native library loads, so the launcher, Surefire
 * and the JMH forks apply {@link #launcherCoreType the same rule}: a preset value is respected,
 * otherwise SKYLAKEX on AVX-512 and HASWELL on AVX2. The program itself can only warn.
 */
public final class BlasCheck {
    private static final Logger LOG = LoggerFactory.getLogger(BlasCheck.class);
    private static volatile boolean warned;

    /**
     * What a core type's sgemm kernel needs of the CPU, from slowest to fastest; OpenBLAS's core
     * names (as {@code OPENBLAS_CORETYPE} takes them and {@code openblas_get_corename} reports
     * them) map onto these.
     */
    public enum Level {
        /** Kernels before AVX (OpenBLAS's fallback on unrecognised CPUs, e.g. Barcelona, Nehalem). */
        GENERIC,
        /** AVX without FMA (Sandybridge, Bulldozer). */
        AVX,
        /** AVX2 and FMA (Haswell, Zen, Excavator). */
        AVX2,
        /** AVX-512 (SkylakeX, Cooperlake, SapphireRapids). */
        AVX512
    }

    private static final Map<String, Level> CORE_LEVELS = Map.ofEntries(
            Map.entry("skylakex", Level.AVX512), Map.entry("cooperlake", Level.AVX512),
            Map.entry("sapphirerapids", Level.AVX512),
            Map.entry("haswell", Level.AVX2), Map.entry("zen", Level.AVX2), Map.entry("excavator", Level.AVX2),
            Map.entry("sandybridge", Level.AVX), Map.entry("bulldozer", Level.AVX),
            Map.entry("piledriver", Level.AVX), Map.entry("steamroller", Level.AVX));

    /** Expected cost of the AVX2 kernel on an AVX-512 CPU (see docs/performance.md, "Numerics under each BLAS kernel"). */
    private static final String AVX2_ON_AVX512_COST = "about half the sgemm speed and 1.5x the time per training"
            + " step (measured on an AVX-512 AMD EPYC: 79-92 against 171-174 GFLOP/s)";

    private BlasCheck() {
    }

    /** The core type the launcher would choose for this CPU: SKYLAKEX (AVX-512), HASWELL (AVX2) or empty. */
    public static Optional<String> recommendedCoreType() {
        return recommendedCoreType(cpuFlags());
    }

    /** The core type for a /proc/cpuinfo {@code flags} line. */
    public static Optional<String> recommendedCoreType(String flags) {
        return switch (cpuLevel(flags)) {
            case AVX512 -> Optional.of("SKYLAKEX");
            case AVX2 -> Optional.of("HASWELL");
            default -> Optional.empty();
        };
    }

    /**
     * The launcher's rule (also the parent pom's for Surefire, and the benchmarks'): a non-blank
     * {@code preset} (the environment's OPENBLAS_CORETYPE) is kept, otherwise the core type
     * recommended for {@code flags}; empty when neither gives one.
     */
    public static Optional<String> launcherCoreType(String preset, String flags) {
        if (preset != null && !preset.isBlank()) {
            return Optional.of(preset);
        }
        return recommendedCoreType(flags);
    }

    /** The most this CPU's flags line lets an OpenBLAS kernel use. */
    public static Level cpuLevel(String flags) {
        String f = " " + flags.toLowerCase(Locale.ROOT) + " ";
        if (f.contains(" avx512f ")) {
            return Level.AVX512;
        }
        if (f.contains(" avx2 ")) {
            return Level.AVX2;
        }
        return f.contains(" avx ") ? Level.AVX : Level.GENERIC;
    }

    /** What an OpenBLAS core name (any case) needs of the CPU; unknown names count as generic. */
    public static Level coreLevel(String coreName) {
        if (coreName == null) {
            return Level.GENERIC;
        }
        return CORE_LEVELS.getOrDefault(coreName.trim().toLowerCase(Locale.ROOT), Level.GENERIC);
    }

    /**
     * The one-line warning when {@code coreType} (the kernel in force, or the preset name) uses less
     * of the CPU than it offers, naming the kernel, what the CPU could run, the expected cost and
     * how to change it; empty when the kernel is already the best this CPU runs.
     */
    public static Optional<String> belowCapabilityWarning(String preset, String inForce, String flags) {
        Level cpu = cpuLevel(flags);
        Optional<String> best = recommendedCoreType(flags);
        String kernel = inForce == null || inForce.isBlank() ? preset : inForce;
        if (best.isEmpty() || coreLevel(kernel).compareTo(cpu) >= 0) {
            return Optional.empty();
        }
        String cost = cpu == Level.AVX512 && coreLevel(kernel) == Level.AVX2 ? AVX2_ON_AVX512_COST
                : "a slower sgemm (up to 5x for OpenBLAS's generic kernel)";
        String source = preset == null || preset.isBlank() ? "OPENBLAS_CORETYPE is not set and OpenBLAS chose its "
                + kernel + " kernel" : "OPENBLAS_CORETYPE=" + preset + " (set in the environment) runs OpenBLAS's "
                + kernel + " kernel";
        return Optional.of(source + ", but this CPU supports " + best.get() + ": expect " + cost
                + "; to use it, start with OPENBLAS_CORETYPE=" + best.get() + " (results then differ in the last"
                + " digits; './pclora env' measures both kernels here)");
    }

    /** {@link #belowCapabilityWarning(String, String, String)} for this process and machine. */
    public static Optional<String> belowCapabilityWarning() {
        return belowCapabilityWarning(System.getenv("OPENBLAS_CORETYPE"), BlasInfo.coreName().orElse(null), cpuFlags());
    }

    /** {@link #belowCapabilityWarning()} the first time it is asked for in this process, empty afterwards. */
    public static synchronized Optional<String> warningOnce() {
        if (warned) {
            return Optional.empty();
        }
        warned = true;
        return belowCapabilityWarning();
    }

    /**
     * Logs {@link #warningOnce()} as one {@code [WARN]} line: commands call it once their input is
     * checked, so that a bad input is reported alone.
     */
    public static void warnIfSlow() {
        warningOnce().ifPresent(LOG::warn);
    }

    /** The {@code flags} line of /proc/cpuinfo (empty where there is none). */
    public static String cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux or not readable: nothing to recommend.
        }
        return "";
    }
}
