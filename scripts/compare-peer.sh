#!/usr/bin/env bash
# facet against the PyTorch peer (Debian's python3-torch), each pair in the same run,
# on the configurations the issues name. Prints JSON lines, one per measurement.
# Usage: scripts/compare-peer.sh [conv|models|parser|memory|onnx|loader|bf16|all] (default all)
# bf16: facet --precision bf16 (or each of $FACET_PRECISIONS, e.g. "bf16 fp32-cl") against
# the peer's bf16 (autocast + channels-last) and its fp32, one intra-op thread each
# ($FACET_THREADS), alternating, train and inference (FACET_CLOCK=cpu: per CPU-second).
set -euo pipefail
cd "$(dirname "$0")/.."
peer=${FACET_PEER:-../shared/peers/pytorch_reference.py}
py=/usr/bin/python3
what=${1:-all}
facet() { node packages/facet/dist/src/cli/main.js "$@"; }
small=(--height 109 --width 89 --width-mult 0.25 --batch 16 --steps 10)
large=(--height 218 --width 178 --width-mult 1.0 --batch 8 --steps 5)
if [[ $what == conv || $what == all ]]; then
  for i in 1 2; do
    facet bench --op conv2d --batch 8 --channels 64 --size 64 --steps 5
    $py scripts/peer_conv2d.py --batch 8 --channels 64 --size 64 --steps 5
  done
fi
if [[ $what == models || $what == all ]]; then
  for m in basic spp naive ssp ssg; do
    for cfg in small large; do
      declare -n args=$cfg
      facet bench --model $m "${args[@]}"
      $py "$peer" --model $m "${args[@]}"
    done
  done
fi
if [[ $what == parser || $what == all ]]; then
  facet bench --model parser "${small[@]}"
  $py "$peer" --model parser "${small[@]}"
fi
if [[ $what == memory || $what == all ]]; then
  # Peak RSS of training steps at (218×178, 1.0, batch 8), in kB.
  for who in facet peer; do
    if [[ $who == facet ]]; then cmd=(node packages/facet/dist/src/cli/main.js bench --model basic "${large[@]}"); else cmd=($py "$peer" --model basic "${large[@]}"); fi
    /usr/bin/time -v "${cmd[@]}" 2> /tmp/facet-rss.txt >/dev/null
    echo "{\"engine\":\"$who\",\"model\":\"basic\",\"peak_rss_kb\":$(awk -F': ' '/Maximum resident/{print $2}' /tmp/facet-rss.txt)}"
  done
fi
if [[ $what == onnx || $what == all ]]; then
  for cfg in small large; do
    declare -n args=$cfg
    for model in basic ssp; do
      facet bench --runtime onnx --model $model "${args[@]}"
      facet bench --runtime onnx --model $model --precision int8 "${args[@]}"
      $py "$peer" --model $model "${args[@]}"
    done
  done
fi
if [[ $what == bf16 || $what == all ]]; then
  threads=(--threads "${FACET_THREADS:-1}")
  # FACET_CLOCK=cpu: images per CPU-second on both sides (a copy of the peer timed with
  # time.process_time), the steadier figure when other jobs share the cores
  clocked=$peer clock=()
  if [[ ${FACET_CLOCK:-wall} == cpu ]]; then
    clocked=$(mktemp --suffix .py); clock=(--clock cpu)
    sed 's/time\.perf_counter()/time.process_time()/g' "$peer" >"$clocked"
  fi
  for m in basic ssp ssg; do
    for cfg in small large; do
      declare -n args=$cfg
      for p in ${FACET_PRECISIONS:-bf16}; do facet bench --model $m --precision "$p" "${args[@]}" "${threads[@]}" "${clock[@]}"; done
      $py "$clocked" --model $m --precision bf16 "${args[@]}" "${threads[@]}"
      $py "$clocked" --model $m --precision fp32 "${args[@]}" "${threads[@]}"
    done
  done
  [[ $clocked == "$peer" ]] || rm -f "$clocked"
fi
if [[ $what == loader || $what == all ]]; then
  data=${FACET_DATA_DIR:-/tmp/facet-data}/synth
  [[ -f $data/synth.json ]] || facet synth --out "$data" --count 3000 --seed 1 --size 109x89 --quiet
  facet bench --data "$data" --height 109 --width 89 --batch 32 --steps 10
fi
