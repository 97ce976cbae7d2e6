package org.pclora.core.train;

/**
 * What one logged optimizer step measured.
 *
 * @param phase             {@code teacher} or {@code student}
 * @param step              number of optimizer steps done (1-based after the step)
 * @param totalSteps        steps of the whole phase
 * @param lambda            decay factor used in this step (1 for the teacher)
 * @param taskLoss          cross-entropy on the labels
 * @param distillLoss       weighted sum of distillation losses (before the 1 - alpha factor)
 * @param loss              the objective
 * @param learningRate      learning rate used in this step
 * @param gradNorm          global gradient norm before clipping
 * @param examplesPerSecond throughput since the previous logged step
 */
public record StepMetrics(String phase, long step, long totalSteps, double lambda, double taskLoss,
                          double distillLoss, double loss, double learningRate, double gradNorm,
                          double examplesPerSecond) {
}
