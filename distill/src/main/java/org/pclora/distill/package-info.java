/**
 * The distillation losses of PC-LoRA ({@code feature-mse}, the paper's, and ablations), found by
 * name through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/org.pclora.core.spi.DistillLoss}).
 */
package org.pclora.distill;
