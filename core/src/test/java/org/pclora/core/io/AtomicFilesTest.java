package org.pclora.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;

class AtomicFilesTest {
    @Test
    void replacesContentAndLeavesNoTemporaryFiles(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("a.txt");
        AtomicFiles.writeString(f, "one");
        AtomicFiles.writeString(f, "two");
        assertEquals("two", Files.readString(f));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void failedWriteKeepsTheOldFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("a.txt");
        AtomicFiles.writeString(f, "old");
        assertThrows(PcLoraException.class, () -> AtomicFiles.write(f, out -> {
            out.write("partial".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals("old", Files.readString(f));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }

    /** The file gets the mode any other program would give it here: 0666 less the umask (not 0600). */
    @Test
    void newFilesGetTheUmasksModeLikeAPlainlyCreatedFile(@TempDir Path dir) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path reference = Files.writeString(dir.resolve("plain.txt"), "x"); // the OS applies the umask
        Path f = dir.resolve("atomic.txt");
        AtomicFiles.writeString(f, "x");
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(f));
        AtomicFiles.writeString(f, "y"); // replacing keeps it so
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(f));
    }
}
