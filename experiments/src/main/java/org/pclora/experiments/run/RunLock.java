package org.pclora.experiments.run;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.pclora.core.PcLoraException;

/**
 * An exclusive lock on a run directory, held for the life of the run: a second run (or a
 * {@code resume=}) of the same directory refuses with a line naming the holder instead of
 * interleaving its metrics and overwriting the first run's results.
 *
 * <p>The lock is an operating-system lock ({@link FileChannel#tryLock()}) on the file
 * {@value #FILE} in the run directory, so the kernel releases it when the holder dies, also on
 * {@code kill -9}: a stale file never blocks a later run. The file records the holder's pid, host
 * and start time only to name it in the refusal; the file itself is left in place (deleting a lock
 * file that another process may have opened would let two processes lock two different files).
 *
 * <p>Within one process the held directories are also kept in a table, and a second attempt is
 * refused from it without opening the file: POSIX drops all of a process's locks on a file when
 * the process closes any descriptor of that file, so a refused attempt that opened and closed the
 * file would release the holder's lock.
 */
public final class RunLock implements AutoCloseable {
    /** The lock file's name inside a run directory. */
    public static final String FILE = ".lock";

    /** Directories locked by this process, with the note that names the holder. */
    private static final Map<Path, String> HELD = new ConcurrentHashMap<>();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} (which must exist) for this process, or throws a {@link PcLoraException}
     * naming the process that holds it.
     */
    public static RunLock acquire(Path dir) {
        Path key = key(dir);
        String note = "pid " + ProcessHandle.current().pid() + " on host " + host() + " since " + Instant.now();
        String holder = HELD.putIfAbsent(key, note);
        if (holder != null) {
            throw inUse(dir, holder);
        }
        try {
            return lock(dir, key, note);
        } catch (RuntimeException e) {
            HELD.remove(key);
            throw e;
        }
    }

    private static RunLock lock(Path dir, Path key, String note) {
        Path file = dir.resolve(FILE);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new PcLoraException("cannot lock run directory " + dir + ": " + e.getMessage()
                    + " (set output.root or output.dir to a writable location)");
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held in this JVM through another path spelling (the table above missed it)
        } catch (IOException e) {
            close(ch);
            throw new PcLoraException("cannot lock run directory " + dir + ": " + e.getMessage());
        }
        if (lock == null) {
            String holder = holder(ch);
            close(ch);
            throw inUse(dir, holder);
        }
        try {
            byte[] text = (note + System.lineSeparator()).getBytes(StandardCharsets.UTF_8);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(text), 0);
            ch.force(false);
        } catch (IOException e) {
            // the lock holds without the note; only the refusal of a second run would be less specific
        }
        return new RunLock(key, ch, lock);
    }

    /**
     * Who holds {@code dir}'s lock ("pid 123 on host h since ..."), or empty when no process
     * does (a finished, stopped or never started run). Nothing is created or changed.
     */
    public static java.util.Optional<String> holder(Path dir) {
        Path key = key(dir);
        String mine = HELD.get(key);
        if (mine != null) {
            return java.util.Optional.of(mine);
        }
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return java.util.Optional.empty();
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                return java.util.Optional.of("this process");
            }
            if (lock == null) {
                return java.util.Optional.of(holder(ch));
            }
            lock.release();
            return java.util.Optional.empty();
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private static PcLoraException inUse(Path dir, String holder) {
        return new PcLoraException("run directory " + dir + " is in use by another run (" + holder
                + "): wait for it to finish, or choose another output.dir");
    }

    /** The directory's real path (links resolved), so that every spelling of it is one key. */
    private static Path key(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            return dir.toAbsolutePath().normalize();
        }
    }

    /** The holder as it wrote itself into the file ("pid 123 on host h since ..."). */
    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(512);
            int n = ch.read(b, 0);
            String s = n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "a process that has not recorded itself yet" : s;
        } catch (IOException e) {
            return "a process whose note cannot be read: " + e.getMessage();
        }
    }

    /** This machine's host name (as SLURM and ssh show it), or "unknown". */
    static String host() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Releases the lock; the note is cleared so that it never names a finished run. */
    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                channel.truncate(0);
                lock.release();
            }
        } catch (IOException ignored) {
            // closing the channel below releases the lock anyway
        }
        close(channel);
        HELD.remove(key);
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing left to do with it
        }
    }
}
