#!/usr/bin/env bash
# Fuzzes what musicindex does with untrusted bytes, with libFuzzer and AddressSanitizer
# (swiftc -sanitize=fuzzer,address). Targets (scripts/fuzz/*.swift):
#   model-loader  the genre-model loader (strict JSON, safetensors, metadata and tensor checks)
#   probe         content sniffing, audio-payload location and the audio hash
#   tags          TagLib through the C++ shim (Sources/CTagLib), and the tag interpretation
#   mpg123        the libmpg123 decoder;  sndfile: the libsndfile decoder;  ffmpeg: FFmpeg's
#   reader        the analysis input of a scan: sniffing, the decoder it picks, down-mix, resampling
#
# The sources these need are compiled on their own with swiftc (not through SwiftPM, so the
# normal build is untouched), against the system-library module maps in Sources/*System; the
# TagLib shim and FFmpeg's loader (Sources/CTagLib, Sources/CFFmpeg) are compiled with
# clang -fsanitize=fuzzer-no-link,address. TagLib, libmpg123,
# libsndfile, FFmpeg and libsoxr are the system's uninstrumented builds: a crash inside them
# is caught, but coverage guidance comes from musicindex's own code.
#
# Each target starts from its corpus folder (kept between runs) and seeds: the model files of
# scripts/fuzz/make_seeds.py for model-loader; for the others the committed audio fixtures
# (Tests/MusicIndexTests/Fixtures/decode and tags) and, when present, the damaged files of
# scripts/make-hostile-corpus.sh. A target runs for SECONDS; the script prints each target's
# executions and coverage and exits non-zero when one failed (the input is left in the work
# folder as <target>/crash-*, leak-*, timeout-* or oom-*).
#
# Usage: scripts/fuzz.sh TARGET|all [SECONDS=60] [WORK_DIR=.build/fuzz]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
all_targets=(model-loader probe tags mpg123 sndfile ffmpeg reader)
which="${1:?usage: scripts/fuzz.sh TARGET|all [SECONDS] [WORK_DIR]; targets: ${all_targets[*]}}"
seconds="${2:-60}"
work="${3:-$root/.build/fuzz}"
if [ "$which" = all ]; then targets=("${all_targets[@]}"); else targets=("$which"); fi
for target in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $target "* ]] || { echo "unknown target $target; targets: ${all_targets[*]}" >&2; exit 2; }
done
mkdir -p "$work/build"

# --- build: one binary for every target -------------------------------------------------
src="$root/Sources/MusicIndex"
sources=(
  "$src/Model/StrictJSON.swift" "$src/Model/SafeTensors.swift" "$src/Model/ModelFileError.swift"
  "$src/Model/CRNNArchitecture.swift" "$src/Model/ModelMetadata.swift" "$src/Model/ModelFile.swift"
  "$src/DSP/SpectrogramParameters.swift" "$src/Support/MusicIndexError.swift"
  "$src/Support/ReadOnlyFile.swift" "$src/Support/XXH64.swift"
  "$src"/Probe/{AudioFormat,AudioHasher,AudioPayload,ContentSniffer,MPEGFrame}.swift
  "$src"/Decode/*.swift "$src/Tags/TagReader.swift" "$src/Tags/TrackTags.swift"
  "$root"/scripts/fuzz/*.swift
)
binary="$work/build/musicindex-fuzz"
stamp="$work/build/sources.sha"
sha=$(cat "${sources[@]}" "$root/Sources/CTagLib/taglib_shim.cpp" "$root/Sources/CFFmpeg/ffmpeg_loader.c" "$0" | sha256sum)
if [ ! -x "$binary" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$sha" ]; then
  echo "compiling the fuzz targets with -sanitize=fuzzer,address" >&2
  # The C targets the sources import: the TagLib shim (C++) and FFmpeg's loader (C).
  for target in CTagLib CFFmpeg; do
    mkdir -p "$work/build/$target"
    header=$(find "$root/Sources/$target/include" -name '*.h' | head -n 1)
    printf 'module %s {\n    header "%s"\n    export *\n}\n' "$target" "$header" >"$work/build/$target/module.modulemap"
  done
  clang++ -std=c++17 -O1 -g -fsanitize=fuzzer-no-link,address -I"$root/Sources/CTagLib/include" \
    $(pkg-config --cflags taglib) -c "$root/Sources/CTagLib/taglib_shim.cpp" -o "$work/build/taglib_shim.o"
  clang -O1 -g -fsanitize=fuzzer-no-link,address -I"$root/Sources/CFFmpeg/include" \
    -c "$root/Sources/CFFmpeg/ffmpeg_loader.c" -o "$work/build/ffmpeg_loader.o"
  includes=()
  for module in "$root"/Sources/*System; do includes+=(-I "$module"); done
  if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name MusicIndexFuzz \
      "${includes[@]}" -I "$work/build/CTagLib" -I "$work/build/CFFmpeg" \
      $(pkg-config --cflags-only-I taglib libavformat | sed 's/-I/-Xcc -I/g') \
      "${sources[@]}" "$work/build/taglib_shim.o" "$work/build/ffmpeg_loader.o" -lstdc++ -ldl $(pkg-config --libs taglib) \
      -o "$binary" >"$work/build/compile.log" 2>&1; then
    grep -v "Cannot export local symbol" "$work/build/compile.log" >&2
    echo "compiling the fuzz targets failed" >&2
    exit 2
  fi
  echo "$sha" >"$stamp"
fi

# --- seeds ------------------------------------------------------------------------------
python3 "$root/scripts/fuzz/make_seeds.py" "$work/seeds/model-loader"
mkdir -p "$work/seeds/audio"
for folder in "$root/Tests/MusicIndexTests/Fixtures/decode" "$root/Tests/MusicIndexTests/Fixtures/tags" "$work/hostile"; do
  [ -d "$folder" ] || continue
  find "$folder" -type f ! -name '*.json' -size -1024k -exec cp -t "$work/seeds/audio" {} +
done
if [ -f "$root/scripts/make-hostile-corpus.sh" ] && [ ! -d "$work/hostile" ]; then
  bash "$root/scripts/make-hostile-corpus.sh" "$work/hostile" >/dev/null 2>&1 || rm -rf "$work/hostile"
  [ -d "$work/hostile" ] && find "$work/hostile" -type f -size -1024k -exec cp -t "$work/seeds/audio" {} +
fi

# --- run --------------------------------------------------------------------------------
status=0
printf '%-13s %8s %12s %10s %8s %s\n' target seconds executions "execs/s" coverage result
for target in "${targets[@]}"; do
  seeds="$work/seeds/audio"
  [ "$target" = model-loader ] && seeds="$work/seeds/model-loader"
  mkdir -p "$work/$target/corpus"
  set +e
  (cd "$work/$target" && MUSICINDEX_FUZZ_TARGET="$target" LSAN_OPTIONS="suppressions=$root/scripts/fuzz/lsan.supp" "$binary" -max_total_time="$seconds" -print_final_stats=1 \
    -max_len=262144 -timeout=20 -rss_limit_mb=4096 corpus "$seeds" >fuzz.log 2>&1)
  result=$?
  set -e
  log="$work/$target/fuzz.log"
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  elapsed=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | awk '{print $5}')
  elapsed=${elapsed:-$seconds}
  coverage=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  if [ "$result" -eq 0 ]; then verdict="no failure"; else verdict="FAILED (exit $result): see $log"; status=1; fi
  rate="?"
  [ -n "${runs:-}" ] && [ "$elapsed" -gt 0 ] && rate=$((runs / elapsed))
  printf '%-13s %8s %12s %10s %8s %s\n' "$target" "$elapsed" "${runs:-?}" "$rate" "${coverage:-?}" "$verdict"
done
exit $status
