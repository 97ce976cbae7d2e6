package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryProbeTest {
    @Test
    void readsKilobyteFieldsAsBytes(@TempDir Path dir) throws Exception {
        Path status = dir.resolve("status");
        Files.writeString(status, "Name:\tjava\nVmHWM:\t  123456 kB\nVmRSS:\t   2048 kB\n");
        assertEquals(123456L * 1024, MemoryProbe.field(status, "VmHWM:"));
        assertEquals(2048L * 1024, MemoryProbe.field(status, "VmRSS:"));
        assertEquals(-1, MemoryProbe.field(status, "VmSwap:"));
        assertEquals(-1, MemoryProbe.field(dir.resolve("absent"), "VmRSS:"));
    }
}
