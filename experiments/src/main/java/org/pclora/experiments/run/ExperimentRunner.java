package org.pclora.experiments.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Inject;
import com.google.inject.name.Named;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.pclora.core.PcLoraException;
import org.pclora.core.accounting.Accounting;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.adapter.Adapters;
import org.pclora.core.data.Dataset;
import org.pclora.core.env.BlasCheck;
import org.pclora.core.io.StateDict;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.provenance.CodeVersion;
import org.pclora.core.provenance.Hashes;
import org.pclora.core.provenance.Provenance;
import org.pclora.core.spi.AdapterFactory;
import org.pclora.core.spi.DatasetProvider;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.ModelFamily;
import org.pclora.core.train.CheckpointStore;
import org.pclora.core.train.Evaluator;
import org.pclora.core.train.Objective;
import org.pclora.core.train.StepMetrics;
import org.pclora.core.train.Trainer;
import org.pclora.core.train.TrainingSettings;

/**
 * One PC-LoRA experiment: teacher (cached), student with adapters trained under the decay
 * schedule and distillation objective, compression, export, reload and evaluation of all three;
 * writes everything into a {@link RunDirectory}.
 */
public final class ExperimentRunner {
    private final Config config;
    private final ModelFamily family;
    private final DatasetProvider datasets;
    private final DecaySchedule schedule;
    private final AdapterFactory adapterFactory;
    private final AdapterSpec adapterSpec;
    private final Objective objective;
    private final TrainingSettings teacherSettings;
    private final TrainingSettings studentSettings;
    private PrintStream log = System.err;
    private String runLabel = "";
    private boolean parallel;
    private long segmentStart;
    private double priorWallSeconds;

    @Inject
    public ExperimentRunner(Config config, ModelFamily family, DatasetProvider datasets,
                            DecaySchedule schedule, AdapterFactory adapterFactory, AdapterSpec adapterSpec,
                            Objective objective, @Named("teacher") TrainingSettings teacherSettings,
                            @Named("student") TrainingSettings studentSettings) {
        this.config = config;
        this.family = family;
        this.datasets = datasets;
        this.schedule = schedule;
        this.adapterFactory = adapterFactory;
        this.adapterSpec = adapterSpec;
        this.objective = objective;
        this.teacherSettings = teacherSettings;
        this.studentSettings = studentSettings;
    }

    /** Where progress and log lines go (stderr by default). */
    public void setLog(PrintStream log) {
        this.log = log;
    }

    /**
     * Names this run in every progress and log line (e.g. {@code run 3}, its index in the sweep),
     * for sweeps whose runs print at the same time; with {@code parallel}, progress is printed as
     * plain lines rather than as a terminal bar that other runs would overwrite.
     */
    public void setRunLabel(String label, boolean parallel) {
        this.runLabel = label == null || label.isEmpty() ? "" : "[" + label + "] ";
        this.parallel = parallel;
    }

    /** {@code text} with this run's label in front of each line. */
    private String labelled(String text) {
        return runLabel.isEmpty() ? text : runLabel + text.replace("\n", "\n" + runLabel);
    }

    /** Everything a run needs, validated and opened before anything is written. */
    private record Prepared(Config architecture, Dataset train, Dataset test) {
    }

    /** Checks the configuration and opens the data; throws before the run directory is touched. */
    private Prepared prepare() {
        Config modelConf = config.getConfig("model");
        Config arch0 = family.resolve(modelConf);
        Config datasetConf = config.getConfig("dataset");
        Dataset train = datasets.open(datasetConf, arch0, "train");
        Dataset test = datasets.open(datasetConf, arch0, "test");
        if (train.size() == 0 || test.size() == 0) {
            throw new PcLoraException("dataset " + train.source() + " is empty (" + train.size() + " train, "
                    + test.size() + " test examples): it needs at least one example in each split");
        }
        if (!train.classNames().equals(test.classNames())) {
            throw new PcLoraException("dataset " + train.source() + ": train and test splits have different classes "
                    + train.classNames() + " vs " + test.classNames());
        }
        Config arch = family.resolve(modelConf.withValue("num_classes", ConfigValueFactory.fromAnyRef(train.numClasses())));
        String targets = targets();
        // Check the adapters against the layers now, before a teacher is trained for nothing.
        java.util.regex.Pattern target = java.util.regex.Pattern.compile(targets);
        int matched = 0;
        for (org.pclora.core.nn.LinearSlot slot : family.create(arch, 0).linearSlots()) {
            if (target.matcher(slot.name()).matches()) {
                adapterSpec.checkFits(slot.name(), slot.inFeatures(), slot.outFeatures());
                matched++;
            }
        }
        if (matched == 0) {
            throw new PcLoraException("pclora.targets = '" + targets + "' matches no linear layer of model "
                    + family.name() + "; use \"\" for the family's default (" + family.defaultTargets() + ")");
        }
        return new Prepared(arch, train, test);
    }

    private String targets() {
        return PcLoraSettings.of(config).targetsOr(family.defaultTargets());
    }

    /**
     * Runs the experiment into {@code dir} (created here after validation) and returns the
     * summary. With a run directory that holds checkpoints, training resumes from them.
     */
    public RunSummary run(RunDirectory dir, List<String> overrides) {
        segmentStart = System.nanoTime();
        BlasCheck.warnIfSlow();
        Prepared p = prepare();
        boolean fresh = !Files.isDirectory(dir.path());
        dir.create();
        // Held until the run ends (or its process dies): a second run of this directory refuses
        // here, before it writes anything, instead of mixing its results into this one's.
        try (RunLock ignored = dir.lock()) {
            if (dir.isComplete()) {
                throw new PcLoraException("run directory " + dir.path() + " holds a complete run already"
                        + " (it has " + RunDirectory.SUMMARY + "): choose another output.dir");
            }
            priorWallSeconds = dir.recordedWallSeconds();
            // SIGTERM (SLURM's time limit or preemption, kill) leaves a one-line failure.txt; see TerminationGuard
            try (TerminationGuard guard = TerminationGuard.install(dir)) {
                try {
                    dir.initialise(config, overrides);
                    RunSummary summary = execute(dir, p);
                    boolean ended = guard.finish(() -> {
                        dir.writeJson(RunDirectory.SUMMARY, summary.toMap());
                        dir.clearFailure(); // a resumed run that completed has no failure to report any more
                    });
                    if (!ended) {
                        throw new PcLoraException("run " + dir.path() + " was stopped by a signal before it completed");
                    }
                    return summary;
                } catch (RuntimeException e) {
                    guard.finish(() -> {
                        if (fresh && !Files.exists(dir.checkpoints())) {
                            deleteQuietly(dir.path()); // nothing worth keeping: leave no half-written run behind
                        } else if (Files.isDirectory(dir.path())) {
                            org.pclora.core.io.AtomicFiles.writeString(dir.file(RunDirectory.FAILURE),
                                    String.valueOf(e.getMessage()).replace('\n', ' ') + System.lineSeparator());
                        }
                    });
                    throw e;
                }
            }
        }
    }

    /** The teacher cache key of this configuration's teacher, exactly as a run computes it. */
    public String teacherKey() {
        return TeacherCache.key(config, teacherCode(), new Provenances(Settings.longInteger(config, "seed")).data());
    }

    /**
     * Trains this configuration's teacher into the teacher cache (or finds it there), logging its
     * metrics and checkpoints into {@code dir}, from whose checkpoint a stopped attempt resumes;
     * returns the cached weights. A SLURM sweep's first job does this once for all its points.
     */
    public Path teacher(RunDirectory dir) {
        segmentStart = System.nanoTime();
        BlasCheck.warnIfSlow();
        Prepared p = prepare();
        dir.create();
        try (RunLock ignored = dir.lock(); TerminationGuard guard = TerminationGuard.install(dir)) {
            try {
                dir.initialise(config, List.of());
                TeacherCache cache = new TeacherCache(Path.of(config.getString("output.teacher_cache")));
                Provenances prov = new Provenances(Settings.longInteger(config, "seed"));
                String key = TeacherCache.key(config, teacherCode(), prov.data()); // as execute() keys it
                Path weights = cache.getOrTrain(key, () -> trainTeacher(dir, p, cache, key,
                        new CheckpointStore(dir.checkpoints()), prov));
                guard.finish(dir::clearFailure); // a failure.txt of a stopped earlier attempt
                log.printf(Locale.ROOT, "teacher %s: cached in %s%n", key, weights);
                return weights;
            } catch (RuntimeException e) {
                guard.finish(() -> {
                    if (Files.isDirectory(dir.path())) {
                        org.pclora.core.io.AtomicFiles.writeString(dir.file(RunDirectory.FAILURE),
                                String.valueOf(e.getMessage()).replace('\n', ' ') + System.lineSeparator());
                    }
                });
                throw e;
            }
        }
    }

    /** Seconds since this segment of the run started. */
    private double segmentSeconds() {
        return (System.nanoTime() - segmentStart) / 1e9;
    }

    private RunSummary execute(RunDirectory dir, Prepared p) {
        long seed = Settings.longInteger(config, "seed");
        Provenances prov = new Provenances(seed);
        CheckpointStore checkpoints = new CheckpointStore(dir.checkpoints());

        // Teacher: cached by the hash of what determines it (configuration, model and training code, data).
        TeacherCache cache = new TeacherCache(Path.of(config.getString("output.teacher_cache")));
        String key = TeacherCache.key(config, teacherCode(), prov.data());
        Path teacherFile = cache.getOrTrain(key, () -> trainTeacher(dir, p, cache, key, checkpoints, prov));
        Map<String, Object> teacherInfo = readInfo(cache.info(key));
        ClassifierModel teacher = family.load(teacherFile, p.architecture(), true);
        double teacherAcc = ((Number) teacherInfo.get("accuracy")).doubleValue();
        log.println(labelled(String.format(Locale.ROOT, "teacher %s: accuracy %.4f (cache %s)", key, teacherAcc, teacherFile)));

        // Student: from the teacher's weights or from the pre-trained ones.
        String init = Settings.string(config, "student.init");
        ClassifierModel student = switch (init) {
            case "teacher" -> family.load(teacherFile, p.architecture(), true);
            case "pretrained" -> pretrained(p.architecture(), seed);
            default -> throw new PcLoraException("student.init = '" + init + "' is not accepted: use teacher or pretrained");
        };
        Adapters.apply(student, adapterFactory, adapterSpec, targets());
        double ratio = PcLoraSettings.of(config).ratio();
        long restored = dropMetricsAfterCheckpoint(dir, checkpoints, "student");
        Trainer trainer = new Trainer(studentSettings, metricsSink(dir, "student", studentSettings, p.train(), restored),
                checkpoints);
        trainer.trainStudent(teacher, student, schedule, ratio, objective, p.train());
        int evalBatch = Settings.integer(config, "train.eval_batch_size");
        double studentAcc = Evaluator.accuracy(student, p.test(), evalBatch);

        // Compress (when lambda reached 0), export, reload from disk, evaluate. Baselines that keep the
        // frozen path (schedule constant, adapter lora) are exported merged and dense instead.
        boolean compressible = Adapters.compressible(student);
        if (compressible) {
            Adapters.compress(student);
        } else {
            log.println(labelled("lambda did not reach 0 (schedule " + schedule.name() + ", adapter " + adapterFactory.name()
                    + "): the student is exported merged, without compression"));
        }
        Path exported = dir.file(RunDirectory.STUDENT);
        Provenance provenance = prov.get().withTeacher(Hashes.file(teacherFile));
        StateDict.save(exported, student, provenance.toJson());
        ClassifierModel reloaded = family.load(exported, null, true);
        double compressedAcc = Evaluator.accuracy(reloaded, p.test(), evalBatch);

        Accounting.Report dense = Accounting.of(teacher);
        Accounting.Report compressed = Accounting.of(reloaded);
        List<String> losses = new ArrayList<>();
        objective.terms().forEach(t -> losses.add(t.loss().name() + (t.weight() == 1.0 ? "" : "*" + t.weight())));
        // Cumulative over every segment of a resumed run (each counted to its last metrics line);
        // the segment's own time beside it.
        double segment = segmentSeconds();
        RunSummary s = new RunSummary(config.getString("name"), dir.path().toString(), modelLabel(p.architecture()),
                family.name(), p.train().source(), p.train().numClasses(), adapterFactory.name(), adapterSpec.rank(),
                adapterSpec.alpha(), schedule.name(), ratio, objective.alpha(),
                String.join("+", losses.isEmpty() ? List.of("none") : losses),
                new RunSummary.Teacher(teacherAcc, dense.total().denseParameters(), dense.total().denseMacs(),
                        teacherFile.toString(), key), studentAcc,
                new RunSummary.Compressed(compressedAcc, compressed.total().compressedParameters(),
                        compressed.total().compressedMacs(), exported.toString()),
                new RunSummary.Compression(compressed.total().parameterCompression(), compressed.total().macCompression(),
                        compressed.adapted().parameterCompression(), compressed.adapted().macCompression(),
                        compressed.tokens(), Accounting.countingRule()),
                compressible, priorWallSeconds + segment, segment, provenance);
        log.println(labelled(compressed.table()));
        return s;
    }

    /** The architecture's name, or for custom sizes family-depth x width (e.g. vit-4x128). */
    private String modelLabel(Config arch) {
        String name = arch.hasPath("arch") ? arch.getString("arch") : "custom";
        if (!name.equals("custom")) {
            return name;
        }
        return family.name() + "-" + (arch.hasPath("depth") ? arch.getInt("depth") : 0) + "x"
                + (arch.hasPath("width") ? arch.getInt("width") : 0);
    }

    private ClassifierModel pretrained(Config arch, long seed) {
        String ckpt = config.getString("teacher.checkpoint");
        return ckpt.isEmpty() ? family.create(arch, seed) : family.load(Path.of(ckpt), arch, false);
    }

    private Path trainTeacher(RunDirectory dir, Prepared p, TeacherCache cache, String key, CheckpointStore checkpoints,
                              Provenances prov) {
        ClassifierModel teacher = pretrained(p.architecture(), Settings.longInteger(config, "seed"));
        long restored = dropMetricsAfterCheckpoint(dir, checkpoints, "teacher");
        new Trainer(teacherSettings, metricsSink(dir, "teacher", teacherSettings, p.train(), restored), checkpoints)
                .trainTeacher(teacher, p.train());
        double acc = Evaluator.accuracy(teacher, p.test(), Settings.integer(config, "train.eval_batch_size"));
        StateDict.save(cache.weights(key), teacher, prov.get().toJson());
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("accuracy", acc);
        info.put("trained_in", dir.path().toString());
        info.put("definition", TeacherCache.teacherDefinition(config).root().unwrapped());
        org.pclora.core.io.AtomicFiles.write(cache.info(key), out -> out.write(RunDirectory.JSON.writeValueAsBytes(info)));
        return cache.weights(key);
    }

    private Consumer<StepMetrics> metricsSink(RunDirectory dir, String phase, TrainingSettings s, Dataset train,
                                              long restored) {
        Progress progress = Progress.onStderr(runLabel + phase, s.totalSteps(train.size()), "steps", parallel)
                .startingAt(restored);
        return m -> {
            dir.appendMetrics(m, priorWallSeconds + segmentSeconds());
            progress.update(m.step(), String.format(Locale.ROOT, "lambda %.3f, loss %.4f", m.lambda(), m.loss()));
        };
    }

    /**
     * On resume, metrics logged after the checkpoint are logged again: drops the stale lines first
     * and returns the checkpoint's step (0 without one), where training continues.
     */
    private static long dropMetricsAfterCheckpoint(RunDirectory dir, CheckpointStore checkpoints, String phase) {
        Path metrics = dir.file(RunDirectory.METRICS);
        if (!Files.isRegularFile(metrics)) {
            return 0;
        }
        long kept = checkpoints.load(phase).map(CheckpointStore.State::step).orElse(0L);
        try {
            ObjectMapper om = new ObjectMapper();
            List<String> out = new ArrayList<>();
            for (String line : Files.readAllLines(metrics)) {
                if (line.isBlank()) {
                    continue;
                }
                Map<?, ?> m = om.readValue(line, Map.class);
                if (phase.equals(m.get("phase")) && ((Number) m.get("step")).longValue() > kept) {
                    continue;
                }
                out.add(line);
            }
            org.pclora.core.io.AtomicFiles.writeString(metrics, out.isEmpty() ? "" : String.join("\n", out) + "\n");
        } catch (IOException e) {
            throw new PcLoraException("cannot read " + metrics + ": " + e.getMessage());
        }
        return kept;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readInfo(Path info) {
        try {
            return RunDirectory.JSON.readValue(info.toFile(), Map.class);
        } catch (IOException e) {
            throw new PcLoraException("teacher cache entry " + info + " is unreadable: " + e.getMessage()
                    + " (delete it to retrain the teacher)");
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** The code that determines a teacher: core (engine, training), the model family, the dataset provider. */
    private java.util.Set<Class<?>> teacherCode() {
        return new java.util.LinkedHashSet<>(List.of(Trainer.class, family.getClass(), datasets.getClass()));
    }

    /** Provenance of this run, built once. */
    private final class Provenances {
        private final long seed;
        private Provenance provenance;
        private Map<String, String> data;

        Provenances(long seed) {
            this.seed = seed;
        }

        /**
         * SHA-256 of every data file the configuration names: each string under {@code dataset}
         * (and {@code model.vocab}, {@code teacher.checkpoint}) that is an existing file or folder.
         * Embedded data is part of the code and hashed with it.
         */
        Map<String, String> data() {
            if (data == null) {
                data = new java.util.TreeMap<>();
                Config ds = config.getConfig("dataset");
                for (Map.Entry<String, com.typesafe.config.ConfigValue> e : ds.entrySet()) {
                    hashIfFile(e.getValue());
                }
                for (String k : List.of("model.vocab", "teacher.checkpoint")) {
                    if (config.hasPath(k)) {
                        hashIfFile(config.getValue(k));
                    }
                }
            }
            return data;
        }

        private void hashIfFile(com.typesafe.config.ConfigValue v) {
            if (v.valueType() != com.typesafe.config.ConfigValueType.STRING) {
                return;
            }
            String s = (String) v.unwrapped();
            if (s.isEmpty() || s.contains(":") && !s.startsWith("/")) {
                return; // embedded:..., maven:... and empty values name no local file
            }
            try {
                Path path = Path.of(s);
                if (Files.exists(path)) {
                    data.putAll(Hashes.files(path));
                }
            } catch (java.nio.file.InvalidPathException ignored) {
                // not a path
            }
        }

        Provenance get() {
            if (provenance == null) {
                List<Provenance.PluginVersion> used = new ArrayList<>();
                used.add(new Provenance.PluginVersion("model", family.name(), family.version()));
                used.add(new Provenance.PluginVersion("dataset", datasets.name(), datasets.version()));
                used.add(new Provenance.PluginVersion("schedule", schedule.name(), schedule.version()));
                used.add(new Provenance.PluginVersion("adapter", adapterFactory.name(), adapterFactory.version()));
                objective.terms().forEach(t -> used.add(new Provenance.PluginVersion("distill", t.loss().name(),
                        t.loss().version())));
                java.util.Set<Class<?>> code = teacherCode();
                code.add(schedule.getClass());
                code.add(adapterFactory.getClass());
                objective.terms().forEach(t -> code.add(t.loss().getClass()));
                String home = System.getenv().getOrDefault("PCLORA_HOME", ".");
                provenance = new Provenance(CodeVersion.of(Path.of(home), code), seed, used,
                        ConfigFactory.empty().withFallback(config).root().render(ConfigRenderOptions.concise()), data(),
                        null, RunEnvironment.collect());
            }
            return provenance;
        }
    }
}
