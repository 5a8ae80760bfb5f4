#!/usr/bin/env bash
# Fuzzes the genre-model loader with libFuzzer + AddressSanitizer: the strict JSON reader, the
# safetensors reader and the metadata and tensor checks (Sources/MusicIndex/Model), compiled
# on their own with swiftc together with the entry point scripts/fuzz/FuzzModelLoader.swift.
# Seeds the corpus with a valid tiny model file and corruptions of it
# (scripts/fuzz/make_seeds.py), runs for SECONDS, and exits non-zero when the fuzzer finds a
# crash (the crashing input is left in the work folder as crash-*).
#
# Usage: scripts/fuzz-model-loader.sh [SECONDS=180] [WORK_DIR=.build/fuzz-model-loader]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-180}"
work="${2:-$root/.build/fuzz-model-loader}"
mkdir -p "$work/corpus"
model="$root/Sources/MusicIndex/Model"
sources=(
  "$model/StrictJSON.swift" "$model/SafeTensors.swift" "$model/ModelFileError.swift"
  "$model/CRNNArchitecture.swift" "$model/ModelMetadata.swift" "$model/ModelFile.swift"
  "$root/Sources/MusicIndex/DSP/SpectrogramParameters.swift" "$root/Sources/MusicIndex/Support/MusicIndexError.swift"
  "$root/scripts/fuzz/FuzzModelLoader.swift"
)
echo "compiling the loader with -sanitize=fuzzer,address"
if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name ModelLoaderFuzz \
    "${sources[@]}" -o "$work/fuzz-model-loader" >"$work/compile.log" 2>&1; then
  grep -v "Cannot export local symbol" "$work/compile.log" >&2
  echo "compiling the fuzz target failed" >&2
  exit 2
fi
python3 "$root/scripts/fuzz/make_seeds.py" "$work/seeds"
echo "fuzzing for $seconds s (corpus $work/corpus, seeds $work/seeds)"
cd "$work"
set +e
./fuzz-model-loader -max_total_time="$seconds" -print_final_stats=1 -max_len=16384 -timeout=10 \
  corpus seeds 2>&1 | tee fuzz.log | grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)|ERROR|SUMMARY|stat::|Done [0-9]+ runs"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "the fuzzer found a failure (exit $status); see $work/fuzz.log and $work/crash-*" >&2
  exit 1
fi
echo "no crash in $seconds s"
