#!/usr/bin/env bash
# End-to-end smoke test of the genre-model trainer, for CI (a few minutes on 2 cores):
#
#  1. makes .venv-train/ if missing (CPU torch from /opt/wheels when there, else PyPI),
#  2. builds the musicindex CLI if missing,
#  3. generates a tiny labelled corpus with sox (3 classes x 4 clips x 4 s; one class MP3
#     through lame) -- not the project's corpus generator,
#  4. trains for 2 epochs with training/train.py and exports the model,
#  5. checks that the Swift engine reproduces PyTorch: `musicindex scan --full --model` on
#     one 8 s clip (three segments, the last one overlapping), then compares the stored
#     analysis (SQLite `analyses`: mean probabilities, per-segment timeline, mean embedding)
#     with load_model + the same segments in PyTorch, within 1e-4 absolute + 1e-4 relative.
#
# Exits non-zero on any failure or mismatch. Environment: MUSICINDEX_BIN (use this binary),
# SMOKE_DIR (work folder, kept; default a temporary one, removed), TRAIN_VENV (default
# .venv-train), PYTHON (interpreter for a new venv, default python3.11 or python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
START=$(date +%s.%N)
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(date +%s.%N)"; }
step() { echo "== $* (t=$(elapsed "$START") s)"; }

for tool in sox sqlite3; do
    command -v "$tool" >/dev/null || { echo "train-smoke-test: $tool is required" >&2; exit 1; }
done

# 1. Python environment.
PYTHON_BIN="$(bash "$ROOT/scripts/training-venv.sh")"

# 2. The CLI.
if [ -n "${MUSICINDEX_BIN:-}" ]; then
    BIN="$MUSICINDEX_BIN"
else
    BIN="$ROOT/.build/release/musicindex"
    # Always (incremental): a stale binary would test an old front end.
    step "building musicindex (scripts/build-release.sh)"
    bash "$ROOT/scripts/build-release.sh"
fi
export MUSICINDEX_BIN="$BIN"

if [ -n "${SMOKE_DIR:-}" ]; then
    WORK="$SMOKE_DIR"; rm -rf "$WORK"; mkdir -p "$WORK"
else
    WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
fi

# 3. A tiny corpus: three classes that differ in spectrum and time structure (sox -R:
#    repeatable noise, so every run trains on the same audio).
step "generating the smoke corpus in $WORK/corpus"
DATA="$WORK/corpus"
mkdir -p "$DATA/tone" "$DATA/noise" "$DATA/sweep" "$WORK/probe"
for i in 0 1 2 3; do
    f=$((220 + 110 * i)); g=$((330 + 150 * i))
    sox -R -q -n -r 22050 -c 1 -b 16 "$DATA/tone/tone.0000$i.wav" synth 4 sine "$f" sine "$g" tremolo $((3 + i)) 60 gain -6
    sox -R -q -n -r 44100 -c 2 -b 16 "$DATA/noise/noise.0000$i.wav" synth 4 pinknoise tremolo $((2 + i)) 90 highpass $((300 * (i + 1))) gain -8
    sox -R -q -n -r 22050 -c 1 -b 16 "$WORK/sweep.wav" synth 4 sine $((200 + 50 * i))-$((4000 + 700 * i)) gain -6
    if command -v lame >/dev/null; then
        lame --quiet -b 128 "$WORK/sweep.wav" "$DATA/sweep/sweep.0000$i.mp3"
    else
        cp "$WORK/sweep.wav" "$DATA/sweep/sweep.0000$i.wav"
    fi
done
rm -f "$WORK/sweep.wav"
# The probe clip for the engine comparison: 8 s = 345 frames -> segments at 0, 128 and 217.
sox -R -q -n -r 22050 -c 1 -b 16 "$WORK/probe/probe.wav" synth 8 sine 300-3000 pinknoise tremolo 3 50 gain -6

# 4. Train (2 epochs, full-size CRNN) and export.
step "training"
"$PYTHON_BIN" training/train.py --data "$DATA" --out "$WORK/model.safetensors" \
    --report-dir "$WORK/report" --cache-dir "$WORK/cache" --epochs 2 --batch 8 --threads 2 \
    --crops-per-clip 16 --jobs 2 --limit-per-genre 4 --patience 0 --name smoke-genres --version smoke.1 \
    --corpus-note "Smoke-test data: sox-generated tones, noise bursts and sweeps, 4 s each; it checks the pipeline, not genre recognition."

# 5. The Swift engine on the probe clip, from the library it writes.
step "musicindex scan --full --model on the probe clip"
"$BIN" scan --quiet --jobs 1 --db "$WORK/library.sqlite" --model "$WORK/model.safetensors" --full "$WORK/probe"
step "comparing the engine with PyTorch"
"$PYTHON_BIN" - "$WORK" "$BIN" <<'PY'
import json, os, sqlite3, subprocess, sys
import numpy as np
import torch
work, binary = sys.argv[1], sys.argv[2]
sys.path.insert(0, "training")
from musicindex_training import load_model
from musicindex_training.dataset import segments_of

model, meta = load_model(os.path.join(work, "model.safetensors"))
labels, norm, seg = meta["labels"], meta["normalization"], meta["segment_frames"]
probe = os.path.join(work, "probe", "probe.wav")

# The engine's inputs, twice from the CLI: whole spectrogram (cut here) and its own segments.
subprocess.run([binary, "features", "--full", "--spectrogram", "--segments-only", "--json", "--quiet",
                "--out", os.path.join(work, "probe-spec"), probe], check=True)
subprocess.run([binary, "features", "--full", "--segments-only", "--json", "--quiet",
                "--out", os.path.join(work, "probe-segs"), probe], check=True)
spec = np.load(os.path.join(work, "probe-spec", "probe.npy"))
cli_segments = np.load(os.path.join(work, "probe-segs", "probe.npy"))
segments = segments_of(spec, seg)
print(f"probe: spectrogram {list(spec.shape)}, segments {list(segments.shape)}")
if segments.shape != cli_segments.shape or not np.array_equal(segments, cli_segments):
    sys.exit(f"MISMATCH: Python's segmenting {segments.shape} differs from the CLI's {cli_segments.shape}")

# PyTorch, in float64 accumulation of the float32 network (what the file specifies).
with torch.no_grad():
    x = ((torch.from_numpy(segments) - norm["mean"]) / norm["std"]).unsqueeze(1)
    logits, emb = model(x)
    probs = torch.softmax(logits.double(), dim=1).numpy()
    emb = emb.double().numpy()

db = sqlite3.connect(os.path.join(work, "library.sqlite"))
rows = db.execute("""SELECT a.probabilities, a.timeline, a.embedding, a.segments, a.top_label, m.labels
                     FROM analyses a JOIN models m ON m.id = a.model_id
                     WHERE m.name = ? AND m.version = ?""", (meta["name"], meta["version"])).fetchall()
if len(rows) != 1:
    sys.exit(f"MISMATCH: expected one analysis of the probe in the library, found {len(rows)}")
p_blob, t_blob, e_blob, n_seg, top, stored_labels = rows[0]
swift_probs = np.frombuffer(p_blob, dtype="<f4").astype(np.float64)
swift_timeline = np.frombuffer(t_blob, dtype="<f4").astype(np.float64).reshape(n_seg, -1)
swift_emb = np.frombuffer(e_blob, dtype="<f4").astype(np.float64)
if json.loads(stored_labels) != labels:
    sys.exit(f"MISMATCH: labels {stored_labels} vs {labels}")
if n_seg != len(segments):
    sys.exit(f"MISMATCH: the engine analysed {n_seg} segments, PyTorch {len(segments)}")

ok = True
def compare(name, swift, torch_values):
    global ok
    diff = np.abs(swift - torch_values)
    bad = diff > 1e-4 + 1e-4 * np.abs(torch_values)
    print(f"{name:13s} shape {list(swift.shape)}: max |diff| {diff.max():.3e}"
          f"{'' if not bad.any() else f'  MISMATCH at {int(bad.sum())} values'}")
    ok &= not bad.any()

compare("probabilities", swift_probs, probs.mean(0))
compare("timeline", swift_timeline, probs)
compare("embedding", swift_emb, emb.mean(0))
print(f"engine top label {top!r}; PyTorch {labels[int(probs.mean(0).argmax())]!r}; "
      f"probabilities {np.round(swift_probs, 4).tolist()}")
if top != labels[int(probs.mean(0).argmax())]:
    ok = False
    print("MISMATCH: top labels differ")
sys.exit(0 if ok else 1)
PY
step "report"
sed -n '1,/^## Corpus/p' "$WORK/report/REPORT.md" | head -n 25
echo "train-smoke-test: OK in $(elapsed "$START") s"
