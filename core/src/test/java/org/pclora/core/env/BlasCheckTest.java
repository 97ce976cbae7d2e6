package org.pclora.core.env;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class BlasCheckTest {
    @Test
    void choosesCoreTypeFromCpuFlags() {
        assertEquals(Optional.of("SKYLAKEX"), BlasCheck.recommendedCoreType("fpu sse avx2 avx512f avx512dq"));
        assertEquals(Optional.of("HASWELL"), BlasCheck.recommendedCoreType("fpu sse avx avx2 fma"));
        assertEquals(Optional.empty(), BlasCheck.recommendedCoreType("fpu sse sse2 avx"));
        // avx512f must match as a whole flag, not as a prefix of another one
        assertEquals(Optional.empty(), BlasCheck.recommendedCoreType("avx512fx"));
    }

    @Test
    void surefireForkRunsWithTheDetectedCoreType() {
        // The parent pom detects the core type and passes it to Surefire's forks.
        String set = System.getenv("OPENBLAS_CORETYPE");
        BlasCheck.recommendedCoreType().ifPresent(want -> assertEquals(want, set,
                "Surefire fork should have OPENBLAS_CORETYPE set"));
    }
}
