#!/usr/bin/env bash
# Builds a benchmark corpus of whole-track MP3s from the bundled example music: each
# example clip is looped to SECONDS (default 30), varied in speed (0.9x ... 1.1x) and encoded
# as 44.1 kHz stereo MP3, alternating CBR 192 kbit/s and VBR -V 2 (what real libraries hold).
#
# Usage: benchmarks/make-audio-corpus.sh OUT_DIR [COUNT=24] [SECONDS=30]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: make-audio-corpus.sh OUT_DIR [COUNT] [SECONDS]}"
count="${2:-24}"
seconds="${3:-30}"
bash "$root/scripts/install-deps.sh"
mkdir -p "$out"
mapfile -d '' clips < <(find "$root/examples/music" -type f \( -name '*.mp3' -o -name '*.flac' -o -name '*.ogg' \) -print0 | sort -z)
speeds=(1.0 0.9 1.1 0.95 1.05 0.85)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for ((i = 0; i < count; i++)); do
  clip="${clips[$((i % ${#clips[@]}))]}"
  speed="${speeds[$(((i / ${#clips[@]}) % ${#speeds[@]}))]}"
  name="$(printf '%s/track%03d.mp3' "$out" "$i")"
  [ -s "$name" ] && continue
  ffmpeg -v quiet -y -i "$clip" -ar 44100 -ac 2 "$tmp/decoded.wav"
  sox "$tmp/decoded.wav" -b 16 "$tmp/clip.wav" speed "$speed" rate -v 44100
  sox "$tmp/clip.wav" "$tmp/long.wav" repeat "$((seconds / 4 + 1))" trim 0 "$seconds"
  if ((i % 2)); then lame --quiet -V 2 "$tmp/long.wav" "$name"; else lame --quiet -b 192 "$tmp/long.wav" "$name"; fi
done
echo "$out: $(ls "$out"/*.mp3 | wc -l) tracks of ${seconds} s"
