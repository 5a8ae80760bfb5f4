#!/usr/bin/env bash
# Builds the end-to-end benchmark library: song-length tracks (180, 240, 300 and 360 s in
# turn) made of the generated genre corpus (training/make_corpus.py, 30 s clips), each track
# the clips of one genre played back to back, in what real libraries hold: 44.1 kHz stereo,
# alternately MP3 (lame, CBR 192 kbit/s) and FLAC (16-bit). Existing tracks are kept, so a
# larger TRACKS_PER_GENRE only adds tracks.
#
# Usage: benchmarks/make-e2e-corpus.sh OUT_DIR [TRACKS_PER_GENRE=20] [CLIPS_DIR]
#   CLIPS_DIR: a generated corpus (genre/<genre>.NNNNN.mp3), e.g. the .build-corpus of
#   `make model`; default: OUT_DIR/clips, generated here (20 clips of 30 s per genre, seed 1).
#   OUT_DIR/library/<genre>/<genre>-NN-<seconds>s.{mp3,flac}   the benchmark library
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: make-e2e-corpus.sh OUT_DIR [TRACKS_PER_GENRE] [CLIPS_DIR]}"
per_genre="${2:-20}"
clips="${3:-$out/clips}"
bash "$root/scripts/install-training-deps.sh" >/dev/null
bash "$root/scripts/install-deps.sh" ffmpeg flac lame >/dev/null
jobs="$(nproc)"
if [ ! -d "$clips/blues" ]; then
  python="$(bash "$root/scripts/training-venv.sh")"
  "$python" "$root/training/make_corpus.py" "$clips" --clips-per-genre 20 --seconds 30 --seed 1 --jobs "$jobs" >&2
fi

# One track: GENRE INDEX SECONDS CLIP... (the clips are concatenated, then encoded).
make_track() {
  local genre="$1" index="$2" seconds="$3" target list
  shift 3
  mkdir -p "$out/library/$genre"
  target="$out/library/$genre/$(printf '%s-%02d-%ds' "$genre" "$index" "$seconds")"
  [ -s "$target.mp3" ] || [ -s "$target.flac" ] && return 0
  list="$(mktemp)"
  for clip in "$@"; do printf "file '%s'\n" "$clip" >>"$list"; done
  if (((index + ${#genre}) % 2)); then
    ffmpeg -v quiet -y -f concat -safe 0 -i "$list" -t "$seconds" -ar 44100 -ac 2 -sample_fmt s16 -c:a flac "$target.tmp.flac"
    mv "$target.tmp.flac" "$target.flac"
  else
    ffmpeg -v quiet -y -f concat -safe 0 -i "$list" -t "$seconds" -ar 44100 -ac 2 -f wav - | lame --quiet -b 192 - "$target.tmp.mp3"
    mv "$target.tmp.mp3" "$target.mp3"
  fi
  rm -f "$list"
}
export -f make_track
export out

# One line per track: genre, index, seconds and its clips, tab-separated.
lengths=(180 240 300 360)
plan="$(mktemp)"
trap 'rm -f "$plan"' EXIT
for genre_dir in "$clips"/*/; do
  genre="$(basename "$genre_dir")"
  mapfile -t pool < <(find "$genre_dir" -name '*.mp3' | sort)
  ((${#pool[@]})) || continue
  for ((k = 0; k < per_genre; k++)); do
    seconds=${lengths[$((k % 4))]}
    line="$genre	$k	$seconds"
    # Consecutive clips from a different place in the genre's pool for each track.
    for ((c = 0; c < seconds / 30; c++)); do line+="	${pool[$(((k * 7 + c) % ${#pool[@]}))]}"; done
    echo "$line" >>"$plan"
  done
done
xargs -P "$jobs" -d '\n' -n 1 bash -c 'IFS=$'"'"'\t'"'"' read -r -a fields <<<"$1"; make_track "${fields[@]}"' _ <"$plan"
echo "$out/library: $(find "$out/library" -name '*.mp3' | wc -l) MP3 + $(find "$out/library" -name '*.flac' | wc -l) FLAC tracks"
