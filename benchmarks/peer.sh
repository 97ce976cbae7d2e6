#!/usr/bin/env bash
# The peer benchmark (docs/performance.md): the engine's training steps and ViT-B/16 inference beside
# libtorch 2.7.1 (DJL 0.36's PyTorch engine, CPU build: oneMKL + oneDNN) on the same models, one process,
# steps interleaved, medians and ratios (project / libtorch) printed in one table:
#   benchmarks/peer.sh [steps=10] [warmup=3] [cases=all|stack,vit-b16,vit-mini] [ab=attention|lowrank|split|rankspace]
# Threads: OMP_NUM_THREADS (default 2) for both sides: libnd4j, OpenBLAS and the fused kernels on the
# project side, libtorch's intra-op pool (ai.djl.pytorch.num_threads) on the other, one inter-op thread.
# Offline: libtorch comes from the pytorch-native-cpu jar on the class path (unpacked once into
# target/djl-cache); ai.djl.offline=true forbids any download. Not part of the default build (-Ppeer).
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${OMP_NUM_THREADS:-2}"
export OMP_NUM_THREADS="$threads"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
if [[ -z "${OPENBLAS_CORETYPE:-}" ]]; then
  if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then export OPENBLAS_CORETYPE=SKYLAKEX
  elif grep -qw avx2 /proc/cpuinfo 2>/dev/null; then export OPENBLAS_CORETYPE=HASWELL; fi
fi
cp_file=benchmarks/peer/target/classpath.txt
mvn -B -q -Ppeer -pl benchmarks/peer -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime >&2
export DJL_CACHE_DIR="$PWD/benchmarks/peer/target/djl-cache"
export ENGINE_CACHE_DIR="$DJL_CACHE_DIR"
# PEER_EXEC_PREFIX runs the JVM under a command (benchmarks/profile-peer.sh: perf record ... --)
# shellcheck disable=SC2086  # PCLORA_JAVA_OPTS and PEER_EXEC_PREFIX are lists of words
exec ${PEER_EXEC_PREFIX:-} java ${PCLORA_JAVA_OPTS:--Xmx4g} --add-modules jdk.incubator.vector \
  -Dorg.bytedeco.javacpp.maxbytes=${PCLORA_OFFHEAP:-6G} -Dorg.bytedeco.javacpp.maxphysicalbytes=${PCLORA_PHYSICAL:-12G} \
  -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch \
  -Dai.djl.pytorch.num_threads="$threads" -Dai.djl.pytorch.num_interop_threads=1 \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "benchmarks/peer/target/classes:$(cat "$cp_file")" org.pclora.benchmarks.peer.PeerBenchmark "$@"
