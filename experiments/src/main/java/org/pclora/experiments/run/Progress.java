package org.pclora.experiments.run;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar with rate and ETA on a terminal; plain log lines (at most one every few
 * seconds) when the output is not a terminal.
 */
public final class Progress {
    private final String label;
    private final long total;
    private final String unit;
    private final PrintStream out;
    private final boolean terminal;
    private final java.util.function.LongSupplier clock;
    private final long startNanos;
    private long lastPrintNanos;
    private long startDone;

    public Progress(String label, long total, String unit, PrintStream out, boolean terminal) {
        this(label, total, unit, out, terminal, System::nanoTime);
    }

    /** As above, with the clock (nanoseconds) given, for tests. */
    Progress(String label, long total, String unit, PrintStream out, boolean terminal, java.util.function.LongSupplier clock) {
        this.label = label;
        this.total = Math.max(1, total);
        this.unit = unit;
        this.out = out;
        this.terminal = terminal;
        this.clock = clock;
        this.startNanos = clock.getAsLong();
    }

    /** A progress bar on stderr, as a bar when stderr is a terminal. */
    public static Progress onStderr(String label, long total, String unit) {
        return new Progress(label, total, unit, System.err, System.console() != null);
    }

    /**
     * Progress on stderr for one of several runs that may print at the same time: plain lines
     * (bars of parallel runs would overwrite each other) when {@code shared}, else as {@link #onStderr}.
     */
    public static Progress onStderr(String label, long total, String unit, boolean shared) {
        return new Progress(label, total, unit, System.err, !shared && System.console() != null);
    }

    /**
     * Starts counting from {@code done} units already complete (e.g. steps restored from a
     * checkpoint): the rate and the ETA count only the units done from here on.
     */
    public Progress startingAt(long done) {
        this.startDone = Math.max(0, done);
        return this;
    }

    /** Reports that {@code done} of {@code total} units are complete, with an extra note (e.g. loss). */
    public void update(long done, String note) {
        long now = clock.getAsLong();
        boolean last = done >= total;
        long minGap = terminal ? 200_000_000L : 10_000_000_000L;
        if (!last && now - lastPrintNanos < minGap) {
            return;
        }
        lastPrintNanos = now;
        double secs = (now - startNanos) / 1e9;
        double rate = Math.max(0, done - startDone) / Math.max(secs, 1e-9);
        double eta = rate > 0 ? (total - done) / rate : 0;
        String stats = String.format(Locale.ROOT, "%d/%d %s, %.2f %s/s, elapsed %s, ETA %s%s", done, total, unit,
                rate, unit, clock(secs), clock(eta), note == null || note.isEmpty() ? "" : ", " + note);
        if (terminal) {
            int width = 24;
            int filled = (int) Math.min(width, Math.round(width * (double) done / total));
            out.print("\r" + label + " [" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + stats + "\u001b[K");
            if (last) {
                out.println();
            }
        } else {
            out.println(label + ": " + stats);
        }
        out.flush();
    }

    static String clock(double secs) {
        long s = Math.round(secs);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
