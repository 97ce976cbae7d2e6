package org.pclora.experiments.cli;

import com.google.inject.Guice;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.pclora.core.PcLoraException;
import org.pclora.core.io.AtomicFiles;
import org.pclora.experiments.config.ConfigComposer;
import org.pclora.experiments.config.Override;
import org.pclora.experiments.config.Sweep;
import org.pclora.experiments.plugins.PluginGroups;
import org.pclora.experiments.run.ExperimentModule;
import org.pclora.experiments.run.ExperimentRunner;
import org.pclora.experiments.run.ResultTable;
import org.pclora.experiments.run.RunDirectory;
import org.pclora.experiments.run.Settings;
import org.pclora.experiments.run.UserCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code pclora run [-m] [group=option] [key.path=value] [+key=value] [~key] [resume=<run-dir>]}:
 * composes the configuration, runs the experiment (or, with {@code -m}, the sweep) and prints the
 * result table.
 */
@Command(name = "run", description = {"Run an experiment (default: the embedded mini ViT on Fashion-MNIST).",
        "Arguments: group=option (experiment, model, dataset, schedule, distill, optimizer), key.path=value,",
        "+key.path=value (add), ~key.path (remove), resume=<run-dir>. With -m, a=1,2 and a=range(8,65,8) sweep."})
public final class RunCommand implements Callable<Integer> {
    @ParentCommand
    PcLoraCli root;

    @Option(names = {"-m", "--multirun"}, description = "Sweep over comma lists and range(...) values.")
    boolean multirun;

    @Option(names = "--config-dir", paramLabel = "<dir>", description = "The conf/ tree (default: $PCLORA_HOME/conf, else ./conf).")
    Path configDir;

    @Parameters(paramLabel = "override", description = "Overrides in Hydra's grammar.")
    List<String> args = new ArrayList<>();

    @java.lang.Override
    public Integer call() {
        List<Override> overrides = new ArrayList<>();
        String resume = null;
        for (String a : args) {
            if (a.startsWith("resume=")) {
                resume = a.substring("resume=".length());
                continue;
            }
            overrides.add(Override.parse(a));
        }
        if (resume != null) {
            if (!overrides.isEmpty() || multirun) {
                throw new PcLoraException("resume=" + resume + " takes no other overrides and no -m: a resumed run"
                        + " continues with the configuration saved in its directory");
            }
            // absolute and normalised, so that the summary records where the run is, not how it was typed
            return resume(root.workingDir().resolve(resume).normalize());
        }
        ConfigComposer composer = new ConfigComposer(confDir(), new PluginGroups(root.registry()));
        List<Override> declared = composer.sweepOf(overrides);
        if (!declared.isEmpty() && !multirun) {
            throw new PcLoraException("the experiment declares a sweep over " + declared
                    + ": run it with -m (multirun)");
        }
        if (multirun) {
            List<Override> all = new ArrayList<>();
            for (Override d : declared) {
                if (overrides.stream().noneMatch(o -> o.key().equals(d.key()))) {
                    all.add(d); // the command line wins over the experiment's own sweep values
                }
            }
            all.addAll(overrides);
            overrides = all;
        }
        if (!multirun) {
            ConfigComposer.Composed c = composer.compose(overrides);
            Config config = absolutePaths(c.config());
            Path dir = config.getString("output.dir").isEmpty()
                    ? Path.of(config.getString("output.root"), config.getString("name"),
                    LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd_HH-mm-ss")), "0")
                    : Path.of(config.getString("output.dir"));
            if (Files.isRegularFile(dir.resolve(RunDirectory.SUMMARY))) {
                throw new PcLoraException("run directory " + dir + " holds a complete run already: choose another output.dir");
            }
            refuseIfInUse(dir);
            Map<String, Object> summary = runOne(config, dir, args, null, false);
            printTable(List.of(summary));
            return 0;
        }
        return sweep(composer, overrides);
    }

    private Integer resume(Path dir) {
        Path conf = dir.resolve(RunDirectory.CONFIG);
        if (!Files.isRegularFile(conf)) {
            throw new PcLoraException("resume=" + dir + " is not a run directory: it has no " + RunDirectory.CONFIG);
        }
        if (Files.isRegularFile(dir.resolve(RunDirectory.SUMMARY))) {
            throw new PcLoraException("resume=" + dir + " is complete already (it has " + RunDirectory.SUMMARY + ")");
        }
        Config config = ConfigFactory.parseFile(conf.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
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
        return runner.run(new RunDirectory(dir), overrides);
    }

    /** The wired runner of one configuration: every plugin configured and every setting read. */
    private ExperimentRunner runner(Config config) {
        return Guice.createInjector(new ExperimentModule(config, root.registry())).getInstance(ExperimentRunner.class);
    }

    private Integer sweep(ConfigComposer composer, List<Override> overrides) {
        List<List<Override>> runs = Sweep.expand(overrides);
        List<Config> configs = new ArrayList<>();
        for (List<Override> r : runs) {
            Config c = absolutePaths(composer.compose(r).config());
            runner(c); // validate and wire every run before any starts
            configs.add(c);
        }
        Config first = configs.get(0);
        Path sweepDir = Path.of(first.getString("output.root"), first.getString("name"), "multirun-" + hash(args));
        int workers = Settings.workers(first);
        root.err().printf("pclora: sweep of %d runs into %s with %d worker(s)%n", runs.size(), sweepDir, workers);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        List<Future<Map<String, Object>>> futures = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Path dir = sweepDir.resolve(Integer.toString(i));
            Config c = configs.get(i);
            List<String> ov = runs.get(i).stream().map(Override::toString).toList();
            // Every line a run prints carries "[run i]" (i = its directory): parallel runs interleave.
            String label = "run " + i;
            futures.add(pool.submit(() -> {
                RunDirectory rd = new RunDirectory(dir);
                if (rd.isComplete()) {
                    root.err().println("pclora: [" + label + "] " + dir + " is complete, skipped");
                    return rd.readJson(RunDirectory.SUMMARY);
                }
                root.err().println("pclora: [" + label + "] " + String.join(" ", ov) + " -> " + dir);
                return runOne(c, dir, ov, label, workers > 1);
            }));
        }
        pool.shutdown();
        List<Map<String, Object>> done = new ArrayList<>();
        List<Map<String, Object>> status = new ArrayList<>();
        int failed = 0;
        org.pclora.experiments.run.Progress progress = org.pclora.experiments.run.Progress.onStderr("sweep",
                runs.size(), "runs");
        for (int i = 0; i < futures.size(); i++) {
            Map<String, Object> st = new LinkedHashMap<>();
            st.put("run", i);
            st.put("overrides", runs.get(i).stream().map(Override::toString).toList());
            try {
                done.add(futures.get(i).get());
                st.put("status", "complete");
            } catch (java.util.concurrent.ExecutionException e) {
                failed++;
                Throwable cause = e.getCause();
                st.put("status", "failed");
                String message = PcLoraCli.oneLine(cause, root.registry());
                st.put("error", message);
                root.err().println("pclora: run " + i + " " + st.get("overrides") + " failed: " + message);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PcLoraException("sweep interrupted");
            }
            status.add(st);
            progress.update(i + 1, failed + " failed");
        }
        AtomicFiles.write(sweepDir.resolve("multirun.json"), out -> out.write(
                new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(status)));
        if (!done.isEmpty()) {
            printTable(done);
        }
        root.err().printf("pclora: %d of %d runs complete, %d failed (%s)%n", done.size(), runs.size(), failed,
                sweepDir.resolve("multirun.json"));
        return failed == 0 ? 0 : 1;
    }

    /** The compact table (fits a terminal); the full one is in summary.json and {@code pclora report}. */
    private void printTable(List<Map<String, Object>> summaries) {
        root.out().print(ResultTable.compact(summaries, ResultTable.TERMINAL_WIDTH));
        root.out().flush();
    }

    private Path confDir() {
        if (configDir != null) {
            return configDir;
        }
        String home = root.env().get("PCLORA_HOME");
        return home != null && !home.isEmpty() ? Path.of(home, "conf") : root.workingDir().resolve("conf");
    }

    /**
     * Output paths made absolute: {@code output.root} against the working directory, the run
     * directory against the root (it may not lie outside the root, so that no configuration makes
     * a run write its results elsewhere). The teacher cache is shared by every working directory:
     * "" is the per-user cache ({@link UserCache}), a relative path is taken from the root, an
     * absolute one stays.
     */
    private Config absolutePaths(Config c) {
        Path rootDir = root.workingDir().resolve(c.getString("output.root")).normalize();
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
        Path cacheDir = cache.isEmpty() ? UserCache.teachers(root.env()) : rootDir.resolve(cache).normalize();
        return c.withValue("output.teacher_cache", ConfigValueFactory.fromAnyRef(cacheDir.toString()));
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
