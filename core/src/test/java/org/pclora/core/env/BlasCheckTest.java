package org.pclora.core.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class BlasCheckTest {
    private static final String AVX512 = "fpu sse avx avx2 fma avx512f avx512dq avx512bw avx512vl";
    private static final String AVX2 = "fpu sse avx avx2 fma";

    @Test
    void choosesCoreTypeFromCpuFlags() {
        assertEquals(Optional.of("SKYLAKEX"), BlasCheck.recommendedCoreType("fpu sse avx2 avx512f avx512dq"));
        assertEquals(Optional.of("HASWELL"), BlasCheck.recommendedCoreType(AVX2));
        assertEquals(Optional.empty(), BlasCheck.recommendedCoreType("fpu sse sse2 avx"));
        // avx512f must match as a whole flag, not as a prefix of another one
        assertEquals(Optional.empty(), BlasCheck.recommendedCoreType("avx512fx"));
    }

    @Test
    void theLauncherKeepsAPresetValueAndOtherwiseChoosesForTheCpu() {
        assertEquals(Optional.of("Haswell"), BlasCheck.launcherCoreType("Haswell", AVX512));
        assertEquals(Optional.of("SKYLAKEX"), BlasCheck.launcherCoreType(null, AVX512));
        assertEquals(Optional.of("SKYLAKEX"), BlasCheck.launcherCoreType("  ", AVX512), "blank counts as unset");
        assertEquals(Optional.of("HASWELL"), BlasCheck.launcherCoreType("", AVX2));
        assertEquals(Optional.empty(), BlasCheck.launcherCoreType(null, "fpu sse2"));
    }

    @Test
    void surefireForkRunsWithTheCoreTypeTheLaunchersRuleGivesForThisEnvironment() {
        // The parent pom applies the launcher's rule to Maven's environment and passes the result
        // to Surefire's forks, and the environment's own value as a property beside it.
        String preset = System.getProperty("pclora.test.openblas.preset");
        assumeTrue(preset != null, "run outside Maven's Surefire: no preset recorded");
        String want = BlasCheck.launcherCoreType(preset, BlasCheck.cpuFlags()).orElse("");
        assertEquals(want, System.getenv().getOrDefault("OPENBLAS_CORETYPE", ""));
    }

    @Test
    void coreNamesMapToWhatTheirKernelsNeed() {
        assertEquals(BlasCheck.Level.AVX512, BlasCheck.coreLevel("SkylakeX"));
        assertEquals(BlasCheck.Level.AVX512, BlasCheck.coreLevel("COOPERLAKE"));
        assertEquals(BlasCheck.Level.AVX2, BlasCheck.coreLevel("Haswell"));
        assertEquals(BlasCheck.Level.AVX2, BlasCheck.coreLevel("zen"));
        assertEquals(BlasCheck.Level.AVX, BlasCheck.coreLevel("Sandybridge"));
        assertEquals(BlasCheck.Level.GENERIC, BlasCheck.coreLevel("Barcelona"));
        assertEquals(BlasCheck.Level.GENERIC, BlasCheck.coreLevel(null));
    }

    @Test
    void warnsInOneLineOnlyWhenTheKernelIsBelowTheCpu() {
        String w = BlasCheck.belowCapabilityWarning("Haswell", "Haswell", AVX512).orElseThrow();
        assertFalse(w.contains("\n"));
        assertTrue(w.contains("OPENBLAS_CORETYPE=Haswell"), w);
        assertTrue(w.contains("this CPU supports SKYLAKEX"), w);
        assertTrue(w.contains("GFLOP/s"), w);
        assertTrue(w.contains("start with OPENBLAS_CORETYPE=SKYLAKEX"), w);
        // unset: OpenBLAS's own guess (the generic Barcelona kernel on CPUs it does not know)
        assertTrue(BlasCheck.belowCapabilityWarning(null, "Barcelona", AVX512).orElseThrow().contains("not set"));
        // already the best this CPU runs: nothing
        assertEquals(Optional.empty(), BlasCheck.belowCapabilityWarning("SKYLAKEX", "SkylakeX", AVX512));
        assertEquals(Optional.empty(), BlasCheck.belowCapabilityWarning("cooperlake", "Cooperlake", AVX512));
        assertEquals(Optional.empty(), BlasCheck.belowCapabilityWarning("HASWELL", "Haswell", AVX2));
        assertEquals(Optional.empty(), BlasCheck.belowCapabilityWarning(null, "Haswell", AVX2));
        // a CPU without AVX2: nothing to recommend, nothing to warn about
        assertEquals(Optional.empty(), BlasCheck.belowCapabilityWarning("Nehalem", "Nehalem", "fpu sse2"));
    }

    @Test
    void theLoadedOpenBlasNamesTheKernelTheEnvironmentAskedFor() {
        String asked = System.getenv("OPENBLAS_CORETYPE");
        assumeTrue(asked != null && !asked.isBlank());
        // OpenBLAS falls back to its own detection on names it does not know; the known ones it honours
        assumeTrue(BlasCheck.coreLevel(asked) != BlasCheck.Level.GENERIC);
        assertEquals(asked.toLowerCase(java.util.Locale.ROOT),
                BlasInfo.coreName().orElseThrow().toLowerCase(java.util.Locale.ROOT));
        assertTrue(BlasInfo.version().orElseThrow().matches("\\d+\\.\\d+\\.\\d+"), BlasInfo.config().orElse(""));
    }
}
