#!/usr/bin/env bash
# Tag-scan benchmark: builds a tree of generated files (MP3 with ID3v2 and cover art, FLAC,
# Ogg Vorbis, M4A; 20 s each), then measures in one run
#   1. `musicindex scan --tags-only` into a fresh database (files/s),
#   2. an unchanged rescan of the same tree,
#   3. a plain C++ loop calling TagLib on the same files (the peer),
# each repeated and reported as medians, with musicindex / TagLib ratios.
# Usage: benchmarks/tag-scan.sh [FILES (default 2000)] [REPEATS (default 5)]
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-2000}
repeats=${2:-5}
work=${BENCH_DIR:-/tmp/musicindex-bench-tags}
bin=.build/release/musicindex
[ -x "$bin" ] || bash scripts/build-release.sh >/dev/null
mkdir -p "$work"

# Base files, one per format, made once.
base="$work/base"
if [ ! -f "$base/done" ]; then
  mkdir -p "$base"
  sox -n -r 44100 -c 2 -b 16 -e signed-integer "$base/tone.wav" synth 20 sine 220 sine 330 fade 0.1 20 0.1 vol 0.5
  ffmpeg -loglevel error -y -f lavfi -i color=blue:s=300x300 -frames:v 1 "$base/cover.jpg"
  lame --quiet -b 128 --ti "$base/cover.jpg" --tt "Benchmark Title" --ta "Benchmark Artist" --tl "Benchmark Album" --tg "Rock" --ty 2001 --tn 3/10 "$base/tone.wav" "$base/a.mp3"
  flac --silent -f -T TITLE=Bench -T ARTIST=Artist -T GENRE=Jazz -T TRACKNUMBER=1 "$base/tone.wav" -o "$base/b.flac"
  oggenc --quiet -q 3 -t Bench -a Artist -G Classical "$base/tone.wav" -o "$base/c.ogg"
  ffmpeg -loglevel error -y -i "$base/tone.wav" -c:a aac -b:a 128k -metadata title=Bench -metadata artist=Artist -metadata genre=Pop "$base/d.m4a"
  touch "$base/done"
fi

tree="$work/tree-$files"
if [ ! -f "$tree/.done" ]; then
  rm -rf "$tree"
  kinds=(a.mp3 b.flac c.ogg d.m4a)
  for ((i = 0; i < files; i++)); do
    dir="$tree/artist-$((i / 100))/album-$((i / 10))"
    mkdir -p "$dir"
    kind=${kinds[$((i % 4))]}
    cp "$base/$kind" "$dir/track-$i.${kind#*.}"
  done
  touch "$tree/.done"
fi
find "$tree" -type f ! -name '.*' | sort > "$work/list.txt"

loop="$work/taglib_loop"
if [ ! -x "$loop" ] || [ benchmarks/taglib_loop.cpp -nt "$loop" ]; then
  g++ -O2 -std=c++17 -o "$loop" benchmarks/taglib_loop.cpp -ltag -lpthread
fi

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now() { date +%s.%N; }

declare -A results
for jobs in 1 2; do
  fresh=() rescan=() peer=()
  for ((r = 0; r < repeats; r++)); do
    db="$work/bench.sqlite"; rm -f "$db" "$db-wal" "$db-shm"
    t0=$(now); "$bin" scan --quiet --tags-only --jobs "$jobs" --db "$db" "$tree" >/dev/null; t1=$(now)
    "$bin" scan --quiet --tags-only --jobs "$jobs" --db "$db" "$tree" >/dev/null; t2=$(now)
    fresh+=("$(echo "$t1 - $t0" | bc -l)")
    rescan+=("$(echo "$t2 - $t1" | bc -l)")
    peer+=("$("$loop" "$work/list.txt" "$jobs" | awk '{print $3}')")
  done
  results[fresh$jobs]=$(printf '%s\n' "${fresh[@]}" | median)
  results[rescan$jobs]=$(printf '%s\n' "${rescan[@]}" | median)
  results[peer$jobs]=$(printf '%s\n' "${peer[@]}" | median)
done

count=$(wc -l < "$work/list.txt")
echo "Tag scan benchmark: $count files (MP3/FLAC/Ogg/M4A, 20 s each), medians of $repeats runs, warm page cache"
printf '%-44s %10s %12s\n' "" "seconds" "files/s"
for jobs in 1 2; do
  f=${results[fresh$jobs]} p=${results[peer$jobs]} r=${results[rescan$jobs]}
  printf '%-44s %10.3f %12.0f\n' "musicindex scan --tags-only, $jobs job(s)" "$f" "$(echo "$count / $f" | bc -l)"
  printf '%-44s %10.3f %12.0f\n' "TagLib plain loop, $jobs thread(s)" "$p" "$(echo "$count / $p" | bc -l)"
  printf '%-44s %10.3f\n' "unchanged rescan, $jobs job(s)" "$r"
  printf '%-44s %10.2f\n' "ratio scan / TagLib loop ($jobs)" "$(echo "$f / $p" | bc -l)"
done
