#!/usr/bin/env bash
# Regenerates the DSP reference fixtures in Tests/MusicIndexTests/Fixtures/dsp/
# (test signals, what librosa 0.11 computes from them, pyloudnorm loudness
# values, and manifest.json describing it all), so the Swift DSP front end can
# be tested without librosa in CI.
#
# Usage: scripts/make-dsp-fixtures.sh
#
# Creates (or reuses) a virtualenv at .venv-fixtures/ in the repository root,
# installs librosa 0.11 and friends into it, installs mpg123 (apt) when it is
# missing, then runs scripts/make_dsp_fixtures.py. The output is deterministic:
# running it twice produces byte-identical files.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="$root/.venv-fixtures"
out="$root/Tests/MusicIndexTests/Fixtures/dsp"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

if ! command -v mpg123 >/dev/null 2>&1; then
    echo "make-dsp-fixtures: mpg123 not found, installing it" >&2
    $SUDO apt-get update
    $SUDO apt-get install -y mpg123
fi

if ! command -v python3 >/dev/null 2>&1; then
    echo "make-dsp-fixtures: python3 is required" >&2
    exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -m venv "$venv"; then
        # Debian's python3 ships venv separately.
        rm -rf "$venv"
        $SUDO apt-get update
        $SUDO apt-get install -y python3-venv
        python3 -m venv "$venv"
    fi
fi

"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "librosa==0.11.*" numpy scipy soundfile pyloudnorm

cd "$root"
"$venv/bin/python" "$here/make_dsp_fixtures.py" "$out"
echo "make-dsp-fixtures: wrote $out ($(du -sh "$out" | cut -f1))"
