"""librosa's side of benchmarks/frontend.sh: load + melspectrogram + power_to_db for each file.

Usage: python librosa_mel.py FILE...   (prints the seconds it spent, one line)
"""
import sys
import time

import librosa
import numpy as np

start = time.perf_counter()
for path in sys.argv[1:]:
    y, sr = librosa.load(path, sr=22050, mono=True)  # soxr_hq, like musicindex
    mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=2048, hop_length=512, n_mels=128)
    librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=80.0).astype(np.float32)
print(f"{time.perf_counter() - start:.3f}")
