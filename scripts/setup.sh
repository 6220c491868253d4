#!/usr/bin/env bash
# Installs what facet needs and builds it. On Debian: libtorch (the engine), gloo's headers
# (libgloo-dev: libtorch's c10d data-parallel training compiles against them), OpenMP
# OpenBLAS (Debian's default reference BLAS makes matmul-based ops 5–10× slower),
# python3-torch (the PyTorch peer for parity fixtures and benchmarks) and chromium
# (browser tests), each only when missing; then `npm ci` (builds the addon) and tsc.
# Elsewhere: install libtorch yourself and export LIBTORCH=/path/to/libtorch.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(libtorch-dev libgloo-dev libopenblas0-openmp python3-torch chromium fonts-dejavu-core time)
if [[ -z "${LIBTORCH:-}" ]] && command -v dpkg >/dev/null && command -v apt-get >/dev/null; then
  missing=()
  for p in "${debian_packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
elif [[ -z "${LIBTORCH:-}" ]]; then
  echo "setup: not Debian; set LIBTORCH to an unpacked libtorch (CPU or CUDA) and run again" >&2
  exit 1
fi

# onnxruntime-node's postinstall would download its CUDA execution provider from NuGet
# (linux/x64); facet runs it on the CPU and installs nothing beyond the npm registry.
# An environment variable, not an .npmrc key: npm warns about unknown keys on every npx.
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund
npm run build
