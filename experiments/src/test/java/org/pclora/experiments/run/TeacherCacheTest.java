package org.pclora.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.pclora.core.env.NumericsEnvironment;

class TeacherCacheTest {
    @Test
    void theKeyChangesWithTheBlasKernelAndItsThreads() {
        Config c = ConfigFactory.parseString("model.arch = x, seed = 3");
        Map<String, String> haswell = Map.of("blas", "OpenBLAS 0.3.19", "blas_kernel", "Haswell", "blas_threads", "2");
        Map<String, String> skylakex = Map.of("blas", "OpenBLAS 0.3.19", "blas_kernel", "SkylakeX", "blas_threads", "2");
        Map<String, String> oneThread = Map.of("blas", "OpenBLAS 0.3.19", "blas_kernel", "Haswell", "blas_threads", "1");
        String k = TeacherCache.key(c, null, Map.of(), haswell);
        assertEquals(k, TeacherCache.key(c, null, Map.of(), new TreeMap<>(haswell)), "the order of the facts does not matter");
        assertNotEquals(k, TeacherCache.key(c, null, Map.of(), skylakex));
        assertNotEquals(k, TeacherCache.key(c, null, Map.of(), oneThread));
        assertNotEquals(k, TeacherCache.key(c, null, Map.of(), Map.of()));
    }

    @Test
    void aRunKeysWithThisMachinesNumerics() {
        Config c = ConfigFactory.parseString("model.arch = x, seed = 3");
        assertEquals(TeacherCache.key(c, null, Map.of(), NumericsEnvironment.facts()), TeacherCache.key(c, null, Map.of()));
    }

    @Test
    void switchingAnEngineSettingOffChangesTheKeyARunComputes() {
        Config c = ConfigFactory.parseString("model.arch = x, seed = 3");
        String on = TeacherCache.key(c, null, Map.of());
        boolean was = org.pclora.core.nn.MultiHeadSelfAttention.setFusedEnabled(false);
        try {
            assertNotEquals(on, TeacherCache.key(c, null, Map.of()));
            assertEquals("false", NumericsEnvironment.facts().get("pclora.attention.fused"));
        } finally {
            org.pclora.core.nn.MultiHeadSelfAttention.setFusedEnabled(was);
        }
        assertEquals(on, TeacherCache.key(c, null, Map.of()));
    }

    @Test
    void theStudentsLearningRateDoesNotChangeTheKey() {
        Config a = ConfigFactory.parseString("model.arch = x, seed = 3, optimizer { lr = 1e-3, weight_decay = 0.01 }");
        Config b = ConfigFactory.parseString("model.arch = x, seed = 3, optimizer { lr = 5e-4, weight_decay = 0.01 }");
        Map<String, String> n = Map.of("blas_kernel", "SkylakeX");
        assertEquals(TeacherCache.key(a, null, Map.of(), n), TeacherCache.key(b, null, Map.of(), n));
    }
}
