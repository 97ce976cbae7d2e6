/**
 * Runs and sweeps. A run is the {@code ExperimentRunner}'s short story: a {@code RunPlan} decided
 * and checked from the typed settings ({@code RunSettings}, {@code PcLoraSettings},
 * {@code LossSettings}, {@code TrainingSettings}), the {@code TeacherStage} (teacher cache,
 * pre-trained load, fine-tuning), the {@code StudentStage} (init, adapters, training, compression,
 * export, reload, evaluation), the {@code RunProvenance}, and the {@code RunDirectory}, which owns
 * everything written into it; a {@code RunSegment} is one stretch of a run between start or resume
 * and its end. Sweeps go through the {@code SweepLauncher} seam.
 */
package org.pclora.experiments.run;
