package org.pclora.core.model;

import org.pclora.core.env.EngineSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.kernels.Kernels;
import org.pclora.core.memory.StepWorkspace;

/**
 * Inference split by examples: the examples of a batch are independent through the encoder, so
 * with {@code n} threads each thread takes a contiguous share of them and runs every block on it
 * alone, with single-threaded OpenBLAS, libnd4j and kernels. Nothing is shared until the parts are
 * written into the output, so there is no synchronisation per operation: the row split of each
 * GEMM and kernel pass that the engine does otherwise costs a fork and a join per operation (about
 * 25 per block), and OpenBLAS's idle workers spin between calls on the cores the kernels need.
 *
 * <p>The arithmetic per example is the same as in one piece: attention, LayerNorm and the
 * elementwise passes are per row or per (example, head), and a GEMM's output rows do not depend on
 * which other rows are multiplied with them (OpenBLAS splits threads over rows and columns, never
 * over the summed dimension). Tested bit for bit against the unsplit forward.
 *
 * <p>On by default where it applies (inference without taps, at least two examples and two
 * threads, fused kernels in use, enough rows); {@code -Dpclora.inference.split=false} or
 * {@link #setEnabled} switches it off. While a split forward runs, OpenBLAS's and libnd4j's thread
 * counts are 1 for the whole JVM (they are process-wide settings), restored when the last split
 * forward in flight ends.
 */
public final class BatchParallel {
    /** Below this many rows x width per batch the split costs more than it saves (one small GEMM). */
    static final long MIN_ELEMENTS = 1L << 16;
    private static final Object LOCK = new Object();
    private static int inFlight;
    private static int savedBlas;
    private static int savedNd4j;
    private static ExecutorService pool;
    private static int poolThreads;

    private BatchParallel() {
    }

    /** Whether split inference is on; see the class comment. */
    public static boolean enabled() {
        return EngineSettings.current().inferenceSplit();
    }

    /** Switches split inference on or off (A/B measurements, tests); returns the previous setting. */
    public static boolean setEnabled(boolean on) {
        return EngineSettings.update(s -> s.withInferenceSplit(on)).inferenceSplit();
    }

    /**
     * How many parts an inference forward over {@code examples} examples of {@code rows} x
     * {@code width} elements is split into: 1 (not split) unless split inference is on, the fused
     * kernels run, this thread is not already one part of a split, and there are two or more
     * threads and examples.
     */
    static int parts(int examples, long rows, long width) {
        if (!enabled() || !Kernels.enabled() || Kernels.serialHere() || rows * width < MIN_ELEMENTS) {
            return 1;
        }
        return Math.max(1, Math.min(Kernels.threads(), examples));
    }

    /** One part's work: runs on its own thread, kernels serial, inside its own workspace scope. */
    interface Part {
        void run(int part);
    }

    /**
     * Runs parts 0 .. n-1 concurrently, part 0 on the calling thread, and returns when all are done;
     * the first failure is rethrown. Each part runs inside {@link Kernels#serially} and a workspace
     * scope of its thread that is reset when the part ends: what a part must hand back it writes into
     * arrays the caller made.
     */
    static void run(int n, Part body) {
        enter();
        try {
            List<Future<?>> others = new ArrayList<>();
            ExecutorService workers = pool(n - 1);
            for (int p = 1; p < n; p++) {
                int part = p;
                others.add(workers.submit(() -> runPart(part, body)));
            }
            RuntimeException failure = null;
            try {
                runPart(0, body);
            } catch (RuntimeException e) {
                failure = e;
            }
            for (Future<?> f : others) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    if (failure == null) {
                        failure = new IllegalStateException("split inference interrupted", e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            leave();
        }
    }

    private static void runPart(int part, Part body) {
        Kernels.serially(() -> {
            if (!StepWorkspace.enabled()) {
                body.run(part);
                return;
            }
            try (MemoryWorkspace ignored = StepWorkspace.nested("PCLORA_INFERENCE_PART")) {
                body.run(part);
            }
        });
    }

    /** The first split forward in flight sets OpenBLAS and libnd4j to one thread each. */
    private static void enter() {
        synchronized (LOCK) {
            if (inFlight++ == 0) {
                savedBlas = Nd4j.factory().blas().getMaxThreads();
                savedNd4j = Nd4j.getEnvironment().maxThreads();
                Nd4j.factory().blas().setMaxThreads(1);
                Nd4j.getEnvironment().setMaxThreads(1);
            }
        }
    }

    /** The last split forward in flight restores the thread counts the first one found. */
    private static void leave() {
        synchronized (LOCK) {
            if (--inFlight == 0) {
                Nd4j.factory().blas().setMaxThreads(savedBlas);
                Nd4j.getEnvironment().setMaxThreads(savedNd4j);
            }
        }
    }

    /** Daemon workers, kept so that their workspaces are reused from one batch to the next. */
    private static ExecutorService pool(int threads) {
        synchronized (LOCK) {
            if (pool == null || poolThreads < threads) {
                if (pool != null) {
                    pool.shutdown();
                }
                AtomicInteger count = new AtomicInteger();
                pool = Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "pclora-inference-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
                poolThreads = threads;
            }
            return pool;
        }
    }
}
