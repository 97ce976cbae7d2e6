/**
 * The SLURM launcher ({@code launcher=slurm}): a sweep sent to a cluster as a teacher job and a
 * job array ({@code SlurmLauncher}, {@code SbatchScript}), its manifest {@code sweep.json}
 * ({@code SweepManifest}), and each point's state from the run directories and the queue
 * ({@code SweepStatus}), for {@code pclora sweep status|resubmit}.
 */
package org.pclora.experiments.run.slurm;
