#!/usr/bin/env bash
# Where one case of the peer benchmark spends the project side's time, by category: samples of one thread
# (perf, 1 kHz, call graphs) plus uprobes on OpenBLAS's cblas_sgemm entry and return, so that a sample
# inside a GEMM is charged to that call's shape (rank-r thin, dense, ...) and split into packing, multiply
# and zeroing; the rest goes to GELU, LayerNorm, softmax, attention parts, bias passes, copies, AdamW,
# ND4J call overhead, memory/OS and the JVM (benchmarks/profile/breakdown.py). Shares hold on a busy
# machine where times do not: profile twice and compare. Needs root (uprobes) and perf (Debian: linux-perf).
#   benchmarks/profile-peer.sh stack-lambda0                      # rank 8, 150 steps after 30 warm-up
#   benchmarks/profile-peer.sh vit-b16-compressed rank=32 steps=30 warmup=5
# OMP_NUM_THREADS (default 1 here) and OPENBLAS_CORETYPE as for peer.sh. Output: bench-results/profile-peer/
# <case>-<UTC time>/ (perf.data, out.txt, breakdown.txt); categories.py folds several runs into one table.
set -euo pipefail
cd "$(dirname "$0")/.."
case_=${1:?usage: benchmarks/profile-peer.sh <peer case> [rank=R] [steps=N] [warmup=N]}; shift
rank=8 steps=150 warmup=30
for a in "$@"; do
  case "$a" in
    rank=*) rank=${a#rank=} ;; steps=*) steps=${a#steps=} ;; warmup=*) warmup=${a#warmup=} ;;
    *) echo "profile-peer.sh: unknown argument '$a': accepted are rank=, steps=, warmup=" >&2; exit 2 ;;
  esac
done
command -v perf >/dev/null || { echo "profile-peer.sh: perf is not installed (Debian package linux-perf)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "profile-peer.sh: uprobes need root" >&2; exit 2; }
lib=$(find "$HOME/.javacpp/cache" -name 'libopenblas_nolapack.so.0' -path '*linux-x86_64*' 2>/dev/null | head -1)
[ -n "$lib" ] || { echo "profile-peer.sh: no libopenblas_nolapack.so.0 under ~/.javacpp/cache: run benchmarks/peer.sh once first" >&2; exit 2; }
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
perf probe -q -d 'probe_libopenblas_nolapack:*' 2>/dev/null || true
trap "perf probe -q -d 'probe_libopenblas_nolapack:*' 2>/dev/null || true" EXIT
# cblas_sgemm(order, transA, transB, M, N, K, ...): the first six integer arguments in registers
perf probe -q -x "$lib" -a 'gemm=cblas_sgemm order=%di:s32 ta=%si:s32 tb=%dx:s32 M=%cx:s32 N=%r8:s32 K=%r9:s32'
perf probe -q -x "$lib" -a 'gemmret=cblas_sgemm%return'
out="bench-results/profile-peer/$case_-$(date -u +%Y%m%d-%H%M%S)"; mkdir -p "$out"
# the attention kernel's parts out of line, so that they are categories of their own in every run
keep=""; for m in scores context product softmaxRow readHead transpose write writeRow; do
  keep="$keep -XX:CompileCommand=dontinline,org.pclora.core.kernels.AttentionKernel::$m"; done
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} \
PCLORA_JAVA_OPTS="-Xmx4g -XX:+PreserveFramePointer -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:CompileCommand=quiet$keep" \
PEER_EXEC_PREFIX="perf record -q -N -c 1 -e cpu-clock/period=1000000/ -g -e probe_libopenblas_nolapack:gemm -e probe_libopenblas_nolapack:gemmret__return -m 512 -o $out/perf.data --" \
  benchmarks/peer.sh steps="$steps" warmup="$warmup" cases="$case_" torch=false > "$out/out.txt"
fwd=""; if [ "$case_" = stack-lambda0 ]; then fwd=24; fi
FWDGEMMS=${FWDGEMMS:-$fwd} python3 benchmarks/profile/breakdown.py "$out" "$rank" | tee "$out/breakdown.txt"
python3 benchmarks/profile/categories.py "$out/breakdown.txt"
