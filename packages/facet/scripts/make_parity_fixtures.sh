#!/usr/bin/env bash
# Regenerates the committed parity fixtures with the PyTorch peer (Debian's python3-torch).
# Small widths keep them small; 45×37 is odd at every stage (23×19 → 12×10 → 6×5 → 3×3).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
peer=${FACET_PEER:-$here/../../../shared/peers/pytorch_reference.py}
out=$here/fixtures/parity
mkdir -p "$out"
for m in basic spp naive ssp ssg parser; do
  /usr/bin/python3 "$peer" --model "$m" --height 45 --width 37 --width-mult 0.0625 --batch 2 --seed 1 --dump "$out/$m-45x37-w0.0625.safetensors"
done
/usr/bin/python3 "$peer" --model ssp --height 64 --width 48 --width-mult 0.125 --batch 2 --seed 2 --dump "$out/ssp-64x48-w0.125.safetensors"
/usr/bin/python3 "$peer" --model parser --height 33 --width 27 --width-mult 0.125 --batch 1 --seed 3 --dump "$out/parser-33x27-w0.125.safetensors"
ls -la "$out"
