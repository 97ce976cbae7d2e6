package org.pclora.experiments.run;

import com.google.inject.Inject;
import com.google.inject.name.Named;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;
import org.pclora.core.accounting.Accounting;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.adapter.Adapters;
import org.pclora.core.io.StateDict;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.nn.Parameter;
import org.pclora.core.provenance.Hashes;
import org.pclora.core.provenance.Provenance;
import org.pclora.core.spi.AdapterFactory;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.ModelFamily;
import org.pclora.core.train.Evaluator;
import org.pclora.core.train.Objective;
import org.pclora.core.train.RunSeeds;
import org.pclora.core.train.Trainer;
import org.pclora.core.train.TrainingSettings;
import org.pclora.core.train.Validation;

/**
 * The student stage of a run: the student starts from the teacher's weights, the pre-trained
 * ones or a random initialisation; gets adapters on its target layers; is trained under the
 * decay schedule and the distillation objective; is compressed (when lambda reached 0),
 * exported, reloaded from disk and evaluated, and its compression is measured.
 */
public final class StudentStage {
    private final ModelFamily family;
    private final AdapterFactory adapterFactory;
    private final AdapterSpec adapterSpec;
    private final DecaySchedule schedule;
    private final Objective objective;
    private final TrainingSettings training;
    private final RunProvenance provenance;

    /**
     * What the student stage produced.
     *
     * @param accuracy           the trained student's test accuracy (before compression)
     * @param compressedAccuracy the exported, reloaded student's test accuracy
     * @param compressible       whether lambda reached 0 so the frozen path could be dropped
     * @param weights            the exported student
     * @param provenance         the provenance the export carries
     * @param dense              the teacher's accounting (dense parameters and MACs)
     * @param compressed         the reloaded student's accounting
     * @param compression        the compression figures of the summary
     * @param selected           the validation evaluation the weights come from (null without validation)
     */
    public record Student(double accuracy, double compressedAccuracy, boolean compressible, Path weights,
                          Provenance provenance, Accounting.Report dense, Accounting.Report compressed,
                          RunSummary.Compression compression, Validation.Selected selected) {
    }

    @Inject
    public StudentStage(ModelFamily family, AdapterFactory adapterFactory, AdapterSpec adapterSpec,
                        DecaySchedule schedule, Objective objective, @Named("student") TrainingSettings training,
                        RunProvenance provenance) {
        this.family = family;
        this.adapterFactory = adapterFactory;
        this.adapterSpec = adapterSpec;
        this.schedule = schedule;
        this.objective = objective;
        this.training = training;
        this.provenance = provenance;
    }

    /** Runs the stage against the loaded {@code teacherModel}; the export goes into the segment's directory. */
    public Student run(RunPlan plan, TeacherStage.Teacher teacher, ClassifierModel teacherModel, RunSegment segment) {
        ClassifierModel student = start(plan, teacher);
        Trainer trainer = new Trainer(training, segment.metricsSink("student", training, plan.studentTrain()),
                segment.checkpoints());
        ValidationSettings checks = plan.checks();
        if (checks.evalEvery() > 0) {
            // best_val: the best evaluation at the final lambda (0 for PC-LoRA: the compressed form) is kept
            trainer.validate(new Validation(plan.validation(), checks.evalEvery(), plan.settings().evalBatchSize(),
                    checks.selectBest(), 0), segment.validationSink());
        }
        trainer.trainStudent(teacherModel, student, schedule, plan.ratio(), objective, plan.studentTrain());
        int evalBatch = plan.settings().evalBatchSize();
        double accuracy = Evaluator.accuracy(student, plan.test(), evalBatch);
        // Baselines that keep the frozen path (schedule constant, adapter lora) are exported merged and dense.
        boolean compressible = Adapters.compressible(student);
        if (compressible) {
            Adapters.compress(student);
        } else {
            segment.println("lambda did not reach 0 (schedule " + schedule.name() + ", adapter " + adapterFactory.name()
                    + "): the student is exported merged, without compression");
        }
        Path exported = segment.dir().file(RunDirectory.STUDENT);
        Provenance exportProvenance = provenance.get().withTeacher(Hashes.file(teacher.weights()));
        StateDict.save(exported, student, exportProvenance.toJson(), StateDict.inputMetadata(plan.train()));
        ClassifierModel reloaded = family.load(exported, null, true);
        double compressedAccuracy = Evaluator.accuracy(reloaded, plan.test(), evalBatch);
        Accounting.Report dense = Accounting.of(teacherModel);
        Accounting.Report compressed = Accounting.of(reloaded);
        return new Student(accuracy, compressedAccuracy, compressible, exported, exportProvenance, dense, compressed,
                compression(plan, teacherModel, reloaded, dense, compressed), trainer.selected());
    }

    /** The student before training: its starting weights, embeddings frozen if asked, adapters on. */
    private ClassifierModel start(RunPlan plan, TeacherStage.Teacher teacher) {
        RunSettings.Student s = plan.settings().student();
        ClassifierModel student = switch (s.init()) {
            case TEACHER -> family.load(teacher.weights(), plan.architecture(), true);
            case PRETRAINED -> plan.pretrained(family);
            case RANDOM -> family.create(plan.studentArchitecture(), new RunSeeds(plan.settings().seed())
                    .of(RunSeeds.MODEL_INIT));
        };
        new RunSeeds(plan.settings().seed()).seedDropouts(student);
        if (s.freezeEmbeddings()) {
            freezeEmbeddings(student);
        }
        if (s.adapters()) {
            Accounting.oversizedAdapters(student, plan.targets(), adapterSpec.rank())
                    .ifPresent(w -> org.slf4j.LoggerFactory.getLogger(StudentStage.class).warn("{}", w));
            Adapters.apply(student, adapterFactory, adapterSpec, plan.targets());
        }
        return student;
    }

    /**
     * Freezes the embedding tables: parameters under an {@code embeddings.} path component (BERT's
     * word, position and token-type tables; ViT's patch projection, position embeddings and [CLS]),
     * except the embeddings' LayerNorm, which stays trainable with every other LayerNorm.
     */
    static int freezeEmbeddings(ClassifierModel model) {
        int frozen = 0;
        for (Parameter p : model.parameters()) {
            String n = p.name();
            boolean embedding = n.startsWith("embeddings.") || n.contains(".embeddings.");
            if (embedding && !n.toLowerCase(Locale.ROOT).contains("layernorm") && p.isTrainable()) {
                p.freeze();
                frozen++;
            }
        }
        return frozen;
    }

    /**
     * The compression figures: against the student's own dense layers when it has the teacher's
     * architecture; else everything against the dense teacher, 'adapted' comparing the target
     * linear layers of both (dense, with bias).
     */
    private static RunSummary.Compression compression(RunPlan plan, ClassifierModel teacher, ClassifierModel reloaded,
                                                      Accounting.Report dense, Accounting.Report compressed) {
        if (plan.sameArchitecture()) {
            return new RunSummary.Compression(compressed.total().parameterCompression(),
                    compressed.total().macCompression(), compressed.adapted().parameterCompression(),
                    compressed.adapted().macCompression(), compressed.tokens(), Accounting.countingRule());
        }
        long[] t = targetLinears(teacher, plan.targets());
        long[] st = targetLinears(reloaded, plan.targets());
        return new RunSummary.Compression(
                1 - (double) compressed.total().compressedParameters() / dense.total().denseParameters(),
                1 - (double) compressed.total().compressedMacs() / dense.total().denseMacs(),
                1 - (double) st[0] / t[0], 1 - (double) st[1] / t[1], compressed.tokens(),
                Accounting.countingRule() + " A student of another architecture is compared with the dense teacher.");
    }

    /** Parameters (dense, with bias) and MACs of the linear layers the target pattern names. */
    private static long[] targetLinears(ClassifierModel model, String targets) {
        Pattern target = Pattern.compile(targets);
        long params = 0;
        long macs = 0;
        for (LinearSlot slot : model.linearSlots()) {
            if (target.matcher(slot.name()).matches()) {
                long in = slot.inFeatures();
                long out = slot.outFeatures();
                params += in * out + out;
                macs += (long) model.tokens() * in * out;
            }
        }
        return new long[] {params, macs};
    }
}
