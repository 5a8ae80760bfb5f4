"""MP3 encoding with the lame command-line encoder (raw 16-bit PCM on stdin)."""

import os
import shutil
import subprocess

import numpy as np

LAME_QUALITY = 7            # lame -q: 7 is fast with good enough quality
BITRATES = (80, 96, 112, 128)   # kbit/s, valid for MPEG-2 layer III at 22.05 kHz (64 overshoots on bass)


def lame_path():
    return shutil.which("lame")


def lame_version():
    exe = lame_path()
    if not exe:
        return None
    out = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
    return out.splitlines()[0].strip() if out else None


def to_pcm16(audio):
    x = np.clip(np.asarray(audio, dtype=np.float64), -1.0, 1.0)
    return np.round(x * 32767).astype("<i2")


def encode_mp3(audio, sample_rate, path, bitrate=96):
    """Write `audio` (float [n, 2]) as an MP3 at `path`, atomically (temporary file + rename)."""
    exe = lame_path()
    if not exe:
        raise RuntimeError("lame not found: run scripts/install-training-deps.sh")
    pcm = to_pcm16(audio)
    mono = pcm.ndim == 1 or pcm.shape[1] == 1
    tmp = path + ".part"
    cmd = [exe, "--quiet", "-r", "-s", f"{sample_rate / 1000:g}", "--bitwidth", "16", "--signed",
           "--little-endian", "-m", "m" if mono else "j", "-b", str(bitrate), "-q", str(LAME_QUALITY),
           "--noreplaygain", "-", tmp]
    proc = subprocess.run(cmd, input=pcm.tobytes(), capture_output=True)
    if proc.returncode != 0:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise RuntimeError(f"lame failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-500:]}")
    os.replace(tmp, path)
