#!/usr/bin/env bash
# Builds a hostile music library in OUT_DIR: the files a real collection accumulates and
# that a scanner must survive. The tests (HostileLibraryTests) generate it at test time, so
# it must stay fast (about a second of tool time) and deterministic.
#
# Usage: scripts/make-hostile-corpus.sh OUT_DIR     (OUT_DIR must not exist yet)
#
# Tools: sox, lame, flac (scripts/install-deps.sh installs them), coreutils and python3's
# standard library (malformed ID3 tags are written byte by byte). Layout:
#
#   ok/            valid files, each to be indexed without a warning:
#                  tone.mp3, tone.flac (5 s), short.mp3 (0.5 s), long.mp3 (20 min, 8 kbps),
#                  cover.mp3 (a 5 MiB embedded cover), tag-utf8.mp3 and tag-utf16.mp3
#                  (ID3 text frames with invalid UTF-8 and UTF-16), tag-huge.mp3 (a 1 MiB
#                  title and 10,000 genre values),
#                  names/ (spaces, quotes, a leading dash, non-ASCII, emoji, a newline),
#                  deep/ (a file 40 folders down), loop/ (symlinks to itself and to its parent)
#   damaged/       partly damaged files, indexed from their readable part with a warning:
#                  mp3-truncated-50.mp3, flac-truncated-50.flac, mp3-corrupt-middle.mp3
#                  (64 KiB of noise over the middle), mp3-garbage-appended.mp3 (64 KiB of
#                  noise after the last frame)
#   bad/           files that are failures: empty.mp3 (0 bytes), text.mp3, jpeg.flac (a JPEG),
#                  mp3-truncated-1.mp3 and flac-truncated-1.flac (1 % of the file left),
#                  tag-size.mp3 (an ID3 size field that runs past the end of the file)
#   unreadable/    a folder with mode 000 holding locked.mp3 (root reads it anyway)
#   ephemeral.mp3  a valid file the tests delete while the scan runs (after the walk has
#                  seen it: it sorts before ok/, whose listing is the tests' cue)
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 2
fi
out="$1"
if [ -e "$out" ]; then
    echo "make-hostile-corpus: $out already exists" >&2
    exit 1
fi
for tool in sox lame flac python3 truncate dd; do
    command -v "$tool" >/dev/null || { echo "make-hostile-corpus: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done

mkdir -p "$out"/{ok/names,damaged,bad}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Sources: 60 s of a gliding tone with a steady second voice (long enough that the default
# analysis decodes three windows rather than the whole track: the damaged files are cut
# from it), 0.5 s of a chord, and 10 s of a quiet tone at 8 kHz for the 20-minute file.
sox -n -r 44100 -c 1 -b 16 "$work/tone.wav" synth 60 sine 220:880 sine 330 remix 1,2 vol 0.4
sox -n -r 44100 -c 1 -b 16 "$work/short.wav" synth 0.5 sine 440 sine 550 remix 1,2 vol 0.4
sox -n -r 8000 -c 1 -b 16 "$work/slow.wav" synth 10 sine 300 vol 0.3

lame --quiet -b 64 "$work/tone.wav" "$work/tone.mp3"      # CBR with a LAME/Xing header
flac --silent -0 -o "$work/tone.flac" "$work/tone.wav"
sox "$work/tone.wav" "$work/tone5.wav" trim 0 5
lame --quiet -b 64 "$work/tone5.wav" "$out/ok/tone.mp3"
flac --silent -0 -o "$out/ok/tone.flac" "$work/tone5.wav"
lame --quiet -b 64 "$work/short.wav" "$out/ok/short.mp3"

# 20 minutes: 120 copies of 10 s of 8 kbps MPEG-2.5 without a Xing header. Each copy starts
# with an empty bit reservoir, so the concatenation is one valid stream (1.2 MB).
lame --quiet -t -b 8 "$work/slow.wav" "$work/slow.mp3"
for _ in $(seq 120); do cat "$work/slow.mp3"; done > "$out/ok/long.mp3"

# ID3v2 tags written byte by byte: a 5 MiB cover, invalid UTF-8 and UTF-16 texts, absurdly
# long values, and a size field that points past the end of the file.
python3 - "$out/ok/short.mp3" "$out/ok" "$out/bad" <<'PY'
import random, struct, sys

audio = open(sys.argv[1], "rb").read()
folder, bad = sys.argv[2], sys.argv[3]

def syncsafe(n):
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])

def frame23(frame_id, body):
    return frame_id.encode() + struct.pack(">I", len(body)) + b"\0\0" + body

def frame24(frame_id, body):
    return frame_id.encode() + syncsafe(len(body)) + b"\0\0" + body

def tag(version, frames, size=None):
    body = b"".join(frames)
    return b"ID3" + bytes([version, 0, 0]) + syncsafe(len(body) if size is None else size) + body

def text(encoding, payload):
    return bytes([encoding]) + payload

def write(name, header, folder=folder):
    with open(f"{folder}/{name}", "wb") as f:
        f.write(header + audio)

# A 5 MiB cover: a JPEG header followed by seeded noise.
cover = b"\xff\xd8\xff\xe0" + random.Random(5).randbytes(5 * 1024 * 1024)
write("cover.mp3", tag(3, [
    frame23("TIT2", text(0, b"Big Cover")),
    frame23("APIC", b"\0image/jpeg\0\x03front\0" + cover),
]))

# Encoding 3 (UTF-8) with bytes that are not UTF-8: a lone continuation byte, 0xFF, a
# truncated sequence, an overlong NUL.
write("tag-utf8.mp3", tag(4, [
    frame24("TIT2", text(3, b"Bad \x80 UTF-8 \xff here \xe2\x82 end \xc0\x80")),
    frame24("TPE1", text(3, "Artist \u00e9".encode())),
]))

# Encoding 1 (UTF-16 with BOM): a lone high surrogate, a lone low surrogate, an odd length.
write("tag-utf16.mp3", tag(3, [
    frame23("TIT2", text(1, b"\xff\xfe" + "Bad ".encode("utf-16-le") + b"\x00\xd8" + "UTF-16".encode("utf-16-le") + b"\x00\xdc!")),
    frame23("TPE1", text(1, b"\xfe\xff" + "Artist".encode("utf-16-be"))),
]))

# A 1 MiB title and 10,000 genre values.
write("tag-huge.mp3", tag(4, [
    frame24("TIT2", text(3, b"T" * (1024 * 1024))),
    frame24("TCON", text(3, b"\0".join(f"Genre {i}".encode() for i in range(10000)))),
]))

# The size field says 200 MB; the file is 5 KB.
write("tag-size.mp3", tag(3, [frame23("TIT2", text(0, b"Bogus Size"))], size=200_000_000), folder=bad)
PY

# Awkward names (the content is the 0.5 s file: names are what is tested).
for name in "with spaces.mp3" "quotes \"double\" 'single'.mp3" "-leading-dash.mp3" "--help.mp3" \
            "Björk – 東京 Ünïcødé.mp3" "emoji 🎵🎸.mp3" $'new\nline.mp3'; do
    cp "$out/ok/short.mp3" "$out/ok/names/$name"
done

# A file 40 folders down, and a symlink loop.
deep="$out/ok/deep"
for i in $(seq -w 1 40); do deep="$deep/level-$i"; done
mkdir -p "$deep"
cp "$out/ok/short.mp3" "$deep/deep.mp3"
mkdir -p "$out/ok/loop"
cp "$out/ok/short.mp3" "$out/ok/loop/inside.mp3"
ln -s .. "$out/ok/loop/parent"
ln -s . "$out/ok/loop/self"

# Partly damaged.
size_mp3=$(stat -c %s "$work/tone.mp3")
size_flac=$(stat -c %s "$work/tone.flac")
cp "$work/tone.mp3" "$out/damaged/mp3-truncated-50.mp3"
truncate -s $((size_mp3 / 2)) "$out/damaged/mp3-truncated-50.mp3"
cp "$work/tone.flac" "$out/damaged/flac-truncated-50.flac"
truncate -s $((size_flac / 2)) "$out/damaged/flac-truncated-50.flac"
python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(11).randbytes(65536))' > "$work/noise"
cp "$work/tone.mp3" "$out/damaged/mp3-corrupt-middle.mp3"
dd if="$work/noise" of="$out/damaged/mp3-corrupt-middle.mp3" bs=65536 seek=$((size_mp3 / 2 - 32768)) \
    oflag=seek_bytes conv=notrunc status=none
cat "$work/tone.mp3" "$work/noise" > "$out/damaged/mp3-garbage-appended.mp3"

# Failures.
: > "$out/bad/empty.mp3"
printf 'This is not music.\nJust a text file named like one.\n' > "$out/bad/text.mp3"
python3 -c 'import random, sys; sys.stdout.buffer.write(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random.Random(3).randbytes(2000) + b"\xff\xd9")' > "$out/bad/jpeg.flac"
head -c $((size_mp3 / 100)) "$work/tone.mp3" > "$out/bad/mp3-truncated-1.mp3"
head -c $((size_flac / 100)) "$work/tone.flac" > "$out/bad/flac-truncated-1.flac"

# A folder nobody but root can read, and the file the tests make disappear.
mkdir -p "$out/unreadable"
cp "$out/ok/short.mp3" "$out/unreadable/locked.mp3"
chmod 000 "$out/unreadable"
cp "$out/ok/short.mp3" "$out/ephemeral.mp3"
