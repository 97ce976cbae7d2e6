package org.pclora.experiments.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pclora.core.PcLoraException;
import org.pclora.experiments.config.ConfigComposer;
import org.pclora.experiments.config.ConfigOverride;
import org.pclora.experiments.config.Sweep;
import org.pclora.experiments.plugins.PluginGroups;
import org.pclora.experiments.run.ExperimentModule;
import org.pclora.experiments.run.ExperimentRunner;
import org.pclora.experiments.run.Launchers;
import org.pclora.experiments.run.Multirun;
import org.pclora.experiments.run.ResultTable;
import org.pclora.experiments.run.RunDirectory;
import org.pclora.experiments.run.SweepContext;
import org.pclora.experiments.run.SweepLauncher;
import org.pclora.experiments.run.Sweeper;
import org.pclora.experiments.run.slurm.SlurmLauncher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pclora run [-m] [group=option] [key.path=value] [+key=value] [~key] [resume=<run-dir>]}:
 * composes the configuration, runs the experiment (or, with {@code -m}, the sweep) and prints the
 * result table; with {@code --cfg job} prints the composed configuration instead and stops.
 */
@Command(name = "run", description = {"Run an experiment (default: the embedded mini ViT on Fashion-MNIST).",
        "Arguments: group=option (experiment, model, dataset, schedule, distill, optimizer), key.path=value,",
        "+key.path=value (add), ~key.path (remove), resume=<run-dir>. With -m, a=1,2 and a=range(8,65,8) sweep.",
        "--cfg job prints the composed configuration (each point's with -m) and runs nothing."})
public final class RunCommand implements Callable<Integer> {
    @ParentCommand
    PcLoraCli root;

    @Mixin
    ConfigDirOption configDir;

    @Option(names = {"-m", "--multirun"}, description = "Sweep over comma lists and range(...) values.")
    boolean multirun;

    @Option(names = "--cfg", paramLabel = "job", description = "Print the composed configuration (HOCON; with -m one"
            + " per point) and exit without running or writing anything (Hydra's --cfg job).")
    String cfg;

    @Parameters(paramLabel = "override", description = "Overrides in Hydra's grammar.")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        if (cfg != null && !cfg.equals("job")) {
            throw new PcLoraException("--cfg " + cfg + " is not accepted: give --cfg job (the composed configuration of"
                    + " the run, or of each point with -m)");
        }
        List<ConfigOverride> overrides = new ArrayList<>();
        String resume = null;
        for (String a : args) {
            if (a.startsWith("resume=")) {
                resume = a.substring("resume=".length());
                continue;
            }
            overrides.add(ConfigOverride.parse(a));
        }
        if (resume != null) {
            if (!overrides.isEmpty() || multirun) {
                throw new PcLoraException("resume=" + resume + " takes no other overrides and no -m: a resumed run"
                        + " continues with the configuration saved in its directory");
            }
            // absolute and normalised, so that the summary records where the run is, not how it was typed
            Path dir = root.workingDir().resolve(resume).normalize();
            if (cfg != null) {
                return printConfig(List.of(savedConfig(dir)), List.of("resume=" + dir));
            }
            return resume(dir);
        }
        ConfigComposer composer = new ConfigComposer(confDir(), new PluginGroups(root.registry()));
        List<ConfigOverride> declared = composer.sweepOf(overrides);
        List<ConfigOverride> given = overrides;
        // A key the command line sets is not swept: row=pclora runs one row of a declared table.
        boolean unsweptLeft = declared.stream().anyMatch(d -> given.stream().noneMatch(o -> o.key().equals(d.key())));
        if (unsweptLeft && !multirun) {
            throw new PcLoraException("the experiment declares a sweep over " + declared
                    + ": run it with -m (multirun)");
        }
        if (multirun) {
            List<ConfigOverride> all = new ArrayList<>();
            for (ConfigOverride d : declared) {
                if (overrides.stream().noneMatch(o -> o.key().equals(d.key()))) {
                    all.add(d); // the command line wins over the experiment's own sweep values
                }
            }
            all.addAll(overrides);
            overrides = all;
        }
        if (cfg != null) {
            List<List<ConfigOverride>> points = multirun ? Sweep.expand(overrides) : List.of(overrides);
            List<Config> configs = new ArrayList<>();
            for (List<ConfigOverride> point : points) {
                configs.add(Sweeper.absolutePaths(composer.compose(point).config(), root.workingDir(), root.env()));
            }
            return printConfig(configs, points.stream().map(p -> String.join(" ", p.stream().map(ConfigOverride::toString)
                    .toList())).toList());
        }
        if (!multirun) {
            Config config = Sweeper.absolutePaths(composer.compose(overrides).config(), root.workingDir(), root.env());
            Path dir = Sweeper.runDir(config);
            new RunDirectory(dir).refuseIfComplete();
            refuseIfInUse(dir);
            Map<String, Object> summary = runOne(config, dir, args, null, false);
            printTable(List.of(summary));
            return 0;
        }
        return sweep(composer, overrides);
    }

    /**
     * {@code --cfg job}: each configuration as the run directory's config.conf would hold it,
     * a comment line before each naming the overrides of the point; nothing is run or written.
     */
    private Integer printConfig(List<Config> configs, List<String> labels) {
        for (int i = 0; i < configs.size(); i++) {
            if (configs.size() > 1 || !labels.get(i).isEmpty()) {
                root.out().println("# " + (configs.size() > 1 ? "point " + i + ": " : "") + labels.get(i));
            }
            root.out().print(configs.get(i).root().render(com.typesafe.config.ConfigRenderOptions.defaults()
                    .setOriginComments(false).setJson(false)));
        }
        root.out().flush();
        return 0;
    }

    private static Config savedConfig(Path dir) {
        Path conf = dir.resolve(RunDirectory.CONFIG);
        if (!Files.isRegularFile(conf)) {
            throw new PcLoraException("resume=" + dir + " is not a run directory: it has no " + RunDirectory.CONFIG);
        }
        return ConfigFactory.parseFile(conf.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
    }

    private Integer resume(Path dir) {
        Config config = savedConfig(dir);
        new RunDirectory(dir).refuseIfComplete();
        List<String> saved;
        try {
            saved = Files.readAllLines(dir.resolve(RunDirectory.OVERRIDES)).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            saved = List.of();
        }
        refuseIfInUse(dir);
        root.err().println("pclora: resuming " + dir);
        Map<String, Object> summary = runOne(config, dir, saved, null, false);
        printTable(List.of(summary));
        return 0;
    }

    /**
     * Refuses at once, before data are loaded, when another process runs {@code dir}; the run
     * itself takes the lock for its whole life (see {@link org.pclora.experiments.run.RunLock}).
     */
    private static void refuseIfInUse(Path dir) {
        if (Files.isDirectory(dir)) {
            org.pclora.experiments.run.RunLock.acquire(dir).close();
        }
    }

    private Map<String, Object> runOne(Config config, Path dir, List<String> overrides, String label, boolean parallel) {
        ExperimentRunner runner = runner(config);
        runner.setRunLabel(label, parallel);
        return runner.run(new RunDirectory(dir), overrides).toMap();
    }

    /** The wired runner of one configuration: every plugin configured and every setting read. */
    private ExperimentRunner runner(Config config) {
        return ExperimentModule.runner(config, root.registry());
    }

    /**
     * {@code -m}: every point composed, wired and checked before any starts, then handed to the
     * launcher {@code launcher.name} names; the outcomes are recorded in multirun.json. A sweep
     * that ended prints its table; one left running elsewhere prints its directory.
     */
    private Integer sweep(ConfigComposer composer, List<ConfigOverride> overrides) {
        List<List<ConfigOverride>> runs = Sweep.expand(overrides);
        List<Config> configs = new ArrayList<>();
        for (List<ConfigOverride> r : runs) {
            Config c = Sweeper.absolutePaths(composer.compose(r).config(), root.workingDir(), root.env());
            runner(c); // validate and wire every run before any starts
            configs.add(c);
        }
        // launcher keys say where the sweep runs, not what it computes: the same points share one directory
        Path sweepDir = Sweeper.sweepDir(configs.get(0), args.stream().filter(a -> !Sweeper.isLauncherKey(a)).toList());
        List<SweepLauncher.Point> points = Sweeper.points(sweepDir, configs,
                runs.stream().map(r -> r.stream().map(ConfigOverride::toString).toList()).toList());
        String name = configs.get(0).hasPath("launcher.name") ? configs.get(0).getString("launcher.name") : "local";
        SweepLauncher launcher = Launchers.named(name, new SweepContext(root.err(), root.workingDir(),
                confDir().toAbsolutePath(), nodeCommand(),
                (p, label, parallel) -> runOne(p.config(), p.dir(), p.overrides(), label, parallel),
                c -> runner(c).teacherKey(), cause -> PcLoraCli.oneLine(cause, root.registry())));
        List<SweepLauncher.Outcome> outcomes = Sweeper.run(sweepDir, points, launcher);
        List<Map<String, Object>> done = outcomes.stream().filter(o -> o.summary() != null)
                .map(SweepLauncher.Outcome::summary).toList();
        long failed = outcomes.stream().filter(o -> o.status().equals("failed")).count();
        long left = outcomes.stream().filter(o -> !o.ended()).count();
        if (left > 0) {
            root.out().println(sweepDir);
        } else if (!done.isEmpty()) {
            printTable(done);
        }
        root.err().printf("pclora: %d of %d runs complete, %d failed%s (%s)%n", done.size(), runs.size(), failed,
                left > 0 ? ", " + left + " left to run" : "", sweepDir.resolve(Multirun.FILE));
        return failed == 0 ? 0 : 1;
    }

    /** The command that runs pclora on a cluster node as this JVM runs it, with this command's --plugins. */
    private String nodeCommand() {
        // $PCLORA_PLUGINS and $PCLORA_HOME travel with the environment sbatch exports; --plugins is passed on
        List<String> cliOptions = new ArrayList<>();
        List<String> given = root.pluginLoader().locations().stream().filter(l -> l.from().equals("--plugins"))
                .map(l -> l.path().toAbsolutePath().toString()).toList();
        if (!given.isEmpty()) {
            cliOptions.add("--plugins=" + String.join(java.io.File.pathSeparator, given));
        }
        return SlurmLauncher.thisJvm(PcLoraCli.class.getName(), cliOptions);
    }

    /** The compact table (fits a terminal); the full one is in summary.json and {@code pclora report}. */
    private void printTable(List<Map<String, Object>> summaries) {
        root.out().print(ResultTable.compact(summaries, ResultTable.TERMINAL_WIDTH));
        root.out().flush();
    }

    private Path confDir() {
        return root.confDir();
    }
}
