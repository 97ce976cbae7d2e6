package org.pclora.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.pclora.core.registry.PluginRegistry;

/** Every schedule of this module is found by name through META-INF/services. */
class ServiceRegistrationTest {
    @Test
    void registryFindsAllSchedulesByName() {
        PluginRegistry registry = PluginRegistry.load(getClass().getClassLoader());
        assertEquals(List.of("constant", "cosine", "exponential", "linear", "polynomial", "sine", "step", "zero"),
                registry.names(PluginRegistry.Kind.SCHEDULE));
        assertInstanceOf(SineSchedule.class, registry.schedule("sine"));
        assertInstanceOf(StepSchedule.class, registry.schedule("step"));
    }
}
