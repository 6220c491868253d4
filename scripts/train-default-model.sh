#!/usr/bin/env bash
# Rebuilds the shipped model (packages/facet/models/default) from the runs of
# scripts/run-experiment.sh: its parser (synthetic faces + LFW Part Labels) and its SSP
# attribute model (synthetic faces). Run that script first.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=experiments/synthetic/runs
[[ -f $runs/ssp/state.json ]] || bash scripts/run-experiment.sh
facet() { node packages/facet/dist/src/cli/main.js "$@"; }
# The experiment's SSP run (800 steps), continued exactly to 3,200 steps.
if [[ ! -f $runs/ssp-long/state.json ]]; then
  cp -r "$runs/ssp" "$runs/ssp-long"
  rm -f "$runs/ssp-long/train_summary.json"
fi
facet train attr --resume "$runs/ssp-long" --steps 3200 --quiet
facet export bundle --attributes "$runs/ssp-long" --parser "$runs/parser" \
  --out packages/facet/models/default \
  --description "Trained by facet on synthetic faces (attributes and 7-region masks, scripts/run-experiment.sh) and LFW Part Labels (real faces, hair/skin/background masks only). It has never seen real photos with attribute labels: on real photos its hair/skin/background parse is meaningful, its fine regions and attribute probabilities are not."
# Three synthetic sample faces (a seed the training never used), for `facet predict`
# and `facet serve` without arguments.
tmp=$(mktemp -d)
facet synth --out "$tmp" --count 3 --seed 2024 --size 109x89 --no-helen --quiet
mkdir -p packages/facet/models/default/samples
cp "$tmp"/Img/img_align_celeba/00000[123].jpg packages/facet/models/default/samples/
rm -rf "$tmp"
