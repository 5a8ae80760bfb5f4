#!/usr/bin/env bash
# Installs the Debian packages the training corpus generator needs
# (training/make_corpus.py): fluidsynth to render MIDI, General MIDI soundfonts,
# lame to encode MP3. Idempotent: installs only what is missing; uses sudo only
# when not root.
set -euo pipefail

packages=(
  fluidsynth
  fluid-soundfont-gm
  timgm6mb-soundfont
  musescore-general-soundfont-small
  lame
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
