package org.pclora.core.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pclora.core.kernels.Kernels;
import org.pclora.core.model.BatchParallel;
import org.pclora.core.nn.LowRank;
import org.pclora.core.nn.MultiHeadSelfAttention;

class EngineSettingsTest {
    @Test
    void theMapNamesEverySwitchByItsPropertyInAFixedOrder() {
        EngineSettings s = new EngineSettings(true, 3, false, Set.of("gelu", "thin"), true, false, true, false);
        Map<String, Object> m = s.asMap();
        assertEquals(List.of("pclora.simd", "pclora.threads", "pclora.lowrank", "pclora.lowrank.kernels",
                "pclora.attention.fused", "pclora.attention.lowrank", "pclora.inference.split", "pclora.workspace"),
                List.copyOf(m.keySet()));
        assertEquals(List.of(true, 3, false, "thin,gelu", true, false, true, false), List.copyOf(m.values()));
    }

    @Test
    void theClassesSettersChangeTheOneSettingsObjectAndAnswerThePreviousValue() {
        EngineSettings before = EngineSettings.current();
        try {
            assertEquals(before.fusedAttention(), MultiHeadSelfAttention.setFusedEnabled(false));
            assertFalse(EngineSettings.current().fusedAttention());
            BatchParallel.setEnabled(false);
            assertFalse((Boolean) EngineSettings.current().asMap().get("pclora.inference.split"));
            MultiHeadSelfAttention.setLowRankSpace(false);
            assertFalse(EngineSettings.current().attentionRankSpace());
            Kernels.setLowRankEnabled(false);
            assertFalse(EngineSettings.current().lowRank());
            assertEquals(before.threads(), Kernels.setThreads(2));
            assertEquals(2, EngineSettings.current().threads());
            LowRank.setKernels("expand,thin");
            assertEquals("thin,expand", LowRank.setKernels(""));
            assertEquals("", EngineSettings.current().asMap().get("pclora.lowrank.kernels"));
        } finally {
            EngineSettings.set(before);
        }
        assertEquals(before, EngineSettings.current());
    }

    @Test
    void anUnknownKernelNameIsRefusedNamingTheAcceptedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EngineSettings.parseKernels("thin,fast"));
        assertTrue(e.getMessage().contains("thin, expand, gelu"), e.getMessage());
        assertEquals(Set.of("thin", "gelu"), EngineSettings.parseKernels(" thin,,gelu "));
        assertEquals(1, new EngineSettings(true, 0, true, Set.of(), true, true, true, true).threads());
    }
}
