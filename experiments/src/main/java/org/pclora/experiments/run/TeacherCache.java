package org.pclora.experiments.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.pclora.core.PcLoraException;
import org.slf4j.LoggerFactory;
import org.pclora.core.env.NumericsEnvironment;

/**
 * Trained teachers, keyed by a hash of what determines them: the configuration (model, dataset,
 * teacher settings, optimizer, seed), the model and training code, the data files and the numerics
 * of this machine (BLAS kernel and threads), so that a sweep over student settings trains each
 * teacher once. Concurrent runs of the same teacher wait for each other (in-process lock and file lock).
 */
public final class TeacherCache {
    private static final Map<String, ReentrantLock> LOCKS = new ConcurrentHashMap<>();
    private final Path dir;

    public TeacherCache(Path dir) {
        this.dir = dir;
    }

    /**
     * The seed the teacher is trained with: {@code teacher.seed}, or the run's {@code seed} when that
     * key is absent or "" (students of several seeds can then share one teacher).
     */
    public static long teacherSeed(Config run) {
        if (run.hasPath("teacher.seed") && !(run.getValue("teacher.seed").unwrapped() instanceof String s
                && s.isEmpty())) {
            return Settings.longInteger(run, "teacher.seed");
        }
        return Settings.longInteger(run, "seed");
    }

    /** The part of a run's configuration that determines its teacher. */
    public static Config teacherDefinition(Config run) {
        Config c = ConfigFactory.empty();
        for (String k : new String[] {"model", "dataset", "teacher", "optimizer"}) {
            if (run.hasPath(k)) {
                c = c.withValue(k, run.getValue(k));
            }
        }
        if (run.hasPath("seed")) {
            // the teacher's seed (the run's, unless teacher.seed names another) under the key it always had
            c = c.withValue("seed", com.typesafe.config.ConfigValueFactory.fromAnyRef(teacherSeed(run)));
            if (c.hasPath("teacher.seed")) {
                c = c.withoutPath("teacher.seed");
            }
        }
        // A run with validation trains on the training split less a held-out share where the dataset has no
        // validation split of its own: the teacher of such a run is another teacher.
        if (ValidationSettings.of(run).needed()) {
            c = c.withValue("validation_used", com.typesafe.config.ConfigValueFactory.fromAnyRef(true));
        }
        // The student's learning rate does not change the teacher.
        return c.hasPath("optimizer.lr") ? c.withoutPath("optimizer.lr") : c;
    }

    /**
     * SHA-256 (first 16 hex digits) of the canonical JSON of the teacher's definition, the hash of
     * the model and training code ({@code null} leaves it out), the hashes of the data files and
     * this machine's {@linkplain NumericsEnvironment#facts() numerics} (BLAS kernel and threads,
     * library versions, fused kernels): after a code change, an edited data file or under another
     * BLAS kernel the cache misses instead of serving a teacher whose numbers this run would not get.
     */
    public static String key(Config run, java.util.Collection<Class<?>> code, Map<String, String> data) {
        return key(run, code, data, NumericsEnvironment.facts());
    }

    /** {@link #key(Config, java.util.Collection, Map)} with the numerics facts given. */
    public static String key(Config run, java.util.Collection<Class<?>> code, Map<String, String> data,
                             Map<String, String> numerics) {
        String json = teacherDefinition(run).root().render(ConfigRenderOptions.concise().setJson(true))
                + (code == null ? "" : "\ncode " + org.pclora.core.provenance.Hashes.code(code))
                + (data.isEmpty() ? "" : "\ndata " + new java.util.TreeMap<>(data))
                + (numerics.isEmpty() ? "" : "\nnumerics " + new java.util.TreeMap<>(numerics));
        try {
            // Typesafe Config renders objects with sorted keys in concise JSON mode: the text is canonical.
            byte[] h = MessageDigest.getInstance("SHA-256").digest(json.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Suffix of a damaged cache entry's files, moved aside before the teacher is trained again. */
    public static final String DAMAGED = ".damaged";

    /**
     * Why the cached entry of {@code key} cannot be used (its weights' header does not match the
     * file, e.g. truncated by a full disk or a copy cut short; its info is not JSON with an
     * accuracy), or null when it can.
     */
    private String damage(String key) {
        try {
            org.pclora.core.io.Safetensors.readMetadata(weights(key));
        } catch (PcLoraException e) {
            return org.pclora.core.Messages.oneLine(e.getMessage()).replace("safetensors file " + weights(key) + ", ", "")
                    .replace("safetensors file " + weights(key) + ": ", "");
        }
        try {
            Object acc = RunDirectory.JSON.readValue(info(key).toFile(), Map.class).get("accuracy");
            return acc instanceof Number ? null : info(key).getFileName() + " has no accuracy";
        } catch (IOException | RuntimeException e) {
            return info(key).getFileName() + " is not JSON";
        }
    }

    /** Moves a damaged entry aside (kept for inspection) and says so in one line. */
    private void moveAside(String key, String damage) throws IOException {
        for (Path f : List.of(weights(key), info(key))) {
            Files.move(f, f.resolveSibling(f.getFileName() + DAMAGED), StandardCopyOption.REPLACE_EXISTING);
        }
        LoggerFactory.getLogger(TeacherCache.class).warn("cached teacher {} cannot be read ({}): moved aside as {}{},"
                + " training it again", weights(key), damage, weights(key).getFileName(), DAMAGED);
    }

    public Path weights(String key) {
        return dir.resolve(key + ".safetensors");
    }

    public Path info(String key) {
        return dir.resolve(key + ".json");
    }

    /**
     * Returns the cached teacher's weights file, calling {@code train} (which must write
     * {@link #weights} and {@link #info}) first when it is not cached yet, or when the cached
     * entry cannot be read: a damaged entry is moved aside ({@value #DAMAGED}) with one warning line.
     */
    public Path getOrTrain(String key, Supplier<Path> train) {
        ReentrantLock lock = LOCKS.computeIfAbsent(key, k -> new ReentrantLock());
        lock.lock();
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(dir.resolve(key + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
                if (Files.isRegularFile(weights(key)) && Files.isRegularFile(info(key))) {
                    String damage = damage(key);
                    if (damage == null) {
                        return weights(key);
                    }
                    moveAside(key, damage);
                }
                return train.get();
            }
        } catch (IOException e) {
            throw new PcLoraException("teacher cache " + dir + " is not usable: " + e.getMessage()
                    + " (set PCLORA_CACHE or output.teacher_cache to a writable directory)");
        } finally {
            lock.unlock();
        }
    }
}
