/**
 * Reports over run directories: each run's {@code summary.json} read back, runs grouped by
 * configuration (seeds together), and the tables, CSV, HTML and plots {@code pclora report} writes.
 */
package org.pclora.experiments.report;
