/**
 * Fused float32 kernels for the elementwise hot spots of a transformer step (GELU, LayerNorm),
 * written with the JDK Vector API when the {@code jdk.incubator.vector} module is present and
 * falling back to ND4J operations otherwise. See {@link org.pclora.core.kernels.Kernels}.
 */
package org.pclora.core.kernels;
