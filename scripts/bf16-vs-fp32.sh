#!/usr/bin/env bash
# Is a bf16 run as good as an fp32 run (issue 16)? The same method, recipe, budget and
# seed in both precisions (the shipped basic net's recipe, scripts/train-default-model.sh),
# each scored on celeba/'s official test split, and both loss curves in one figure.
# Hours of CPU: run it on a machine of its own. Runs resume where they stopped.
# Usage: bash scripts/bf16-vs-fp32.sh [DATA] (default ../shared/data); STEPS=N for a shorter budget
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-${FACET_DATA:-../shared/data}}
out=${FACET_RUNS:-experiments/bf16/runs}
results=${FACET_RESULTS:-experiments/bf16}
steps=${STEPS:-3000}
mkdir -p "$results" "$out"
facet() { node packages/facet/dist/src/cli/main.js "$@"; }
recipe=(--method avg --data "$data/celeba,$data/celeba-small" --height 109 --width 89 --width-mult 0.25 --batch 32
  --steps "$steps" --warmup-steps $((steps / 20)) --eval-every $((steps / 6)) --checkpoint-every $((steps / 12))
  --optimizer adamw --lr 2e-3 --weight-decay 0.05 --lr-schedule cosine --seed 1 --threads 1 --json)
for p in fp32 bf16; do
  run=$out/avg-$p
  if [[ -f $run/train_summary.json ]]; then :
  elif [[ -f $run/state.json ]]; then facet train attr --resume "$run" --json >>"$run.log"
  else facet train attr "${recipe[@]}" --precision "$p" --out "$run" >>"$run.log"; fi
  facet eval --run "$run" --data "$data/celeba" --split test --json --out "$results/test-$p.json" >/dev/null
done
node --input-type=module -e "
import { RunDir } from './packages/facet/dist/src/runs/run_dir.js';
import { lossCurves } from './packages/facet/dist/src/viz/loss_curves.js';
import { readFileSync } from 'node:fs';
const series = ['fp32', 'bf16'].map((p) => ({ name: p, points: new RunDir('$out/avg-' + p).readLog().filter((e) => 'loss' in e).map((e) => [e.step, e.loss]) }));
await lossCurves(series, '$results/loss_curves.png', { logY: true, title: 'Training loss, fp32 and bf16 (same recipe and seed)' });
for (const p of ['fp32', 'bf16']) {
  const r = JSON.parse(readFileSync('$results/test-' + p + '.json', 'utf8'));
  console.log(p, 'mean test error', (100 * r.attributes.meanError).toFixed(2), '%');
}
"
