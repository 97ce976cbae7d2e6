/**
 * Low-rank adapters around frozen linear layers: {@code PcLoraLinear} (the decayed frozen path
 * plus B A), its compressed form {@code CompressedLinear}, the {@code AdapterSpec} that validates
 * rank and LoRA alpha, and {@code Adapters}, which puts adapters into a model's linear slots, sets
 * lambda and compresses.
 */
package org.pclora.core.adapter;
