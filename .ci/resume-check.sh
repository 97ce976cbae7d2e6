#!/usr/bin/env bash
# End-to-end check that SIGKILL + resume is bit-identical on a job with dropout (mini-bert-fortunes,
# hidden and attention dropout 0.1): one uninterrupted run; a second run killed with SIGKILL at
# student step 50 (last checkpoint at step 30) and resumed with `resume=`; then every logged student
# loss and gradient norm and the accuracies are compared. About 10 minutes on 2 cores; not part of CI.
#
#   .ci/resume-check.sh [work-dir]      (default: a fresh folder under /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d /tmp/pclora-resume-XXXXXX)}"
mkdir -p "$work"
export PCLORA_CACHE="$work/cache"   # the second run reuses the first one's teacher
common=(experiment=mini-bert-fortunes train.checkpoint_every=30 train.log_every=10 "output.root=$work")

./pclora run "${common[@]}" output.dir=straight > "$work/straight.log" 2>&1
./pclora run "${common[@]}" output.dir=killed > "$work/killed.log" 2>&1 &
pid=$!
until grep -q '"phase":"student","step":50' "$work/killed/metrics.jsonl" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then echo "resume-check: the run to kill ended early; see $work/killed.log" >&2; exit 1; fi
  sleep 1
done
pkill -9 -f "output.dir=killed" || true
wait "$pid" || true
./pclora run "resume=$work/killed" > "$work/resumed.log" 2>&1

python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
def student(p):
    return {m["step"]: m for m in map(json.loads, open(p)) if m.get("phase") == "student"}
a, b = student(f"{w}/straight/metrics.jsonl"), student(f"{w}/killed/metrics.jsonl")
keys = ("task_loss", "distill_loss", "loss", "grad_norm")
delta = max(abs(a[s][k] - b[s][k]) for s in a for k in keys)
sa, sb = (json.load(open(f"{w}/{d}/summary.json")) for d in ("straight", "killed"))
acc = [(s["student"]["accuracy"], s["compressed"]["accuracy"]) for s in (sa, sb)]
print(f"student steps logged: {sorted(a) == sorted(b)} ({len(a)}); max |delta| of losses and gradient norms: {delta}")
print(f"accuracy (student, compressed): uninterrupted {acc[0]}, killed and resumed {acc[1]}")
sys.exit(0 if delta == 0.0 and acc[0] == acc[1] and sorted(a) == sorted(b) else 1)
PY
