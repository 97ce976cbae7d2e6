#!/usr/bin/env bash
# The one command for the JMH suites of the engine's building blocks (see docs/benchmarks.md):
#   benchmarks/run.sh [JMH options] [benchmark regex...]
# e.g. benchmarks/run.sh -f 1 -wi 3 -i 5            (all suites)
#      benchmarks/run.sh -f 1 -wi 2 -i 3 Attention  (one suite: PcLoraLinear, Attention, LayerNorm, Block)
# JMH arguments pass through. Results: bench-results/jmh.json (JMH JSON), then a report of ms/op,
# GFLOP/s and fractions of the same run's sgemm in bench-results/report.txt.
# PAIRED_ROUNDS=30 also runs the interleaved measurement of the PC-LoRA layer targets (PairedRatios).
set -euo pipefail
cd "$(dirname "$0")/.."

# The bundled OpenBLAS 0.3.19 does not recognise recent CPUs and falls back to a ~5x slower kernel.
if [[ -z "${OPENBLAS_CORETYPE:-}" ]]; then
  if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    export OPENBLAS_CORETYPE=SKYLAKEX
  elif grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    export OPENBLAS_CORETYPE=HASWELL
  fi
fi
# libnd4j's OpenMP threads otherwise spin between operations and slow a training step by ~10%.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<default>} OMP_WAIT_POLICY=${OMP_WAIT_POLICY} OMP_NUM_THREADS=${OMP_NUM_THREADS:-<default>}"

mvn -B -q -pl benchmarks -am package -DskipTests
mkdir -p bench-results
# JMH forks inherit this environment.
java -jar benchmarks/target/benchmarks.jar "$@" -rf json -rff bench-results/jmh.json
java -cp benchmarks/target/benchmarks.jar org.pclora.benchmarks.BenchmarkReport bench-results/jmh.json \
  | tee bench-results/report.txt

# Optional: the interleaved measurement of the same two targets (robust on a shared machine).
if [[ "${PAIRED_ROUNDS:-0}" -gt 0 ]]; then
  java -Xmx4g --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar org.pclora.benchmarks.PairedRatios "$PAIRED_ROUNDS" 2>/dev/null \
    | grep -v INFO | tee bench-results/paired.txt
fi
