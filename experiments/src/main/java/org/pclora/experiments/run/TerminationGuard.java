package org.pclora.experiments.run;

import java.nio.file.Files;
import java.time.Instant;
import org.pclora.core.io.AtomicFiles;

/**
 * Leaves a one-line {@code failure.txt} in a run directory when the JVM is stopped by a signal
 * (SIGTERM from SLURM at its time limit or on preemption, {@code kill}, Ctrl-C) while the run is
 * in progress, so that the run reads as failed and {@code resume=} continues it from its last
 * checkpoint.
 *
 * <p>A shutdown hook runs while the training thread still runs; it writes nothing but
 * {@code failure.txt} (atomically), so it cannot collide with a checkpoint being written: that
 * write goes to a temporary file renamed into place, so the JVM's halt leaves the previous
 * checkpoint or the new one, never half a file. The hook and the run's own ending (summary or
 * failure) take one lock: whichever comes first decides, and after the hook the run's failure
 * handling leaves the directory alone (it must not delete it while the hook writes).
 */
public final class TerminationGuard implements AutoCloseable {
    private final RunDirectory dir;
    private final Thread hook;
    private boolean finished;
    private boolean terminated;

    private TerminationGuard(RunDirectory dir) {
        this.dir = dir;
        this.hook = new Thread(this::onSignal, "pclora-termination");
    }

    /** Installs the guard for a run directory until {@link #close()}. */
    public static TerminationGuard install(RunDirectory dir) {
        TerminationGuard g = new TerminationGuard(dir);
        try {
            Runtime.getRuntime().addShutdownHook(g.hook);
        } catch (IllegalStateException e) {
            g.terminated = true; // shutting down already
        }
        return g;
    }

    private void onSignal() {
        synchronized (this) {
            if (finished) {
                return;
            }
            terminated = true;
            if (Files.isDirectory(dir.path()) && !dir.isComplete()) {
                try {
                    AtomicFiles.writeString(dir.file(RunDirectory.FAILURE), "stopped by a signal (SIGTERM: time limit,"
                            + " preemption or kill; or SIGINT) at " + Instant.now() + " before the run completed;"
                            + " continue it from its last checkpoint with: pclora run resume=" + dir.path()
                            + System.lineSeparator());
                } catch (RuntimeException ignored) {
                    // nothing more can be done while the JVM halts
                }
            }
        }
    }

    /**
     * Runs the run's own ending (writing its summary or its failure) unless a signal has stopped
     * the run already; returns false in that case, and the caller must then leave the directory as it is.
     */
    public synchronized boolean finish(Runnable ending) {
        if (terminated) {
            return false;
        }
        ending.run();
        finished = true;
        return true;
    }

    /** Whether a signal stopped the run. */
    public synchronized boolean terminated() {
        return terminated;
    }

    @Override
    public void close() {
        synchronized (this) {
            finished = true;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // the JVM is shutting down: the hook has run or will find the run finished
        }
    }
}
