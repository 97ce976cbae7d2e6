package org.pclora.core.train;

import org.pclora.core.PcLoraException;

/**
 * Optimisation settings of one training phase.
 *
 * @param epochs          passes over the training set (at least 1)
 * @param batchSize       examples per step (at least 1)
 * @param learningRate    peak learning rate
 * @param minLearningRate learning rate at the end of the cosine decay
 * @param warmupRatio     fraction of steps with linear warm-up, in [0, 1)
 * @param weightDecay     decoupled AdamW weight decay (not on biases and LayerNorm)
 * @param beta1           Adam beta1
 * @param beta2           Adam beta2
 * @param eps             Adam epsilon
 * @param clipNorm        global gradient-norm clip (0 = none)
 * @param seed            the run's seed: each epoch's data order (and augmentation) derives from it
 *                        ({@link RunSeeds#epochOrder})
 * @param logEvery        log metrics every N steps (and at the last step)
 * @param checkpointEvery checkpoint every N steps (0 = never during the phase)
 */
public record TrainingSettings(int epochs, int batchSize, double learningRate, double minLearningRate,
                               double warmupRatio, double weightDecay, double beta1, double beta2, double eps,
                               double clipNorm, long seed, int logEvery, int checkpointEvery) {
    public TrainingSettings {
        if (epochs < 1) {
            throw new PcLoraException("epochs = " + epochs + " is not accepted: epochs must be at least 1");
        }
        if (batchSize < 1) {
            throw new PcLoraException("batch_size = " + batchSize + " is not accepted: batch size must be at least 1");
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new PcLoraException("lr = " + learningRate + " is not accepted: the learning rate must be > 0");
        }
        if (!(warmupRatio >= 0 && warmupRatio < 1)) {
            throw new PcLoraException("warmup_ratio = " + warmupRatio + " is not accepted: it must be in [0, 1)");
        }
        if (!(clipNorm >= 0)) {
            throw new PcLoraException("clip_norm = " + clipNorm + " is not accepted: it must be >= 0 (0 = no clipping)");
        }
        if (logEvery < 1) {
            throw new PcLoraException("log_every = " + logEvery + " is not accepted: it must be at least 1");
        }
        if (checkpointEvery < 0) {
            throw new PcLoraException("checkpoint_every = " + checkpointEvery + " is not accepted: it must be >= 0");
        }
    }

    /** Optimizer steps of the phase for a training set of {@code examples}. */
    public long totalSteps(long examples) {
        return epochs * stepsPerEpoch(examples);
    }

    /** Batches per epoch (the last one may be smaller). */
    public long stepsPerEpoch(long examples) {
        return (examples + batchSize - 1) / batchSize;
    }
}
