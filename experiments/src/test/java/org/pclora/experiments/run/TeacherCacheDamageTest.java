package org.pclora.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.io.Safetensors;

/** A damaged cached teacher is moved aside and trained again; a sound one is served as it is. */
class TeacherCacheDamageTest {
    @TempDir
    Path dir;

    private Path train(TeacherCache cache, String key, AtomicInteger calls) {
        calls.incrementAndGet();
        Safetensors.write(cache.weights(key), Map.of("w", Nd4j.ones(32, 32)), Map.of());
        try {
            Files.writeString(cache.info(key), "{\"accuracy\": 0.5}");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return cache.weights(key);
    }

    @Test
    void aTruncatedTeacherIsMovedAsideAndTrainedAgain() throws Exception {
        TeacherCache cache = new TeacherCache(dir);
        AtomicInteger calls = new AtomicInteger();
        cache.getOrTrain("k1", () -> train(cache, "k1", calls));
        cache.getOrTrain("k1", () -> train(cache, "k1", calls));
        assertEquals(1, calls.get(), "a sound entry is served from the cache");
        try (FileChannel ch = FileChannel.open(cache.weights("k1"), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100);
        }
        cache.getOrTrain("k1", () -> train(cache, "k1", calls));
        assertEquals(2, calls.get(), "trained again");
        assertTrue(Files.isRegularFile(dir.resolve("k1.safetensors.damaged")));
        assertTrue(Files.isRegularFile(dir.resolve("k1.json.damaged")));
        assertEquals(32 * 32, Safetensors.read(cache.weights("k1")).tensors().get("w").length());
    }

    @Test
    void anInfoFileThatIsNotJsonCountsAsDamaged() throws Exception {
        TeacherCache cache = new TeacherCache(dir);
        AtomicInteger calls = new AtomicInteger();
        cache.getOrTrain("k2", () -> train(cache, "k2", calls));
        Files.writeString(cache.info("k2"), "{\"accur");
        cache.getOrTrain("k2", () -> train(cache, "k2", calls));
        assertEquals(2, calls.get());
        assertEquals("{\"accur", Files.readString(dir.resolve("k2.json.damaged")));
    }
}
