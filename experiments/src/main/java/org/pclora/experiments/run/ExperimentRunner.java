package org.pclora.experiments.run;

import com.google.inject.Inject;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.env.BlasCheck;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.spi.AdapterFactory;
import org.pclora.core.spi.DatasetProvider;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.ModelFamily;
import org.pclora.core.train.Objective;

/**
 * One PC-LoRA experiment, told in order: the {@link RunPlan} is decided and checked before
 * anything is written; the {@link TeacherStage} finds or trains the teacher; the
 * {@link StudentStage} trains, compresses, exports and evaluates the student; the summary, with
 * the {@link RunProvenance}, goes into the {@link RunDirectory}, which owns everything written.
 */
public final class ExperimentRunner {
    private final RunSettings settings;
    private final PcLoraSettings pclora;
    private final ModelFamily family;
    private final DatasetProvider datasets;
    private final DecaySchedule schedule;
    private final AdapterFactory adapterFactory;
    private final AdapterSpec adapterSpec;
    private final Objective objective;
    private final TeacherStage teacherStage;
    private final StudentStage studentStage;
    private final RunProvenance provenance;
    private final LossSettings lossSettings;
    private final ValidationSettings checks;
    private PrintStream log = System.err;
    private String runLabel = "";
    private boolean parallel;

    @Inject
    public ExperimentRunner(RunSettings settings, PcLoraSettings pclora, ModelFamily family, DatasetProvider datasets,
                            DecaySchedule schedule, AdapterFactory adapterFactory, AdapterSpec adapterSpec,
                            Objective objective, TeacherStage teacherStage, StudentStage studentStage,
                            RunProvenance provenance, LossSettings lossSettings, ValidationSettings checks) {
        this.settings = settings;
        this.pclora = pclora;
        this.family = family;
        this.datasets = datasets;
        this.schedule = schedule;
        this.adapterFactory = adapterFactory;
        this.adapterSpec = adapterSpec;
        this.objective = objective;
        this.teacherStage = teacherStage;
        this.studentStage = studentStage;
        this.provenance = provenance;
        this.lossSettings = lossSettings;
        this.checks = checks;
    }

    /** Where log lines go (stderr by default). */
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

    /** What this run will do, checked; throws before anything is written. */
    public RunPlan plan() {
        return RunPlan.decide(settings, pclora, family, datasets, adapterSpec, objective, checks);
    }

    /**
     * Runs the experiment into {@code dir} (created here after the plan is checked) and returns
     * the summary, also written as {@code summary.json}. With a run directory that holds
     * checkpoints, training resumes from them.
     */
    public RunSummary run(RunDirectory dir, List<String> overrides) {
        long start = System.nanoTime();
        RunPlan plan = plan();
        BlasCheck.warnIfSlow(); // after the plan's checks: a bad configuration is one line alone
        // an earlier run in this process (a sweep) dropped its models: free them before this one builds
        org.pclora.core.env.NativeMemory.release();
        boolean fresh = !Files.isDirectory(dir.path());
        return dir.hold(fresh, () -> {
            dir.initialise(provenance.configuration(), overrides);
            RunSegment segment = new RunSegment(dir, log, runLabel, parallel, start, plan.settings().keepCheckpoints());
            TeacherStage.Teacher teacher = teacherStage.obtain(plan, segment);
            ClassifierModel teacherModel = teacherStage.load(teacher, plan);
            segment.println(String.format(Locale.ROOT, "teacher %s: accuracy %.4f (cache %s)", teacher.key(),
                    teacher.accuracy(), teacher.weights()));
            StudentStage.Student student = studentStage.run(plan, teacher, teacherModel, segment);
            RunSummary summary = summary(plan, segment, teacher, student);
            segment.println(student.compressed().table());
            return summary;
        }, summary -> dir.writeJson(RunDirectory.SUMMARY, summary.toMap()));
    }

    /** The teacher cache key of this configuration's teacher, exactly as a run computes it. */
    public String teacherKey() {
        return provenance.teacherKey();
    }

    /**
     * Trains this configuration's teacher into the teacher cache (or finds it there), logging its
     * metrics and checkpoints into {@code dir}, from whose checkpoint a stopped attempt resumes;
     * returns the cached weights. A SLURM sweep's first job does this once for all its points.
     */
    public Path teacher(RunDirectory dir) {
        long start = System.nanoTime();
        RunPlan plan = plan();
        BlasCheck.warnIfSlow(); // after the plan's checks: a bad configuration is one line alone
        return dir.hold(false, () -> {
            dir.initialise(provenance.configuration(), List.of());
            TeacherStage.Teacher teacher = teacherStage.obtain(plan,
                    new RunSegment(dir, log, runLabel, parallel, start, plan.settings().keepCheckpoints()));
            log.printf(Locale.ROOT, "teacher %s: cached in %s%n", teacher.key(), teacher.weights());
            return teacher.weights();
        }, weights -> { });
    }

    /** Further summary fields: how the task loss was weighted where it is not {@code loss.alpha}. */
    private Map<String, Object> notes(RunPlan plan, StudentStage.Student student) {
        Map<String, Object> notes = new java.util.LinkedHashMap<>();
        if (objective.alpha() != lossSettings.alpha()) {
            notes.put("alpha_rule", "no distillation term: the task loss has weight 1 (loss.alpha = "
                    + lossSettings.alpha() + " ignored)");
        }
        if (student.selected() != null) {
            Map<String, Object> sel = new java.util.LinkedHashMap<>();
            sel.put("rule", checks.selectBest() ? "best_val" : "last");
            sel.put("step", student.selected().step());
            sel.put("val_accuracy", student.selected().accuracy());
            sel.put("val_loss", student.selected().loss());
            sel.put("evaluations", student.selected().evaluations());
            sel.put("eval_every", checks.evalEvery());
            sel.put("validation", plan.validation().source());
            sel.put("note", checks.selectBest() ? "the weights of the best validation evaluation at the final lambda"
                    + " are the ones tested, exported and reported" : "the last step's weights; val_accuracy is theirs");
            notes.put("selection", sel);
        }
        if (plan.studentTrain() != plan.train()) {
            notes.put("student_train", plan.studentTrain().source());
        }
        return notes;
    }

    /** The summary row of a finished run. */
    private RunSummary summary(RunPlan plan, RunSegment segment, TeacherStage.Teacher teacher,
                               StudentStage.Student student) {
        boolean adapters = plan.settings().student().adapters();
        String losses = objective.terms().isEmpty() ? "none" : objective.terms().stream()
                .map(t -> t.loss().name() + (t.weight() == 1.0 ? "" : "*" + t.weight()))
                .collect(Collectors.joining("+"));
        // Cumulative over every segment of a resumed run (each counted to its last metrics line);
        // the segment's own time beside it.
        double seconds = segment.seconds();
        return new RunSummary(settings.name(), segment.dir().path().toString(), modelLabel(plan), family.name(),
                plan.train().source(), plan.train().numClasses(), adapters ? adapterFactory.name() : "none",
                adapters ? adapterSpec.rank() : 0, adapterSpec.alpha(), schedule.name(), plan.ratio(), objective.alpha(),
                losses, new RunSummary.Teacher(teacher.accuracy(), student.dense().total().denseParameters(),
                        student.dense().total().denseMacs(), teacher.weights().toString(), teacher.key()),
                student.accuracy(), new RunSummary.Compressed(student.compressedAccuracy(),
                        student.compressed().total().compressedParameters(),
                        student.compressed().total().compressedMacs(), student.weights().toString()),
                student.compression(), student.compressible(), segment.priorWallSeconds() + seconds,
                seconds, student.provenance(), notes(plan, student));
    }

    /** The student's architecture name, or for custom sizes family-depth x width (e.g. vit-4x128). */
    private String modelLabel(RunPlan plan) {
        var arch = plan.studentArchitecture();
        String name = arch.hasPath("arch") ? arch.getString("arch") : "custom";
        if (!name.equals("custom")) {
            return name;
        }
        return family.name() + "-" + (arch.hasPath("depth") ? arch.getInt("depth") : 0) + "x"
                + (arch.hasPath("width") ? arch.getInt("width") : 0);
    }
}
