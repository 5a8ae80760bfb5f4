#!/usr/bin/env bash
# Generates examples/music/: six short, synthetic, music-like clips used by the
# README demo. Everything is synthesised with sox from the note lists below,
# then encoded (4 x MP3 with lame, 1 x FLAC, 1 x Ogg Vorbis) and tagged with
# mutagen. The output is deterministic: the same tool versions give the same
# bytes on every run.
#
# Usage: examples/make-examples.sh
#
# Unquoted $(tones ...) and $(repeat ...) are split into words on purpose.
# shellcheck disable=SC2046
set -euo pipefail
shopt -s inherit_errexit

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/music"

# --- tools -------------------------------------------------------------------

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

# Encoders and tools come from the project's own dependency list.
bash "$here/.."/scripts/install-deps.sh

if ! command -v python3 >/dev/null 2>&1; then
    echo "make-examples: python3 is required" >&2
    exit 1
fi
if ! python3 -c 'import mutagen' >/dev/null 2>&1; then
    if ! python3 -m pip install mutagen; then
        # Externally managed Python (PEP 668, e.g. Debian's system python3).
        $SUDO apt-get install -y python3-mutagen
    fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ev"

# --- synthesis helpers ---------------------------------------------------------
#
# All lengths are in samples, so voices never drift apart.
# Every sox call uses -R (repeatable: noise and pluck are seeded) and -D (no
# dither, which would otherwise add random noise whenever levels change).

RATE=44100

# ev EFFECTS...: render one mono event ("sox -n out EFFECTS"), peak-normalised
# to -3 dBFS so that voice volumes are comparable, cached by its arguments;
# prints the path of the wav.
ev() {
    local key f
    key="$(printf '%s\n' "$RATE" "$@" | md5sum | cut -c1-24)"
    f="$work/ev/$key.wav"
    if [ ! -f "$f" ]; then
        sox -R -D -V1 -r "$RATE" -n -b 16 -c 1 "$f" "$@" gain -n -3
    fi
    printf '%s\n' "$f"
}

# silence N: N samples of silence.
silence() {
    local f="$work/ev/silence-$RATE-$1.wav"
    if [ ! -f "$f" ]; then
        sox -R -D -V1 -r "$RATE" -n -b 16 -c 1 "$f" trim 0 "$1s"
    fi
    printf '%s\n' "$f"
}

# tones TYPE NOTE...: synth arguments for a chord of one waveform.
tones() {
    local type=$1 n
    shift
    for n in "$@"; do
        printf '%s %s ' "$type" "$n"
    done
}

# rel N MAXSECONDS: a release time no longer than a quarter of N samples.
rel() {
    awk -v n="$1" -v m="$2" -v r="$RATE" \
        'BEGIN { x = n / 4 / r; if (x > m) x = m; printf "%.4f", x }'
}

secs() { awk -v s="$1" -v r="$RATE" 'BEGIN { printf "%d", s * r }'; }

# hit N SECONDS SYNTH-ARGS...: a percussive sound SECONDS long (at most N
# samples) decaying to silence, padded with silence to N samples. An "@" in
# SYNTH-ARGS is replaced by the sound's length (for cascaded synth stages).
hit() {
    local n=$1 d a
    d=$(secs "$2")
    shift 2
    if [ "$d" -gt "$n" ]; then d=$n; fi
    local args=()
    for a in "$@"; do
        if [ "$a" = @ ]; then args+=("${d}s"); else args+=("$a"); fi
    done
    # Two linear fade-outs in a row: a quadratic, roughly exponential decay.
    ev synth "${d}s" "${args[@]}" fade t 0 "${d}s" "${d}s" \
        fade t 0 "${d}s" "${d}s" pad 0 "$((n - d))s"
}

# Instruments: INSTRUMENT N NOTE... -> prints an event wav of N samples.
inst_piano() {   # soft plucked string, rounded off: a felt-piano stand-in
    local n=$1; shift
    ev synth "${n}s" $(tones pluck "$@") remix - gain -10 lowpass 2200 \
        fade q 0.004 "${n}s" "$(rel "$n" 0.08)"
}
inst_pluckbass() {   # upright / pizzicato bass
    local n=$1; shift
    ev synth "${n}s" $(tones pluck "$@") remix - gain -10 lowpass 900 bass +6 \
        fade q 0.003 "${n}s" "$(rel "$n" 0.05)"
}
inst_guitar() {   # distorted power chord
    local n=$1; shift
    ev synth "${n}s" $(tones sawtooth "$@") remix - gain -10 overdrive 28 20 \
        lowpass 3800 fade q 0.002 "${n}s" "$(rel "$n" 0.06)"
}
inst_palm() {   # palm-muted chug: same, but choked quickly
    local n=$1; shift
    hit "$n" 0.11 $(tones sawtooth "$@") remix - gain -10 overdrive 28 20 lowpass 2500
}
inst_lead() {
    local n=$1; shift
    ev synth "${n}s" $(tones square "$@") remix - gain -10 overdrive 15 30 \
        lowpass 3000 tremolo 6 15 fade q 0.01 "${n}s" "$(rel "$n" 0.1)"
}
inst_sawbass() {
    local n=$1; shift
    ev synth "${n}s" $(tones sawtooth "$@") remix - gain -10 lowpass 700 \
        fade q 0.003 "${n}s" "$(rel "$n" 0.03)"
}
inst_subbass() {   # dance bass: square + sine sub, short
    local n=$1; shift
    ev synth "${n}s" $(tones square "$@") synth "${n}s" sine mix "$1" \
        remix - gain -10 lowpass 600 fade q 0.003 "${n}s" "$(rel "$n" 0.06)"
}
inst_dubbass() {   # round reggae bass
    local n=$1; shift
    ev synth "${n}s" $(tones sine "$@") synth "${n}s" triangle mix "$1" \
        remix - gain -10 lowpass 350 fade h 0.015 "${n}s" "$(rel "$n" 0.05)"
}
inst_pad() {   # slow-attack saw pad
    local n=$1; shift
    ev synth "${n}s" $(tones sawtooth "$@") remix - gain -10 lowpass 1400 \
        fade h 0.25 "${n}s" "$(rel "$n" 0.3)"
}
inst_arp() {   # short square pluck
    local n=$1; shift
    hit "$n" 0.12 $(tones square "$@") remix - gain -10 lowpass 2600
}
inst_vibes() {   # sine bell with tremolo
    local n=$1; shift
    hit "$n" 0.9 $(tones sine "$@") remix - gain -10 tremolo 5.5 35
}
inst_flute() {   # triangle with a slow attack and a gentle tremolo
    local n=$1; shift
    ev synth "${n}s" $(tones triangle "$@") \
        remix - gain -10 lowpass 2500 tremolo 5 12 \
        fade h 0.06 "${n}s" "$(rel "$n" 0.15)"
}
inst_skank() {   # choppy offbeat chord
    local n=$1; shift
    hit "$n" 0.14 $(tones square "$@") remix - gain -10 highpass 400 lowpass 3200
}
inst_organ() {   # short organ "bubble"
    local n=$1; shift
    hit "$n" 0.14 $(tones sine "$@") synth @ square mix "$1" \
        remix - gain -10 lowpass 1800
}

# Drums: the note is ignored (use "x").
drum_kick()    { hit "$1" 0.28 sine 150/42 gain -10; }
drum_bigkick() { hit "$1" 0.40 sine 130/38 gain -10 bass +4; }
drum_snare()   { hit "$1" 0.20 whitenoise synth @ sine mix 185 gain -10 highpass 180 lowpass 9000; }
drum_clap()    { hit "$1" 0.16 whitenoise gain -10 bandpass 1400 1.2q; }
drum_hat()     { hit "$1" 0.05 whitenoise gain -10 highpass 7000; }
drum_ohat()    { hit "$1" 0.22 whitenoise gain -10 highpass 6500; }
drum_ride()    { hit "$1" 0.45 whitenoise synth @ square mix 5400 gain -10 highpass 3500 lowpass 11000; }
drum_crash()   { hit "$1" 1.40 whitenoise gain -10 highpass 3000; }
drum_rim()     { hit "$1" 0.06 whitenoise synth @ sine mix 1700 gain -10 bandpass 1700 3q; }
drum_brush()   { hit "$1" 0.12 pinknoise gain -10 highpass 1500 lowpass 6000; }

# voice NAME VOLUME PAN INSTRUMENT UNIT TOKEN...
# Renders a monophonic line (chords count as one event) into a stereo wav.
# A token is NOTES[:UNITS] with NOTES = "r" (rest), "x" (drum hit) or
# "C4.E4.G4" (simultaneous notes); UNITS defaults to 1.
# PAN is -1 (left) .. 1 (right).
voice() {
    local name=$1 vol=$2 pan=$3 inst=$4 unit=$5
    shift 5
    local files=() tok notes units n
    for tok in "$@"; do
        notes=${tok%%:*}
        units=1
        if [ "$notes" != "$tok" ]; then units=${tok#*:}; fi
        n=$((unit * units))
        if [ "$notes" = r ]; then
            files+=("$(silence "$n")")
        else
            # shellcheck disable=SC2086
            files+=("$("$inst" "$n" ${notes//./ })")
        fi
    done
    local l r
    l=$(awk -v v="$vol" -v p="$pan" 'BEGIN { g = (p > 0) ? 1 - p : 1; printf "%.4f", v * g }')
    r=$(awk -v v="$vol" -v p="$pan" 'BEGIN { g = (p < 0) ? 1 + p : 1; printf "%.4f", v * g }')
    sox -R -D -V1 "${files[@]}" "$work/$name.wav" remix "1v$l" "1v$r"
    VOICES+=("$work/$name.wav")
}

# repeat N TOKEN...: prints the tokens N times.
repeat() {
    local k=$1 i
    shift
    for ((i = 0; i < k; i++)); do printf '%s ' "$@"; done
}

# master OUT SECONDS EFFECTS...: mix all voices, leave room for a tail, add
# EFFECTS (reverb...), cut to SECONDS with a fade-out, normalise to -1 dBFS.
master() {
    local dst=$1 len=$2
    shift 2
    local args=() v
    for v in "${VOICES[@]}"; do args+=(-v 0.5 "$v"); done
    # A silent stereo input as long as the result makes room for the tail.
    sox -R -D -V1 "$(silence "$(secs "$len")")" "$work/room.wav" channels 2
    sox -R -D -V1 -m "${args[@]}" "$work/room.wav" -b 16 "$dst" "$@" \
        trim 0 "$len" fade q 0.01 "$len" 0.8 norm -1
    VOICES=()
}

VOICES=()

# --- 1. "Morning Light": slow, soft piano, 60 bpm ------------------------------
# Cmaj7 | Am7 | Fmaj7 | G6, broken chords in two overlapping voices so the
# notes ring on like a sustain pedal.
RATE=44100
u=$((RATE / 2))   # eighth note at 60 bpm
voice p_arp_a 0.5 -0.3 inst_piano $u \
    C3:2 E4:2 A2:2 C4:2 F2:2 A3:2 G2:2 B3:2
voice p_arp_b 0.45 0.3 inst_piano $u \
    r:1 G3:2 B3:2 E3:2 G3:2 C3:2 E3:2 D3:2 E3:1
voice p_bass 0.45 0 inst_pluckbass $u \
    C2:4 A1:4 F1:4 G1:4
voice p_melody 0.5 0.1 inst_piano $u \
    r:2 G4:2 E5:3 D5:1 C5:2 A4:2 B4:2 D5:2
master "$work/01.wav" 8.5 reverb 70 40 90 80 20 gain -3 highpass 40

# --- 2. "Redline": fast, distorted rock, 150 bpm -------------------------------
RATE=44100
u=$((RATE * 60 / 150 / 2))   # eighth note
E5=E2.B2.E3 G5=G2.D3.G3 A5=A2.E3.A3 C5=C3.G3.C4 D5=D3.A3.D4
voice r_gtr 0.45 -0.45 inst_palm $u \
    $(repeat 8 $E5) $(repeat 4 $G5) $(repeat 4 $A5) \
    $(repeat 8 $E5) $(repeat 4 $C5) $(repeat 4 $D5)
voice r_gtr2 0.4 0.45 inst_guitar $u \
    r:8 $G5:4 $A5:4 r:8 $C5:4 $D5:4 $E5:8
voice r_bass 0.4 0 inst_sawbass $u \
    $(repeat 8 E1) $(repeat 4 G1) $(repeat 4 A1) \
    $(repeat 8 E1) $(repeat 4 C2) $(repeat 4 D2) E1:8
voice r_lead 0.3 0.2 inst_lead $u \
    r:16 E4:2 G4:2 A4:2 B4:2 C5:3 B4:1 D5:4 E5:8
voice r_kick 0.6 0 drum_kick $u \
    $(repeat 3 x:4 x:1 x:3) x:4 x:1 x:1 x:2 x:8
voice r_snare 0.55 0.05 drum_snare $u \
    $(repeat 3 r:2 x:4 x:2) r:2 x:4 x:1 x:1 r:8
voice r_hat 0.18 0.3 drum_hat $u $(repeat 32 x) r:8
voice r_crash 0.25 -0.2 drum_crash $u x:32 x:8
master "$work/02.wav" 8.3 reverb 25 50 40 60 0 highpass 35 compand 0.01,0.2 -60,-60,-20,-12,0,-6 0 -6

# --- 3. "Neon Floor": four-on-the-floor dance, 126 bpm --------------------------
RATE=44100
u=$((RATE * 60 / 126 / 4))   # sixteenth note
voice d_kick 0.6 0 drum_bigkick $u $(repeat 16 x:4) x:4
voice d_clap 0.35 0.1 drum_clap $u $(repeat 8 r:4 x:4) r:4
voice d_ohat 0.18 0.35 drum_ohat $u $(repeat 16 r:2 x:2) r:4
voice d_hat 0.12 -0.35 drum_hat $u $(repeat 32 r:1 x:1) r:4
voice d_bass 0.3 0 inst_subbass $u \
    $(repeat 4 r:2 A1:2) $(repeat 4 r:2 F1:2) $(repeat 4 r:2 C2:2) \
    $(repeat 4 r:2 G1:2) A1:4
voice d_pad 0.3 -0.2 inst_pad $u \
    A3.C4.E4:16 F3.A3.C4:16 G3.C4.E4:16 G3.B3.D4:16 A3.C4.E4:4
voice d_arp 0.35 0.25 inst_arp $u \
    $(repeat 4 A4 C5 E5 A5) $(repeat 4 F4 A4 C5 F5) \
    $(repeat 4 C5 E5 G5 C6) $(repeat 4 G4 B4 D5 G5) A5:4
master "$work/03.wav" 8.0 reverb 30 50 60 100 0 highpass 30

# --- 4. "Swing Street": swung jazz trio with vibes, 120 bpm ------------------------
# Dm7 | G7 | Cmaj7 | A7, on a triplet grid (swing eighths = 2 + 1 units).
RATE=44100
u=$((RATE * 60 / 120 / 3))   # eighth-note triplet
voice j_bass 0.5 0 inst_pluckbass $u \
    D2:3 F2:3 A2:3 C3:3 G2:3 B2:3 D3:3 F2:3 \
    C2:3 E2:3 G2:3 B2:3 A2:3 C#3:3 E3:3 G2:3 D2:3
voice j_ride 0.13 0.45 drum_ride $u \
    $(repeat 4 x:3 x:2 x:1 x:3 x:2 x:1) x:3
voice j_hat 0.12 0.2 drum_hat $u $(repeat 8 r:3 x:3) r:3
voice j_brush 0.1 -0.1 drum_brush $u $(repeat 8 r:3 x:2 x:1) r:3
voice j_comp 0.35 -0.45 inst_piano $u \
    F3.A3.C4.E4:2 r:3 F3.A3.C4.E4:2 r:5 \
    F3.B3.D4.E4:2 r:3 F3.B3.D4.E4:2 r:5 \
    E3.G3.B3.D4:2 r:3 E3.G3.B3.D4:2 r:5 \
    G3.C#4.E4:2 r:3 G3.C#4.E4:2 r:5 F3.A3.C4.E4:3
voice j_vibes 0.4 0.25 inst_vibes $u \
    r:3 A4:2 C5:1 E5:2 D5:1 C5:3 \
    B4:2 D5:1 F5:3 E5:2 D5:1 B4:3 \
    C5:6 r:2 G4:1 B4:2 D5:1 \
    C#5:2 E5:1 G5:3 F5:2 E5:1 C#5:3 D5:3
master "$work/04.wav" 8.4 reverb 35 60 50 80 10 highpass 35

# --- 5. "Sonatina in C": sparse classical, 3/4 at 108 bpm --------------------------
# A flute-like line over pizzicato bass and soft plucked chords on beat 2.
# Rendered at 44.1 kHz (sox's pluck needs it), mastered to mono 22.05 kHz to
# keep the FLAC small.
RATE=44100
u=$((RATE * 60 / 108 / 2))   # eighth note
voice c_melody 0.5 0 inst_flute $u \
    E5:3 D5:1 C5:2 D5:4 G4:2 A4:2 C5:2 F5:2 E5:2 D5:2 B4:2 C5:6
voice c_bass 0.4 0 inst_pluckbass $u \
    C3:6 B2:6 F2:6 G2:6 C2:6
voice c_chords 0.3 0 inst_piano $u \
    r:2 E4.G4:2 r:2 r:2 F4.G4:2 r:2 r:2 A3.C4:2 r:2 r:2 B3.D4:2 r:2 \
    C4.E4.G4:6
master "$work/05.wav" 8.5 reverb 60 40 100 0 30 highpass 35 remix 1 rate 22050

# --- 6. "Offbeat Sunrise": reggae one-drop, 84 bpm ----------------------------------
# Am | D | Am, skank on 2 and 4, organ bubble on the offbeats, kick on 3.
RATE=44100
u=$((RATE * 60 / 84 / 4))   # sixteenth note
AM=A3.C4.E4 DM=F#3.A3.D4
voice g_skank 0.5 -0.4 inst_skank $u \
    r:4 $AM:2 r:6 $AM:2 r:2 r:4 $DM:2 r:6 $DM:2 r:2 r:4 $AM:2 r:6 $AM:2 r:2
voice g_organ 0.35 0.4 inst_organ $u \
    $(repeat 2 r:2 $AM:2) $(repeat 2 r:2 $AM:2) \
    $(repeat 2 r:2 $DM:2) $(repeat 2 r:2 $DM:2) \
    $(repeat 2 r:2 $AM:2) $(repeat 2 r:2 $AM:2)
voice g_bass 0.35 0 inst_dubbass $u \
    r:4 A1:3 A1:1 C2:2 E2:2 G2:2 E2:2 \
    r:4 D2:3 D2:1 F#2:2 A2:2 C3:2 A2:2 \
    r:4 A1:3 A1:1 C2:2 E2:2 G2:2 A1:2
voice g_kick 0.5 0 drum_kick $u $(repeat 3 r:8 x:8)
voice g_rim 0.35 -0.1 drum_rim $u $(repeat 3 r:8 x:8)
voice g_hat 0.12 0.3 drum_hat $u $(repeat 24 x:2)
master "$work/06.wav" 8.6 echo 0.9 0.8 357 0.25 reverb 30 50 60 80 0 highpass 35

# --- encode -----------------------------------------------------------------------

mp3() {   # SRC DST
    mkdir -p "$(dirname "$2")"
    lame --quiet --noreplaygain -b 96 -m j --resample 44.1 "$1" "$2"
}

t1="$out/Ada Halvorsen/Quiet Rooms/01 - Morning Light.mp3"
t2="$out/Ada Halvorsen/Quiet Rooms/02 - Sonatina in C.flac"
t3="$out/Static Engines/Overdrive/01 - Redline.mp3"
t4="$out/Kelvin and the Pulse/Night Shift/03 - Neon Floor.ogg"
t5="$out/The Blue Hour Trio/Late Set/02 - Swing Street.mp3"
t6="$out/Roots Collective/Island Time/05 - Offbeat Sunrise.mp3"

mp3 "$work/01.wav" "$t1"
mkdir -p "$(dirname "$t2")"
flac --silent --force -8 --padding=1024 -o "$t2" "$work/05.wav"
mp3 "$work/02.wav" "$t3"
mkdir -p "$(dirname "$t4")"
oggenc --quiet --serial 4242 -q 1 -o "$t4" "$work/03.wav"
mp3 "$work/04.wav" "$t5"
mp3 "$work/06.wav" "$t6"

# --- tag ---------------------------------------------------------------------------

python3 - "$t1" "$t2" "$t3" "$t4" "$t5" "$t6" <<'EOF'
import sys
from mutagen.flac import FLAC
from mutagen.id3 import ID3, TALB, TCON, TDRC, TIT2, TPE1, TRCK, Encoding
from mutagen.oggvorbis import OggVorbis

# path, title, artist, album, genre, date, track
TRACKS = [
    ("Morning Light", "Ada Halvorsen", "Quiet Rooms", "New Age", "2019", 1),
    ("Sonatina in C", "Ada Halvorsen", "Quiet Rooms", "Classical", "2019", 2),
    ("Redline", "Static Engines", "Overdrive", "Rock", "2008", 1),
    ("Neon Floor", "Kelvin and the Pulse", "Night Shift", "Dance", "2016", 3),
    ("Swing Street", "The Blue Hour Trio", "Late Set", "Jazz", "1962", 2),
    ("Offbeat Sunrise", "Roots Collective", "Island Time", "Reggae", "1978", 5),
]

for path, (title, artist, album, genre, date, track) in zip(sys.argv[1:], TRACKS):
    if path.endswith(".mp3"):
        tags = ID3()
        enc = Encoding.UTF8
        tags.add(TIT2(encoding=enc, text=[title]))
        tags.add(TPE1(encoding=enc, text=[artist]))
        tags.add(TALB(encoding=enc, text=[album]))
        tags.add(TCON(encoding=enc, text=[genre]))
        tags.add(TDRC(encoding=enc, text=[date]))
        tags.add(TRCK(encoding=enc, text=[str(track)]))
        tags.save(path, v1=0, v2_version=4)
    else:
        f = FLAC(path) if path.endswith(".flac") else OggVorbis(path)
        if f.tags is None:
            f.add_tags()
        f["TITLE"] = title
        f["ARTIST"] = artist
        f["ALBUM"] = album
        f["GENRE"] = genre
        f["DATE"] = date
        f["TRACKNUMBER"] = str(track)
        f.save()
EOF

# --- check -------------------------------------------------------------------------

for f in "$t1" "$t2" "$t3" "$t4" "$t5" "$t6"; do
    case "$f" in
        *.flac) flac --silent --test "$f" ;;
        *.ogg) ogginfo -q "$f" >/dev/null ;;
    esac
    ffprobe -v error -show_entries format=duration -of csv=p=0 "$f" >/dev/null
done
total=0
for f in "$t1" "$t2" "$t3" "$t4" "$t5" "$t6"; do
    size=$(stat -c %s "$f")
    total=$((total + size))
    printf '%8d  %s\n' "$size" "${f#"$out"/}"
done
printf '%8d  total\n' "$total"
