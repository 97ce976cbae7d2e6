package org.pclora.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;

/** The last N checkpoints are kept, and resuming passes over a damaged newest one. */
class CheckpointStoreTest {
    @TempDir
    Path dir;

    private static CheckpointStore.State state(long step) {
        return new CheckpointStore.State(step, Map.of("w", Nd4j.ones(64, 64).muli(step)));
    }

    private static void truncate(Path f) throws Exception {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
    }

    @Test
    void keepsTheLastTwoNewestFirst() throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 2);
        for (long s = 100; s <= 300; s += 100) {
            store.save("student", state(s));
        }
        assertTrue(Files.isRegularFile(dir.resolve("student.ckpt.safetensors")));
        assertTrue(Files.isRegularFile(dir.resolve("student.ckpt.1.safetensors")));
        assertFalse(Files.exists(dir.resolve("student.ckpt.2.safetensors")));
        assertEquals(300, store.load("student").orElseThrow().step());
        Files.delete(dir.resolve("student.ckpt.safetensors")); // e.g. removed by hand: the older one is next
        assertEquals(200, new CheckpointStore(dir, 2).load("student").orElseThrow().step());
    }

    @Test
    void aTruncatedNewestCheckpointFallsBackToTheOlderOneAndIsMovedAside() throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 2);
        store.save("teacher", state(100));
        store.save("teacher", state(200));
        truncate(dir.resolve("teacher.ckpt.safetensors"));
        CheckpointStore.State s = store.load("teacher").orElseThrow();
        assertEquals(100, s.step());
        assertEquals(100.0, s.tensors().get("w").getDouble(3, 5), 0.0);
        assertTrue(Files.isRegularFile(dir.resolve("teacher.ckpt.safetensors.damaged")));
        assertFalse(Files.exists(dir.resolve("teacher.ckpt.safetensors")));
        // the next save starts the rotation from the good one
        store.save("teacher", state(200));
        assertEquals(200, store.load("teacher").orElseThrow().step());
        assertTrue(Files.isRegularFile(dir.resolve("teacher.ckpt.1.safetensors")));
    }

    @Test
    void noReadableCheckpointSaysWhichAndWhatToDo() throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 2);
        store.save("student", state(100));
        store.save("student", state(200));
        truncate(dir.resolve("student.ckpt.safetensors"));
        Files.writeString(dir.resolve("student.ckpt.1.safetensors"), "not a checkpoint");
        PcLoraException e = assertThrows(PcLoraException.class, () -> store.load("student"));
        assertTrue(e.getMessage().startsWith("no readable student checkpoint in " + dir + ": " + dir.resolve("student.ckpt.safetensors")
                + " ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("; remove " + dir.resolve("student.ckpt*.safetensors")
                + " to start the student phase afresh"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertTrue(Files.exists(dir.resolve("student.ckpt.safetensors")), "nothing is moved when nothing can be resumed");
    }

    @Test
    void keepingNoCheckpointIsRefused() {
        PcLoraException e = assertThrows(PcLoraException.class, () -> new CheckpointStore(dir, 0));
        assertEquals("train.keep_checkpoints = 0 is not accepted: keep at least 1 checkpoint (2, the default, survives one"
                + " damaged file)", e.getMessage());
    }
}
