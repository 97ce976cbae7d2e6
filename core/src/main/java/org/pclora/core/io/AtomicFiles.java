package org.pclora.core.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import org.pclora.core.PcLoraException;

/**
 * Writes files so that a reader (or a process killed mid-write) sees either the old file or the
 * complete new one: write to a temporary file in the same directory, fsync, rename, fsync the
 * directory.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {
    }

    /** Something that writes a file's content to a stream. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Something that writes a file's content to a channel. */
    @FunctionalInterface
    public interface ChannelWriter {
        void write(FileChannel channel) throws IOException;
    }

    /**
     * Atomically replaces {@code target} with what {@code writer} puts into the channel; an
     * {@link IOException} leaves the old file (if any) and no temporary file behind.
     */
    public static void writeChannel(Path target, ChannelWriter writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = null;
        FileChannel ch = null;
        // Not Files.createTempFile: it creates mode 0600 whatever the umask. CREATE_NEW with no
        // explicit attributes gives 0666 less the umask, as every other tool writes files.
        while (ch == null) {
            Path candidate = dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
            try {
                ch = FileChannel.open(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                tmp = candidate;
            } catch (FileAlreadyExistsException e) {
                // a leftover of a killed writer (or a concurrent one): draw another name
            }
        }
        try {
            try (FileChannel c = ch) {
                writer.write(c);
                c.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            syncDirectory(dir);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original error matters more than a hidden leftover temporary file
                }
            }
        }
    }

    /** Atomically replaces {@code target} with what {@code writer} produces. */
    public static void write(Path target, Writer writer) {
        try {
            writeChannel(target, ch -> {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20);
                writer.write(out);
                out.flush();
            });
        } catch (IOException e) {
            throw new PcLoraException("cannot write " + target + ": " + e.getMessage()
                    + " (check that the directory is writable and the disk has space)", e);
        }
    }

    /** Atomically writes a string as UTF-8. */
    public static void writeString(Path target, String content) {
        write(target, out -> out.write(content.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Makes the rename durable; not every file system lets a directory be opened, so best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // the data themselves are already on disk
        }
    }
}
