/**
 * JMH suites of the engine's building blocks at ViT-B and BERT-base sizes, float32:
 * {@link org.pclora.benchmarks.PcLoraLinearBenchmark} (one PC-LoRA layer's training step beside
 * sgemm and a dense layer), {@link org.pclora.benchmarks.AttentionBenchmark} (self-attention with
 * frozen projections), {@link org.pclora.benchmarks.LayerNormBenchmark} (LayerNorm and GELU) and
 * {@link org.pclora.benchmarks.BlockBenchmark} (a whole transformer block with PC-LoRA adapters).
 *
 * <p>The one command: {@code benchmarks/run.sh [JMH options] [suite regex]}, e.g.
 * {@code benchmarks/run.sh -f 1 -wi 3 -i 5} for all suites or
 * {@code benchmarks/run.sh -f 1 -wi 2 -i 3 Attention} for one. It writes JMH's JSON to
 * {@code bench-results/jmh.json} and the {@link org.pclora.benchmarks.BenchmarkReport} (ms/op,
 * GFLOP/s from {@link org.pclora.benchmarks.UsefulFlops}, fraction of the same run's sgemm) to
 * {@code bench-results/report.txt}. See {@code docs/benchmarks.md}.
 */
package org.pclora.benchmarks;

import org.pclora.core.accounting.UsefulFlops;
