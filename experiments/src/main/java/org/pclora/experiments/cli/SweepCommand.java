package org.pclora.experiments.cli;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pclora.core.PcLoraException;
import org.pclora.experiments.config.ConfigComposer;
import org.pclora.experiments.config.ConfigOverride;
import org.pclora.experiments.plugins.PluginGroups;
import org.pclora.experiments.run.ExperimentModule;
import org.pclora.experiments.run.ExperimentRunner;
import org.pclora.experiments.run.LocalSweepStatus;
import org.pclora.experiments.run.RunDirectory;
import org.pclora.experiments.run.Sweeper;
import org.pclora.experiments.run.slurm.Slurm;
import org.pclora.experiments.run.slurm.SlurmLauncher;
import org.pclora.experiments.run.slurm.SweepManifest;
import org.pclora.experiments.run.slurm.SweepStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pclora sweep status|resubmit <sweep-dir>}: a sweep sent to SLURM ({@code run -m
 * launcher=slurm}), point by point; and the two steps its jobs run ({@code teachers}, {@code record}).
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, description = {"Follow and repair a sweep (pclora run -m ...).",
        "  status <sweep-dir> [--wait]   each point: pending, running, done, failed or missing (a SLURM sweep's",
        "                                multirun.json updated; a local sweep read from its run directories)",
        "  resubmit <sweep-dir>          submit the failed and missing points again (resuming from checkpoints);",
        "                                'submit' is the same, for a sweep written with launcher.submit=false"},
        subcommands = {SweepCommand.Status.class, SweepCommand.Resubmit.class, SweepCommand.Teachers.class,
            SweepCommand.Record.class})
public final class SweepCommand implements Callable<Integer> {
    @ParentCommand
    PcLoraCli root;

    @Override
    public Integer call() {
        root.err().println("pclora sweep: give status <sweep-dir> or resubmit <sweep-dir>");
        return PcLoraCli.USER_ERROR;
    }

    Path sweepDir(Path d) {
        Path dir = root.workingDir().resolve(d).normalize();
        if (!Files.isDirectory(dir)) {
            throw new PcLoraException("sweep: " + d + " is not a directory; give the multirun-... directory that"
                    + " 'pclora run -m launcher=slurm' printed");
        }
        return dir;
    }

    /** The wired runner of one point's configuration. */
    static ExperimentRunner runner(PcLoraCli root, Config c) {
        return ExperimentModule.runner(c, root.registry());
    }

    /** Each point's configuration, composed as its task composes it. */
    static List<Config> configs(SweepManifest m, Map<String, String> env, PluginGroups plugins) {
        ConfigComposer composer = new ConfigComposer(Path.of(m.configDir()), plugins);
        List<Config> out = new ArrayList<>();
        for (SweepManifest.Point p : m.points()) {
            List<ConfigOverride> ov = p.overrides().stream().map(ConfigOverride::parse).toList();
            out.add(Sweeper.absolutePaths(composer.compose(ov).config(), Path.of(m.workingDir()), env));
        }
        return out;
    }

    /** Each point's configuration as this command's environment and plugins compose it. */
    List<Config> configs(SweepManifest m) {
        return configs(m, root.env(), new PluginGroups(root.registry()));
    }

    /** {@code sweep status}. */
    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show each point of a sweep, local or SLURM: pending, running, done, failed or missing.")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        SweepCommand sweep;

        @Parameters(paramLabel = "<sweep-dir>")
        Path dir;

        @Option(names = "--wait", description = "Poll until no point is pending or running.")
        boolean await;

        @Option(names = "--poll", paramLabel = "<seconds>", description = "Seconds between polls with --wait (default 10).")
        int poll = 10;

        @Override
        public Integer call() throws InterruptedException {
            Path d = sweep.sweepDir(dir);
            if (poll < 1) {
                throw new PcLoraException("--poll " + poll + " is not accepted: give seconds >= 1");
            }
            if (!Files.isRegularFile(d.resolve(SweepManifest.FILE)) && LocalSweepStatus.isLocalSweep(d)) {
                // a sweep run on this machine: its directory alone says where each point is
                List<SweepStatus.Point> points = LocalSweepStatus.of(d);
                while (await && points.stream().anyMatch(SweepCommand::active)) {
                    Thread.sleep(poll * 1000L);
                    points = LocalSweepStatus.of(d);
                }
                print(sweep.root, d, null, points);
                return 0;
            }
            if (!Files.isRegularFile(d.resolve(SweepManifest.FILE))) {
                throw new PcLoraException("sweep status: " + d + " is not a sweep directory: it has no " + SweepManifest.FILE
                        + " (a SLURM sweep), no multirun.json and no numbered run directories (a local sweep); give the"
                        + " multirun-... directory that 'pclora run -m' printed");
            }
            SweepManifest m = SweepManifest.read(d);
            List<SweepStatus.Point> points = SweepStatus.of(d, m, Slurm.commands());
            while (await && points.stream().anyMatch(SweepCommand::active)) {
                Thread.sleep(poll * 1000L);
                points = SweepStatus.of(d, m, Slurm.commands());
            }
            SweepStatus.update(d, points);
            print(sweep.root, d, m, points);
            return 0;
        }
    }

    static boolean active(SweepStatus.Point p) {
        return p.state() == SweepStatus.State.PENDING || p.state() == SweepStatus.State.RUNNING;
    }

    static void print(PcLoraCli root, Path d, SweepManifest m, List<SweepStatus.Point> points) {
        Map<SweepStatus.State, Integer> counts = new EnumMap<>(SweepStatus.State.class);
        points.forEach(p -> counts.merge(p.state(), 1, Integer::sum));
        StringBuilder head = new StringBuilder("sweep " + d + ": " + points.size() + " points");
        counts.forEach((s, n) -> head.append(", ").append(n).append(' ').append(word(s)));
        root.out().println(head);
        // the overrides every point shares say nothing about the point: show what varies
        java.util.Set<String> common = new java.util.LinkedHashSet<>(points.isEmpty() ? List.of() : points.get(0).overrides());
        points.forEach(p -> common.retainAll(p.overrides()));
        if (points.size() < 2) {
            common.clear();
        }
        for (SweepStatus.Point p : points) {
            List<String> own = p.overrides().stream().filter(o -> !common.contains(o)).toList();
            root.out().printf(Locale.ROOT, "%4d  %-8s %-12s %s%s%n", p.index(), word(p.state()),
                    p.job() == null ? "-" : p.job(), String.join(" ", own),
                    p.detail().isEmpty() ? "" : "  (" + p.detail() + ")");
        }
        if (points.stream().anyMatch(p -> p.state() == SweepStatus.State.FAILED || p.state() == SweepStatus.State.MISSING)) {
            root.out().println(m == null ? "run the failed and missing points again with the sweep's own command (pclora run -m ...):"
                    + " finished points are kept, stopped ones resume from their checkpoints"
                    : "resubmit the failed and missing points with: pclora sweep resubmit " + d);
        }
        root.out().flush();
    }

    private static String word(SweepStatus.State s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    /** {@code sweep resubmit}. */
    @Command(name = "resubmit", aliases = "submit", mixinStandardHelpOptions = true,
            description = "Submit the failed and missing points of a SLURM sweep (again); 'submit' after launcher.submit=false.")
    static final class Resubmit implements Callable<Integer> {
        @ParentCommand
        SweepCommand sweep;

        @Parameters(paramLabel = "<sweep-dir>")
        Path dir;

        @Override
        public Integer call() {
            Path d = sweep.sweepDir(dir);
            SweepManifest m = SweepManifest.read(d);
            new SlurmLauncher(Slurm.commands(), sweep.root.err(), c -> runner(sweep.root, c).teacherKey())
                    .resubmit(d, sweep.configs(m));
            return 0;
        }
    }

    /** {@code sweep teachers}: the first job of a SLURM sweep. */
    @Command(name = "teachers", hidden = true, description = "Train the teachers of a SLURM sweep (its first job).")
    static final class Teachers implements Callable<Integer> {
        @ParentCommand
        SweepCommand sweep;

        @Parameters(paramLabel = "<sweep-dir>")
        Path dir;

        @Override
        public Integer call() {
            Path d = sweep.sweepDir(dir);
            SweepManifest m = SweepManifest.read(d);
            List<Config> configs = sweep.configs(m);
            for (SweepManifest.Teacher t : m.teachers()) {
                runner(sweep.root, configs.get(t.point())).teacher(new RunDirectory(d.resolve("teacher-" + t.key())));
            }
            return 0;
        }
    }

    /** {@code sweep record}: the last step of each array task. */
    @Command(name = "record", hidden = true, description = "Record one task's outcome in multirun.json.")
    static final class Record implements Callable<Integer> {
        @ParentCommand
        SweepCommand sweep;

        @Parameters(index = "0", paramLabel = "<sweep-dir>")
        Path dir;

        @Parameters(index = "1", paramLabel = "<point>")
        int point;

        @Parameters(index = "2", paramLabel = "<exit-status>")
        int status;

        @Parameters(index = "3", arity = "0..1", paramLabel = "<log>")
        Path log;

        @Override
        public Integer call() {
            Path d = sweep.sweepDir(dir);
            SweepStatus.Point p = SweepStatus.record(d, SweepManifest.read(d), point, status, log);
            sweep.root.err().println("pclora: point " + point + " " + p.state().json()
                    + (p.detail().isEmpty() ? "" : ": " + p.detail()));
            return 0;
        }
    }
}
