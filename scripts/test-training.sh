#!/usr/bin/env bash
# The training side of the test suite (part of `make test`): the Python unit tests of
# training/ (model file, corpus generator, trainer) and the end-to-end smoke run
# (scripts/train-smoke-test.sh: train a tiny model, export it, and check that the Swift
# engine reproduces PyTorch's outputs on a clip).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/install-training-deps.sh
python=$(bash scripts/training-venv.sh)
"$python" -m unittest discover -s training/tests
TRAIN_VENV="$(dirname "$(dirname "$python")")" bash scripts/train-smoke-test.sh
