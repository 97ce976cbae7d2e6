/**
 * The training engine's layers: explicit forward and backward passes on ND4J arrays (Linear,
 * LayerNorm, Gelu, Dropout, Embedding, multi-head self-attention, pre- and post-norm transformer
 * blocks, softmax cross-entropy). Layers follow the dtype of their inputs and parameters:
 * float32 in training runs, float64 in the finite-difference tests that verify every backward.
 */
package org.pclora.core.nn;
