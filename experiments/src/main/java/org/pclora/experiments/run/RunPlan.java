package org.pclora.experiments.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.pclora.core.PcLoraException;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.data.Dataset;
import org.pclora.core.model.ClassifierModel;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.nn.LinearSlot;
import org.pclora.core.spi.DatasetProvider;
import org.pclora.core.data.HoldOut;
import org.pclora.core.spi.ModelFamily;
import org.pclora.core.train.RunSeeds;
import org.pclora.core.train.Objective;

/**
 * What a run will do, decided and checked once from its typed settings before anything is
 * written: the teacher's and the student's architectures, the opened data, the adapter targets
 * and where the student starts.
 *
 * @param settings            the run-level settings
 * @param architecture        the teacher's resolved architecture (classes from the data)
 * @param studentArchitecture the student's: the teacher's, or {@code student.model} over it
 * @param train               the training split
 * @param test                the test split
 * @param targets             the adapter target pattern (the family's default for an empty one)
 * @param ratio               q, the fraction of the student's steps at which lambda reaches 0
 * @param validation          the validation split (the dataset's own, or a share held out of the training
 *                            split, which {@code train} then lacks), or null when the run uses none
 * @param studentTrain        what the student trains on: {@code train}, or its seeded subset
 *                            ({@code student.train_limit})
 * @param checks              the validation and selection settings
 */
public record RunPlan(RunSettings settings, Config architecture, Config studentArchitecture, Dataset train,
                      Dataset test, String targets, double ratio, Dataset validation, Dataset studentTrain,
                      ValidationSettings checks) {

    /** Whether the student has the teacher's architecture (everything but the small-dense-model row). */
    public boolean sameArchitecture() {
        return architecture.root().equals(studentArchitecture.root());
    }

    /**
     * The pre-trained model the teacher (and a {@code student.init = pretrained} student) starts
     * from: {@code teacher.checkpoint} (a head it lacks from the seed's {@code head.init} stream), or a fresh
     * initialisation from the seed's {@code model.init} stream when it is ""; dropout streams from the seed.
     */
    public ClassifierModel pretrained(ModelFamily family) {
        return pretrained(family, settings.seed());
    }

    /** As {@link #pretrained(ModelFamily)} with the random streams of {@code seed} (the teacher's own seed). */
    public ClassifierModel pretrained(ModelFamily family, long seed) {
        String checkpoint = settings.teacherCheckpoint();
        RunSeeds seeds = new RunSeeds(seed);
        ClassifierModel m = checkpoint.isEmpty() ? family.create(architecture, seeds.of(RunSeeds.MODEL_INIT))
                : family.load(Path.of(checkpoint), architecture, false, seeds.of(RunSeeds.HEAD_INIT));
        seeds.seedDropouts(m);
        return m;
    }

    /**
     * Opens the data, resolves the architectures and checks that the adapters fit the target
     * layers and that the student can start where {@code student.init} says; throws a one-line
     * {@link PcLoraException} before anything is written.
     */
    public static RunPlan decide(RunSettings settings, PcLoraSettings pclora, ModelFamily family,
                                 DatasetProvider datasets, AdapterSpec adapterSpec, Objective objective,
                                 ValidationSettings checks) {
        Config arch0 = family.resolve(settings.model());
        Dataset train = datasets.open(settings.dataset(), arch0, "train");
        Dataset test = datasets.open(settings.dataset(), arch0, "test");
        if (train.size() == 0 || test.size() == 0) {
            throw new PcLoraException("dataset " + train.source() + " is empty (" + train.size() + " train, "
                    + test.size() + " test examples): it needs at least one example in each split");
        }
        if (!train.classNames().equals(test.classNames())) {
            throw new PcLoraException("dataset " + train.source() + ": train and test splits have different classes "
                    + train.classNames() + " vs " + test.classNames());
        }
        Config arch = family.resolve(settings.model().withValue("num_classes",
                ConfigValueFactory.fromAnyRef(train.numClasses())));
        String targets = pclora.targetsOr(family.defaultTargets());
        // Check the adapters against the layers now, before a teacher is trained for nothing.
        Pattern target = Pattern.compile(targets);
        int matched = 0;
        for (LinearSlot slot : family.create(arch, 0).linearSlots()) {
            if (target.matcher(slot.name()).matches()) {
                adapterSpec.checkFits(slot.name(), slot.inFeatures(), slot.outFeatures());
                matched++;
            }
        }
        if (matched == 0) {
            throw new PcLoraException("pclora.targets = '" + targets + "' matches no linear layer of model "
                    + family.name() + "; use \"\" for the family's default (" + family.defaultTargets() + ")");
        }
        Config studentArch = studentArchitecture(settings, family, arch);
        RunSettings.Init init = settings.student().init();
        boolean same = studentArch.root().equals(arch.root());
        if (init != RunSettings.Init.RANDOM && !same) {
            throw new PcLoraException("student.model gives the student another architecture than the teacher's, so it"
                    + " cannot start from the " + init.word() + " weights: use student.init=random");
        }
        if (!same) {
            for (FeatureKind kind : objective.requiredFeatureKinds()) {
                if (kind != FeatureKind.LOGITS) {
                    throw new PcLoraException("the distillation loss reads " + kind + " features, which a student of"
                            + " another architecture (student.model) does not share with the teacher: use logit"
                            + " distillation (distill=logit-kl) or distill=none");
                }
            }
        }
        Dataset validation = null;
        if (checks.needed()) {
            if (datasets.hasValidation(settings.dataset())) {
                validation = datasets.open(settings.dataset(), arch0, "validation");
            } else if (checks.valFraction() > 0) {
                HoldOut.Split split = HoldOut.stratified(train, checks.valFraction(), ValidationSettings.HOLD_OUT_SEED);
                train = split.train();
                validation = split.validation();
            } else {
                throw new PcLoraException("dataset '" + datasets.name() + "' has no validation split of its own and"
                        + " dataset.val_fraction = 0: set dataset.val_fraction (e.g. 0.1) to hold out a share of the"
                        + " training data, or drop train.eval_every, train.select=best_val and teacher.patience");
            }
        }
        Dataset studentTrain = HoldOut.subset(train, checks.studentTrainLimit(),
                new RunSeeds(settings.seed()).of(RunSeeds.DATA_SUBSET));
        return new RunPlan(settings, arch, studentArch, train, test, targets, pclora.ratio(), validation, studentTrain,
                checks);
    }

    /**
     * The student's architecture: the teacher's, with the keys of {@code student.model} over it
     * (an {@code arch} key there drops the teacher's sizes first, so {@code arch = bert-mini} means
     * bert-mini's own sizes).
     */
    private static Config studentArchitecture(RunSettings settings, ModelFamily family, Config teacherArch) {
        Config own = settings.student().model();
        if (own.isEmpty()) {
            return teacherArch;
        }
        Config base = settings.model();
        if (own.hasPath("arch")) {
            for (String k : List.of("depth", "width", "heads", "mlp")) {
                base = base.withoutPath(k);
            }
        }
        return family.resolve(own.withFallback(base).withValue("num_classes",
                ConfigValueFactory.fromAnyRef(teacherArch.getInt("num_classes"))));
    }
}
