#!/usr/bin/env bash
# Where a training step's time goes: samples one thread running `pclora bench train <args>` with
# Linux perf and groups them into GEMM (OpenBLAS sgemm), fused kernels (JIT-compiled Java),
# libnd4j operations, memory/OS and other. Needs `perf` (Debian: linux-perf) and
# kernel.perf_event_paranoid <= 2. Example:
#   benchmarks/profile-step.sh model=vit-mini batch=64 rank=8 lambda=0.5
set -euo pipefail
cd "$(dirname "$0")/.."
command -v perf >/dev/null || { echo "profile-step.sh: perf is not installed (Debian package linux-perf)" >&2; exit 2; }
out="${PROFILE_OUT:-bench-results/profile}"
mkdir -p "$out"
# One thread for libnd4j, OpenBLAS and the kernels: every sample of the main thread is step time.
export OMP_NUM_THREADS=1
./pclora --help >/dev/null 2>&1 || true   # builds the jar when sources changed
# -D skips the first 10 s (JVM start-up, reading jars, JIT warm-up), so the samples are steps.
perf record -q -F 999 -D 10000 -o "$out/perf.data" -- ./pclora bench train steps=${PROFILE_STEPS:-150} warmup=20 "$@" > "$out/bench.json" 2>/dev/null
perf report -i "$out/perf.data" --comms java --no-children --sort dso,sym --stdio 2>/dev/null \
  | awk -F'%' '/^ +[0-9.]+%/ {
      pct = $1 + 0; line = $0
      if (line ~ /sgemm|gemm_|openblas/) g["GEMM (OpenBLAS)"] += pct
      else if (line ~ /\[JIT\]|jdk\.incubator|VectorKernels/) g["fused kernels + other JIT-compiled Java"] += pct
      else if (line ~ /libnd4j/) g["libnd4j operations (copies, adds, reductions, batched matmul glue)"] += pct
      else if (line ~ /kernel|libc\.so|memset|memmove|page/) g["memory and OS (page faults, memset/memcpy, scheduling)"] += pct
      else if (line ~ /libjvm/) g["JVM (JIT compiler, GC, runtime)"] += pct
      else if (line ~ /libz\.so|ld-linux/) g["start-up (reading jars, loading libraries)"] += pct
      else g["other"] += pct
      total += pct }
    END { for (k in g) printf "%6.1f %%  %s\n", 100 * g[k] / total, k }' | sort -rn | tee "$out/profile.txt"
grep -E '"ms_per_step"|"fraction_of_sgemm"' "$out/bench.json"
