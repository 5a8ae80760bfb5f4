#!/usr/bin/env bash
# Regenerates the shipped default genre model from scratch: generates the labelled corpus
# (training/make_corpus.py: 10 GTZAN genres x CLIPS clips of 30 s, seed 1), runs the Swift
# front end on it, trains the seed CRNN (training/train.py) and writes
#   Sources/MusicIndex/Resources/musicindex-genres.safetensors   (the model the package ships)
#   training/REPORT.md, training/figures/, training/split.json, training/run.json
# Prints the wall time of each step and the total. Designed for a 2-core machine in under
# 60 minutes; a CUDA GPU is used when present.
#
# Usage: scripts/train-default-model.sh   (env: CLIPS=100, EPOCHS=30, CORPUS_DIR=.build-corpus)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
clips="${CLIPS:-100}"
epochs="${EPOCHS:-30}"
corpus="${CORPUS_DIR:-$root/.build-corpus}"
start=$(date +%s)
step() { echo "== $(($(date +%s) - start)) s: $*" >&2; }

step "system packages"
bash scripts/install-deps.sh
bash scripts/install-training-deps.sh

step "python environment"
python=$(bash scripts/training-venv.sh)

step "corpus: $clips clips per genre into $corpus"
"$python" training/make_corpus.py "$corpus" --clips-per-genre "$clips" --seconds 30 --seed 1 --jobs 2

step "front end (release build)"
bash "$root/scripts/build-release.sh" >/dev/null

step "training"
mkdir -p Sources/MusicIndex/Resources
"$python" training/train.py --data "$corpus" \
  --out Sources/MusicIndex/Resources/musicindex-genres.safetensors \
  --report-dir training --epochs "$epochs" --patience 6 --crops-per-clip 4 --seed 1 --threads 2 --jobs 2 \
  --musicindex "$root/.build/release/musicindex"

step "done: total $(($(date +%s) - start)) s"
