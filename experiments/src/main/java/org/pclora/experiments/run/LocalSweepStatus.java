package org.pclora.experiments.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.pclora.core.PcLoraException;
import org.pclora.experiments.run.slurm.SweepStatus;

/**
 * The status of a sweep run on this machine ({@code run -m}, launcher local), point by point,
 * read from its directory alone: {@code done} (summary.json), {@code failed} (failure.txt),
 * {@code running} (a live process holds the run's lock, named), {@code pending} (not started
 * while another point runs), {@code missing} (listed in {@code multirun.json} or begun, but
 * neither finished nor running: never started, or stopped).
 */
public final class LocalSweepStatus {
    private LocalSweepStatus() {
    }

    /** Whether {@code dir} looks like a local sweep: a {@code multirun.json} or numbered run directories. */
    public static boolean isLocalSweep(Path dir) {
        return Files.isRegularFile(dir.resolve(Multirun.FILE)) || !pointDirs(dir).isEmpty();
    }

    /** Every point's status: those {@code multirun.json} lists and every numbered run directory. */
    @SuppressWarnings("unchecked")
    public static List<SweepStatus.Point> of(Path sweepDir) {
        Map<Integer, List<String>> points = new TreeMap<>();
        Multirun.read(sweepDir).forEach((i, e) -> points.put(i, e.get("overrides") instanceof List<?> l
                ? l.stream().map(String::valueOf).toList() : List.of()));
        for (int i : pointDirs(sweepDir)) {
            points.putIfAbsent(i, overrides(sweepDir.resolve(Integer.toString(i))));
        }
        List<SweepStatus.Point> out = new ArrayList<>();
        points.forEach((i, overrides) -> out.add(point(sweepDir, i, overrides)));
        // While a point runs, the sweep's process is alive: the points it has not reached yet wait for a worker.
        if (out.stream().anyMatch(p -> p.state() == SweepStatus.State.RUNNING)) {
            out.replaceAll(p -> p.state() == SweepStatus.State.MISSING && !Files.isDirectory(sweepDir.resolve(Integer.toString(p.index())))
                    ? new SweepStatus.Point(p.index(), p.overrides(), SweepStatus.State.PENDING, null, "waiting for a worker")
                    : p);
        }
        return out;
    }

    private static SweepStatus.Point point(Path sweepDir, int index, List<String> overrides) {
        RunDirectory dir = new RunDirectory(sweepDir.resolve(Integer.toString(index)));
        if (dir.isComplete()) {
            return new SweepStatus.Point(index, overrides, SweepStatus.State.DONE, null, "");
        }
        var holder = Files.isDirectory(dir.path()) ? RunLock.holder(dir.path()) : java.util.Optional.<String>empty();
        if (holder.isPresent()) {
            return new SweepStatus.Point(index, overrides, SweepStatus.State.RUNNING, null, holder.get());
        }
        if (Files.isRegularFile(dir.file(RunDirectory.FAILURE))) {
            return new SweepStatus.Point(index, overrides, SweepStatus.State.FAILED, null, firstLine(dir.file(RunDirectory.FAILURE)));
        }
        return new SweepStatus.Point(index, overrides, SweepStatus.State.MISSING, null, Files.isDirectory(dir.path())
                ? "stopped without a summary or failure.txt (killed?); run the sweep's command again to resume it"
                : "never started; run the sweep's command again");
    }

    private static List<Integer> pointDirs(Path sweepDir) {
        if (!Files.isDirectory(sweepDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(sweepDir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{1,9}"))
                    .map(Integer::parseInt).sorted().toList();
        } catch (IOException e) {
            throw new PcLoraException("cannot list sweep directory " + sweepDir + ": " + e.getMessage());
        }
    }

    private static List<String> overrides(Path runDir) {
        Path f = runDir.resolve(RunDirectory.OVERRIDES);
        try {
            return Files.isRegularFile(f) ? Files.readAllLines(f).stream().filter(l -> !l.isBlank()).toList() : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String firstLine(Path f) {
        try {
            return Files.readAllLines(f).stream().filter(l -> !l.isBlank()).findFirst().orElse("").strip();
        } catch (IOException e) {
            return "failure.txt cannot be read: " + e.getMessage();
        }
    }
}
