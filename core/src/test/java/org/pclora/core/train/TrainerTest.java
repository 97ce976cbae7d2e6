package org.pclora.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.adapter.AdapterSpec;
import org.pclora.core.adapter.Adapters;
import org.pclora.core.adapter.plugin.PcLoraAdapterFactory;
import org.pclora.core.model.TransformerClassifier;
import org.pclora.core.model.TransformerStack;
import org.pclora.core.nn.Parameter;
import org.pclora.core.PcLoraException;
import org.pclora.core.spi.DecaySchedule;
import org.pclora.core.spi.DistillLoss;
import org.pclora.core.model.FeatureKind;
import org.pclora.core.model.Features;
import org.pclora.core.testing.ArrayDataset;
import org.pclora.core.testing.TinyModel;

class TrainerTest {
    private static final DecaySchedule LINEAR = new DecaySchedule() {
        @Override
        public double lambda(long step, long decayEndStep) {
            return 1 - DecaySchedule.progress(step, decayEndStep);
        }

        @Override
        public String name() {
            return "test-linear";
        }

        @Override
        public String description() {
            return "1 - t";
        }
    };

    /** MSE between block outputs, written out here so that core's test needs no plugin module. */
    private static final DistillLoss MSE = new DistillLoss() {
        @Override
        public Set<FeatureKind> requires() {
            return Set.of(FeatureKind.BLOCK_OUTPUT);
        }

        @Override
        public Result compute(Features teacher, Features student) {
            INDArray d = student.get("block.0").sub(teacher.get("block.0"));
            double n = d.length();
            return new Result(d.mul(d).sumNumber().doubleValue() / n, new Features().put("block.0", d.mul(2 / n)));
        }

        @Override
        public String name() {
            return "test-mse";
        }

        @Override
        public String description() {
            return "mse";
        }
    };

    private static TrainingSettings settings(int epochs, int checkpointEvery, double lr) {
        return new TrainingSettings(epochs, 16, lr, 0.0, 0.1, 0.01, 0.9, 0.999, 1e-8, 1.0, 7L, 1, checkpointEvery);
    }

    @Test
    void teacherLearnsASeparableProblem() {
        ArrayDataset train = ArrayDataset.separable(256, 4, 1);
        ArrayDataset test = ArrayDataset.separable(256, 4, 2);
        TinyModel m = new TinyModel(4, 16, 2, 3, DataType.FLOAT);
        double before = Evaluator.accuracy(m, test, 64);
        List<StepMetrics> log = new ArrayList<>();
        new Trainer(settings(8, 0, 3e-2), log::add, null).trainTeacher(m, train);
        double after = Evaluator.accuracy(m, test, 64);
        assertEquals(8 * 16, log.size()); // 256 / 16 = 16 steps per epoch, logged every step
        assertTrue(after >= 0.9, "accuracy after training " + after + " (before " + before + ")");
        assertTrue(log.get(log.size() - 1).taskLoss() < log.get(0).taskLoss());
    }

    @Test
    void bestValidationSelectsAnEarlierStepThanTheLast() {
        // validation labels are the training labels flipped: the better the model learns the training
        // rule, the worse it does on validation, so the best evaluation is an early one
        ArrayDataset train = ArrayDataset.separable(128, 4, 1);
        ArrayDataset val = ArrayDataset.separable(64, 4, 2).flipped();
        TinyModel last = new TinyModel(4, 16, 2, 3, DataType.FLOAT);
        new Trainer(settings(4, 0, 3e-2), m -> { }, null).trainTeacher(last, train); // 8 steps per epoch, 32 in all
        TinyModel chosen = new TinyModel(4, 16, 2, 3, DataType.FLOAT);
        List<Validation.Point> points = new ArrayList<>();
        Map<Long, float[][]> weightsAt = new LinkedHashMap<>();
        Trainer t = new Trainer(settings(4, 0, 3e-2), m -> weightsAt.put(m.step(), chosen.parameters().stream()
                .map(p -> p.value().dup().data().asFloat()).toArray(float[][]::new)), null)
                .validate(new Validation(val, 8, 64, true, 0), points::add);
        t.trainTeacher(chosen, train);
        assertEquals(List.of(8L, 16L, 24L, 32L), points.stream().map(Validation.Point::step).toList());
        Validation.Point best = points.get(0);
        for (Validation.Point p : points) {
            if (p.accuracy() > best.accuracy() || p.accuracy() == best.accuracy() && p.loss() < best.loss()) {
                best = p;
            }
        }
        Validation.Selected s = t.selected();
        assertEquals(best.step(), s.step());
        assertTrue(s.step() < 32, "selected step " + s.step() + " of 32: " + points);
        assertTrue(points.get(3).accuracy() < s.accuracy(), points.toString());
        // the model ends with the weights it had at the selected step, and scores on validation what it scored then
        float[][] expected = weightsAt.get(s.step());
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], chosen.parameters().get(i).value().dup().data().asFloat(), 0f);
        }
        assertEquals(s.accuracy(), Evaluator.score(chosen, val, 64).accuracy(), 0.0);
        assertEquals(points.get(3).accuracy(), Evaluator.score(last, val, 64).accuracy(), 0.0,
                "without selection the last step's weights remain");
        assertEquals(32, s.stepsRun());
    }

    @Test
    void patienceStopsAfterThatManyEvaluationsWithoutImprovement() {
        ArrayDataset train = ArrayDataset.separable(128, 4, 1);
        ArrayDataset val = ArrayDataset.separable(64, 4, 2).flipped();
        List<Validation.Point> points = new ArrayList<>();
        List<StepMetrics> log = new ArrayList<>();
        Trainer t = new Trainer(settings(20, 0, 3e-2), log::add, null)
                .validate(new Validation(val, 8, 64, false, 2), points::add);
        t.trainTeacher(new TinyModel(4, 16, 2, 3, DataType.FLOAT), train);
        Validation.Selected s = t.selected();
        assertTrue(s.stoppedEarly());
        // stopped at the second evaluation after the best one, long before 20 epochs (160 steps)
        assertEquals(s.step() + 16, s.stepsRun(), points.toString());
        assertEquals(s.stepsRun(), log.get(log.size() - 1).step());
    }

    @Test
    void aPcLoraStudentSelectsOnlyAmongEvaluationsAtLambdaZero() {
        ArrayDataset train = ArrayDataset.separable(128, 4, 1);
        ArrayDataset val = ArrayDataset.separable(64, 4, 2).flipped();
        TinyModel teacher = new TinyModel(4, 16, 2, 3, DataType.FLOAT);
        new Trainer(settings(4, 0, 3e-2), m -> { }, null).trainTeacher(teacher, train);
        TinyModel student = teacher.copy();
        Adapters.apply(student, new PcLoraAdapterFactory(),
                new AdapterSpec(2, 4, AdapterSpec.BiasPolicy.ADAPTER, AdapterSpec.InitPolicy.KAIMING_UNIFORM, 5), ".*");
        List<Validation.Point> points = new ArrayList<>();
        Objective obj = new Objective(0.2, List.of(new Objective.Term(MSE, 1.0)));
        Trainer t = new Trainer(settings(5, 0, 1e-2), m -> { }, null)
                .validate(new Validation(val, 4, 64, true, 0), points::add);
        t.trainStudent(teacher, student, LINEAR, 0.5, obj, train);
        // 40 steps, lambda 0 from step 20: evaluations at 4, 8, ..., 40; eligible from step 20 on
        assertEquals(10, points.size());
        for (Validation.Point p : points) {
            assertEquals(p.step() >= 20, p.eligible(), "step " + p.step() + " lambda " + p.lambda());
        }
        assertTrue(t.selected().step() >= 20, "selected step " + t.selected().step());
        assertEquals(0.0, Adapters.adapters(student).get(0).lambda());
    }

    @Test
    void studentFollowsTheScheduleAndEndsAtLambdaZero() {
        ArrayDataset train = ArrayDataset.separable(128, 4, 1);
        TinyModel teacher = new TinyModel(4, 16, 2, 3, DataType.FLOAT);
        new Trainer(settings(4, 0, 3e-2), m -> { }, null).trainTeacher(teacher, train);
        TinyModel student = teacher.copy();
        Adapters.apply(student, new PcLoraAdapterFactory(),
                new AdapterSpec(2, 4, AdapterSpec.BiasPolicy.ADAPTER, AdapterSpec.InitPolicy.KAIMING_UNIFORM, 5), ".*");
        List<StepMetrics> log = new ArrayList<>();
        Objective obj = new Objective(0.2, List.of(new Objective.Term(MSE, 1.0)));
        new Trainer(settings(5, 0, 1e-2), log::add, null).trainStudent(teacher, student, LINEAR, 0.8, obj, train);
        // 128/16 = 8 steps per epoch, 40 steps in all, lambda reaches 0 at round(0.8 * 40) = 32
        assertEquals(40, log.size());
        for (StepMetrics s : log) {
            long n = s.step() - 1;
            assertEquals(Math.max(0, 1 - n / 32.0), s.lambda(), 1e-12, "lambda at step " + n);
            assertTrue(s.distillLoss() >= 0);
        }
        assertEquals(0.0, Adapters.adapters(student).get(0).lambda());
    }

    @Test
    void resumedRunEndsWithTheSameParameters(@TempDir Path dir) {
        ArrayDataset train = ArrayDataset.separable(96, 4, 1);
        TinyModel straight = new TinyModel(4, 8, 2, 3, DataType.FLOAT);
        new Trainer(settings(3, 4, 1e-2), m -> { }, new CheckpointStore(dir.resolve("a"))).trainTeacher(straight, train);

        TinyModel interrupted = new TinyModel(4, 8, 2, 3, DataType.FLOAT);
        CheckpointStore store = new CheckpointStore(dir.resolve("b"));
        RuntimeException kill = new RuntimeException("killed");
        // 6 steps per epoch, 18 in all; stop after step 10 (the checkpoint of step 8 is on disk)
        RuntimeException e = assertThrows(RuntimeException.class, () -> new Trainer(settings(3, 4, 1e-2), m -> {
            if (m.step() == 10) {
                throw kill;
            }
        }, store).trainTeacher(interrupted, train));
        assertEquals(kill, e);
        TinyModel resumed = new TinyModel(4, 8, 2, 3, DataType.FLOAT);
        List<StepMetrics> log = new ArrayList<>();
        new Trainer(settings(3, 4, 1e-2), log::add, store).trainTeacher(resumed, train);
        assertEquals(9, log.get(0).step()); // continued after the step-8 checkpoint
        List<Parameter> a = straight.parameters();
        List<Parameter> b = resumed.parameters();
        for (int i = 0; i < a.size(); i++) {
            // Same operations in the same order on the same thread count: identical up to float rounding.
            assertArrayEquals(a.get(i).value().dup().data().asFloat(), b.get(i).value().dup().data().asFloat(), 1e-6f,
                    a.get(i).name());
        }
    }

    /**
     * A one-block stack over the 4 features as one token of width 4, with dropout 0.3 on the
     * attention probabilities, both sub-layer outputs and before the classifier: every training step
     * draws masks from four streams.
     */
    private static TransformerClassifier droppingModel() {
        return new TransformerStack(1, 4, 2, 8, 1, 2, 5, DataType.FLOAT, 0.3);
    }

    private static float[][] values(TransformerClassifier m) {
        return m.parameters().stream().map(p -> p.value().dup().data().asFloat()).toArray(float[][]::new);
    }

    @Test
    void resumedRunWithDropoutDrawsTheSameMasksAndEndsBitIdentical(@TempDir Path dir) {
        ArrayDataset train = ArrayDataset.separable(96, 4, 1);
        TransformerClassifier straight = droppingModel();
        assertEquals(4, straight.dropouts().size(), "attention probabilities, two hidden, head");
        new Trainer(settings(3, 4, 1e-2), m -> { }, new CheckpointStore(dir.resolve("a"))).trainTeacher(straight, train);

        CheckpointStore store = new CheckpointStore(dir.resolve("b"));
        RuntimeException kill = new RuntimeException("killed");
        assertThrows(RuntimeException.class, () -> new Trainer(settings(3, 4, 1e-2), m -> {
            if (m.step() == 10) {
                throw kill;
            }
        }, store).trainTeacher(droppingModel(), train));
        assertEquals(4, store.load("teacher").orElseThrow().tensors().keySet().stream()
                .filter(k -> k.startsWith(Trainer.DROPOUT_STREAM)).count());
        TransformerClassifier resumed = droppingModel();
        List<StepMetrics> log = new ArrayList<>();
        new Trainer(settings(3, 4, 1e-2), log::add, store).trainTeacher(resumed, train);
        assertEquals(9, log.get(0).step());
        float[][] a = values(straight);
        float[][] b = values(resumed);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i], straight.parameters().get(i).name());
        }
    }

    /**
     * Trains {@link #droppingModel()} until it is stopped after step 5 (checkpoint of step 4 on disk),
     * then rewrites that checkpoint without the stream tensors {@code drop} selects.
     */
    private static void interruptedCheckpointWithout(CheckpointStore store, ArrayDataset train,
                                                     java.util.function.Predicate<String> drop) {
        assertThrows(RuntimeException.class, () -> new Trainer(settings(3, 4, 1e-2), m -> {
            if (m.step() == 5) {
                throw new RuntimeException("killed");
            }
        }, store).trainTeacher(droppingModel(), train));
        CheckpointStore.State saved = store.load("teacher").orElseThrow();
        Map<String, INDArray> kept = new LinkedHashMap<>(saved.tensors());
        kept.keySet().removeIf(drop);
        store.save("teacher", new CheckpointStore.State(saved.step(), kept));
    }

    @Test
    void aCheckpointWithAnotherNumberOfDropoutStreamsIsRefused(@TempDir Path dir) {
        ArrayDataset train = ArrayDataset.separable(96, 4, 1);
        CheckpointStore store = new CheckpointStore(dir);
        interruptedCheckpointWithout(store, train, k -> k.equals(Trainer.DROPOUT_STREAM + 3));
        PcLoraException e = assertThrows(PcLoraException.class,
                () -> new Trainer(settings(3, 4, 1e-2), m -> { }, store).trainTeacher(droppingModel(), train));
        assertTrue(e.getMessage().contains("keeps 3 dropout mask streams but the model has 4 (dropout layers with p > 0)"),
                e.getMessage());
    }

    /** A checkpoint from before the streams were kept still resumes (the masks restart, with a warning). */
    @Test
    void aCheckpointWithoutDropoutStreamsStillResumes(@TempDir Path dir) {
        ArrayDataset train = ArrayDataset.separable(96, 4, 1);
        CheckpointStore store = new CheckpointStore(dir);
        interruptedCheckpointWithout(store, train, k -> k.startsWith(Trainer.DROPOUT_STREAM));
        List<StepMetrics> log = new ArrayList<>();
        new Trainer(settings(3, 4, 1e-2), log::add, store).trainTeacher(droppingModel(), train);
        assertEquals(5, log.get(0).step(), "continued after the step-4 checkpoint");
        assertEquals(18, log.get(log.size() - 1).step());
    }

    @Test
    void nonFiniteLossStopsWithStepAndLambdaAndKeepsCheckpoint(@TempDir Path dir) throws Exception {
        ArrayDataset train = ArrayDataset.separable(64, 4, 1);
        TinyModel m = new TinyModel(4, 8, 2, 3, DataType.FLOAT);
        CheckpointStore store = new CheckpointStore(dir);
        List<StepMetrics> log = new ArrayList<>();
        Trainer t = new Trainer(settings(2, 2, 1e-2), s -> {
            log.add(s);
            if (s.step() == 3) {
                m.parameters().get(0).value().putScalar(0, Float.NaN); // poison a weight after step 3
            }
        }, store);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.trainTeacher(m, train));
        assertEquals(3, e.step());
        assertTrue(e.getMessage().contains("step 3") && e.getMessage().contains("lambda 1.000000"), e.getMessage());
        assertTrue(e.getMessage().contains("intact"), e.getMessage());
        assertTrue(Files.isRegularFile(store.file("teacher")));
        assertEquals(2, store.load("teacher").orElseThrow().step());
        INDArray w = store.load("teacher").orElseThrow().tensors().get("block.0.fc.weight");
        assertTrue(Double.isFinite(w.sumNumber().doubleValue()));
        assertTrue(Nd4j.getExecutioner() != null);
    }
}
