package org.pclora.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pclora.core.PcLoraException;

/** The run-directory lock: exclusive while held, named in the refusal, and gone with its process (kill -9). */
class RunLockTest {

    /** A second process that holds the lock until it is killed. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            RunLock lock = RunLock.acquire(Path.of(args[0]));
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(120_000);
            lock.close();
        }
    }

    /** A second process that tries the lock once and says whether it got it. */
    public static final class Prober {
        public static void main(String[] args) {
            try {
                RunLock.acquire(Path.of(args[0])).close();
                System.out.println("acquired");
            } catch (PcLoraException e) {
                System.out.println("refused");
            }
        }
    }

    private static Process java(Class<?> main, Path dir) throws java.io.IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                main.getName(), dir.toString())).redirectErrorStream(true).start();
    }

    /** Refused attempts in the holding process (any spelling of the path) leave the lock held for other processes. */
    @Test
    void refusedAttemptsInTheHoldingProcessKeepItLockedForOthers(@TempDir Path dir) throws Exception {
        try (RunLock held = RunLock.acquire(dir)) {
            assertThrows(PcLoraException.class, () -> RunLock.acquire(dir));
            assertThrows(PcLoraException.class, () -> RunLock.acquire(dir.resolve("sub/..").resolve(".")));
            Process p = java(Prober.class, dir);
            assertEquals("refused", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        Process p = java(Prober.class, dir);
        assertEquals("acquired", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    }

    @Test
    void aSecondLockInThisProcessIsRefusedNamingTheHolder(@TempDir Path dir) {
        try (RunLock first = RunLock.acquire(dir)) {
            PcLoraException e = assertThrows(PcLoraException.class, () -> RunLock.acquire(dir));
            assertTrue(e.getMessage().startsWith("run directory " + dir + " is in use by another run (pid "
                    + ProcessHandle.current().pid() + " on host "), e.getMessage());
            assertTrue(e.getMessage().endsWith("wait for it to finish, or choose another output.dir"), e.getMessage());
        }
        // released: the next run gets it
        RunLock.acquire(dir).close();
    }

    @Test
    void aStaleLockFileOfADeadRunDoesNotBlock(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(RunLock.FILE), "pid 999999 on host gone since 2020-01-01T00:00:00Z\n");
        try (RunLock lock = RunLock.acquire(dir)) {
            assertTrue(Files.readString(dir.resolve(RunLock.FILE)).startsWith("pid " + ProcessHandle.current().pid()));
        }
        assertEquals("", Files.readString(dir.resolve(RunLock.FILE)), "the note is cleared on release");
    }

    @Test
    void anotherProcessHoldsItUntilKilledWithSigkill(@TempDir Path dir) throws Exception {
        Process p = java(Holder.class, dir);
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", r.readLine());
            PcLoraException e = assertThrows(PcLoraException.class, () -> RunLock.acquire(dir));
            assertTrue(e.getMessage().contains("is in use by another run (pid " + p.pid() + " on host "), e.getMessage());
        } finally {
            p.destroyForcibly(); // SIGKILL: the process cannot release anything itself
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        try (RunLock lock = RunLock.acquire(dir)) { // the kernel released it with the process
            assertTrue(Files.readString(dir.resolve(RunLock.FILE)).startsWith("pid " + ProcessHandle.current().pid()));
        }
    }
}
