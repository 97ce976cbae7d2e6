package org.pclora.core.memory;

import org.pclora.core.env.EngineSettings;
import org.pclora.core.env.NativeMemory;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One ND4J workspace reused by every training step (or inference batch) of a phase. Without it,
 * each temporary array is a fresh native allocation that the OS zero-fills page by page (7.6 ms
 * for a [1040, 3072] float array here, more than the GEMM that fills it) and that is freed only
 * when the garbage collector runs. The workspace learns one step's total in the first step and
 * then hands out memory from that block, reset at the end of each step.
 *
 * <p>Contract for code running inside a step (layers, distillation losses): arrays made during
 * the step are valid until the step ends; anything kept longer must be allocated under
 * {@code Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()} or be a parameter updated in place.
 * {@code -Dpclora.workspace=false} switches workspaces off (every allocation is then a plain one).
 */
public final class StepWorkspace implements AutoCloseable {
    private static final WorkspaceConfiguration CONFIG = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyAllocation(AllocationPolicy.STRICT)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();
    /**
     * The step workspace's own policy: like {@link #CONFIG}, except that ND4J never sizes the block
     * by itself after the first step ({@code OVER_TIME} with no cycle count reached). With
     * {@code FIRST_LOOP} ND4J frees the learning step's arrays and allocates (and zero-fills) the
     * block in the same call, so the freed memory, still resident in glibc's arenas, and the new
     * block coexisted once: the peak of a run. {@link #step} frees, trims, then allocates.
     */
    private static final WorkspaceConfiguration STEP_CONFIG = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.OVER_TIME)
            .cyclesBeforeInitialization(Integer.MAX_VALUE)
            .policyAllocation(AllocationPolicy.STRICT)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();
    private final String id;
    private final boolean enabled;
    private long steps;

    /** A workspace named {@code id} (one per thread: ND4J keeps workspaces per thread). */
    public StepWorkspace(String id) {
        this.id = id;
        this.enabled = enabled();
    }

    /** Whether steps run in workspaces ({@code pclora.workspace} is not {@code false}). */
    public static boolean enabled() {
        return EngineSettings.current().workspace();
    }

    /** One step's scope: closing it ends the step (and resets the workspace). */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Opens the workspace for one step; close the returned scope when the step ends. The first
     * step's arrays are ordinary allocations while the workspace learns its size; when it ends they
     * are freed, a garbage collection collects what the step made outside the workspace, glibc
     * returns the freed pages ({@code malloc_trim}), and only then is the block allocated: the
     * learning step's memory and the block never coexist (they did, for BERT-base at batch 32, by
     * 1.1 GB).
     */
    public Scope step() {
        if (enabled && steps == 0) {
            // what building the model left behind (initialisation temporaries, packed copies) goes
            // back before the learning step allocates a whole step outside the workspace
            releaseLearningStep();
        }
        MemoryWorkspace ws = enabled ? Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_CONFIG, id)
                : Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
        boolean first = enabled && steps == 0;
        steps++;
        return () -> {
            ws.close(); // frees the learning step's arrays (ND4J's external allocations)
            if (first) {
                releaseLearningStep();
                ws.initializeWorkspace(); // the block, sized by the largest step seen
            }
        };
    }

    /**
     * Returns what the learning step left before the workspace allocates its block, so the two
     * never coexist (for ViT-B/16 at batch 8 each is ~1.9 GB): arrays made outside the workspace
     * are freed by ND4J from a reference queue after a collection (hence the short wait), and glibc
     * keeps freed pages resident until trimmed.
     */
    private static void releaseLearningStep() {
        NativeMemory.release();
    }

    /**
     * A nested scope inside the current one, with the same policy: arrays made in it are valid until
     * it closes, when its block is reset for the next use of {@code id}. Used where a part of a step
     * (a block's backward) makes temporaries that need not outlive it; move what must survive with
     * {@code leverageTo} the enclosing workspace's id before closing.
     */
    public static MemoryWorkspace nested(String id) {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, id);
    }

    /**
     * A scope for temporaries that nothing reads after it closes: inside a workspace, the nested
     * workspace {@code id} ({@link #nested}); outside any, plain allocations. Arrays that must
     * outlive it are made before it opens.
     */
    public static MemoryWorkspace scratch(String id) {
        if (Nd4j.getMemoryManager().getCurrentWorkspace() == null) {
            return Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
        }
        return nested(id);
    }

    /** Bytes of the workspace's memory block on this thread (0 before the first step or when off). */
    public long sizeBytes() {
        if (!enabled || !Nd4j.getWorkspaceManager().checkIfWorkspaceExists(id)) {
            return 0;
        }
        return Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(id).getCurrentSize();
    }

    /** Bytes handed out so far in the current step (inside a scope; 0 when off or not yet opened). */
    public long usedBytes() {
        if (!enabled || !Nd4j.getWorkspaceManager().checkIfWorkspaceExists(id)) {
            return 0;
        }
        return Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(id).getPrimaryOffset();
    }

    /** Bytes of the block of the nested workspace {@code id} ({@link #nested}) on this thread, 0 if none. */
    public static long nestedSizeBytes(String id) {
        if (!Nd4j.getWorkspaceManager().checkIfWorkspaceExists(id)) {
            return 0;
        }
        return Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(id).getCurrentSize();
    }

    /** Frees the workspace's memory block (at the end of a phase). */
    @Override
    public void close() {
        if (enabled && Nd4j.getWorkspaceManager().checkIfWorkspaceExists(id)) {
            Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(id).destroyWorkspace(true);
        }
    }
}
