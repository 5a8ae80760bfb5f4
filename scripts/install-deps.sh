#!/usr/bin/env bash
# Installs the Debian packages musicindex needs to build, test and run its demo, plus any
# package names given as arguments (scripts/install-training-deps.sh passes its own).
# Idempotent: installs only what is missing; uses sudo only when not root.
set -euo pipefail

packages=(
  pkg-config
  libsqlite3-dev
  libtag1-dev zlib1g-dev
  libmpg123-dev libsndfile1-dev libsoxr-dev libfftw3-dev libopenblas-dev
  libavformat-dev libavcodec-dev libavutil-dev libswresample-dev
  mpg123 flac sox lame vorbis-tools opus-tools ffmpeg
  util-linux bc time  # time: benchmarks/scan-memory.sh reads its peak memory
  python3  # scripts/make-hostile-corpus.sh writes malformed tags with its standard library
  "$@"
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
echo "Installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
