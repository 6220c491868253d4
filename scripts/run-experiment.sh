#!/usr/bin/env bash
# The synthetic study of EXPERIMENTS.md, as it was run: 3,000 synthetic faces (seed 1,
# 109×89), the parser on them together with LFW Part Labels (real faces, coarse masks),
# then every attribute method, the SSP+SSG ensemble and the joint model.
# About an hour on 2 CPU cores. Rerunning continues unfinished runs.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${FACET_DATA_DIR:-/tmp/facet-data}
lfw=${FACET_LFW_PARTS:-../shared/data/lfw-parts}
facet() { node packages/facet/dist/src/cli/main.js "$@"; }
[[ -f $data/synth/synth.json ]] || facet synth --out "$data/synth" --count 3000 --seed 1 --size 109x89 --quiet
facet experiment \
  --data "$data/synth" --parser-data "$data/synth" --parser-data "$lfw" \
  --out experiments/synthetic --steps 800 --parser-steps 1500 --parser-batch 16 --joint-steps 400 --batch 32 \
  --height 109 --width 89 --width-mult 0.125 --optimizer adam --lr 0.001 --parser-lr 0.002 --class-balance \
  --seed 1 --eval-every 400 --eval-limit 200 --json "$@"
