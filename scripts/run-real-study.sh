#!/usr/bin/env bash
# The paper's methods on real faces (EXPERIMENTS.md, "Real faces"). The parser, the
# basic net (avg, 3,000 steps) and SSP come from scripts/train-default-model.sh; SSP
# starts from avg's trunk and trains 1,000 more steps. For a like-for-like table, SSG
# and avg itself ("avg-ft") get the same 1,000 steps from the same trunk, schedule and
# seed. Each is scored on celeba/'s official test split, SSP+SSG as an ensemble.
# Runs resume where they stopped; metrics, logs and wall times go to experiments/real/
# (checkpoints stay in $FACET_RUNS, default experiments/real/runs, not committed).
# BBox reads the five landmarks the data engine (facet label) takes from FaceMesh, so it
# trains on the label folders (CelebA has no reachable landmark file here).
# Usage: bash scripts/run-real-study.sh [DATA] [METHOD…] (default: ssg avg-ft bbox)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-${FACET_DATA:-../shared/data}}
shift || true
methods=("${@:-ssg avg-ft bbox}")
out=${FACET_RUNS:-experiments/real/runs}
labels=${FACET_LABELS:-experiments/real/labels}
results=experiments/real
mkdir -p "$results"
facet() { node packages/facet/dist/src/cli/main.js "$@"; }
timed() { local t0=$SECONDS; "$@"; echo "# $((SECONDS - t0)) s: $*" | tee -a "$results/wall-times.txt"; }

# the parser and SSP (and the pseudo-labels) come from the shipped model's script
FACET_RUNS=$out FACET_LABELS=$labels SKIP_EXPORT=${SKIP_EXPORT:-1} bash scripts/train-default-model.sh "$data"

size=(--init-from "$out/avg" --height 109 --width 89 --width-mult 0.25 --batch 32 --steps 1000 --warmup-steps 50 --eval-every 250 --checkpoint-every 250)
# one intra-op thread: on a 2-core machine shared with anything else, OpenMP threads that
# spin-wait for a busy core made a parser step 7× slower (7 vs 51 img/s measured)
schedule=(--optimizer adamw --lr 1e-3 --weight-decay 0.05 --lr-schedule cosine --seed 1 --threads 1)
for m in ${methods[@]}; do
  run=$out/$m
  [[ -f $run/train_summary.json ]] && continue
  sets="$data/celeba,$data/celeba-small"
  case $m in
    ssg) method=ssg; extra=(--parser "$out/parser") ;;
    avg-ft) method=avg; extra=() ;;
    bbox) method=bbox; extra=(); sets="$labels/celeba,$labels/celeba-small" ;;
    *) echo "unknown method $m" >&2; exit 2 ;;
  esac
  if [[ -f $run/state.json ]]; then timed facet train attr --resume "$run" --json >>"$run.log"
  else timed facet train attr --method "$method" --data "$sets" --out "$run" "${extra[@]}" "${size[@]}" "${schedule[@]}" --json >>"$run.log"; fi
done

for m in avg ssp ssg avg-ft bbox; do
  [[ -f $out/$m/train_summary.json ]] || continue
  test_set=$data/celeba; [[ $m == bbox ]] && test_set=$labels/celeba
  facet eval --run "$out/$m" --data "$test_set" --split test --json --out "$results/test-$m.json" >/dev/null
  cp "$out/$m.log" "$results/train-$m.log" 2>/dev/null || true
done
if [[ -f $out/ssg/train_summary.json ]]; then
  facet eval --ensemble "$out/ssp,$out/ssg" --data "$data/celeba" --split test --json --out "$results/test-ssp+ssg.json" >/dev/null
fi
facet eval --run "$out/parser" --data "$data/lfw-parts" --split val --json --out "$results/parser-lfw-val.json" >/dev/null
cp "$out/parser.log" "$results/train-parser.log" 2>/dev/null || true
