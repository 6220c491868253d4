#!/usr/bin/env bash
# The parser at the paper's input size (218×178) on synthetic faces, EXPERIMENTS.md's
# "Parsing at 218×178": 1,600 steps (the session's budget; the best validation
# checkpoint, step 1,400, is what `eval` scores), then SSP on its masks (600 steps).
# About 25 + 20 minutes on 2 CPU cores.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${FACET_DATA_DIR:-/tmp/facet-data}
runs=${FACET_RUNS:-/tmp/runs}
facet() { node packages/facet/dist/src/cli/main.js "$@"; }
[[ -f $data/synth218/synth.json ]] || facet synth --out "$data/synth218" --count 3000 --seed 1 --size 218x178 --no-helen --quiet
facet train parser --data "$data/synth218" --out "$runs/p218" --steps 1600 --batch 8 --height 218 --width 178 \
  --width-mult 0.125 --optimizer adam --lr 0.002 --seed 1 --eval-every 200 --checkpoint-every 200 --eval-limit 60 --json
facet eval --run "$runs/p218" --data "$data/synth218" --split test --out experiments/synthetic-218/parser-test-metrics.json
facet train attr --method ssp --parser "$runs/p218" --data "$data/synth218" --out "$runs/ssp218" --steps 600 --batch 32 \
  --height 218 --width 178 --width-mult 0.125 --optimizer adam --lr 0.001 --seed 1 --eval-every 400 --checkpoint-every 200 --eval-limit 100 --json
facet eval --run "$runs/ssp218" --weights weights --data "$data/synth218" --split test --out experiments/synthetic-218/ssp-test-metrics.json
