"""Tests of the corpus generator (training/musicindex_training/corpus, training/make_corpus.py).

Run: .venv-corpus/bin/python -m unittest discover -s training/tests -p test_corpus.py
(numpy + scipy from training/requirements-corpus.txt; the render tests also need the Debian
packages of scripts/install-training-deps.sh and are skipped, saying so, without them).
"""

import collections
import csv
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The corpus package is imported on its own (musicindex_training/__init__.py loads torch).
sys.path.insert(0, os.path.join(ROOT, "training", "musicindex_training"))

from corpus import GENRES, clip_seed, compose  # noqa: E402
from corpus import encode, render  # noqa: E402
from corpus.generate import generate  # noqa: E402
from corpus.theory import parse_roman  # noqa: E402

MAKE_CORPUS = os.path.join(ROOT, "training", "make_corpus.py")


def parse_smf(data):
    """An independent Standard MIDI File parse: (format, ppq, tracks), each track a list of
    (tick, kind, status_or_meta_type, payload bytes). Raises on malformed data."""
    if data[:4] != b"MThd":
        raise ValueError("no MThd")
    length, fmt, ntracks, ppq = struct.unpack(">IHHH", data[4:14])
    if length != 6:
        raise ValueError("bad header length")
    pos = 14
    tracks = []
    for _ in range(ntracks):
        if data[pos:pos + 4] != b"MTrk":
            raise ValueError("no MTrk")
        (n,) = struct.unpack(">I", data[pos + 4:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if len(body) != n:
            raise ValueError("truncated track")
        pos += 8 + n
        i, tick, events, ended = 0, 0, [], False

        def vlq():
            nonlocal i
            v = 0
            for _ in range(4):
                b = body[i]
                i += 1
                v = (v << 7) | (b & 0x7F)
                if not b & 0x80:
                    return v
            raise ValueError("variable-length quantity too long")

        while i < len(body):
            if ended:
                raise ValueError("events after end of track")
            tick += vlq()
            status = body[i]
            i += 1
            if status == 0xFF:
                kind = body[i]
                i += 1
                ln = vlq()
                events.append((tick, "meta", kind, body[i:i + ln]))
                i += ln
                ended = kind == 0x2F
            elif 0x80 <= status <= 0xEF:
                nbytes = 1 if status & 0xF0 in (0xC0, 0xD0) else 2
                payload = body[i:i + nbytes]
                if len(payload) != nbytes or any(b & 0x80 for b in payload):
                    raise ValueError("bad channel message")
                events.append((tick, "channel", status, payload))
                i += nbytes
            else:
                raise ValueError(f"unexpected status byte {status:#x} (running status is not written)")
        if not ended:
            raise ValueError("track without end-of-track")
        tracks.append(events)
    if pos != len(data):
        raise ValueError("trailing bytes")
    return fmt, ppq, tracks


def notes_of(tracks):
    """[(start tick, end tick, channel, pitch, velocity)]; raises on unmatched note events."""
    out, on = [], {}
    for events in tracks:
        for tick, kind, status, payload in events:
            if kind != "channel":
                continue
            typ, ch = status & 0xF0, status & 0x0F
            if typ == 0x90 and payload[1] > 0:
                if (ch, payload[0]) in on:
                    raise ValueError("note on while the same note sounds")
                on[(ch, payload[0])] = (tick, payload[1])
            elif typ == 0x80 or (typ == 0x90 and payload[1] == 0):
                start, vel = on.pop((ch, payload[0]))
                if tick < start:
                    raise ValueError("note ends before it starts")
                out.append((start, tick, ch, payload[0], vel))
    if on:
        raise ValueError("notes left sounding")
    return out


def features(params):
    """Single cues of a clip: every program, the feel, the drum kit."""
    f = {f"program:{p}" for p in params["programs"].values() if isinstance(p, int)}
    f.add(f"feel:{params.get('feel')}")
    f.add(f"kit:{params.get('drum_kit')}")
    return f


class TheoryTest(unittest.TestCase):
    def test_roman_numerals(self):
        c = parse_roman("V7", 0)
        self.assertEqual((c.root, c.quality), (7, "7"))
        self.assertEqual(parse_roman("bVII", 9).root, 7)
        self.assertEqual(parse_roman("ii7", 2).quality, "m7")
        self.assertEqual(parse_roman("iih7", 0).quality, "m7b5")
        self.assertEqual(parse_roman("i5", 4).intervals, (0, 7))
        with self.assertRaises(ValueError):
            parse_roman("Q7", 0)


class CompositionTest(unittest.TestCase):
    def test_same_seed_same_midi(self):
        for genre in GENRES:
            a = compose(genre, 1234, 30)
            b = compose(genre, 1234, 30)
            self.assertEqual(a.midi, b.midi, genre)
            self.assertEqual(json.dumps(a.params, sort_keys=True), json.dumps(b.params, sort_keys=True))
            self.assertNotEqual(a.midi, compose(genre, 1235, 30).midi, genre)

    def test_clip_seed_is_stable(self):
        # sha256-derived: independent of PYTHONHASHSEED, platform and the number of clips
        self.assertEqual(clip_seed(1, "rock", 0), clip_seed(1, "rock", 0))
        self.assertNotEqual(clip_seed(1, "rock", 0), clip_seed(1, "rock", 1))
        self.assertNotEqual(clip_seed(1, "rock", 0), clip_seed(2, "rock", 0))
        self.assertNotEqual(clip_seed(1, "rock", 0), clip_seed(1, "pop", 0))
        self.assertEqual(clip_seed(1, "rock", 0), 0xb978ce6b9ca0ce07)  # sha256("musicindex-corpus:1:rock:0")[:8]
        env = dict(os.environ, PYTHONHASHSEED="123")
        code = ("import sys; sys.path.insert(0, %r); from corpus import compose, clip_seed; "
                "import hashlib; print(hashlib.sha256(compose('jazz', clip_seed(5, 'jazz', 3), 20).midi).hexdigest())"
                % os.path.join(ROOT, "training", "musicindex_training"))
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip()
        import hashlib
        self.assertEqual(out, hashlib.sha256(compose("jazz", clip_seed(5, "jazz", 3), 20).midi).hexdigest())

    def test_every_genre_writes_valid_midi_with_notes(self):
        for genre in GENRES:
            for seed in range(12):
                c = compose(genre, clip_seed(99, genre, seed), 30)
                fmt, ppq, tracks = parse_smf(c.midi)
                self.assertEqual(fmt, 1)
                self.assertEqual(ppq, 480)
                self.assertGreaterEqual(len(tracks), 2)
                notes = notes_of(tracks)
                self.assertGreater(len(notes), 40, f"{genre} {seed}: {len(notes)} notes")
                self.assertTrue(all(0 <= p <= 127 and 1 <= v <= 127 for _, _, _, p, v in notes))
                melodic = [n for n in notes if n[2] != 9]
                self.assertTrue(melodic, f"{genre} {seed} has no pitched notes")
                # the composed song lasts at least the clip
                end = max(n.start + n.dur for p in c.song.parts for n in p.notes)
                self.assertGreaterEqual(c.song.seconds_at(end), 30.0, f"{genre} {seed}")
                if genre == "classical":
                    self.assertFalse([n for n in notes if n[2] == 9], "classical has no drums")
                for key in ("tempo", "key", "feel", "programs", "form"):
                    self.assertIn(key, c.params)

    def test_params_are_json(self):
        for genre in GENRES:
            json.dumps(compose(genre, 7, 30).params)


class DistributionTest(unittest.TestCase):
    """Genres overlap where real ones do; no single cue decides a genre."""

    @classmethod
    def setUpClass(cls):
        cls.params = {g: [compose(g, clip_seed(2024, g, i), 30).params for i in range(40)] for g in GENRES}

    def test_tempo_ranges_overlap(self):
        ranges = {g: (min(p["tempo"] for p in ps), max(p["tempo"] for p in ps)) for g, ps in self.params.items()}
        for g, (lo, hi) in ranges.items():
            others = [h for h, (lo2, hi2) in ranges.items() if h != g and lo2 < hi and lo < hi2]
            self.assertGreaterEqual(len(others), 4, f"{g} {lo}-{hi} overlaps only {others}")
        # tempo alone (10-BPM bins, majority genre per bin) is a weak classifier
        bins = collections.defaultdict(collections.Counter)
        for g, ps in self.params.items():
            for p in ps:
                bins[int(p["tempo"] // 10)][g] += 1
        accuracy = sum(max(c.values()) for c in bins.values()) / sum(len(ps) for ps in self.params.values())
        self.assertLess(accuracy, 0.5, f"tempo alone predicts the genre {accuracy:.0%} of the time")

    def test_no_single_trivial_cue(self):
        counts = collections.Counter()
        by_genre = collections.defaultdict(collections.Counter)
        for g, ps in self.params.items():
            for p in ps:
                for f in features(p):
                    counts[f] += 1
                    by_genre[g][f] += 1
        for g, ps in self.params.items():
            for f, n in by_genre[g].items():
                precision, recall = n / counts[f], n / len(ps)
                self.assertFalse(precision >= 0.95 and recall >= 0.9,
                                 f"{f} decides {g}: precision {precision:.2f}, recall {recall:.2f}")

    def test_shared_material(self):
        def share(genres, pred):
            return {g: sum(1 for p in self.params[g] if pred(p)) for g in genres}

        guitars = {25, 27, 29, 30}
        got = share(["rock", "metal", "pop", "country"], lambda p: guitars & set(v for v in p["programs"].values() if isinstance(v, int)))
        self.assertTrue(all(v > 0 for v in got.values()), got)
        dist = share(["rock", "metal"], lambda p: 30 in p["programs"].values())
        self.assertTrue(all(v > 0 for v in dist.values()), dist)
        fotf = share(["disco", "pop"], lambda p: p["feel"] == "four_on_floor")
        self.assertTrue(all(v > 0 for v in fotf.values()), fotf)
        swing = share(["jazz", "blues"], lambda p: p["feel"] in ("swing", "brush_swing"))
        self.assertTrue(all(v > 0 for v in swing.values()), swing)
        swung = share(["jazz", "blues", "hiphop", "country", "reggae"], lambda p: p["swing"] > 0.53)
        self.assertTrue(all(v > 0 for v in swung.values()), swung)

    def test_wide_randomisation(self):
        for g, ps in self.params.items():
            self.assertGreaterEqual(len({p["key"] for p in ps}), 5, g)
            self.assertGreaterEqual(len({json.dumps(p["programs"], sort_keys=True) for p in ps}), 20, g)
            tempos = [p["tempo"] for p in ps]
            self.assertGreater(max(tempos) - min(tempos), 15, g)


def _render_prerequisites():
    missing = []
    if not render.available():
        missing.append("libfluidsynth")
    if not render.find_soundfonts():
        missing.append("GM soundfonts in /usr/share/sounds/sf2|sf3")
    if not encode.lame_path():
        missing.append("lame")
    return missing


_MISSING = _render_prerequisites()
_SKIP_MSG = ("render tests need " + ", ".join(_MISSING) + ": run scripts/install-training-deps.sh") if _MISSING else ""


@unittest.skipIf(_MISSING, _SKIP_MSG)
class RenderTest(unittest.TestCase):
    def test_render_is_deterministic(self):
        import numpy as np
        r = render.Renderer()
        midi = compose("jazz", 42, 4).midi
        sf = min(render.find_soundfonts(), key=os.path.getsize)
        a = r.render(midi, sf, 4.0)
        r.render(compose("metal", 1, 4).midi, sf, 2.0)  # something else in between
        b = render.Renderer().render(midi, sf, 4.0)
        self.assertEqual(a.shape, (4 * render.SAMPLE_RATE, 2))
        self.assertTrue(np.array_equal(a, b))
        self.assertGreater(float(np.sqrt(np.mean(a ** 2))), 1e-3)

    def test_tiny_corpus_end_to_end(self):
        with tempfile.TemporaryDirectory() as out:
            cmd = [sys.executable, MAKE_CORPUS, out, "--clips-per-genre", "1", "--seconds", "5", "--seed", "3",
                   "--jobs", "2", "--genres", "reggae,metal"]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            expected = ["metal/metal.00000.mp3", "reggae/reggae.00000.mp3"]
            for rel in expected:
                path = os.path.join(out, rel)
                self.assertTrue(os.path.isfile(path), rel)
                with open(path, "rb") as f:
                    head = f.read(4)
                self.assertTrue(head[:3] == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0), f"{rel} is not MP3")
                self.assertGreater(os.path.getsize(path), 5 * 64000 / 8 * 0.8)
            with open(os.path.join(out, "corpus.csv"), newline="") as f:
                rows = list(csv.reader(f))
            self.assertEqual(rows[0], ["path", "genre"])
            self.assertEqual(sorted(rows[1:]), [[p, p.split("/")[0]] for p in expected])
            with open(os.path.join(out, "corpus.json")) as f:
                doc = json.load(f)
            self.assertEqual(doc["seed"], 3)
            self.assertTrue(doc["soundfonts"])
            self.assertEqual({c["path"] for c in doc["clips"]}, set(expected))
            for c in doc["clips"]:
                for key in ("tempo", "key", "feel", "programs", "soundfont"):
                    self.assertIn(key, c)
            self.assertFalse([n for n in os.listdir(os.path.join(out, "metal")) if n.endswith(".part")])
            # decoded length (lame strips its own delay and padding)
            wav = os.path.join(out, "x.wav")
            subprocess.run([encode.lame_path(), "--quiet", "--decode", os.path.join(out, expected[0]), wav], check=True)
            with open(wav, "rb") as f:
                data = f.read()
            i = data.index(b"data")
            n_bytes = struct.unpack("<I", data[i + 4:i + 8])[0]
            seconds = n_bytes / 4 / render.SAMPLE_RATE
            self.assertAlmostEqual(seconds, 5.0, delta=0.1)
            # idempotent: a second run skips both clips and leaves them untouched
            mtimes = {rel: os.path.getmtime(os.path.join(out, rel)) for rel in expected}
            with open(os.path.join(out, "corpus.json")) as f:
                before = f.read()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn("skipped 2", proc.stderr)
            self.assertEqual(mtimes, {rel: os.path.getmtime(os.path.join(out, rel)) for rel in expected})
            with open(os.path.join(out, "corpus.json")) as f:
                self.assertEqual(f.read(), before)

    def test_interrupted_run_continues(self):
        with tempfile.TemporaryDirectory() as out:
            generate(out, clips_per_genre=1, seconds=3, seed=9, jobs=1, genres=["blues"], log=io.StringIO())
            first = os.path.join(out, "blues", "blues.00000.mp3")
            with open(first, "rb") as f:
                content = f.read()
            # a leftover partial file from an interrupted run is not a clip
            with open(os.path.join(out, "blues", "blues.00001.mp3.part"), "wb") as f:
                f.write(b"partial")
            summary = generate(out, clips_per_genre=2, seconds=3, seed=9, jobs=1, genres=["blues"],
                               log=io.StringIO())
            self.assertEqual((summary["made"], summary["skipped"]), (1, 1))
            with open(first, "rb") as f:
                self.assertEqual(f.read(), content)
            self.assertTrue(os.path.isfile(os.path.join(out, "blues", "blues.00001.mp3")))


if __name__ == "__main__":
    unittest.main()
