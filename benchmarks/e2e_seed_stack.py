"""The Python stack of the seed projects, for benchmarks/e2e.sh: per file, librosa loads and
resamples the audio (soxr_hq, mono, 22050 Hz), computes the mel-spectrogram in dB (n_fft 2048,
hop 512, 128 Slaney mels, power_to_db ref 1, amin 1e-10, top_db 80), cuts it into the model's
128-frame segments, runs the same CRNN with the same weights in PyTorch (eval mode, one batch
per track), averages the segments' probabilities and embeddings, and the parent inserts the
result into SQLite, one committed row per file. Files are spread over a process pool of
WORKERS processes, each loading the model once and running PyTorch on one thread (the pool
is the parallelism; PyTorch's default of one thread per core in every worker oversubscribes
the cores and, on a busy machine, makes its OpenMP threads spin-wait: several times slower).

Usage: python e2e_seed_stack.py MODEL DB WORKERS (--window SECONDS | --whole) FILE...
  --window S   analyse S seconds centred in each track (librosa.load offset/duration)
  --whole      analyse whole tracks
Prints one line: seconds=<wall seconds from the pool being ready to the last commit>
tracks=<files done> failed=<files that raised>.
"""

import argparse
import json
import multiprocessing
import os
import sqlite3
import sys
import time

import librosa
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "training"))
from musicindex_training import load_model  # noqa: E402

_model = None
_metadata = None
_window = None


def _start(model_path, window):
    global _model, _metadata, _window
    torch.set_num_threads(1)
    _model, _metadata = load_model(model_path)
    _window = window


def _ready(_):
    return os.getpid()


def analyse(path):
    try:
        features = _metadata["features"]
        sr = features["sample_rate"]
        if _window is None:
            y, _ = librosa.load(path, sr=sr, mono=True)
        else:
            duration = librosa.get_duration(path=path)
            offset = max(0.0, duration / 2 - _window / 2)
            y, _ = librosa.load(path, sr=sr, mono=True, offset=offset, duration=_window)
        mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=features["n_fft"], hop_length=features["hop_length"],
                                             n_mels=features["n_mels"])
        db = librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=80.0).astype(np.float32)
        frames = _metadata["segment_frames"]
        starts = list(range(0, max(1, db.shape[1] - frames + 1), frames))
        if db.shape[1] < frames:
            db = np.pad(db, ((0, 0), (0, frames - db.shape[1])), constant_values=db.min())
        segments = np.stack([db[:, s:s + frames] for s in starts])
        norm = _metadata["normalization"]
        x = torch.from_numpy((segments - norm["mean"]) / norm["std"]).unsqueeze(1)
        with torch.inference_mode():
            logits, embedding = _model(x)
            probabilities = torch.softmax(logits, dim=1)
        mean = probabilities.mean(dim=0).numpy()
        return (path, _metadata["labels"][int(mean.argmax())], json.dumps(mean.tolist()),
                embedding.mean(dim=0).numpy().astype(np.float32).tobytes(), None)
    except Exception as error:  # one bad file never stops the batch
        return (path, None, None, None, str(error))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("db")
    parser.add_argument("workers", type=int)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--window", type=float)
    mode.add_argument("--whole", action="store_true")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    db = sqlite3.connect(args.db)
    db.execute("CREATE TABLE IF NOT EXISTS tracks (path TEXT PRIMARY KEY, genre TEXT, probabilities TEXT, "
               "embedding BLOB)")
    with multiprocessing.Pool(args.workers, initializer=_start, initargs=(args.model, args.window)) as pool:
        pool.map(_ready, range(args.workers), chunksize=1)  # every worker has loaded the model
        start = time.perf_counter()
        done = failed = 0
        for path, genre, probabilities, embedding, error in pool.imap_unordered(analyse, args.files, chunksize=1):
            if error is not None:
                failed += 1
                print(f"{path}: {error}", file=sys.stderr)
                continue
            db.execute("INSERT OR REPLACE INTO tracks VALUES (?, ?, ?, ?)", (path, genre, probabilities, embedding))
            db.commit()
            done += 1
        seconds = time.perf_counter() - start
    db.close()
    print(f"seconds={seconds:.3f} tracks={done} failed={failed}")


if __name__ == "__main__":
    main()
