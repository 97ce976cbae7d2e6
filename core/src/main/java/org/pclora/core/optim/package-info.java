/**
 * Optimisation: AdamW with decoupled weight decay, the warm-up plus cosine learning-rate
 * schedule and global gradient-norm clipping.
 */
package org.pclora.core.optim;
