/**
 * Runs and sweeps: the {@code ExperimentRunner} of one experiment (teacher cache, student,
 * compression, export, typed {@code RunSummary}), typed settings of the configuration groups, run
 * directories, and the {@code SweepLauncher} seam ({@code LocalLauncher} here, cluster launchers
 * elsewhere).
 */
package org.pclora.experiments.run;
