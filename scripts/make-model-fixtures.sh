#!/usr/bin/env bash
# Regenerates the genre-model reference fixtures in Tests/MusicIndexTests/Fixtures/model/
# (three small random-weight model files, mel dB inputs, what PyTorch computes from them in
# float64, and manifest.json describing it all), so the Swift CRNN engine can be tested
# without PyTorch in CI.
#
# Usage: scripts/make-model-fixtures.sh
#
# Creates (or reuses) a virtualenv at .venv-model/ in the repository root, installs the
# CPU build of PyTorch and safetensors into it, then runs scripts/make_model_fixtures.py.
# The output is deterministic: running it twice produces byte-identical files.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="$root/.venv-model"
out="$root/Tests/MusicIndexTests/Fixtures/model"

# The CPU wheel (~200 MB); PyPI's default Linux wheel pulls in ~5 GB of CUDA. The "+cpu"
# local version exists only on PyTorch's index, so pip cannot fall back to the CUDA build;
# the other packages come from PyPI.
TORCH="torch==2.13.0+cpu"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

if ! command -v python3 >/dev/null 2>&1; then
    echo "make-model-fixtures: python3 is required" >&2
    exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -m venv "$venv"; then
        # Debian's python3 ships venv separately.
        rm -rf "$venv"
        $SUDO apt-get update
        $SUDO apt-get install -y python3-venv
        python3 -m venv "$venv"
    fi
fi

if ! "$venv/bin/python" -c "import torch, safetensors, numpy" >/dev/null 2>&1; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --index-url https://download.pytorch.org/whl/cpu \
        --extra-index-url https://pypi.org/simple \
        "$TORCH" "safetensors==0.8.*" numpy
fi

cd "$root"
"$venv/bin/python" "$here/make_model_fixtures.py" "$out"
echo "make-model-fixtures: wrote $out ($(du -sh "$out" | cut -f1))"
