#!/usr/bin/env bash
# Regenerates the tag-reading test fixtures in Tests/MusicIndexTests/Fixtures/tags/
# (tiny audio files with known tags, a few deliberately broken files, and
# mutagen.json: what mutagen reads from each good file, used as the oracle).
#
# Usage: scripts/make-tag-fixtures.sh
#
# Installs the encoders it needs (Debian/Ubuntu apt) and mutagen (pip) when
# they are missing, then runs scripts/make_tag_fixtures.py. The output is
# deterministic: running it twice produces byte-identical files.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

# Encoders and tools come from the project's own dependency list.
bash "$root"/scripts/install-deps.sh

if ! command -v python3 >/dev/null 2>&1; then
    echo "make-tag-fixtures: python3 is required" >&2
    exit 1
fi

if ! python3 -c 'import mutagen' >/dev/null 2>&1; then
    if ! python3 -m pip install mutagen; then
        # Externally managed Python (PEP 668, e.g. Debian's system python3).
        $SUDO apt-get install -y python3-mutagen
    fi
fi

exec python3 "$here/make_tag_fixtures.py" "$root/Tests/MusicIndexTests/Fixtures/tags"
