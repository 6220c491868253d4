#!/usr/bin/env bash
# Rebuilds the shipped model (packages/facet/models/default) from real faces, every
# step from this one script (wall times on the 2-core machine: README, "The model in
# the box"; the runs and their logs: experiments/real/):
#   1. pseudo fine labels for CelebA (FaceMesh polygons, `facet label`),
#   2. the parser on LFW Part Labels (hair/skin/background) + those labels,
#   3. the basic net on CelebA's train split + celeba-small, then SSP from its trunk,
#      with that parser frozen,
#   4. the bundle, with synthetic sample faces (CelebA's photos cannot ship).
# Usage: bash scripts/train-default-model.sh [DATA] (DATA: the folder holding celeba/,
# celeba-small/ and lfw-parts/; default ../shared/data). Each step is skipped when its
# result is there, and an interrupted run resumes exactly.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-${FACET_DATA:-../shared/data}}
out=${FACET_RUNS:-experiments/real/runs}
labels=${FACET_LABELS:-experiments/real/labels}
mkdir -p "$out" "$labels"
facet() { node packages/facet/dist/src/cli/main.js "$@"; }
timed() { local t0=$SECONDS; "$@"; echo "# $((SECONDS - t0)) s: $*" | tee -a "$out/wall-times.txt"; }
# a run is continued when it has a checkpoint, started otherwise
train() {
  local kind=$1 run=$2; shift 2
  if [[ -f $run/train_summary.json ]]; then return; fi
  if [[ -f $run/state.json ]]; then timed facet train "$kind" --resume "$run" --json >>"$run.log"
  else timed facet train "$kind" --out "$run" "$@" --json >>"$run.log"; fi
}

for set in celeba celeba-small; do
  [[ -f $labels/$set/labels.json ]] || timed facet label "$data/$set" --out "$labels/$set" --split all --quiet
done

# 109×89: celeba-small's size exactly, and what two cores can train in an hour
size=(--height 109 --width 89)
# one intra-op thread: on a 2-core machine shared with anything else, OpenMP threads that
# spin-wait for a busy core made a parser step 7× slower (7 vs 51 img/s measured)
schedule=(--optimizer adamw --lr 2e-3 --weight-decay 0.05 --lr-schedule cosine --seed 1 --threads 1)

# width 0.25: at 1,600 steps 82.3 % LFW val mean IoU against 81.5 % for width 0.125 at 2,400
train parser "$out/parser" --data "$data/lfw-parts,$labels/celeba,$labels/celeba-small" "${size[@]}" \
  --width-mult 0.25 --batch 16 --steps 1600 --warmup-steps 100 --eval-every 400 --eval-limit 500 --checkpoint-every 200 --class-balance "${schedule[@]/2e-3/3e-3}"
# then 2,000 more steps from it (a second cosine from 1.5e-3) on LFW + celeba/'s pseudo-labels
# alone (celeba-small's, fitted on half-scale faces, held it back); its best checkpoint by
# LFW val (step 1,200) is what the bundle ships: 82.3 → 84.1 % mean IoU (EXPERIMENTS.md, "Parser")
train parser "$out/parser-ft" --init-from "$out/parser" --data "$data/lfw-parts,$labels/celeba" "${size[@]}" \
  --width-mult 0.25 --batch 16 --steps 2000 --warmup-steps 50 --eval-every 400 --eval-limit 500 --checkpoint-every 200 --class-balance \
  --optimizer adamw --lr 1.5e-3 --weight-decay 0.05 --lr-schedule cosine --seed 2 --threads 1

# the basic network (global average pooling) first; SSP then starts from its trunk and
# trains the trunk and the SSP head together for a third of the steps
train attr "$out/avg" --method avg --data "$data/celeba,$data/celeba-small" "${size[@]}" \
  --width-mult 0.25 --batch 32 --steps 3000 --warmup-steps 150 --eval-every 500 --checkpoint-every 250 "${schedule[@]}"
train attr "$out/ssp" --method ssp --parser "$out/parser" --init-from "$out/avg" --data "$data/celeba,$data/celeba-small" "${size[@]}" \
  --width-mult 0.25 --batch 32 --steps 1000 --warmup-steps 50 --eval-every 250 --checkpoint-every 250 "${schedule[@]/2e-3/1e-3}"

[[ ${SKIP_EXPORT:-0} == 1 ]] && exit 0
# SSP learned its region pooling on the first parser's masks; the bundle pairs it with the
# continued parser (the attributes move by 0.02 points, the parse by 1.8: README)
# the parse averaged with its mirror image's: +0.6 points of LFW mean IoU for twice the parser's time;
# then refined along the image's edges by a guided filter, radius 4 and eps 1e-3 chosen on LFW's
# train split: +1.5 points on val, 84.7 → 86.2 % (EXPERIMENTS.md, "Parser")
facet export bundle --attributes "$out/ssp" --parser "$out/parser-ft" --out packages/facet/models/default --parser-flip-average --parse-guided-filter 4,0.001 \
  --description "Trained by facet on real faces: SSP on CelebA (2,340 aligned faces of celeba/'s train split + 8,294 of celeba-small), its parser on LFW Part Labels (hair/skin/background) and FaceMesh pseudo-labels of the same CelebA faces (scripts/train-default-model.sh). Input: aligned faces as CelebA crops them (178×218 or any size of that aspect); facet predict finds and aligns the faces of other photos first."
# Three synthetic sample faces (a seed the training never used), for `facet predict`
# and `facet serve` without arguments: CelebA's and LFW's photos are licensed for
# non-commercial research only, so none ship in the package.
tmp=$(mktemp -d)
facet synth --out "$tmp" --count 3 --seed 2024 --size 109x89 --no-helen --quiet
mkdir -p packages/facet/models/default/samples
cp "$tmp"/Img/img_align_celeba/00000[123].jpg packages/facet/models/default/samples/
rm -rf "$tmp"
