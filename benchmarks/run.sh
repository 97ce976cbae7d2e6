#!/usr/bin/env bash
# Builds the JMH benchmarks and runs them; JMH arguments pass through (e.g. -f 1 -wi 3 -i 5, or a
# benchmark regex). Results: bench-results/jmh.json, then a GFLOP/s report against the targets;
# PAIRED_ROUNDS=30 also runs the interleaved measurement (PairedRatios).
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
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<default>}"

mvn -B -q -pl benchmarks -am package -DskipTests
mkdir -p bench-results
# JMH forks inherit this environment.
java -jar benchmarks/target/benchmarks.jar "$@" -rf json -rff bench-results/jmh.json
java -cp benchmarks/target/benchmarks.jar org.pclora.benchmarks.BenchmarkReport bench-results/jmh.json \
  | tee bench-results/report.txt

# Optional: the interleaved measurement of the same two targets (robust on a shared machine).
if [[ "${PAIRED_ROUNDS:-0}" -gt 0 ]]; then
  java -Xmx4g -cp benchmarks/target/benchmarks.jar org.pclora.benchmarks.PairedRatios "$PAIRED_ROUNDS" 2>/dev/null \
    | grep -v INFO | tee bench-results/paired.txt
fi
