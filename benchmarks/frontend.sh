#!/usr/bin/env bash
# Audio front-end benchmark: on the same whole MP3s, in one run, with the same number of
# parallel workers, it times
#   1. the decode floor: `mpg123 -t` (decode only, no output),
#   2. musicindex's decode + resample + mel-spectrogram in --full mode,
#   3. librosa's load + melspectrogram + power_to_db,
#   4. musicindex's default windowed mode with all engineered features, on a second corpus
#      of 4-minute tracks (tracks under 53 s are analysed whole, so windows need long ones),
# repeats each REPEATS times and prints medians, tracks/s and the ratios.
#
# Usage: benchmarks/frontend.sh [CORPUS_DIR=/tmp/musicindex-bench-audio] [WORKERS=2] [REPEATS=3]
# The corpus is made by benchmarks/make-audio-corpus.sh (24 tracks of 30 s) when missing;
# librosa comes from a virtualenv at .venv-bench (created on first use).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${1:-/tmp/musicindex-bench-audio}"
workers="${2:-2}"
repeats="${3:-3}"
bash "$root/scripts/install-deps.sh"
[ -d "$corpus" ] || bash "$root/benchmarks/make-audio-corpus.sh" "$corpus" 24 30
[ -d "$corpus-long" ] || bash "$root/benchmarks/make-audio-corpus.sh" "$corpus-long" 8 240
mapfile -t short_files < <(find "$corpus" -name '*.mp3' | sort)
mapfile -t long_files < <(find "$corpus-long" -name '*.mp3' | sort)
files=("${short_files[@]}")
count=${#files[@]}
(cd "$root" && bash scripts/build-release.sh >/dev/null)
bin="$root/.build/release/musicindex"
venv="$root/.venv-bench"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "librosa==0.11.0" soundfile soxr
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# mpg123 and librosa: splits the file list into WORKERS interleaved shares and runs "$@ SHARE..." on each in
# parallel; prints the wall time.
parallel() {
  local start end pids=()
  start=$(date +%s.%N)
  for ((w = 0; w < workers; w++)); do
    local share=()
    for ((i = w; i < count; i += workers)); do share+=("${files[$i]}"); done
    "$@" "${share[@]}" >"$out/worker$w.txt" &
    pids+=($!)
  done
  wait "${pids[@]}"
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

# The slowest worker's own timing line (librosa's import time is left out: it is paid once
# per process, not per track).
slowest_reported() { cat "$out"/worker*.txt | sort -g | tail -1; }

# One musicindex process with WORKERS threads over all files (how a scan runs); prints the
# wall time.
single() {
  local start end
  start=$(date +%s.%N)
  "$@" "${files[@]}" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

floor=(); full=(); librosa=(); windowed=()
for ((r = 0; r < repeats; r++)); do
  floor+=("$(parallel mpg123 -q -t)")
  full+=("$(single "$bin" features --full --segments-only --jobs "$workers" --quiet --out "$out")")
  parallel "$venv/bin/python" "$root/benchmarks/librosa_mel.py" >/dev/null
  librosa+=("$(slowest_reported)")
  files=("${long_files[@]}"); count=${#files[@]}
  windowed+=("$(single "$bin" features --jobs "$workers" --quiet --out "$out")")
  files=("${short_files[@]}"); count=${#files[@]}
done
f=$(median "${floor[@]}"); m=$(median "${full[@]}"); l=$(median "${librosa[@]}"); w=$(median "${windowed[@]}")
printf '%d tracks (%s), %d workers, median of %d runs\n' "$count" "$corpus" "$workers" "$repeats"
printf '%-44s %7.3f s  %6.1f tracks/s\n' "mpg123 -t (decode floor)" "$f" "$(echo "$count / $f" | bc -l)"
printf '%-44s %7.3f s  %6.1f tracks/s  %.2fx floor\n' "musicindex --full: decode+resample+mel" "$m" "$(echo "$count / $m" | bc -l)" "$(echo "$m / $f" | bc -l)"
printf '%-44s %7.3f s  %6.1f tracks/s  %.2fx floor\n' "librosa load+melspectrogram" "$l" "$(echo "$count / $l" | bc -l)" "$(echo "$l / $f" | bc -l)"
long=${#long_files[@]}
printf '%-44s %7.3f s  %6.1f tracks/s  %.1f ms/track/worker\n' "musicindex windows + all features (${long} x 4 min)" "$w" "$(echo "$long / $w" | bc -l)" "$(echo "1000 * $w / $long * $workers" | bc -l)"
printf 'musicindex --full is %.1fx faster than librosa\n' "$(echo "$l / $m" | bc -l)"
