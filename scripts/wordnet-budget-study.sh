#!/usr/bin/env bash
# The WordNet budget study (docs/results.md), piece by piece, resumable: repeating a piece skips its complete
# runs and resumes a stopped one from its checkpoint. Run from the project root:
#   scripts/wordnet-budget-study.sh all            # every piece in order (about 8 h alone on 2 cores)
#   scripts/wordnet-budget-study.sh grid|select|x1|x4|x16|q|base12|report   # one piece
# STUDY_ROOT (default /work/study) holds outputs/, reports/, the teacher cache (PCLORA_CACHE, unless set),
# selected.env (each row's learning rate and alpha chosen on validation at 1x) and pieces.log (every command
# with its start and end).
set -euo pipefail
ROOT=${STUDY_ROOT:-/work/study}
OUT="$ROOT/outputs"
export PCLORA_CACHE=${PCLORA_CACHE:-$ROOT/cache}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
ROWS="pclora lora-kd pclora-nokd"
mkdir -p "$OUT" "$ROOT/reports"

step() {
  echo "$(date -u +%FT%TZ) start: $*" >> "$ROOT/pieces.log"
  "$@"
  echo "$(date -u +%FT%TZ) done:  $*" >> "$ROOT/pieces.log"
}

selected() { # row -> "optimizer.lr=.. loss.alpha=.."
  [ -f "$ROOT/selected.env" ] || { echo "no $ROOT/selected.env: run the grid and select pieces first" >&2; exit 2; }
  grep "^$1 " "$ROOT/selected.env" | cut -d' ' -f2-
}

grid() {
  # a run that fails (a learning rate that diverges) is recorded as failed in multirun.json and the sweep
  # exits 1: the selection reads the complete runs, so the study goes on
  step ./pclora run -m experiment=wordnet-budget-grid output.root="$OUT" || true
  # no distillation: alpha does not enter, so the row is swept over the learning rate alone
  step ./pclora run -m experiment=wordnet-budget-grid row=pclora-nokd loss.alpha=0.2 output.root="$OUT" || true
}

select_() {
  step ./pclora report "$OUT/wordnet-budget-grid" --out="$ROOT/reports/grid" --select-by=val_accuracy \
    --over=optimizer.lr,loss.alpha
  : > "$ROOT/selected.env.new"
  for r in $ROWS; do
    line=$(grep -E "row=$r(;|\")" "$ROOT/reports/grid/selection.csv" | head -1)
    [ -n "$line" ] || { echo "no selection for row $r in $ROOT/reports/grid/selection.csv" >&2; exit 2; }
    rest=${line#*\",}
    echo "$r optimizer.lr=$(echo "$rest" | cut -d, -f1) loss.alpha=$(echo "$rest" | cut -d, -f2)" \
      >> "$ROOT/selected.env.new"
  done
  mv "$ROOT/selected.env.new" "$ROOT/selected.env"
  cat "$ROOT/selected.env"
}

x1() {
  for r in $ROWS; do
    step ./pclora run -m experiment=wordnet-budget row=$r $(selected $r) seed=1,2,3 output.root="$OUT"
  done
}

x4() {
  for r in $ROWS; do
    step ./pclora run -m experiment=wordnet-budget-4x row=$r $(selected $r) seed=1,2,3 output.root="$OUT"
  done
}

x16() {
  for r in $ROWS; do
    step ./pclora run -m experiment=wordnet-budget-16x row=$r $(selected $r) seed=1 output.root="$OUT"
  done
}

q() { # q = 0.8 is the 4x point's own pclora run
  step ./pclora run -m experiment=wordnet-budget-q $(selected pclora) pclora.ratio=0.5,0.95 seed=1 output.root="$OUT"
}

base12() {
  for r in $ROWS; do
    step ./pclora run -m experiment=wordnet-budget-base12 row=$r $(selected $r) seed=1 output.root="$OUT"
  done
}

report() {
  step ./pclora report "$OUT/wordnet-budget" "$OUT/wordnet-budget-4x" "$OUT/wordnet-budget-16x" \
    --out="$ROOT/reports/budget" --budget
}

case "${1:-}" in
  grid) grid ;;
  select) select_ ;;
  x1|x4|x16|q|base12) "$1" ;;
  report) report ;;
  all) grid; select_; x1; x4; q; x16; base12; report ;;
  *) echo "usage: $0 all|grid|select|x1|x4|x16|q|base12|report" >&2; exit 2 ;;
esac
