"""Model inputs from the Swift front end: `musicindex features`, cached per file.

The trainer never computes a mel-spectrogram itself. It runs

    musicindex features --full --spectrogram [--segments-only] --json --jobs N --out DIR FILE...

which writes each file's whole mel-spectrogram in dB, float32 [n_mels, frames] (librosa-exact:
sr 22050, n_fft 2048, hop 512, 128 Slaney mels, power_to_db ref 1, amin 1e-10, top_db 80),
to the `.npy` named by the JSON line's `segmentsFile`, and prints one JSON object per file.
Without `--segments-only` the JSON also carries the engineered features (`mfccMean`,
`mfccStd`, ...) that the baseline uses: one decode gives both.

Results are cached in a folder, one `<key>.npy` + `<key>.json` per audio file, the key being
a hash of the file's absolute path, size and modification time (and of what was asked for),
so a rerun extracts only new or changed files. Files the front end cannot read are reported
(the CLI's stderr line) and left out; the others go on.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BINARY = os.path.join(REPO_ROOT, ".build", "release", "musicindex")
# Bumped when the cache layout or the command changes meaning.
CACHE_VERSION = "1"


def default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "musicindex", "training-features")


def find_musicindex(explicit=None, build=True, log=print) -> str:
    """The `musicindex` binary: `explicit`, else $MUSICINDEX_BIN, else the repository's
    `.build/release/musicindex`, built with `scripts/build-release.sh` when missing (only that default is built)."""
    for candidate in (explicit, os.environ.get("MUSICINDEX_BIN")):
        if candidate:
            if not os.access(candidate, os.X_OK):
                raise FileNotFoundError(f"musicindex binary {candidate!r} is not an executable file")
            return os.path.abspath(candidate)
    if not os.access(DEFAULT_BINARY, os.X_OK):
        if not build:
            raise FileNotFoundError(f"{DEFAULT_BINARY} is missing; build it with "
                                    "`scripts/build-release.sh`")
        log(f"building {DEFAULT_BINARY} (scripts/build-release.sh) ...")
        subprocess.run(["bash", os.path.join(REPO_ROOT, "scripts", "build-release.sh")], cwd=REPO_ROOT, check=True)
        if not os.access(DEFAULT_BINARY, os.X_OK):
            raise FileNotFoundError(f"swift build did not produce {DEFAULT_BINARY}")
    return DEFAULT_BINARY


@dataclass
class Extracted:
    """One audio file's front-end output."""
    path: str                 # absolute path of the audio file
    npy: str                  # its cached mel dB spectrogram, float32 [n_mels, frames]
    record: dict = field(repr=False)  # the CLI's JSON line (duration, features when asked, ...)

    @property
    def frames(self) -> int:
        return int(self.record["segmentsShape"][1])

    @property
    def features(self):
        return self.record.get("features")

    def load(self, mmap=True) -> np.ndarray:
        return load_spectrogram(self.npy, mmap=mmap)


def load_spectrogram(npy: str, mmap=True) -> np.ndarray:
    array = np.load(npy, mmap_mode="r" if mmap else None)
    if array.ndim != 2 or array.dtype != np.float32:
        raise ValueError(f"{npy}: expected a float32 [n_mels, frames] array, got {array.dtype} {array.shape}")
    return array


def cache_key(path: str, with_features: bool) -> str:
    st = os.stat(path)
    text = "\0".join([CACHE_VERSION, os.path.abspath(path), str(st.st_size), str(st.st_mtime_ns),
                      "features" if with_features else "spectrogram"])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _cached(cache_dir, key):
    npy, meta = os.path.join(cache_dir, key + ".npy"), os.path.join(cache_dir, key + ".json")
    if os.path.exists(npy) and os.path.exists(meta):
        try:
            with open(meta) as f:
                return npy, json.load(f)
        except (OSError, ValueError):
            return None
    return None


def parse_failures(stderr: str, paths) -> dict:
    """path -> reason from the CLI's `musicindex: PATH: reason (stage)` lines."""
    failures = {}
    wanted = sorted(set(paths), key=len, reverse=True)  # longest first: a path may prefix another
    for line in stderr.splitlines():
        if not line.startswith("musicindex: "):
            continue
        rest = line[len("musicindex: "):]
        for path in wanted:
            if rest.startswith(path + ": "):
                failures[path] = rest[len(path) + 2:]
                break
    return failures


def run_features_command(binary, paths, out_dir, *, with_features, jobs):
    """Runs the front end on `paths` (absolute); returns ({path: record}, {path: reason})."""
    command = [binary, "features", "--full", "--spectrogram", "--json", "--jobs", str(jobs),
               "--out", out_dir]
    if not with_features:
        command.append("--segments-only")
    command += list(paths)  # absolute, so never taken for an option
    proc = subprocess.run(command, capture_output=True, text=True)
    records = {}
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            record = json.loads(line)
            records[record["path"]] = record
    failures = parse_failures(proc.stderr, paths)
    missing = [p for p in paths if p not in records and p not in failures]
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and not failures) or missing:
        raise RuntimeError(f"musicindex features failed (exit {proc.returncode}) on {len(paths)} files"
                           f"{f', no result for {missing[:3]}' if missing else ''}:\n{proc.stderr.strip()}")
    return records, failures


def extract(paths, *, cache_dir=None, binary=None, with_features=False, jobs=2, batch_size=64,
            log=print):
    """Front-end output for each audio file, from the cache or by running the CLI in batches.

    Returns (extracted: {path: Extracted}, failures: {path: reason}); paths are absolutised.
    """
    cache_dir = cache_dir or default_cache_dir()
    os.makedirs(cache_dir, exist_ok=True)
    paths = [os.path.abspath(p) for p in paths]
    extracted, failures, todo = {}, {}, []
    for path in dict.fromkeys(paths):
        try:
            key = cache_key(path, with_features)
        except OSError as error:
            failures[path] = f"cannot stat: {error.strerror}"
            continue
        hit = _cached(cache_dir, key)
        if hit:
            extracted[path] = Extracted(path, hit[0], hit[1])
        else:
            todo.append((path, key))
    if todo:
        binary = binary or find_musicindex(log=log)
        log(f"front end: {len(extracted)} files cached, extracting {len(todo)} with {binary}")
    for start in range(0, len(todo), batch_size):
        batch = todo[start:start + batch_size]
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".batch-") as out_dir:
            records, failed = run_features_command(binary, [p for p, _ in batch], out_dir,
                                                   with_features=with_features, jobs=jobs)
            failures.update(failed)
            for path, key in batch:
                record = records.get(path)
                if record is None:
                    continue
                npy = os.path.join(cache_dir, key + ".npy")
                written = record.get("segmentsFile")
                if not written or not os.path.exists(written):
                    failures[path] = f"the front end wrote no spectrogram ({written!r})"
                    continue
                shutil.move(written, npy)
                load_spectrogram(npy)  # validates dtype and rank
                record = dict(record, segmentsFile=npy)
                tmp = os.path.join(cache_dir, key + ".json.tmp")
                with open(tmp, "w") as f:
                    json.dump(record, f, sort_keys=True)
                os.replace(tmp, os.path.join(cache_dir, key + ".json"))
                extracted[path] = Extracted(path, npy, record)
        log(f"front end: {min(start + batch_size, len(todo))}/{len(todo)} extracted")
    for path, reason in failures.items():
        print(f"warning: front end could not read {path}: {reason}", file=sys.stderr)
    return extracted, failures
