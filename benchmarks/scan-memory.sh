#!/usr/bin/env bash
# Peak memory of a scan against the size of the library: scans libraries of COUNTS generated
# files (default 1,000 and 5,000) with a fresh database each, in the default mode (tags, audio
# analysis, the shipped genre model), and prints the peak resident set size of each
# (`/usr/bin/time -v`) and its ratio to the smallest. Memory that grows with the number of
# files shows up as a ratio well above 1.
#
# Every file holds different audio: 3 s (44.1 kHz mono) of the joined example clips, each
# file starting 97 samples later than the one before, so no two share an audio hash or an
# analysis. A quarter each is MP3 (lame, tagged), FLAC, Ogg Vorbis (album tags) and WAV;
# 50 files per album folder. The files are made once in WORK_DIR/pool and hard-linked into
# each library.
#
# Usage: benchmarks/scan-memory.sh [COUNTS="1000 5000"] [JOBS=2] [WORK_DIR=.build/scan-memory]
# ($MUSICINDEX_BIN: a musicindex binary to measure instead of building the release one)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
read -r -a counts <<<"${1:-1000 5000}"
jobs="${2:-2}"
work="${3:-$root/.build/scan-memory}"
bash "$root/scripts/install-deps.sh"

bin="${MUSICINDEX_BIN:-}"
if [ -z "$bin" ]; then
  echo "building the release binary" >&2
  bash "$root/scripts/build-release.sh" >/dev/null
  bin="$root/.build/release/musicindex"
fi

largest=0
for count in "${counts[@]}"; do [ "$count" -gt "$largest" ] && largest=$count; done
pool="$work/pool"
mkdir -p "$work"

if [ ! -f "$pool/complete-$largest" ]; then
  echo "generating $largest files in $pool (once; reused by later runs)" >&2
  rm -rf "$pool" && mkdir -p "$pool"
  # The example clips, decoded and joined into one 44.1 kHz mono signal.
  parts=()
  while read -r clip; do
    parts+=("$work/part${#parts[@]}.wav")
    ffmpeg -nostdin -loglevel error -y -i "$clip" -ac 1 -ar 44100 -c:a pcm_s16le "${parts[-1]}"
  done < <(find "$root/examples/music" -type f \( -name '*.mp3' -o -name '*.flac' -o -name '*.ogg' \) | sort)
  sox "${parts[@]}" "$work/base.wav"
  rm "${parts[@]}"
  # File i: 3 s of that signal starting 97 x i samples later than file i-1 (wrapping), so
  # every file holds different audio, written as WAV first.
  python3 - "$work/base.wav" "$pool" "$largest" <<'PY'
import sys, wave
base, pool, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with wave.open(base) as w:
    rate, frames = w.getframerate(), w.readframes(w.getnframes())
length = 3 * rate
span = len(frames) // 2 - length
for i in range(count):
    start = (i * 97) % span
    with wave.open(f"{pool}/{i:05d}.wav", "wb") as out:
        out.setnchannels(1); out.setsampwidth(2); out.setframerate(rate)
        out.writeframes(frames[2 * start:2 * (start + length)])
PY
  # A quarter each stays WAV or becomes tagged MP3, FLAC or Ogg Vorbis (FLAC and Ogg in
  # one encoder run per album, which gives them album-level tags).
  genres=(Rock Jazz Blues Pop Reggae Metal Country Disco)
  for ((i = 0; i < largest; i += 4)); do
    name=$(printf '%05d' "$i")
    lame --quiet -V 4 --tt "Track $i" --ta "Artist $((i % 97))" --tl "Album $((i / 50))" --tg "${genres[$((i % 8))]}" \
      --tn $((i % 50 + 1)) "$pool/$name.wav" "$pool/$name.mp3"
    rm "$pool/$name.wav"
  done
  for ((album = 0; album * 50 < largest; album++)); do
    flac_files=() ogg_files=()
    for ((i = album * 50; i < (album + 1) * 50 && i < largest; i++)); do
      case $((i % 4)) in
        1) flac_files+=("$pool/$(printf '%05d' "$i").wav") ;;
        2) ogg_files+=("$pool/$(printf '%05d' "$i").wav") ;;
      esac
    done
    tags=(ARTIST="Artist $album" ALBUM="Album $album" GENRE="${genres[$((album % 8))]}")
    [ ${#flac_files[@]} -gt 0 ] && flac --silent --delete-input-file "${tags[@]/#/--tag=}" "${flac_files[@]}"
    [ ${#ogg_files[@]} -gt 0 ] && oggenc --quiet -q 2 -c "${tags[0]}" -c "${tags[1]}" -c "${tags[2]}" "${ogg_files[@]}" && rm "${ogg_files[@]}"
  done
  touch "$pool/complete-$largest"
fi

mapfile -t pool_files < <(find "$pool" -maxdepth 1 -type f ! -name 'complete-*' | sort)
printf '%-8s %14s %10s %9s\n' files "peak RSS MiB" seconds ratio
first_rss=""
for count in "${counts[@]}"; do
  library="$work/library-$count"
  rm -rf "$library" "$library.sqlite" "$library.sqlite-wal" "$library.sqlite-shm"
  for file in "${pool_files[@]:0:count}"; do
    name=$(basename "$file")
    album="$library/album$(( 10#${name%%.*} / 50 ))"
    mkdir -p "$album"
    ln "$file" "$album/$name"
  done
  /usr/bin/time -v -o "$work/time-$count.log" "$bin" scan --quiet --jobs "$jobs" --db "$library.sqlite" "$library" >"$work/scan-$count.log"
  rss_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-$count.log")
  seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time-$count.log" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  indexed=$("$bin" stats --db "$library.sqlite" | awk '/^Tracks:/ {print $2}')
  [ -z "$first_rss" ] && first_rss=$rss_kib
  printf '%-8s %14.1f %10.1f %9.2f   (%s tracks)\n' "$count" "$(echo "$rss_kib / 1024" | bc -l)" "$seconds" \
    "$(echo "$rss_kib / $first_rss" | bc -l)" "${indexed:-?}"
done
