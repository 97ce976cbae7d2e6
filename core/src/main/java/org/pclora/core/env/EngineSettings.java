package org.pclora.core.env;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The engine's numerics and speed switches in one place: which fused kernels and fast paths run,
 * on how many threads, and whether steps run in workspaces. Read once from system properties at
 * start-up ({@link #fromSystemProperties}); A/B measurements and tests change them with
 * {@link #update}. Every run records {@link #asMap} in its provenance, so a result says which
 * paths made it. All paths compute the same function; they differ in float32 rounding only where
 * docs/performance.md says so.
 *
 * @param simd               fused Vector API kernels ({@code pclora.simd}, default true; they also need
 *                           the {@code jdk.incubator.vector} module)
 * @param threads            threads the kernels split rows over ({@code pclora.threads}, else
 *                           {@code OMP_NUM_THREADS}, else all cores)
 * @param lowRank            the low-rank inference path of compressed and lambda-0 layers ({@code pclora.lowrank})
 * @param lowRankKernels     products the Vector API computes instead of OpenBLAS in that path, a subset of
 *                           thin, expand, gelu ({@code pclora.lowrank.kernels}, default none)
 * @param fusedAttention     the fused attention kernels ({@code pclora.attention.fused})
 * @param attentionRankSpace inference attention in the rank space of low-rank projections ({@code pclora.attention.lowrank})
 * @param inferenceSplit     inference forwards split by examples over the threads ({@code pclora.inference.split})
 * @param workspace          steps in one reused ND4J workspace ({@code pclora.workspace})
 */
public record EngineSettings(boolean simd, int threads, boolean lowRank, Set<String> lowRankKernels,
                             boolean fusedAttention, boolean attentionRankSpace, boolean inferenceSplit,
                             boolean workspace) {
    /** The products {@code lowRankKernels} may name. */
    public static final Set<String> LOW_RANK_KERNELS = Set.of("thin", "expand", "gelu");

    private static volatile EngineSettings current = fromSystemProperties();

    public EngineSettings {
        threads = Math.max(1, threads);
        lowRankKernels = Set.copyOf(lowRankKernels);
        if (!LOW_RANK_KERNELS.containsAll(lowRankKernels)) {
            throw new IllegalArgumentException("pclora.lowrank.kernels = '" + String.join(",", lowRankKernels)
                    + "' is not a comma list of thin, expand, gelu");
        }
    }

    /** The settings in force now. */
    public static EngineSettings current() {
        return current;
    }

    /** Replaces the settings in force for this JVM; returns the previous ones. */
    public static synchronized EngineSettings set(EngineSettings next) {
        EngineSettings was = current;
        current = next;
        return was;
    }

    /** Applies {@code change} to the settings in force; returns the previous ones. */
    public static synchronized EngineSettings update(UnaryOperator<EngineSettings> change) {
        return set(change.apply(current));
    }

    /** The settings the system properties (and {@code OMP_NUM_THREADS}) of this JVM ask for. */
    public static EngineSettings fromSystemProperties() {
        return new EngineSettings(on("pclora.simd"), threadCount(), on("pclora.lowrank"),
                parseKernels(System.getProperty("pclora.lowrank.kernels", "")), on("pclora.attention.fused"),
                on("pclora.attention.lowrank"), on("pclora.inference.split"), on("pclora.workspace"));
    }

    /** A comma list of thin, expand, gelu (blank entries ignored) as a set; anything else is refused. */
    public static Set<String> parseKernels(String list) {
        Set<String> names = new LinkedHashSet<>();
        for (String k : list.split(",")) {
            if (!k.isBlank()) {
                names.add(k.trim());
            }
        }
        if (!LOW_RANK_KERNELS.containsAll(names)) {
            throw new IllegalArgumentException("pclora.lowrank.kernels = '" + list
                    + "' is not a comma list of thin, expand, gelu");
        }
        return names;
    }

    /**
     * The settings as property name to value, in a fixed order (for provenance and bench output):
     * {@code pclora.simd}, {@code pclora.threads}, {@code pclora.lowrank}, {@code pclora.lowrank.kernels}
     * (a comma list in the order thin, expand, gelu), {@code pclora.attention.fused},
     * {@code pclora.attention.lowrank}, {@code pclora.inference.split}, {@code pclora.workspace}.
     */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pclora.simd", simd);
        m.put("pclora.threads", threads);
        m.put("pclora.lowrank", lowRank);
        m.put("pclora.lowrank.kernels", String.join(",",
                java.util.List.of("thin", "expand", "gelu").stream().filter(lowRankKernels::contains).toList()));
        m.put("pclora.attention.fused", fusedAttention);
        m.put("pclora.attention.lowrank", attentionRankSpace);
        m.put("pclora.inference.split", inferenceSplit);
        m.put("pclora.workspace", workspace);
        return m;
    }

    public EngineSettings withSimd(boolean on) {
        return new EngineSettings(on, threads, lowRank, lowRankKernels, fusedAttention, attentionRankSpace,
                inferenceSplit, workspace);
    }

    public EngineSettings withThreads(int n) {
        return new EngineSettings(simd, n, lowRank, lowRankKernels, fusedAttention, attentionRankSpace,
                inferenceSplit, workspace);
    }

    public EngineSettings withLowRank(boolean on) {
        return new EngineSettings(simd, threads, on, lowRankKernels, fusedAttention, attentionRankSpace,
                inferenceSplit, workspace);
    }

    public EngineSettings withLowRankKernels(Set<String> kernels) {
        return new EngineSettings(simd, threads, lowRank, kernels, fusedAttention, attentionRankSpace,
                inferenceSplit, workspace);
    }

    public EngineSettings withFusedAttention(boolean on) {
        return new EngineSettings(simd, threads, lowRank, lowRankKernels, on, attentionRankSpace,
                inferenceSplit, workspace);
    }

    public EngineSettings withAttentionRankSpace(boolean on) {
        return new EngineSettings(simd, threads, lowRank, lowRankKernels, fusedAttention, on,
                inferenceSplit, workspace);
    }

    public EngineSettings withInferenceSplit(boolean on) {
        return new EngineSettings(simd, threads, lowRank, lowRankKernels, fusedAttention, attentionRankSpace,
                on, workspace);
    }

    public EngineSettings withWorkspace(boolean on) {
        return new EngineSettings(simd, threads, lowRank, lowRankKernels, fusedAttention, attentionRankSpace,
                inferenceSplit, on);
    }

    private static boolean on(String property) {
        return !"false".equalsIgnoreCase(System.getProperty(property));
    }

    private static int threadCount() {
        String p = System.getProperty("pclora.threads");
        String omp = System.getenv("OMP_NUM_THREADS");
        try {
            if (p != null) {
                return Math.max(1, Integer.parseInt(p.trim()));
            }
            if (omp != null) {
                return Math.max(1, Integer.parseInt(omp.trim()));
            }
        } catch (NumberFormatException e) {
            // an unreadable setting leaves the default
        }
        return Runtime.getRuntime().availableProcessors();
    }
}
