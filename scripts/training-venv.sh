#!/usr/bin/env bash
# Makes (or reuses) the training virtualenv and prints its python. Used by every script that
# runs Python training code. torch: a local CPU wheel from /opt/wheels when one matches
# (PyPI's Linux torch is the multi-GB CUDA build, which also runs on the CPU), else PyPI.
#
# Usage: python=$(bash scripts/training-venv.sh)     (env: TRAIN_VENV=.venv-train)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${TRAIN_VENV:-$root/.venv-train}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, numpy, scipy, sklearn, matplotlib, safetensors" 2>/dev/null; then
  echo "training-venv: creating $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --upgrade pip >&2
  wheel=""
  if [ -d /opt/wheels ]; then
    tag=$("$venv/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
    wheel=$(ls /opt/wheels/torch-*-"$tag"-*.whl 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  if [ -n "$wheel" ]; then "$venv/bin/pip" install --quiet "$wheel" >&2; fi
  "$venv/bin/pip" install --quiet -r "$root/training/requirements.txt" -r "$root/training/requirements-corpus.txt" >&2
fi
echo "$venv/bin/python"
