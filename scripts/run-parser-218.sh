#!/usr/bin/env bash
# The study at the paper's input size (218×178) on synthetic faces (generator version 2),
# EXPERIMENTS.md's "Parsing at 218×178" and "Where attributes live": the parser (1,600
# steps; `eval` scores its best validation checkpoint), then SSP on its masks, 600 steps
# of 32 (Adam lr 1e-3), scored on the test split with its localization check.
# About 15 + 17 minutes on 2 CPU cores. `all` adds the SSP variants of the localization
# experiment, about 15 minutes each: a uniform-weight warm-up, the paper's AdaGrad, every
# region's own loss (--region-loss), and pooling conv42 or conv52 instead of conv62
# (--ssp-features, with and without the region loss), and seed 2 of conv62 and conv42.
# Usage: scripts/run-parser-218.sh [all]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${FACET_DATA_DIR:-/tmp/facet-data}/synth218-v2
runs=${FACET_RUNS:-/tmp/runs}
out=experiments/synthetic-218
facet() { node packages/facet/dist/src/cli/main.js "$@"; }
mkdir -p "$out"
[[ -f $data/synth.json ]] || facet synth --out "$data" --count 3000 --seed 1 --size 218x178 --no-helen --quiet
common=(--data "$data" --height 218 --width 178 --width-mult 0.125 --seed 1 --checkpoint-every 200 --json)
[[ -f $runs/p218v2/state.json ]] || facet train parser "${common[@]}" --out "$runs/p218v2" --steps 1600 --batch 8 \
  --optimizer adam --lr 0.002 --eval-every 200 --eval-limit 60
cp "$runs/p218v2/log.jsonl" "$out/parser-log.jsonl"
facet eval --run "$runs/p218v2" --data "$data" --split test --out "$out/parser-test-metrics.json"
ssp() { # name, extra flags…
  local name=$1; shift
  [[ -f $runs/$name/state.json ]] || facet train attr --method ssp --parser "$runs/p218v2" "${common[@]}" --out "$runs/$name" \
    --steps 600 --batch 32 --eval-every 400 --eval-limit 100 "$@"
  cp "$runs/$name/log.jsonl" "$out/$name-log.jsonl"
  facet eval --run "$runs/$name" --weights weights --data "$data" --split test --out "$out/$name-test-metrics.json"
}
ssp ssp218v2 --optimizer adam --lr 0.001
if [[ ${1:-} == all ]]; then
  ssp ssp218v2-warmup --optimizer adam --lr 0.001 --loc-warmup 300
  ssp ssp218v2-adagrad --optimizer adagrad --lr 0.01
  ssp ssp218v2-regionloss --optimizer adam --lr 0.001 --region-loss 1
  ssp ssp218v2-conv42 --optimizer adam --lr 0.001 --ssp-features conv42
  ssp ssp218v2-conv42-regionloss --optimizer adam --lr 0.001 --ssp-features conv42 --region-loss 1
  ssp ssp218v2-conv52 --optimizer adam --lr 0.001 --ssp-features conv52
  ssp ssp218v2-seed2 --optimizer adam --lr 0.001 --seed 2
  ssp ssp218v2-conv42-seed2 --optimizer adam --lr 0.001 --ssp-features conv42 --seed 2
fi
