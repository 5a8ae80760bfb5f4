"""Labelled clips, their split, segmenting, random crops, augmentation and normalisation.

Everything here works on whole clips and on the mel dB spectrograms the Swift front end
writes (`features.py`); nothing computes audio features.

Corpus layouts:
- a folder in the GTZAN layout, `genre/genre.00042.wav`: the genre is the name of the
  top-level folder a file is under (files may sit deeper), any audio extension;
- a CSV with columns `path,genre` (a header row is optional; paths relative to the CSV).

Labels are the genres sorted alphabetically (the model's output order).
"""

import csv
import json
import math
import os
import random
from dataclasses import dataclass

import numpy as np

AUDIO_EXTENSIONS = frozenset("""
    mp3 mp2 wav wave au snd flac ogg oga opus m4a mp4 m4b aac alac aif aiff aifc wma wv ape
    mpc tta spx caf w64
""".split())

# power_to_db's amin = 1e-10 is a floor of 10 * log10(1e-10) = -100 dB.
AMIN_DB = -100.0
TOP_DB = 80.0


@dataclass(frozen=True, order=True)
class Clip:
    path: str    # absolute
    genre: str


def is_audio(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower().lstrip(".") in AUDIO_EXTENSIONS


def discover(data: str):
    """The labelled clips of a corpus folder (GTZAN layout) or CSV, sorted by path."""
    data = os.path.abspath(data)
    clips = []
    if os.path.isdir(data):
        for genre in sorted(os.listdir(data)):
            folder = os.path.join(data, genre)
            if genre.startswith(".") or not os.path.isdir(folder):
                continue
            for root, dirs, files in os.walk(folder, followlinks=True):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                clips += [Clip(os.path.join(root, f), genre) for f in sorted(files) if is_audio(f)]
    elif os.path.isfile(data):
        base = os.path.dirname(data)
        with open(data, newline="", encoding="utf-8") as f:
            rows = [row for row in csv.reader(f) if row and any(cell.strip() for cell in row)]
        if rows and [c.strip().lower() for c in rows[0][:2]] == ["path", "genre"]:
            rows = rows[1:]
        for number, row in enumerate(rows, 1):
            if len(row) < 2 or not row[0].strip() or not row[1].strip():
                raise ValueError(f"{data}: row {number} is not `path,genre`: {row!r}")
            clips.append(Clip(os.path.normpath(os.path.join(base, row[0].strip())), row[1].strip()))
    else:
        raise FileNotFoundError(f"no such corpus folder or CSV: {data}")
    if not clips:
        raise ValueError(f"{data}: no labelled audio files found")
    paths = [c.path for c in clips]
    if len(set(paths)) != len(paths):
        raise ValueError(f"{data}: some files are listed more than once")
    return sorted(clips)


def corpus_manifest(data):
    """The generator's description of the corpus when its folder (or the CSV's folder) holds
    a `corpus.json` (training/make_corpus.py writes one): generator, version, seed, clip
    length, soundfonts. None otherwise."""
    folder = data if os.path.isdir(data) else os.path.dirname(os.path.abspath(data))
    try:
        with open(os.path.join(folder, "corpus.json")) as f:
            document = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    keys = ("generator", "version", "seed", "seconds", "clips_per_genre", "genres", "soundfonts")
    return {k: document[k] for k in keys if k in document} or None


def labels_of(clips):
    return sorted({c.genre for c in clips})


def limit_per_genre(clips, limit, seed):
    """At most `limit` clips per genre, a seeded random choice (deterministic)."""
    if not limit:
        return sorted(clips)
    kept = []
    for genre in labels_of(clips):
        members = sorted(c for c in clips if c.genre == genre)
        random.Random(f"limit:{seed}:{genre}").shuffle(members)
        kept += members[:limit]
    return sorted(kept)


def split_counts(n, fractions=(0.7, 0.2, 0.1)):
    """(train, val, test) clip counts for a genre of n clips: rounded fractions, with at least
    one validation and one test clip once a genre has 3 clips (so small corpora still
    evaluate), and at least one training clip."""
    n_val = round(n * fractions[1])
    n_test = round(n * fractions[2])
    if n >= 3:
        n_val, n_test = max(1, n_val), max(1, n_test)
    elif n == 2:
        n_val, n_test = 1, 0
    else:
        n_val, n_test = 0, 0
    n_train = n - n_val - n_test
    assert n_train >= 1 or n == 0
    return n_train, n_val, n_test


def split_clips(clips, seed, fractions=(0.7, 0.2, 0.1)):
    """Stratified split by clip: {"train", "val", "test"} -> sorted clip lists.

    Per genre the clips (sorted by path) are shuffled with a generator seeded from `seed` and
    the genre, then cut by `split_counts`. Whole clips go to one side, so no segment of a test
    clip is ever trained on; the result depends only on the clip list and the seed.
    """
    split = {"train": [], "val": [], "test": []}
    for genre in labels_of(clips):
        members = sorted(c for c in clips if c.genre == genre)
        random.Random(f"split:{seed}:{genre}").shuffle(members)
        n_train, n_val, _ = split_counts(len(members), fractions)
        split["train"] += members[:n_train]
        split["val"] += members[n_train:n_train + n_val]
        split["test"] += members[n_train + n_val:]
    return {name: sorted(members) for name, members in split.items()}


def save_split(path, split, *, data, seed, labels):
    """The split as JSON (clip paths relative to the corpus when below it)."""
    root = os.path.abspath(data if os.path.isdir(data) else os.path.dirname(data))

    def rel(p):
        r = os.path.relpath(p, root)
        return p if r.startswith("..") else r

    document = {"corpus": os.path.abspath(data), "seed": seed, "labels": labels,
                "sizes": {k: len(v) for k, v in split.items()},
                **{k: [[rel(c.path), c.genre] for c in v] for k, v in split.items()}}
    with open(path, "w") as f:
        json.dump(document, f, indent=1)
        f.write("\n")


def segment_starts(frames, segment_frames=128):
    """Start frames of a clip's evaluation segments, the Swift engine's rule
    (AnalysisWindows.segmentStarts): consecutive, non-overlapping segments from frame 0; a
    remainder of at least half a segment adds one last segment ending at the last frame
    (overlapping the one before); a smaller remainder is dropped. A clip of at most one
    segment gives [0] (the front end pads shorter tracks with silence to one segment)."""
    if frames <= segment_frames:
        return [0]
    starts = list(range(0, frames - segment_frames + 1, segment_frames))
    remainder = frames - (starts[-1] + segment_frames)
    if remainder * 2 >= segment_frames:
        starts.append(frames - segment_frames)
    return starts


def fit_length(spec, segment_frames):
    """Pads a spectrogram shorter than one segment at its end with its floor (silence)."""
    if spec.shape[1] >= segment_frames:
        return spec
    pad = np.full((spec.shape[0], segment_frames - spec.shape[1]), floor_db(spec), dtype=np.float32)
    return np.concatenate([np.asarray(spec, dtype=np.float32), pad], axis=1)


def segments_of(spec, segment_frames=128):
    """[segments, n_mels, segment_frames] cut from a clip's spectrogram by segment_starts."""
    spec = fit_length(spec, segment_frames)
    return np.stack([np.asarray(spec[:, s:s + segment_frames], dtype=np.float32)
                     for s in segment_starts(spec.shape[1], segment_frames)])


def random_crop(spec, segment_frames, rng):
    """A random segment_frames-wide crop (uniform start in [0, frames - segment_frames])."""
    spec = fit_length(spec, segment_frames)
    start = int(rng.integers(0, spec.shape[1] - segment_frames + 1))
    return np.array(spec[:, start:start + segment_frames], dtype=np.float32), start


def floor_db(spec):
    """The value power_to_db clipped a spectrogram at: max(-100, max - 80) dB."""
    return max(AMIN_DB, float(np.max(spec)) - TOP_DB)


class Augmenter:
    """Training-time augmentation of one mel dB crop (before normalisation).

    Gain: a level change of g dB multiplies the signal's power by 10^(g/10), so every mel
    power is scaled by the same factor and its dB value moves by exactly +g. power_to_db's
    top_db clip (at the clip's max - 80 dB) moves with the max, so clipped values stay at the
    new floor, which is also +g away: for any clip whose peak is above -20 dB the whole
    spectrogram simply shifts by g. Only the amin floor (-100 dB, digital silence) does not
    move: we add g and clamp at -100, and leave values already at -100 where they are
    (silence stays silence; a positive gain cannot recover what was under amin anyway).
    g is uniform in [-gain_db, +gain_db].

    Noise: a signal-level mix cannot be done after the fact (the phases are gone, and the
    top_db clip has discarded what lies under the floor). We add small independent Gaussian
    noise in the dB domain (sigma noise_db, with probability noise_p) and clamp at the crop's
    floor: a jitter like the estimation noise of a short-time power spectrum, which keeps
    the network from keying on exact dB values.

    Masking (SpecAugment-light): with probability mask_p each, one band of up to freq_mask
    mel bins and one span of up to time_mask frames are set to the floor (silence).
    """

    def __init__(self, gain_db=6.0, noise_db=1.0, noise_p=0.5, mask_p=0.5, freq_mask=12,
                 time_mask=16, enabled=True):
        self.gain_db, self.noise_db, self.noise_p = gain_db, noise_db, noise_p
        self.mask_p, self.freq_mask, self.time_mask = mask_p, freq_mask, time_mask
        self.enabled = enabled

    def __call__(self, crop, floor, rng):
        """crop: [n_mels, T] dB (a copy, modified in place); floor: the clip's floor_db."""
        if not self.enabled:
            return crop
        gain = float(rng.uniform(-self.gain_db, self.gain_db))
        silent = crop <= AMIN_DB
        crop += gain
        np.maximum(crop, AMIN_DB, out=crop)
        crop[silent] = AMIN_DB
        floor = max(AMIN_DB, floor + gain)
        if self.noise_db > 0 and rng.random() < self.noise_p:
            crop += rng.normal(0.0, self.noise_db, size=crop.shape).astype(np.float32)
            np.maximum(crop, floor, out=crop)
        n_mels, frames = crop.shape
        if self.freq_mask > 0 and rng.random() < self.mask_p:
            width = int(rng.integers(1, self.freq_mask + 1))
            start = int(rng.integers(0, n_mels - width + 1))
            crop[start:start + width, :] = floor
        if self.time_mask > 0 and rng.random() < self.mask_p:
            width = int(rng.integers(1, min(self.time_mask, frames) + 1))
            start = int(rng.integers(0, frames - width + 1))
            crop[:, start:start + width] = floor
        return crop


def normalization_stats(spectrograms):
    """Global mean and standard deviation of every dB value of the given spectrograms
    (accumulated in float64): the model file's `normalization`."""
    count, total = 0, 0.0
    for spec in spectrograms:
        values = np.asarray(spec, dtype=np.float64)
        count += values.size
        total += float(values.sum())
    if count == 0:
        raise ValueError("no training values for the normalisation statistics")
    mean = total / count
    sq_dev = 0.0  # a second pass around the mean (E[x^2] - E[x]^2 loses precision)
    for spec in spectrograms:
        sq_dev += float(np.square(np.asarray(spec, dtype=np.float64) - mean).sum())
    std = math.sqrt(sq_dev / count)
    if not std > 0:
        std = 1.0
    return {"mean": mean, "std": std}
