#!/usr/bin/env bash
# The paper's methods on real faces (EXPERIMENTS.md, "Real faces"): the parser, avg
# (basic) and SSP of scripts/train-default-model.sh, then SSG and BBox from scratch
# with avg's budget, schedule and seed, each scored on celeba/'s official test split,
# SSP+SSG as an ensemble. Runs are resumed where they stopped; metrics, logs and wall times go to
# experiments/real/ (checkpoints stay in $FACET_RUNS, default experiments/real/runs, not committed).
# Usage: bash scripts/run-real-study.sh [DATA] [METHOD…] (default: ssg bbox)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-${FACET_DATA:-../shared/data}}
shift || true
methods=("${@:-ssg bbox}")
out=${FACET_RUNS:-experiments/real/runs}
labels=${FACET_LABELS:-experiments/real/labels}
results=experiments/real
facet() { node packages/facet/dist/src/cli/main.js "$@"; }
timed() { local t0=$SECONDS; "$@"; echo "# $((SECONDS - t0)) s: $*" | tee -a "$results/wall-times.txt"; }

# the parser and SSP (and the pseudo-labels) come from the shipped model's script
FACET_RUNS=$out FACET_LABELS=$labels SKIP_EXPORT=${SKIP_EXPORT:-1} bash scripts/train-default-model.sh "$data"

size=(--height 109 --width 89 --width-mult 0.25 --batch 32 --steps 3000 --warmup-steps 150 --eval-every 500 --checkpoint-every 250)
schedule=(--optimizer adamw --lr 2e-3 --weight-decay 0.05 --lr-schedule cosine --seed 1 --threads 2)
for m in ${methods[@]}; do
  run=$out/$m
  [[ -f $run/train_summary.json ]] && continue
  case $m in
    ssg) d="$data/celeba,$data/celeba-small"; extra=(--parser "$out/parser") ;;
    # BBox needs the five landmarks: the label folders carry FaceMesh's, over the same faces
    bbox) d="$labels/celeba,$labels/celeba-small"; extra=() ;;
    *) echo "unknown method $m" >&2; exit 2 ;;
  esac
  if [[ -f $run/state.json ]]; then timed facet train attr --resume "$run" --json >>"$run.log"
  else timed facet train attr --method "$m" --data "$d" --out "$run" "${extra[@]}" "${size[@]}" "${schedule[@]}" --json >>"$run.log"; fi
done

for m in ssp avg ssg bbox; do
  [[ -f $out/$m/train_summary.json ]] || continue
  facet eval --run "$out/$m" --data "$data/celeba" --split test --json --out "$results/test-$m.json" >/dev/null
  cp "$out/$m.log" "$results/train-$m.log" 2>/dev/null || true
done
if [[ -f $out/ssg/train_summary.json ]]; then
  facet eval --ensemble "$out/ssp,$out/ssg" --data "$data/celeba" --split test --json --out "$results/test-ssp+ssg.json" >/dev/null
fi
facet eval --run "$out/parser" --data "$data/lfw-parts" --split val --json --out "$results/parser-lfw-val.json" >/dev/null
cp "$out/parser.log" "$results/train-parser.log" 2>/dev/null || true
