/**
 * Plots of run metrics (JFreeChart), written as PNG files.
 */
package org.pclora.experiments.plots;
