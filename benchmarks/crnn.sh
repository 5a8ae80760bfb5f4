#!/usr/bin/env bash
# CRNN inference benchmark: the Swift engine (Sources/MusicIndex/Model) against PyTorch's
# eval mode, on the same random full-size model (channels [16, 32, 32, 32], GRU 500, 10 labels,
# 128 mels, 128-frame segments) and the same random segments, with 1 and 2 threads each
# (PyTorch: torch.set_num_threads; Swift: OpenBLAS threads for one caller, and also N callers
# of one BLAS thread each, which is how a scan runs the model). Prints segments/s and the
# ratios, and the Swift engine's largest relative difference to PyTorch's outputs.
#
# Usage: benchmarks/crnn.sh [SEGMENTS=256] [BATCH=32]
# Needs torch, safetensors and numpy in a virtualenv at .venv-bench (created on first use).
# The Swift side is the test ModelBenchmarkTests, built in release with -enable-testing and
# run only when MUSICINDEX_BENCH_CRNN is set.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
segments="${1:-256}"
batch="${2:-32}"
venv="$root/.venv-bench"
if ! "$venv/bin/python" -c "import torch, safetensors, numpy" 2>/dev/null; then
  python3 -m venv "$venv"
  # The CPU-only build when its index is reachable, else whatever pip's configured index has.
  "$venv/bin/pip" install --quiet --retries 1 --timeout 20 torch --index-url https://download.pytorch.org/whl/cpu \
    || "$venv/bin/pip" install --quiet torch
  "$venv/bin/pip" install --quiet safetensors numpy
fi
python="$venv/bin/python"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
model="$work/model.safetensors"
inputs="$work/inputs.f32"
"$python" "$root/benchmarks/crnn_torch.py" --make "$model" "$inputs" --segments "$segments"
mkdir -p "$work/reference"
"$python" "$root/benchmarks/crnn_torch.py" --reference "$model" "$inputs" "$work/reference"

echo "building the tests in release (-enable-testing)..."
(cd "$root" && swift build -c release --build-tests -Xswiftc -enable-testing 2>&1 | grep -E "error:|Build comp")

# Runs the Swift benchmark test with THREADS; prints its key=value lines.
swift_run() {
  (cd "$root" && MUSICINDEX_BENCH_CRNN="$model" MUSICINDEX_BENCH_CRNN_INPUTS="$inputs" \
    MUSICINDEX_BENCH_CRNN_THREADS="$1" MUSICINDEX_BENCH_CRNN_BATCH="$batch" \
    MUSICINDEX_BENCH_CRNN_REFERENCE="${2:-}" \
    swift test -c release --skip-build --disable-xctest --filter ModelBenchmarkTests 2>&1) | grep -E "^[a-z_]+=" || true
}
value() { sed -n "s/^$1=//p"; }

echo "load average before timing: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "model: channels [16, 32, 32, 32], GRU 500, 10 labels; $segments segments of [128, 128]; batch $batch"
swift_run 1 "$work/reference" | grep max_relative_error | sed 's/^/parity vs PyTorch: /'
for threads in 1 2; do
  swift_out="$(MUSICINDEX_BENCH_CRNN_REFERENCE= swift_run "$threads")"
  swift_sps="$(echo "$swift_out" | value segments_per_second)"
  torch_sps="$("$python" "$root/benchmarks/crnn_torch.py" "$model" "$inputs" "$threads" --batch "$batch" | value segments_per_second)"
  ratio="$(echo "$swift_sps / $torch_sps" | bc -l)"
  printf "threads %d: swift %8.1f segments/s, pytorch %8.1f segments/s, swift/pytorch %.2f\n" \
    "$threads" "$swift_sps" "$torch_sps" "$ratio"
  parallel="$(echo "$swift_out" | value parallel_callers_segments_per_second)"
  if [ -n "$parallel" ]; then
    printf "threads %d: swift with %d callers of 1 BLAS thread (a scan's way) %8.1f segments/s, swift/pytorch %.2f\n" \
      "$threads" "$threads" "$parallel" "$(echo "$parallel / $torch_sps" | bc -l)"
  fi
done
