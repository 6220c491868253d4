#!/usr/bin/env bash
# facet against the PyTorch peer, in one run, on the issues' configurations.
# Usage: scripts/compare-peer.sh [conv|models|parser|all] (default all). Prints JSON lines.
set -euo pipefail
cd "$(dirname "$0")/.."
peer=${FACET_PEER:-../shared/peers/pytorch_reference.py}
py=/usr/bin/python3
what=${1:-all}
facet() { node packages/facet/dist/src/cli/main.js "$@"; }
if [[ $what == conv || $what == all ]]; then
  for i in 1 2; do
    facet bench --op conv2d --batch 8 --channels 64 --size 64 --steps 5
    $py scripts/peer_conv2d.py --batch 8 --channels 64 --size 64 --steps 5
  done
fi
if [[ $what == models || $what == all ]]; then
  for m in basic spp naive ssp ssg; do
    facet bench --model $m --height 109 --width 89 --width-mult 0.25 --batch 16 --steps 3
    $py "$peer" --model $m --height 109 --width 89 --width-mult 0.25 --batch 16 --steps 3
    facet bench --model $m --height 218 --width 178 --width-mult 1.0 --batch 8 --steps 2
    $py "$peer" --model $m --height 218 --width 178 --width-mult 1.0 --batch 8 --steps 2
  done
fi
if [[ $what == parser || $what == all ]]; then
  facet bench --model parser --height 109 --width 89 --width-mult 0.25 --batch 16 --steps 3
  $py "$peer" --model parser --height 109 --width 89 --width-mult 0.25 --batch 16 --steps 3
fi
