#!/usr/bin/env python3
"""Generate the DSP reference fixtures (librosa 0.11 + pyloudnorm oracle).

Run through scripts/make-dsp-fixtures.sh, which sets up the virtualenv first.
Usage: make_dsp_fixtures.py OUTPUT_DIR

Output (everything Swift needs, readable without numpy):
  NAME.input.f32   the input samples, raw little-endian float32 (stereo
                   signals interleaved L R L R ...)
  NAME.KEY.f32     one result array, raw little-endian float32, C (row-major)
                   order exactly as librosa returns it; e.g. NAME.mel.f32 has
                   shape [n_mels, frames], row = mel band
  filters.KEY.f32  the mel and chroma filterbanks and the Hann window
  manifest.json    shapes, file names, parameters, scalar results (tempo,
                   beat frames, LUFS), tool versions, and for each array the
                   max abs difference between librosa run on float32 input and
                   the float64 reference stored here

The reference arrays are computed from the float32 input converted to float64,
so they are the "exact" answer for the stored input; they are then rounded to
float32 for storage. Note that librosa's own mel and chroma filterbanks are
float32 (filters.mel/filters.chroma default dtype), also in the float64 path;
the stored filterbanks are therefore exact.

Signals (mono float32 at 22050 Hz unless noted):
  noise      white noise, 1.5 s, amplitude 0.3 (uniform in [-0.3, 0.3])
  chirp      linear chirp 50 Hz -> 10 kHz over 2 s, amplitude 0.5
  silence    1.0 s of zeros
  odd        12345 samples: sines at 220, 1375.5, 5000 Hz + small noise
  short      1000 samples of noise (shorter than n_fft = 2048)
  music      3.0 s of "01 - Redline.mp3" from 2.0 s (mpg123 decode, channel
             mean, librosa.resample soxr_hq 44100 -> 22050)
  click120   8 s click track at 120 BPM: an impulse every 0.5 s (from 0 s)
             convolved with a 10 ms exponentially decaying 1 kHz sine
Loudness signals (pyloudnorm Meter(rate), BS.1770-4 defaults):
  tone_lufs  1 kHz sine, stereo (identical channels), 48 kHz, TONE_SECONDS,
             scaled so the integrated loudness is -23.0 LUFS
  music_lufs the start of "01 - Redline.mp3" at its native rate and channels
             (44.1 kHz stereo), MUSIC_LUFS_SECONDS (the file is only ~8.3 s
             long, and the fixture folder must stay under 6 MB)

The output is deterministic: fixed seeds (numpy default_rng), mpg123 forced to
its generic decoder, no timestamps or absolute paths in the manifest.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import scipy
import soundfile as sf
import soxr
import librosa
import pyloudnorm

SR = 22050
N_FFT = 2048
HOP = 512
N_MELS = 128
N_MFCC = 13

MP3 = os.path.join("examples", "music", "Static Engines", "Overdrive", "01 - Redline.mp3")
MUSIC_OFFSET_S = 2.0
MUSIC_SECONDS = 3.0
# Size budget: the folder must stay under 6 MB. 10 s of 48 kHz stereo float32
# would be 3.84 MB alone; 3 s = 1.15 MB (26 gating blocks) is plenty for a
# stationary tone (BS.1770 gating needs >= 0.4 s).
TONE_SECONDS = 3.0
TONE_TARGET_LUFS = -23.0
MUSIC_LUFS_SECONDS = 4.0  # from 0 s; native 44.1 kHz stereo = 1.41 MB (file is ~8.3 s)

# Only these (frame-sized) arrays are small enough to store the STFT magnitude.
STORE_STFT_MAG = {"odd", "short"}
BEAT_SIGNALS = {"click120", "music"}


# --------------------------------------------------------------------------
# helpers

class Writer:
    def __init__(self, outdir):
        self.outdir = outdir

    def array(self, name, key, arr):
        """Write arr as little-endian float32 (C order); return manifest entry."""
        arr = np.asarray(arr)
        a32 = np.ascontiguousarray(arr, dtype="<f4")
        fname = f"{name}.{key}.f32"
        with open(os.path.join(self.outdir, fname), "wb") as f:
            f.write(a32.tobytes(order="C"))
        return {"file": fname, "shape": [int(d) for d in arr.shape]}


def max_abs_diff(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)))


def mpg123_version():
    out = subprocess.run(["mpg123", "--version"], check=True,
                         capture_output=True, text=True).stdout
    return out.strip().split()[1] if out.strip() else "unknown"


def decode_mp3(path):
    """Decode with mpg123 (generic decoder, float32, gapless default) to a
    float WAV, read it back with soundfile. Returns (samples[n, ch] float32, rate)."""
    tmpdir = tempfile.mkdtemp(prefix="dspfix-")
    try:
        wav = os.path.join(tmpdir, "decoded.wav")
        subprocess.run(["mpg123", "-q", "--cpu", "generic", "-e", "f32",
                        "-w", wav, path], check=True)
        data, rate = sf.read(wav, dtype="float32", always_2d=True)
        return data, int(rate)
    finally:
        shutil.rmtree(tmpdir)


# --------------------------------------------------------------------------
# signals

def make_signals(repo_root):
    sigs = {}

    rng = np.random.default_rng(1)
    n = int(1.5 * SR)
    sigs["noise"] = dict(
        y=(0.3 * rng.uniform(-1.0, 1.0, n)).astype(np.float32),
        description="white noise, uniform in [-0.3, 0.3], 1.5 s, default_rng(1)")

    n = int(2.0 * SR)
    t = np.arange(n) / SR
    sigs["chirp"] = dict(
        y=(0.5 * scipy.signal.chirp(t, f0=50.0, t1=2.0, f1=10000.0,
                                    method="linear")).astype(np.float32),
        description="linear chirp 50 Hz -> 10 kHz over 2 s, amplitude 0.5, cosine phase 0 "
                    "(scipy.signal.chirp)")

    sigs["silence"] = dict(y=np.zeros(SR, dtype=np.float32),
                           description="1.0 s of zeros")

    rng = np.random.default_rng(2)
    n = 12345
    t = np.arange(n) / SR
    y = (0.3 * np.sin(2 * np.pi * 220.0 * t)
         + 0.2 * np.sin(2 * np.pi * 1375.5 * t)
         + 0.1 * np.sin(2 * np.pi * 5000.0 * t)
         + 0.01 * rng.standard_normal(n))
    sigs["odd"] = dict(
        y=y.astype(np.float32),
        description="12345 samples: 0.3 sin 220 Hz + 0.2 sin 1375.5 Hz + 0.1 sin 5000 Hz "
                    "+ 0.01 N(0,1) noise (default_rng(2))")

    rng = np.random.default_rng(3)
    sigs["short"] = dict(
        y=(0.3 * rng.uniform(-1.0, 1.0, 1000)).astype(np.float32),
        description="1000 samples of uniform noise in [-0.3, 0.3], default_rng(3)")

    stereo, rate = decode_mp3(os.path.join(repo_root, MP3))
    mono = stereo.astype(np.float64).mean(axis=1)
    mono22 = librosa.resample(mono, orig_sr=rate, target_sr=SR, res_type="soxr_hq")
    start = int(round(MUSIC_OFFSET_S * SR))
    y = mono22[start:start + int(round(MUSIC_SECONDS * SR))]
    assert len(y) == int(round(MUSIC_SECONDS * SR)), len(y)
    sigs["music"] = dict(
        y=y.astype(np.float32),
        description=f"{MP3}: mpg123 --cpu generic -e f32 decode ({rate} Hz, "
                    f"{stereo.shape[1]} ch), channel mean, librosa.resample soxr_hq to "
                    f"22050 Hz, then {MUSIC_SECONDS} s from {MUSIC_OFFSET_S} s")

    n = int(8.0 * SR)
    imp = np.zeros(n)
    period = SR // 2  # 0.5 s = 11025 samples exactly
    imp[::period] = 1.0
    m = int(0.010 * SR)
    k = np.arange(m)
    click = np.sin(2 * np.pi * 1000.0 * k / SR) * np.exp(-k / (0.002 * SR))
    y = 0.8 * np.convolve(imp, click)[:n]
    sigs["click120"] = dict(
        y=y.astype(np.float32),
        description="8 s, 120 BPM: impulses at every 11025th sample from 0 convolved with "
                    "a 220-sample 1 kHz sine decaying exp(-t / 2 ms), amplitude 0.8")

    # loudness signals -----------------------------------------------------
    n = int(TONE_SECONDS * 48000)
    t = np.arange(n) / 48000
    tone = np.sin(2 * np.pi * 1000.0 * t)
    tone2 = np.stack([tone, tone], axis=1)
    meter = pyloudnorm.Meter(48000)
    l0 = meter.integrated_loudness(tone2)
    gain = 10.0 ** ((TONE_TARGET_LUFS - l0) / 20.0)
    x = (tone2 * gain).astype(np.float32)
    sigs["tone_lufs"] = dict(
        x=x, rate=48000,
        description=f"1 kHz sine, identical L/R, 48 kHz, {TONE_SECONDS} s, scaled by "
                    f"10^((-23 - L0)/20) where L0 is the loudness of the unit-amplitude tone",
        extra={"unscaled_lufs": float(l0), "gain": float(gain)})

    n = int(round(MUSIC_LUFS_SECONDS * rate))
    assert stereo.shape[0] >= n, (stereo.shape, n)
    sigs["music_lufs"] = dict(
        x=np.ascontiguousarray(stereo[:n]), rate=rate,
        description=f"{MP3}: mpg123 --cpu generic -e f32 decode at the native rate and "
                    f"channels, the first {MUSIC_LUFS_SECONDS} s (file decodes to "
                    f"{stereo.shape[0]} frames = {stereo.shape[0] / rate:.3f} s)",
        extra={"decoded_total_frames": int(stereo.shape[0])})
    return sigs


# --------------------------------------------------------------------------
# features

def features(y):
    """The librosa calls, exactly as specified. y: float32 or float64 mono."""
    out = {}
    S = librosa.feature.melspectrogram(
        y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, win_length=None, window="hann",
        center=True, pad_mode="constant", power=2.0, n_mels=N_MELS, fmin=0.0,
        fmax=None, htk=False, norm="slaney")
    mel_db = librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0)
    mfcc = librosa.feature.mfcc(S=mel_db, n_mfcc=N_MFCC, dct_type=2, norm="ortho")
    M = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP, center=True,
                            pad_mode="constant"))
    out["mel"] = S
    out["mel_db"] = mel_db
    out["mfcc"] = mfcc
    out["stft_mag"] = M
    out["spectral_centroid"] = librosa.feature.spectral_centroid(S=M, sr=SR)
    out["spectral_bandwidth"] = librosa.feature.spectral_bandwidth(S=M, sr=SR, p=2)
    out["spectral_rolloff"] = librosa.feature.spectral_rolloff(S=M, sr=SR, roll_percent=0.85)
    out["spectral_flatness"] = librosa.feature.spectral_flatness(S=M, amin=1e-10, power=2.0)
    out["zero_crossing_rate"] = librosa.feature.zero_crossing_rate(
        y, frame_length=N_FFT, hop_length=HOP, center=True)
    out["rms_S"] = librosa.feature.rms(S=M, frame_length=N_FFT, hop_length=HOP)
    out["rms_y"] = librosa.feature.rms(y=y, frame_length=N_FFT, hop_length=HOP,
                                       center=True, pad_mode="constant")
    out["chroma_stft"] = librosa.feature.chroma_stft(
        S=M ** 2, sr=SR, n_fft=N_FFT, hop_length=HOP, tuning=0.0)
    return out


def beats(y):
    tempo, beat_frames = librosa.beat.beat_track(y=y, sr=SR, hop_length=HOP)
    onset_env = librosa.onset.onset_strength(y=y, sr=SR, hop_length=HOP)
    # What beat_track uses internally (it passes aggregate=np.median).
    onset_env_median = librosa.onset.onset_strength(y=y, sr=SR, hop_length=HOP,
                                                    aggregate=np.median)
    tempo = np.atleast_1d(tempo)
    assert tempo.shape == (1,), tempo.shape
    return float(tempo[0]), [int(b) for b in beat_frames], onset_env, onset_env_median


# --------------------------------------------------------------------------

def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_dsp_fixtures.py OUTPUT_DIR")
    outdir = sys.argv[1]
    repo_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.makedirs(outdir, exist_ok=True)
    for f in os.listdir(outdir):
        if f.endswith(".f32") or f == "manifest.json":
            os.remove(os.path.join(outdir, f))
    w = Writer(outdir)

    manifest = {
        "generator": "scripts/make-dsp-fixtures.sh (scripts/make_dsp_fixtures.py)",
        "format": "every array is raw little-endian float32 in C (row-major) order with "
                  "the shape given here (librosa's own axis order, e.g. mel is "
                  "[n_mels, frames]); NAME.input.f32 is the input, interleaved when "
                  "channels > 1 (n_samples counts samples per channel). References are librosa run on the float32 input "
                  "converted to float64, then rounded to float32 for storage.",
        "versions": {
            "python": sys.version.split()[0],
            "librosa": librosa.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "soxr": soxr.__version__,
            "soundfile": sf.__version__,
            "pyloudnorm": getattr(pyloudnorm, "__version__", None) or _dist_version("pyloudnorm"),
            "mpg123": mpg123_version(),
        },
        "librosa_version": librosa.__version__,
        "numpy_version": np.__version__,
        "params": {
            "sample_rate": SR, "n_fft": N_FFT, "hop_length": HOP, "win_length": N_FFT,
            "window": "hann (periodic, fftbins=True)", "center": True,
            "stft_pad_mode": "constant",
            "mel": {"n_mels": N_MELS, "fmin": 0.0, "fmax": SR / 2, "htk": False,
                    "norm": "slaney", "power": 2.0},
            "power_to_db": {"ref": 1.0, "amin": 1e-10, "top_db": 80.0},
            "mfcc": {"n_mfcc": N_MFCC, "dct_type": 2, "norm": "ortho",
                     "input": "mel_db"},
            "spectral": {"input": "|stft| (magnitude, power 1)",
                         "bandwidth_p": 2, "rolloff_percent": 0.85,
                         "flatness_amin": 1e-10, "flatness_power": 2.0},
            "zero_crossing_rate": {"frame_length": N_FFT, "center": True,
                                   "note": "librosa pads with mode='edge' here, "
                                           "not zeros; threshold 1e-10, zero_pos=True"},
            "rms_S": "rms(S=|stft|, frame_length=2048)",
            "rms_y": "rms(y=y, frame_length=2048, center=True, pad_mode='constant')",
            "chroma_stft": {"input": "|stft|**2", "tuning": 0.0, "n_chroma": 12,
                            "norm": "inf (per frame)"},
            "beat_track": "librosa.beat.beat_track(y=y, sr=22050, hop_length=512) "
                          "(defaults: start_bpm=120, tightness=100, trim=True, "
                          "units='frames'; onset envelope with aggregate=np.median)",
            "onset_env": "librosa.onset.onset_strength(y=y, sr=22050, hop_length=512) "
                         "(default aggregate=np.mean)",
            "onset_env_median": "same with aggregate=np.median (what beat_track uses)",
            "loudness": "pyloudnorm.Meter(rate) defaults: K-weighting, block 0.4 s, "
                        "overlap 0.75; integrated_loudness(data[n, ch] float64)",
        },
        "filters": {},
        "signals": {},
    }

    # filters ----------------------------------------------------------------
    melfb = librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=N_MELS, fmin=0.0, fmax=None,
                                htk=False, norm="slaney")
    assert melfb.dtype == np.float32
    hann = librosa.filters.get_window("hann", N_FFT, fftbins=True)
    chromafb = librosa.filters.chroma(sr=SR, n_fft=N_FFT, tuning=0.0)
    manifest["filters"] = {
        "mel": dict(w.array("filters", "mel", melfb),
                    call="librosa.filters.mel(sr=22050, n_fft=2048, n_mels=128, fmin=0.0, "
                         "fmax=None, htk=False, norm='slaney') (float32 natively)"),
        "hann": dict(w.array("filters", "hann", hann),
                     call="librosa.filters.get_window('hann', 2048, fftbins=True) "
                          "(float64, stored as float32)"),
        "chroma": dict(w.array("filters", "chroma", chromafb),
                       call="librosa.filters.chroma(sr=22050, n_fft=2048, tuning=0.0) "
                            "(float32 natively; used by chroma_stft)"),
        "mel_band_edges_note": "librosa.mel_frequencies(n_mels=130, fmin=0, fmax=11025, htk=False): band m spans edges[m]..edges[m+2], peak at edges[m+1]",
        "mel_band_edges_hz": [float(f) for f in librosa.mel_frequencies(
            n_mels=N_MELS + 2, fmin=0.0, fmax=SR / 2, htk=False)],
    }

    # signals ------------------------------------------------------------------
    sigs = make_signals(repo_root)
    for name in ["noise", "chirp", "silence", "odd", "short", "music", "click120"]:
        s = sigs[name]
        y32 = s["y"]
        y64 = y32.astype(np.float64)
        entry = {"sample_rate": SR, "channels": 1, "n_samples": int(len(y32)),
                 "description": s["description"]}
        entry["input"] = w.array(name, "input", y32)["file"]

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ref = features(y64)
            f32 = features(y32)
        warns = sorted({str(c.message) for c in caught})

        arrays = {}
        diffs = {}
        for key, arr in ref.items():
            assert np.all(np.isfinite(arr)), (name, key)
            diffs[key] = max_abs_diff(f32[key], arr)
            if key == "stft_mag" and name not in STORE_STFT_MAG:
                continue
            arrays[key] = w.array(name, key, arr)
        scalars = {
            "n_frames": int(ref["mel"].shape[1]),
            "mel_db_f32_vs_f64_max_abs_diff": diffs["mel_db"],
            "mel_db_min": float(ref["mel_db"].min()),
            "mel_db_max": float(ref["mel_db"].max()),
            "mel_max": float(ref["mel"].max()),
        }
        if name in BEAT_SIGNALS:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                tempo, beat_frames, onset_env, onset_env_median = beats(y64)
            warns += sorted({str(c.message) for c in caught})
            arrays["onset_env"] = w.array(name, "onset_env", onset_env)
            arrays["onset_env_median"] = w.array(name, "onset_env_median", onset_env_median)
            scalars["tempo"] = tempo
            scalars["beats"] = beat_frames
            scalars["beat_times_s"] = [float(t) for t in librosa.frames_to_time(
                beat_frames, sr=SR, hop_length=HOP)]
        entry["arrays"] = arrays
        entry["scalars"] = scalars
        entry["float32_vs_float64_max_abs_diff"] = diffs
        entry["float32_vs_float64_note"] = (
            "librosa on the float32 input (float32 all the way) vs the stored float64 "
            "reference, per array; mel/stft_mag/rms are in linear units, *_db in dB")
        if warns:
            entry["librosa_warnings"] = warns
        manifest["signals"][name] = entry

    for name in ["tone_lufs", "music_lufs"]:
        s = sigs[name]
        x32 = s["x"]
        rate = s["rate"]
        meter = pyloudnorm.Meter(rate)
        lufs = meter.integrated_loudness(x32.astype(np.float64))
        blocks = np.asarray(meter.blockwise_loudness, dtype=np.float64)
        kw = {stage: {"b": [float(v) for v in f.b], "a": [float(v) for v in f.a],
                      "passband_gain": float(f.passband_gain)}
              for stage, f in meter._filters.items()}
        entry = {"sample_rate": rate, "channels": int(x32.shape[1]),
                 "n_samples": int(x32.shape[0]), "layout": "interleaved",
                 "description": s["description"]}
        entry["input"] = w.array(name, "input", x32)["file"]
        entry["arrays"] = {"block_loudness": w.array(name, "block_loudness", blocks)}
        scalars = {"lufs": float(lufs), "n_blocks": int(len(blocks)),
                   "peak_abs": float(np.max(np.abs(x32)))}
        scalars.update(s.get("extra", {}))
        entry["scalars"] = scalars
        entry["k_weighting_filters"] = kw
        manifest["signals"][name] = entry

    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, allow_nan=False)
        f.write("\n")


def _dist_version(dist):
    from importlib.metadata import version
    return version(dist)


if __name__ == "__main__":
    main()
