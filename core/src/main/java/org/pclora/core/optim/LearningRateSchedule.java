package org.pclora.core.optim;

import org.pclora.core.PcLoraException;

/**
 * Learning rate by optimizer step: linear warm-up from 0 to {@code peak} over
 * {@code warmupSteps}, then cosine decay from {@code peak} to {@code minLr} at
 * {@code totalSteps}, constant after. Step 0 is the first update, as in HF's
 * {@code get_cosine_schedule_with_warmup} (which gives lr 0 there when warming up).
 */
public final class LearningRateSchedule {
    private final double peak;
    private final double minLr;
    private final long warmupSteps;
    private final long totalSteps;

    /**
     * @param peak        learning rate at the end of warm-up, positive
     * @param minLr       learning rate at and after {@code totalSteps}, in [0, peak]
     * @param warmupSteps steps of linear warm-up, in [0, totalSteps]
     * @param totalSteps  steps until the cosine reaches {@code minLr}, positive
     */
    public LearningRateSchedule(double peak, double minLr, long warmupSteps, long totalSteps) {
        if (!(peak > 0) || !Double.isFinite(peak)) {
            throw new PcLoraException("learning rate " + peak + " is out of range; accepted: a finite number > 0");
        }
        if (!(minLr >= 0 && minLr <= peak)) {
            throw new PcLoraException("minimum learning rate " + minLr + " is out of range; accepted: a number in [0, "
                    + peak + "]");
        }
        if (totalSteps <= 0) {
            throw new PcLoraException("total steps " + totalSteps + " is out of range; accepted: a number > 0");
        }
        if (warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new PcLoraException("warm-up steps " + warmupSteps + " is out of range; accepted: 0.." + totalSteps);
        }
        this.peak = peak;
        this.minLr = minLr;
        this.warmupSteps = warmupSteps;
        this.totalSteps = totalSteps;
    }

    /** The learning rate for optimizer step {@code step} (0-based). */
    public double lr(long step) {
        if (step < warmupSteps) {
            return peak * Math.max(step, 0) / warmupSteps;
        }
        if (step >= totalSteps) {
            return minLr;
        }
        double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        return minLr + (peak - minLr) * 0.5 * (1.0 + Math.cos(Math.PI * progress));
    }

    /** Peak learning rate. */
    public double peak() {
        return peak;
    }

    /** Final learning rate. */
    public double minLr() {
        return minLr;
    }

    /** Warm-up length in steps. */
    public long warmupSteps() {
        return warmupSteps;
    }

    /** Step at which the decay reaches {@code minLr}. */
    public long totalSteps() {
        return totalSteps;
    }
}
