"""Mild random post-processing, the same distribution for every genre (so none of it is a
genre cue): high/low-pass, shelving and peaking EQ, a synthetic room reverb, gentle saturation,
stereo width, background noise, and a random loudness with a soft peak limiter."""

import math

import numpy as np
from scipy import signal

LIMIT_THRESHOLD = 0.7
CEILING = 0.89


def draw_params(rng):
    """rng: random.Random. Returns a JSON-able dict of the clip's post-processing."""
    return {
        "highpass_hz": round(rng.uniform(20, 90), 1),
        "lowpass_hz": round(rng.uniform(5500, 10500), 0) if rng.random() < 0.45 else None,
        "low_shelf": {"hz": round(rng.uniform(80, 250), 0), "db": round(rng.uniform(-4, 4), 2)},
        "high_shelf": {"hz": round(rng.uniform(2500, 7000), 0), "db": round(rng.uniform(-5, 3), 2)},
        "peak": {"hz": round(math.exp(rng.uniform(math.log(250), math.log(3500))), 0),
                 "db": round(rng.uniform(-3.5, 3.5), 2), "q": round(rng.uniform(0.6, 1.6), 2)},
        "reverb": {"wet": round(rng.uniform(0.03, 0.3), 3), "rt60": round(rng.uniform(0.3, 2.2), 2),
                   "predelay_ms": round(rng.uniform(0, 30), 1), "damping_hz": round(rng.uniform(3000, 9000), 0)},
        "drive_db": round(rng.uniform(0, 6), 2) if rng.random() < 0.35 else 0.0,
        "width": 0.0 if rng.random() < 0.08 else round(rng.uniform(0.6, 1.25), 2),
        "noise": {"db": round(rng.uniform(-72, -42), 1), "color": rng.choice(["white", "pink", "brown"]),
                  "hum_hz": rng.choice([None, None, None, 50, 60])},
        "loudness_dbfs": round(rng.uniform(-24, -11), 2),
        "max_limiting_db": round(rng.uniform(2, 8), 2),
        "noise_seed": rng.getrandbits(32),
    }


def _biquad(kind, f0, sr, db=0.0, q=0.707):
    """RBJ cookbook biquad as a second-order section."""
    a_ = 10 ** (db / 40)
    w0 = 2 * math.pi * min(f0, sr * 0.45) / sr
    cw, sw = math.cos(w0), math.sin(w0)
    alpha = sw / (2 * q)
    if kind == "peak":
        b = [1 + alpha * a_, -2 * cw, 1 - alpha * a_]
        a = [1 + alpha / a_, -2 * cw, 1 - alpha / a_]
    elif kind == "lowshelf":
        s = 2 * math.sqrt(a_) * alpha
        b = [a_ * ((a_ + 1) - (a_ - 1) * cw + s), 2 * a_ * ((a_ - 1) - (a_ + 1) * cw), a_ * ((a_ + 1) - (a_ - 1) * cw - s)]
        a = [(a_ + 1) + (a_ - 1) * cw + s, -2 * ((a_ - 1) + (a_ + 1) * cw), (a_ + 1) + (a_ - 1) * cw - s]
    elif kind == "highshelf":
        s = 2 * math.sqrt(a_) * alpha
        b = [a_ * ((a_ + 1) + (a_ - 1) * cw + s), -2 * a_ * ((a_ - 1) + (a_ + 1) * cw), a_ * ((a_ + 1) + (a_ - 1) * cw - s)]
        a = [(a_ + 1) - (a_ - 1) * cw + s, 2 * ((a_ - 1) - (a_ + 1) * cw), (a_ + 1) - (a_ - 1) * cw - s]
    else:
        raise ValueError(kind)
    return np.array([b[0] / a[0], b[1] / a[0], b[2] / a[0], 1.0, a[1] / a[0], a[2] / a[0]])


def _noise(gen, n, color):
    x = gen.standard_normal(n)
    if color == "pink":
        # a 1/f (pink) approximation: the classic 4-coefficient IIR (J. O. Smith, CCRMA)
        b, a = [0.049922035, -0.095993537, 0.050612699, -0.004408786], [1, -2.494956002, 2.017265875, -0.522189400]
        x = signal.lfilter(b, a, x)
    elif color == "brown":
        x = signal.lfilter([1.0], [1.0, -0.995], x) * 0.1
    return x / (np.sqrt(np.mean(x ** 2)) + 1e-12)


def _reverb_ir(gen, sr, rt60, predelay_ms, damping_hz):
    n = int(sr * min(3.0, rt60 * 1.2)) + 1
    t = np.arange(n) / sr
    env = np.exp(-6.91 * t / rt60)
    ir = np.empty((n, 2))
    sos = signal.butter(1, min(damping_hz, sr * 0.45), "low", fs=sr, output="sos")
    for c in range(2):
        ir[:, c] = signal.sosfilt(sos, gen.standard_normal(n)) * env
    pre = int(sr * predelay_ms / 1000)
    ir = np.concatenate([np.zeros((pre, 2)), ir])
    ir /= np.sqrt(np.sum(ir ** 2, axis=0, keepdims=True)) + 1e-12
    return ir


def rms_dbfs(x):
    return 20 * math.log10(float(np.sqrt(np.mean(np.asarray(x, dtype=np.float64) ** 2))) + 1e-12)


def process(audio, sr, p):
    """audio: float [n, 2]. Returns float32 [n, 2] in (-1, 1)."""
    x = np.asarray(audio, dtype=np.float64)
    n = x.shape[0]
    gen = np.random.Generator(np.random.PCG64(p["noise_seed"]))
    if np.max(np.abs(x)) < 1e-7:
        return np.zeros((n, 2), dtype=np.float32)
    # filters and EQ
    sos = [signal.butter(2, p["highpass_hz"], "high", fs=sr, output="sos")]
    if p["lowpass_hz"]:
        sos.append(signal.butter(2, min(p["lowpass_hz"], sr * 0.45), "low", fs=sr, output="sos"))
    sos.append(_biquad("lowshelf", p["low_shelf"]["hz"], sr, p["low_shelf"]["db"]).reshape(1, 6))
    sos.append(_biquad("highshelf", p["high_shelf"]["hz"], sr, p["high_shelf"]["db"]).reshape(1, 6))
    sos.append(_biquad("peak", p["peak"]["hz"], sr, p["peak"]["db"], p["peak"]["q"]).reshape(1, 6))
    x = signal.sosfilt(np.vstack(sos), x, axis=0)
    # reverb (wet/dry, equal dry level)
    rv = p["reverb"]
    ir = _reverb_ir(gen, sr, rv["rt60"], rv["predelay_ms"], rv["damping_hz"])
    wet = np.stack([signal.fftconvolve(x[:, c], ir[:, c])[:n] for c in range(2)], axis=1)
    wet *= np.sqrt(np.mean(x ** 2)) / (np.sqrt(np.mean(wet ** 2)) + 1e-12)
    x = (1 - rv["wet"]) * x + rv["wet"] * wet
    # gentle saturation
    if p["drive_db"] > 0:
        g = 10 ** (p["drive_db"] / 20)
        peak = np.max(np.abs(x)) + 1e-12
        y = x / peak
        x = np.tanh(g * y) / np.tanh(g) * peak
    # stereo width (0 = mono)
    mid = (x[:, 0] + x[:, 1]) / 2
    side = (x[:, 0] - x[:, 1]) / 2 * p["width"]
    x = np.stack([mid + side, mid - side], axis=1)
    # loudness, then noise relative to it, then a soft limiter
    # (the gain stops where the limiter would take more than max_limiting_db off the peaks)
    gain = 10 ** (p["loudness_dbfs"] / 20) / (np.sqrt(np.mean(x ** 2)) + 1e-12)
    peak = float(np.max(np.abs(x))) + 1e-12
    gain = min(gain, CEILING * 10 ** (p.get("max_limiting_db", 6.0) / 20) / peak)
    x *= gain
    target = float(np.sqrt(np.mean(x ** 2)))
    nz = p["noise"]
    noise = _noise(gen, n, nz["color"])
    noise = np.stack([noise, np.roll(noise, 1 + int(gen.integers(0, 1000)))], axis=1)
    x += noise * target * 10 ** (nz["db"] / 20)
    if nz["hum_hz"]:
        t = np.arange(n) / sr
        hum = np.sin(2 * np.pi * nz["hum_hz"] * t) + 0.3 * np.sin(2 * np.pi * 3 * nz["hum_hz"] * t)
        x += (hum * target * 10 ** ((nz["db"] + 6) / 20))[:, None]
    x = soft_limit(x, LIMIT_THRESHOLD, CEILING)
    # short fades against clicks at the cut
    f = min(n // 2, int(sr * 0.005))
    if f > 0:
        ramp = np.linspace(0, 1, f)[:, None]
        x[:f] *= ramp
        x[-f:] *= ramp[::-1]
    return x.astype(np.float32)


def soft_limit(x, threshold=0.7, ceiling=0.89):
    """Identity below `threshold`, smooth saturation towards `ceiling` above it (the ceiling
    leaves room for the MP3 encoder's overshoot)."""
    a = np.abs(x)
    over = a > threshold
    if not np.any(over):
        return x
    head = ceiling - threshold
    y = x.copy()
    y[over] = np.sign(x[over]) * (threshold + head * np.tanh((a[over] - threshold) / head))
    return y
