package org.pclora.core.env;

import com.sun.jna.NativeLibrary;

/**
 * The C allocator's view of native memory. ND4J's buffers outside workspaces are malloc'd; when
 * they are freed (after a garbage collection) glibc keeps the pages of its arenas for reuse, so
 * the process stays as large as its largest moment. {@link #trim} hands them back.
 */
public final class NativeMemory {
    private static volatile boolean unavailable;

    private NativeMemory() {
    }

    /**
     * Frees the native buffers of arrays nothing references any more, then trims: a garbage
     * collection (ND4J frees unreachable arrays' buffers from a reference queue after it, hence the
     * short wait) and {@link #trim}. Called where a phase or a run starts, so that what the last one
     * dropped (a whole model, a learning step's arrays) is gone before the next allocates.
     */
    public static void release() {
        System.gc();
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        trim();
    }

    /**
     * Returns free memory of the C allocator's arenas to the operating system ({@code malloc_trim(0)},
     * glibc); does nothing where the C library has no such call. Returns whether it ran.
     */
    public static boolean trim() {
        if (unavailable) {
            return false;
        }
        try {
            NativeLibrary.getInstance("c").getFunction("malloc_trim").invokeInt(new Object[] {0});
            return true;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            unavailable = true;
            return false;
        }
    }
}
