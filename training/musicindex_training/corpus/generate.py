"""The corpus: plan of clips, worker pool, MP3s in GTZAN layout, corpus.csv and corpus.json.

    python training/make_corpus.py OUT_DIR --clips-per-genre 100 --seconds 30 --seed 1 --jobs 2

OUT_DIR/<genre>/<genre>.<5-digit index>.mp3 for every genre; a clip's MIDI, soundfont and
post-processing depend only on (seed, genre, index), so runs are reproducible, can be
interrupted and continued (existing MP3s are skipped), and growing --clips-per-genre keeps
the clips already made.
"""

import argparse
import csv
import io
import json
import multiprocessing
import os
import random
import sys
import time

from . import VERSION
from .compose import GENRES, compose, derive_seed, clip_seed
from . import encode, post, render

DEFAULTS = {"clips_per_genre": 100, "seconds": 30.0, "seed": 1, "jobs": 2}


def clip_path(genre, index):
    return f"{genre}/{genre}.{index:05d}.mp3"


def render_choices(seed, genre, index, soundfonts):
    """The clip's soundfont, bitrate and post-processing (a stream separate from the MIDI's)."""
    rng = random.Random(derive_seed(seed, genre, index, "render"))
    sf = rng.choice(soundfonts) if soundfonts else None
    bitrate = rng.choice(encode.BITRATES)
    return sf, bitrate, post.draw_params(rng)


_renderer = None


def _worker_renderer():
    global _renderer
    if _renderer is None:
        _renderer = render.Renderer()
    return _renderer


def make_clip(task):
    """Compose (always), then render + post-process + encode unless the MP3 exists."""
    out_dir, seed, genre, index, seconds, soundfonts, keep_midi, force = task
    t0 = time.perf_counter()
    cseed = clip_seed(seed, genre, index)
    comp = compose(genre, cseed, seconds)
    sf, bitrate, pp = render_choices(seed, genre, index, soundfonts)
    rel = clip_path(genre, index)
    path = os.path.join(out_dir, rel)
    info = {"path": rel, "genre": genre, "index": index, "clip_seed": cseed,
            "soundfont": os.path.basename(sf) if sf else None, "bitrate": bitrate}
    info.update(comp.params)
    info["post"] = pp
    timing = {"compose": time.perf_counter() - t0}
    if keep_midi:
        mpath = os.path.join(out_dir, "midi", genre, f"{genre}.{index:05d}.mid")
        os.makedirs(os.path.dirname(mpath), exist_ok=True)
        with open(mpath, "wb") as f:
            f.write(comp.midi)
    if os.path.exists(path) and not force:
        return info, "skipped", timing, None
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        t = time.perf_counter()
        audio = _worker_renderer().render(comp.midi, sf, seconds)
        timing["render"] = time.perf_counter() - t
        t = time.perf_counter()
        audio = post.process(audio, render.SAMPLE_RATE, pp)
        timing["post"] = time.perf_counter() - t
        t = time.perf_counter()
        encode.encode_mp3(audio, render.SAMPLE_RATE, path, bitrate)
        timing["encode"] = time.perf_counter() - t
        stats = {"rms_dbfs": round(post.rms_dbfs(audio), 2)}
    except Exception as e:  # reported by the parent; the clip is left out
        return info, "failed", timing, f"{type(e).__name__}: {e}"
    timing["total"] = time.perf_counter() - t0
    return info, "made", timing, stats


def write_index(out_dir, seed, seconds, genres, clips_per_genre, soundfonts, infos):
    infos = sorted(infos, key=lambda i: (i["genre"], i["index"]))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["path", "genre"])
    for i in infos:
        w.writerow([i["path"], i["genre"]])
    _atomic_write(os.path.join(out_dir, "corpus.csv"), buf.getvalue())
    doc = {
        "generator": "musicindex corpus",
        "version": VERSION,
        "seed": seed,
        "seconds": seconds,
        "clips_per_genre": clips_per_genre,
        "genres": list(genres),
        "sample_rate": render.SAMPLE_RATE,
        "soundfonts": [os.path.basename(s) for s in soundfonts],
        "soundfont_paths": list(soundfonts),
        "fluidsynth": {"version": render.fluidsynth_version(), "settings": render.SETTINGS},
        "lame": {"version": encode.lame_version(), "quality": encode.LAME_QUALITY},
        "clips": infos,
    }
    _atomic_write(os.path.join(out_dir, "corpus.json"), json.dumps(doc, indent=1, sort_keys=False) + "\n")


def _atomic_write(path, text):
    tmp = path + ".part"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def generate(out_dir, clips_per_genre=100, seconds=30.0, seed=1, jobs=2, genres=GENRES, soundfonts=None,
             keep_midi=False, force=False, log=sys.stderr):
    """Make the corpus; returns a summary dict (counts and timings)."""
    if not render.available():
        raise render.FluidsynthMissing("libfluidsynth not found: run scripts/install-training-deps.sh")
    if not encode.lame_path():
        raise RuntimeError("lame not found: run scripts/install-training-deps.sh")
    soundfonts = list(soundfonts) if soundfonts else render.find_soundfonts()
    if not soundfonts:
        raise RuntimeError("no soundfonts found in " + ", ".join(render.SOUNDFONT_DIRS) +
                           ": run scripts/install-training-deps.sh")
    for g in genres:
        if g not in GENRES:
            raise ValueError(f"unknown genre {g!r}")
    os.makedirs(out_dir, exist_ok=True)
    tasks = [(out_dir, seed, g, i, float(seconds), tuple(soundfonts), keep_midi, force)
             for g in genres for i in range(clips_per_genre)]
    print(f"corpus: {len(tasks)} clips ({len(genres)} genres x {clips_per_genre}), {seconds:g} s, seed {seed}, "
          f"{jobs} job(s), soundfonts: {', '.join(os.path.basename(s) for s in soundfonts)}", file=log)
    t0 = time.perf_counter()
    infos, failures = [], []
    counts = {"made": 0, "skipped": 0, "failed": 0}
    busy = 0.0
    stages = dict.fromkeys(("compose", "render", "post", "encode"), 0.0)
    if jobs <= 1:
        results = map(make_clip, tasks)
        pool = None
    else:
        pool = multiprocessing.Pool(jobs)
        results = pool.imap_unordered(make_clip, tasks, chunksize=1)
    try:
        for done, (info, status, timing, extra) in enumerate(results, 1):
            counts[status] += 1
            if status == "failed":
                failures.append((info["path"], extra))
                print(f"  FAILED {info['path']}: {extra}", file=log)
                continue
            infos.append(info)
            if status == "made":
                busy += timing.get("total", 0.0)
                for stage in ("compose", "render", "post", "encode"):
                    stages[stage] += timing.get(stage, 0.0)
            if done % 25 == 0 or done == len(tasks):
                el = time.perf_counter() - t0
                print(f"  [{done}/{len(tasks)}] {el:.1f} s elapsed, made {counts['made']}, skipped {counts['skipped']}",
                      file=log)
    except BaseException:  # interrupted: stop the workers now; finished clips stay, the rest is redone next run
        if pool is not None:
            pool.terminate()
            pool.join()
        raise
    if pool is not None:
        pool.close()
        pool.join()
    write_index(out_dir, seed, seconds, genres, clips_per_genre, soundfonts, infos)
    wall = time.perf_counter() - t0
    summary = dict(counts, wall_s=round(wall, 2), clips=len(tasks),
                   cpu_s_per_clip=round(busy / counts["made"], 3) if counts["made"] else None,
                   wall_s_per_clip=round(wall / counts["made"], 3) if counts["made"] else None,
                   stage_s_per_clip={k: round(v / counts["made"], 3) for k, v in stages.items()} if counts["made"] else None,
                   failures=failures)
    print(f"corpus: made {counts['made']}, skipped {counts['skipped']}, failed {counts['failed']} in {wall:.1f} s"
          + (f" ({summary['cpu_s_per_clip']:.2f} s per clip per worker, {summary['wall_s_per_clip']:.2f} s wall per clip)"
             if counts["made"] else ""), file=log)
    if counts["made"]:
        print("corpus: per clip per worker: " + ", ".join(f"{k} {v:.3f} s" for k, v in summary["stage_s_per_clip"].items()),
              file=log)
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(prog="make_corpus.py",
                                 description="Generate the labelled genre corpus (GTZAN layout MP3s + corpus.csv/json).")
    ap.add_argument("out_dir")
    ap.add_argument("--clips-per-genre", type=int, default=DEFAULTS["clips_per_genre"])
    ap.add_argument("--seconds", type=float, default=DEFAULTS["seconds"])
    ap.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    ap.add_argument("--jobs", type=int, default=DEFAULTS["jobs"], help="worker processes (default 2)")
    ap.add_argument("--genres", default=",".join(GENRES), help="comma-separated subset of: " + ",".join(GENRES))
    ap.add_argument("--soundfont", action="append", default=None,
                    help="soundfont file to use (repeatable); default: every .sf2/.sf3 of the Debian packages")
    ap.add_argument("--keep-midi", action="store_true", help="also write OUT_DIR/midi/<genre>/<genre>.NNNNN.mid")
    ap.add_argument("--force", action="store_true", help="re-render clips that already exist")
    a = ap.parse_args(argv)
    if a.clips_per_genre < 0 or a.seconds <= 0 or a.jobs < 1:
        ap.error("--clips-per-genre >= 0, --seconds > 0 and --jobs >= 1 are required")
    genres = [g.strip() for g in a.genres.split(",") if g.strip()]
    bad = [g for g in genres if g not in GENRES]
    if bad:
        ap.error(f"unknown genre(s): {', '.join(bad)}")
    if a.soundfont:
        missing = [s for s in a.soundfont if not os.path.isfile(s)]
        if missing:
            ap.error(f"soundfont not found: {', '.join(missing)}")
    try:
        summary = generate(a.out_dir, a.clips_per_genre, a.seconds, a.seed, a.jobs, genres,
                           [os.path.realpath(s) for s in a.soundfont] if a.soundfont else None, a.keep_midi, a.force)
    except (RuntimeError, ValueError) as e:
        print(f"make_corpus: {e}", file=sys.stderr)
        return 2
    return 1 if summary["failed"] else 0
