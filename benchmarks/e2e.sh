#!/usr/bin/env bash
# End-to-end benchmark: indexing a library of song-length tracks, in one run, on the same files
# and with the same number of workers:
#   1. musicindex scan (default mode: three windows per track) into a fresh database, and the
#      seeds' job alone (decode the windows, mel, CRNN, SQLite; no engineered features): the
#      same scan over a database that has the features already (a --no-model scan first);
#   2. the seed projects' stack (benchmarks/e2e_seed_stack.py: librosa load + resample + mel,
#      the same CRNN with the same weights in PyTorch, one SQLite insert per file, in a process
#      pool), once on a 30 s window per track and once on whole tracks;
#   3. the decode floor: mpg123 / flac decoding exactly the spans the default scan decodes (one
#      process per span; the same commands decoding one frame of each span measure what the
#      process start-ups cost), and mpg123 -t / flac -t on whole files (benchmarks/e2e_floor.py);
#   4. musicindex scan --full into a fresh database (when the environment sets
#      OPENBLAS_CORETYPE, also once more without it: OpenBLAS's own kernel choice).
# Each run is repeated (interleaved, so load on the machine hits every run alike); the table
# gives median seconds, tracks/s, peak RSS of the whole process tree, the ratios each speed
# goal is about, and musicindex's own per-stage profile (scan --profile).
#
# Usage: benchmarks/e2e.sh [CORPUS_DIR=.build-bench-e2e] [REPEATS=3] [WORKERS=2]
# Environment: E2E_SLOW_REPEATS (default 1): repeats of the three whole-track runs (scan
#   --full, the whole-file floor and the seeds' whole-track stack: minutes each, where the
#   windowed runs take seconds); E2E_TRACKS_PER_GENRE (20) and E2E_CLIPS (a generated corpus to reuse,
#   e.g. .build-corpus) for the library benchmarks/make-e2e-corpus.sh makes when
#   CORPUS_DIR/library is missing.
# Python (librosa 0.11, PyTorch CPU, soundfile) comes from the virtualenv .venv-e2e, made on
# first use (PyTorch from /opt/wheels when a wheel is there).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${1:-$root/.build-bench-e2e}"
repeats="${2:-3}"
workers="${3:-2}"
slow_repeats="${E2E_SLOW_REPEATS:-1}"
bash "$root/scripts/install-deps.sh"
[ -d "$corpus/library" ] || bash "$root/benchmarks/make-e2e-corpus.sh" "$corpus" "${E2E_TRACKS_PER_GENRE:-20}" ${E2E_CLIPS:+"$E2E_CLIPS"}
library="$corpus/library"

venv="$root/.venv-e2e"
if ! "$venv/bin/python" -c "import librosa, torch, soundfile, safetensors" 2>/dev/null; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  wheel="$(ls /opt/wheels/torch-*-cp"$("$venv/bin/python" -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")')"-*.whl 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$wheel" ]; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$wheel"
  else
    # PyPI's Linux torch (the CUDA build, which runs on the CPU too).
    "$venv/bin/pip" install --quiet --disable-pip-version-check torch
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "librosa==0.11.0" soundfile soxr "safetensors>=0.4" numpy
fi
python="$venv/bin/python"

echo "building musicindex (release)..." >&2
if ! (cd "$root" && bash scripts/build-release.sh >"$corpus/build.log" 2>&1); then
  cat "$corpus/build.log" >&2
  exit 1
fi
bin="$root/.build/release/musicindex"
model="$root/Sources/MusicIndex/Resources/musicindex-genres.safetensors"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/runs" "$work/floor"
mapfile -t files < <(find "$library" -type f \( -name '*.mp3' -o -name '*.flac' \) | sort)
count=${#files[@]}
cat "${files[@]}" >/dev/null  # every run reads from the page cache

echo "finding the spans the default scan decodes..." >&2
"$bin" features --json --segments-only --jobs "$workers" "${files[@]}" >"$work/spans.jsonl"
read -r span_seconds whole_seconds < <("$python" "$root/benchmarks/e2e_floor.py" "$work/spans.jsonl" "$workers" "$work/floor" |
  sed -E 's/span_seconds=([0-9.]+) whole_seconds=([0-9.]+)/\1 \2/')
run_workers() {  # KIND: the per-worker floor scripts, in parallel
  local pids=()
  for ((w = 0; w < workers; w++)); do bash "$work/floor/$1-$w.sh" & pids+=($!); done
  wait "${pids[@]}"
}
export -f run_workers
export work workers

measure() {  # NAME REPEAT COMMAND...
  local name="$1" repeat="$2"
  shift 2
  echo "  $name (run $((repeat + 1)))" >&2
  python3 "$root/benchmarks/e2e_measure.py" "$work/runs/$name-$repeat.json" "$@"
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 0; r < repeats || r < slow_repeats; r++)); do
  rm -f "$work"/*.sqlite*
  if ((r < repeats)); then
    measure default "$r" "$bin" scan --db "$work/default.sqlite" --jobs "$workers" --quiet --json --profile "$library"
    # The seeds' job (windows -> mel -> CRNN -> SQLite): a scan whose features are stored
    # already re-analyses only with the model, as after a model update.
    "$bin" scan --db "$work/modelonly.sqlite" --jobs "$workers" --quiet --no-model "$library" >/dev/null
    measure modelonly "$r" "$bin" scan --db "$work/modelonly.sqlite" --jobs "$workers" --quiet --json --profile "$library"
    measure seeds30 "$r" "$python" "$root/benchmarks/e2e_seed_stack.py" "$model" "$work/seeds30.sqlite" "$workers" --window 30 "${files[@]}"
    measure floorspans "$r" bash -c 'run_workers spans'
    measure floorstarts "$r" bash -c 'run_workers starts'
  fi
  if ((r < slow_repeats)); then
    measure full "$r" "$bin" scan --db "$work/full.sqlite" --jobs "$workers" --quiet --json --profile --full "$library"
    if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
      # The environment pins OpenBLAS's kernels (musicindex respects that): the same scan
      # with OpenBLAS's own choice, for comparison.
      rm -f "$work"/full.sqlite*
      measure fullblas "$r" env -u OPENBLAS_CORETYPE "$bin" scan --db "$work/full.sqlite" --jobs "$workers" --quiet \
        --json --profile --full "$library"
    fi
    measure floorwhole "$r" bash -c 'run_workers whole'
    measure seedswhole "$r" "$python" "$root/benchmarks/e2e_seed_stack.py" "$model" "$work/seedswhole.sqlite" "$workers" --whole "${files[@]}"
  fi
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

mp3=$(printf '%s\n' "${files[@]}" | grep -c '\.mp3$' || true)
description="$(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), load average before/after: $load_before / $load_after
library: $library, $mp3 MP3 (44.1 kHz stereo, CBR 192) + $((count - mp3)) FLAC; musicindex $(cd "$root" && git describe --always --dirty 2>/dev/null || echo '?') (build flags: $(bash "$root/scripts/build-release.sh" --print-flags | sed 's/^$/portable/'); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset});
$("$python" -c 'import librosa, torch; print(f"librosa {librosa.__version__}, PyTorch {torch.__version__}")'); $(mpg123 --version | head -1); $(flac --version)"
python3 "$root/benchmarks/e2e_report.py" "$work/runs" "$count" "$workers" "$span_seconds" "$whole_seconds" "$description"
