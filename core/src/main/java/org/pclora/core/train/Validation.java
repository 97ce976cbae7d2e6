package org.pclora.core.train;

import org.pclora.core.PcLoraException;
import org.pclora.core.data.Dataset;

/**
 * Evaluation on a validation split while a phase trains, and which weights the phase ends with.
 *
 * @param data       the validation split (never the test split)
 * @param every      evaluate every N optimizer steps (and always after the last step), at least 1
 * @param batchSize  evaluation batch size
 * @param selectBest end with the weights of the best eligible evaluation instead of the last step's
 * @param patience   stop after this many eligible evaluations without improvement (0 = never stop early)
 */
public record Validation(Dataset data, int every, int batchSize, boolean selectBest, int patience) {
    public Validation {
        if (every < 1) {
            throw new PcLoraException("validation interval " + every + " is not accepted: at least 1 step");
        }
        if (patience < 0) {
            throw new PcLoraException("patience = " + patience + " is not accepted: a whole number >= 0 (0 = off)");
        }
    }

    /**
     * One evaluation on the validation split.
     *
     * @param phase    teacher or student
     * @param step     optimizer steps done
     * @param lambda   the decay factor the weights were evaluated at (1 for the teacher)
     * @param accuracy validation accuracy in [0, 1]
     * @param loss     mean cross-entropy on the validation split
     * @param eligible whether these weights may be selected: a PC-LoRA student only at its final
     *                 lambda (0, the compressed form), a teacher or a constant-lambda student always
     */
    public record Point(String phase, long step, double lambda, double accuracy, double loss, boolean eligible) {
    }

    /**
     * The evaluation a phase ended with.
     *
     * @param step         optimizer step of the selected weights
     * @param accuracy     their validation accuracy
     * @param loss         their validation loss
     * @param evaluations  evaluations made
     * @param stepsRun     optimizer steps the phase ran (fewer than its maximum when it stopped early)
     * @param stoppedEarly whether patience ran out before the last step
     */
    public record Selected(long step, double accuracy, double loss, int evaluations, long stepsRun,
                           boolean stoppedEarly) {
    }
}
