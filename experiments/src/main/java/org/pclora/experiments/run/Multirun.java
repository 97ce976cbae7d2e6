package org.pclora.experiments.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.pclora.core.Messages;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.AtomicFiles;

/**
 * {@code multirun.json}, a sweep's record: one entry per point ({@code run}, {@code overrides},
 * {@code status}, the {@code error} of a failed point, the cluster {@code job}), written by
 * {@link Sweeper#run} after any launcher and by the tasks of a cluster sweep as they end, all
 * under one file lock.
 */
public final class Multirun {
    /** The file's name in a sweep directory. */
    public static final String FILE = "multirun.json";
    private static final String LOCK = ".multirun.lock";
    private static final Set<String> FINAL = Set.of("complete", "failed");

    private Multirun() {
    }

    /**
     * One point's entry.
     *
     * @param run       the point's index
     * @param overrides its overrides
     * @param status    {@code complete}, {@code failed}, or a launcher's state ({@code pending}, ...)
     * @param error     the one-line error of a failed point, else null
     * @param job       the cluster job of its latest submission, else null
     */
    public record Entry(int run, List<String> overrides, String status, String error, String job) {
        Map<String, Object> toMap() {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("run", run);
            e.put("overrides", overrides);
            e.put("status", status);
            if (error != null) {
                e.put("error", error);
            }
            if (job != null) {
                e.put("job", job);
            }
            return e;
        }
    }

    /**
     * Writes these entries into the sweep's {@code multirun.json}, keeping the other points'.
     * A task's final record (complete or failed) is not replaced by a launcher's earlier view of
     * the same job (e.g. {@code pending}, written after the task had ended already).
     */
    public static void record(Path sweepDir, List<Entry> entries) {
        Path file = sweepDir.resolve(FILE);
        try {
            Files.createDirectories(sweepDir);
            try (FileChannel ch = FileChannel.open(sweepDir.resolve(LOCK), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
                Map<Integer, Map<String, Object>> all = new TreeMap<>(read(sweepDir));
                for (Entry e : entries) {
                    Map<String, Object> old = all.get(e.run());
                    boolean stale = old != null && e.job() != null && e.job().equals(old.get("job"))
                            && FINAL.contains(String.valueOf(old.get("status"))) && !FINAL.contains(e.status());
                    if (!stale) {
                        all.put(e.run(), e.toMap());
                    }
                }
                List<Map<String, Object>> list = new ArrayList<>(all.values());
                AtomicFiles.write(file, out -> out.write(RunDirectory.JSON.writeValueAsBytes(list)));
            }
        } catch (IOException e) {
            throw new PcLoraException("cannot update " + file + ": " + e.getMessage());
        }
    }

    /** The entries of a sweep's {@code multirun.json} by point (empty when there is none). */
    @SuppressWarnings("unchecked")
    public static Map<Integer, Map<String, Object>> read(Path sweepDir) {
        Path f = sweepDir.resolve(FILE);
        Map<Integer, Map<String, Object>> m = new LinkedHashMap<>();
        if (!Files.isRegularFile(f)) {
            return m;
        }
        try {
            for (Map<String, Object> e : (List<Map<String, Object>>) new ObjectMapper().readValue(f.toFile(), List.class)) {
                if (e.get("run") instanceof Number n) {
                    m.put(n.intValue(), e);
                }
            }
        } catch (IOException | ClassCastException e) {
            throw new PcLoraException("cannot read " + f + ": " + Messages.oneLine(e.getMessage())
                    + " (delete it: 'pclora sweep status' writes it again from the run directories)");
        }
        return m;
    }
}
