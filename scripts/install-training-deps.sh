#!/usr/bin/env bash
# Installs the Debian packages the training corpus generator needs
# (training/make_corpus.py): fluidsynth to render MIDI, General MIDI soundfonts,
# lame to encode MP3. Idempotent: installs only what is missing; uses sudo only
# when not root.
set -euo pipefail

bash "$(dirname "${BASH_SOURCE[0]}")/install-deps.sh" \
  fluidsynth fluid-soundfont-gm timgm6mb-soundfont musescore-general-soundfont-small lame
