package org.pclora.experiments.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.pclora.core.PcLoraException;
import org.pclora.core.env.UserCache;

/**
 * Run directories and sweeps: where a run or a sweep writes (output paths made absolute and kept
 * inside {@code output.root}), and a sweep's points handed to a {@link SweepLauncher} with the
 * outcomes recorded in {@code multirun.json}.
 */
public final class Sweeper {
    private Sweeper() {
    }

    /**
     * Output paths made absolute: {@code output.root} against {@code workingDir}, the run
     * directory against the root (it may not lie outside the root, so that no configuration makes
     * a run write its results elsewhere). The teacher cache is shared by every working directory:
     * "" is the per-user cache ({@link UserCache}, from {@code env}), a relative path is taken from
     * the root, an absolute one stays.
     */
    public static Config absolutePaths(Config c, Path workingDir, Map<String, String> env) {
        Path rootDir = workingDir.resolve(c.getString("output.root")).normalize();
        c = c.withValue("output.root", ConfigValueFactory.fromAnyRef(rootDir.toString()));
        String dir = c.getString("output.dir");
        if (!dir.isEmpty()) {
            Path p = rootDir.resolve(dir).normalize(); // an absolute value stays as it is
            if (!p.startsWith(rootDir)) {
                throw new PcLoraException("output.dir = " + dir + " lies outside output.root " + rootDir
                        + ": give a path inside it (relative paths are taken from output.root)");
            }
            c = c.withValue("output.dir", ConfigValueFactory.fromAnyRef(p.toString()));
        }
        String cache = c.getString("output.teacher_cache");
        Path cacheDir = cache.isEmpty() ? UserCache.teachers(env) : rootDir.resolve(cache).normalize();
        return c.withValue("output.teacher_cache", ConfigValueFactory.fromAnyRef(cacheDir.toString()));
    }

    /** A single run's directory: {@code output.dir}, else {@code <root>/<name>/<date-time>/0}. */
    public static Path runDir(Config c) {
        return c.getString("output.dir").isEmpty()
                ? Path.of(c.getString("output.root"), c.getString("name"),
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd_HH-mm-ss")), "0")
                : Path.of(c.getString("output.dir"));
    }

    /** A sweep's directory: {@code <root>/<name>/multirun-<hash of the command line>}. */
    public static Path sweepDir(Config first, List<String> args) {
        return Path.of(first.getString("output.root"), first.getString("name"), "multirun-" + hash(args));
    }

    /** The points of a sweep: run {@code i} of {@code configs} in {@code <sweepDir>/i}. */
    public static List<SweepLauncher.Point> points(Path sweepDir, List<Config> configs, List<List<String>> overrides) {
        List<SweepLauncher.Point> points = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            points.add(new SweepLauncher.Point(i, overrides.get(i), configs.get(i), sweepDir.resolve(Integer.toString(i))));
        }
        return points;
    }

    /**
     * Launches the points and records each outcome in {@code multirun.json} ({@link Multirun}).
     * The launcher's settings are the same for every point: the launcher cannot be swept.
     */
    public static List<SweepLauncher.Outcome> run(Path sweepDir, List<SweepLauncher.Point> points,
                                                  SweepLauncher launcher) {
        for (SweepLauncher.Point p : points) {
            if (!java.util.Objects.equals(launcher(p.config()), launcher(points.get(0).config()))) {
                throw new PcLoraException("launcher.* differs between sweep points: the launcher cannot be swept;"
                        + " give single values for launcher keys");
            }
        }
        List<SweepLauncher.Outcome> outcomes = launcher.launch(sweepDir, points);
        Multirun.record(sweepDir, outcomes.stream().map(o -> new Multirun.Entry(o.point().index(),
                o.point().overrides(), o.status(), o.error(), o.job())).toList());
        return outcomes;
    }

    /** The {@code launcher} group, or null. */
    private static Object launcher(Config c) {
        return c.hasPath("launcher") ? c.getValue("launcher") : null;
    }

    /** Whether an override (as text) sets a launcher key: those say where a sweep runs, not what it computes. */
    public static boolean isLauncherKey(String override) {
        String o = override.startsWith("+") || override.startsWith("~") ? override.substring(1) : override;
        int eq = o.indexOf('=');
        String key = eq < 0 ? o : o.substring(0, eq);
        return key.equals("launcher") || key.startsWith("launcher.");
    }

    private static String hash(List<String> args) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(String.join("\u0000", args).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h).substring(0, 10);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
