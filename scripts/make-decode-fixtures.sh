#!/usr/bin/env bash
# Regenerates the decoder test fixtures in Tests/MusicIndexTests/Fixtures/decode/: one
# 2-second source signal (source.wav, 44.1 kHz stereo 16-bit, different content left and
# right) encoded into every format and MP3 flavour the decoders must handle, plus a
# damaged MP3. manifest.json records each file's expected rate, channels and length.
#
# Usage: scripts/make-decode-fixtures.sh   (installs its tools through install-deps.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
out="$root/Tests/MusicIndexTests/Fixtures/decode"
rm -rf "$out"
mkdir -p "$out"
cd "$out"

# Left: 440 Hz sine fading in; right: 1 kHz square-ish tone plus a 150 Hz sine. Deterministic.
sox -n -r 44100 -b 16 -c 1 left.wav synth 2.0 sine 440 fade t 0.3 2.0 0 vol 0.5
sox -n -r 44100 -b 16 -c 1 right.wav synth 2.0 sine 1000 sine 150 remix 1,2 vol 0.3
sox -M left.wav right.wav source.wav
sox source.wav -r 48000 source48k.wav rate -v
rm left.wav right.wav

lame --quiet -b 128 source.wav cbr.mp3                 # CBR with a LAME/Xing header
lame --quiet -V 4 source.wav vbr.mp3                   # VBR with a Xing table
lame --quiet -t -b 128 source.wav noxing.mp3           # no Xing/LAME header at all
lame --quiet -m m -b 64 source.wav mono.mp3            # mono
lame --quiet -b 160 source48k.wav 48k.mp3              # 48 kHz
flac --silent --best -o source.flac source.wav
sox source.wav source.aiff
oggenc --quiet -q 4 -o source.ogg source.wav
opusenc --quiet --bitrate 96 source.wav source.opus
ffmpeg -v quiet -y -i source.wav -c:a aac -b:a 128k -map_metadata -1 -fflags +bitexact -flags:a +bitexact aac.m4a
ffmpeg -v quiet -y -i source.wav -c:a alac -map_metadata -1 -fflags +bitexact -flags:a +bitexact alac.m4a
ffmpeg -v quiet -y -i source.wav -c:a wavpack -map_metadata -1 -fflags +bitexact wavpack.wv
rm source48k.wav

# Damaged MP3: 3 KB of junk overwritten in the middle of the CBR file.
cp cbr.mp3 damaged.mp3
python3 - <<'PY'
import random
data = bytearray(open("damaged.mp3", "rb").read())
random.seed(7)
middle = len(data) // 2
for i in range(middle, middle + 3000):
    data[i] = random.randrange(256)
open("damaged.mp3", "wb").write(bytes(data))
PY

python3 - <<'PY'
import json, subprocess
def probe(name):
    out = subprocess.run(["ffprobe", "-v", "quiet", "-show_streams", "-of", "json", name],
                         capture_output=True, text=True).stdout
    s = json.loads(out)["streams"][0]
    return {"sample_rate": int(s["sample_rate"]), "channels": int(s["channels"]), "codec": s["codec_name"]}
files = {}
for name in ["source.wav", "cbr.mp3", "vbr.mp3", "noxing.mp3", "mono.mp3", "48k.mp3", "source.flac",
             "source.aiff", "source.ogg", "source.opus", "aac.m4a", "alac.m4a", "wavpack.wv", "damaged.mp3"]:
    files[name] = probe(name)
manifest = {
    "generator": "scripts/make-decode-fixtures.sh",
    "source": {"file": "source.wav", "sample_rate": 44100, "channels": 2, "frames": 88200,
               "description": "L: 440 Hz sine (fade-in 0.3 s), R: 1 kHz + 150 Hz sines; 16-bit"},
    "lossless": ["source.wav", "source.flac", "source.aiff", "alac.m4a", "wavpack.wv"],
    "files": files,
}
json.dump(manifest, open("manifest.json", "w"), indent=1, sort_keys=True)
PY
ls -la "$out"
