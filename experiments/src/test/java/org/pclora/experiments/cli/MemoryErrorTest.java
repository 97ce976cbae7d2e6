package org.pclora.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Running out of memory reaches the user as one line naming the cap that was hit and the setting
 * that raises it. The errors are built as JavaCPP 1.5.7 builds them: an outer "Cannot allocate"
 * error whose message always names both counters, caused by the one that says which cap was passed.
 */
class MemoryErrorTest {
    private static Throwable javacpp(String inner) {
        OutOfMemoryError outer = new OutOfMemoryError(
                "Cannot allocate new LongPointer(2): totalBytes = 512, physicalBytes = 8198M");
        outer.initCause(new OutOfMemoryError(inner));
        return new ExecutionException(outer); // as a sweep's worker hands it over
    }

    @Test
    void residentMemoryCapNamesPcloraPhysical() {
        String line = PcLoraCli.oneLine(javacpp("Physical memory usage is too high: physicalBytes (8198M) > "
                + "maxPhysicalBytes (8192M)"), null);
        assertTrue(line.startsWith("out of memory: the process's resident memory passed the cap of "), line);
        assertTrue(line.contains("(PCLORA_PHYSICAL); raise PCLORA_PHYSICAL (e.g. PCLORA_PHYSICAL=16G; this machine has "),
                line);
        assertTrue(line.endsWith("(OutOfMemoryError: Cannot allocate new LongPointer(2): totalBytes = 512,"
                + " physicalBytes = 8198M)"), line);
        assertEquals(-1, line.indexOf('\n'));
    }

    @Test
    void nativeBufferCapNamesPcloraOffheap() {
        String line = PcLoraCli.oneLine(javacpp("Failed to allocate memory within limits: totalBytes (4G + 1G) > "
                + "maxBytes (4G)"), null);
        assertTrue(line.startsWith("out of memory: native buffers passed the cap of "), line);
        assertTrue(line.contains("(PCLORA_OFFHEAP); raise PCLORA_OFFHEAP"), line);
    }

    @Test
    void javaHeapNamesTheJavaOptions() {
        String line = PcLoraCli.oneLine(new RuntimeException(new OutOfMemoryError("Java heap space")), null);
        assertTrue(line.startsWith("out of memory: the Java heap of "), line);
        assertTrue(line.contains("PCLORA_JAVA_OPTS=-Xmx6g"), line);
        assertTrue(line.endsWith("(OutOfMemoryError: Java heap space)"), line);
    }

    @Test
    void otherFailuresAreNotMemoryErrors() {
        assertNull(PcLoraCli.memoryError(new IllegalStateException("x")));
        assertEquals("IllegalStateException: x", PcLoraCli.oneLine(new IllegalStateException("x"), null));
    }
}
