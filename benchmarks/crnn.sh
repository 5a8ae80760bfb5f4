#!/usr/bin/env bash
# CRNN inference benchmark: the Swift engine (Sources/MusicIndex/Model) against PyTorch's eval
# mode (benchmarks/crnn_torch.py), on the same random full-size model (channels
# [16, 32, 32, 32], GRU 500, 10 labels, 128 mels, 128-frame segments) and the same random
# segments, with 1 and 2 threads each: PyTorch's torch.set_num_threads, the engine's OpenBLAS
# threads for one caller, and also N callers of one BLAS thread each (how a scan runs the
# model, one file per core). Both sides time whole passes over the segments in batches and
# report the median (PyTorch: 5 passes; Swift: 5 passes). Prints segments/s, the ratios, and
# the engine's largest relative difference to PyTorch's float32 outputs on the same inputs.
#
# Usage: benchmarks/crnn.sh [SEGMENTS=256] [BATCH=32]
# PyTorch comes from the training environment (scripts/training-venv.sh). The Swift side is the test ModelBenchmarkTests, built in
# release with -enable-testing and run only when MUSICINDEX_BENCH_CRNN is set.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
segments="${1:-256}"
batch="${2:-32}"
# PyTorch from the training environment (a local CPU wheel when /opt/wheels has one, else PyPI).
python="$(bash "$root/scripts/training-venv.sh")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
model="$work/model.safetensors"
inputs="$work/inputs.f32"
"$python" "$root/benchmarks/crnn_torch.py" --make "$model" "$inputs" --segments "$segments"
# PyTorch's float32 outputs for the parity line (the trainer's own loader and network).
mkdir -p "$work/reference"
"$python" - "$model" "$inputs" "$work/reference" "$root/training" <<'PY'
import json, sys
import numpy as np, torch
sys.path.insert(0, sys.argv[4])
from musicindex_training import load_model
model_path, inputs_path, out = sys.argv[1:4]
model, metadata = load_model(model_path)
shape = json.load(open(inputs_path + ".json"))["shape"]
mel = torch.from_numpy(np.fromfile(inputs_path, "<f4").reshape(shape))
norm = metadata["normalization"]
with torch.inference_mode():
    logits, embedding = model(((mel - norm["mean"]) / norm["std"]).unsqueeze(1))
    probabilities = torch.softmax(logits, dim=1)
for name, t in (("logits", logits), ("embedding", embedding), ("probabilities", probabilities)):
    t.numpy().astype("<f4").tofile(f"{out}/{name}.f32")
PY

echo "building the tests in release (-enable-testing)..."
(cd "$root" && swift build -c release --build-tests -Xswiftc -enable-testing 2>&1 | grep -E "error:|Build comp")

# Runs the Swift benchmark test with THREADS [REFERENCE]; prints its key=value lines.
swift_run() {
  (cd "$root" && MUSICINDEX_BENCH_CRNN="$model" MUSICINDEX_BENCH_CRNN_INPUTS="$inputs" \
    MUSICINDEX_BENCH_CRNN_THREADS="$1" MUSICINDEX_BENCH_CRNN_BATCH="$batch" \
    MUSICINDEX_BENCH_CRNN_REFERENCE="${2:-}" \
    swift test -c release --skip-build --disable-xctest --filter ModelBenchmarkTests 2>&1) | grep -E "^[a-z_]+=" || true
}
value() { sed -n "s/^$1=//p"; }

echo "load average before timing: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "model: channels [16, 32, 32, 32], GRU 500, 10 labels; $segments segments of [128, 128]; batch $batch"
swift_run 1 "$work/reference" | grep max_relative_error | sed 's/^/parity vs PyTorch float32: /'
for threads in 1 2; do
  swift_out="$(swift_run "$threads")"
  swift_sps="$(echo "$swift_out" | value segments_per_second)"
  torch_sps="$("$python" "$root/benchmarks/crnn_torch.py" "$model" "$inputs" "$threads" --batch "$batch" | value segments_per_second)"
  printf "threads %d: swift %8.1f segments/s, pytorch %8.1f segments/s, swift/pytorch %.2f\n" \
    "$threads" "$swift_sps" "$torch_sps" "$(echo "$swift_sps / $torch_sps" | bc -l)"
  parallel="$(echo "$swift_out" | value parallel_callers_segments_per_second)"
  if [ -n "$parallel" ]; then
    printf "threads %d: swift, %d callers of 1 BLAS thread each (a scan's way) %8.1f segments/s, swift/pytorch %.2f\n" \
      "$threads" "$threads" "$parallel" "$(echo "$parallel / $torch_sps" | bc -l)"
  fi
done
echo "load average after timing: $(cut -d' ' -f1-3 /proc/loadavg)"
