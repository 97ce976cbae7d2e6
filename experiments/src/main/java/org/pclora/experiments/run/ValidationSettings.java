package org.pclora.experiments.run;

import com.typesafe.config.Config;
import java.util.Locale;
import org.pclora.core.PcLoraException;

/**
 * The keys of validation and selection, read and checked once: {@code train.eval_every},
 * {@code train.select}, {@code teacher.patience}, {@code teacher.eval_every},
 * {@code dataset.val_fraction} and {@code student.train_limit} (absent keys take the defaults,
 * which keep runs as they were).
 *
 * @param evalEvery         the student evaluates on the validation split every N optimizer steps (0 = never)
 * @param selectBest        {@code train.select = best_val}: the student ends with its best eligible weights
 * @param patience          teacher early stopping: evaluations without improvement before it stops (0 = off)
 * @param teacherEvalEvery  the teacher evaluates every N steps (0 = at the end of each epoch when patience is on)
 * @param valFraction       share of the training split held out as validation where the dataset has no
 *                          validation split of its own (0 = none)
 * @param studentTrainLimit the student trains on a seeded, stratified subset of this many training examples
 *                          (0 = all; the teacher always trains on all)
 */
public record ValidationSettings(int evalEvery, boolean selectBest, int patience, int teacherEvalEvery,
                                 double valFraction, int studentTrainLimit) {
    /** {@code dataset.val_fraction} when the key is absent. */
    public static final double DEFAULT_VAL_FRACTION = 0.1;
    /** Seed of the held-out share: one validation set for every seed of an experiment. */
    public static final long HOLD_OUT_SEED = 0;

    /** Reads the keys from a run's configuration. */
    public static ValidationSettings of(Config config) {
        int every = config.hasPath("train.eval_every") ? Settings.integer(config, "train.eval_every") : 0;
        if (every < 0) {
            throw new PcLoraException("train.eval_every = " + every + " is not accepted: a whole number of optimizer"
                    + " steps >= 0 (0 = no validation)");
        }
        String select = config.hasPath("train.select") ? Settings.string(config, "train.select") : "last";
        if (!select.equals("last") && !select.equals("best_val")) {
            throw new PcLoraException("train.select = '" + select + "' is not accepted: last or best_val");
        }
        if (select.equals("best_val") && every == 0) {
            throw new PcLoraException("train.select = best_val needs train.eval_every > 0 (the validation evaluations"
                    + " it selects among)");
        }
        int patience = config.hasPath("teacher.patience") ? Settings.integer(config, "teacher.patience") : 0;
        if (patience < 0) {
            throw new PcLoraException("teacher.patience = " + patience + " is not accepted: a whole number >= 0"
                    + " (0 = no early stopping)");
        }
        int teacherEvery = config.hasPath("teacher.eval_every") ? Settings.integer(config, "teacher.eval_every") : 0;
        if (teacherEvery < 0) {
            throw new PcLoraException("teacher.eval_every = " + teacherEvery + " is not accepted: a whole number of"
                    + " optimizer steps >= 0 (0 = each epoch when teacher.patience > 0, else none)");
        }
        double fraction = config.hasPath("dataset.val_fraction") ? Settings.number(config, "dataset.val_fraction")
                : DEFAULT_VAL_FRACTION;
        if (!(fraction >= 0 && fraction < 1)) {
            throw new PcLoraException(String.format(Locale.ROOT, "dataset.val_fraction = %s is not accepted: a number"
                    + " in [0, 1) (0 = no held-out share)", fraction));
        }
        int limit = config.hasPath("student.train_limit") ? Settings.integer(config, "student.train_limit") : 0;
        if (limit < 0) {
            throw new PcLoraException("student.train_limit = " + limit + " is not accepted: a whole number >= 0"
                    + " (0 = every training example)");
        }
        return new ValidationSettings(every, select.equals("best_val"), patience, teacherEvery, fraction, limit);
    }

    /** Whether the teacher is evaluated on validation while it trains. */
    public boolean teacherValidates() {
        return patience > 0 || teacherEvalEvery > 0;
    }

    /**
     * Whether the run uses a validation split at all (then a dataset without its own holds
     * {@code val_fraction} of its training split out, for the teacher too).
     */
    public boolean needed() {
        return evalEvery > 0 || teacherValidates();
    }
}
