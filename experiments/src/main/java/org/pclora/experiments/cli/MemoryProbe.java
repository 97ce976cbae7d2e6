package org.pclora.experiments.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of this process from {@code /proc/self/status} (Linux): what the benchmarks report
 * as memory use, since ND4J's native buffers and workspaces live outside the Java heap.
 */
final class MemoryProbe {
    private static final Path STATUS = Path.of("/proc/self/status");

    private MemoryProbe() {
    }

    /** Current resident set size (VmRSS) in bytes, or -1 where /proc is not readable. */
    static long rssBytes() {
        return field(STATUS, "VmRSS:");
    }

    /** Peak resident set size since start (VmHWM) in bytes, or -1 where /proc is not readable. */
    static long rssPeakBytes() {
        return field(STATUS, "VmHWM:");
    }

    /** The kB value of a {@code Name:   1234 kB} line of a /proc status file, in bytes; -1 if absent. */
    static long field(Path status, String name) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024L;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
