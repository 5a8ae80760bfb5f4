"""Tests of the trainer: corpus discovery, the split, segmenting, crops, augmentation,
normalisation, a training step, and the front-end cache (with a stub CLI).

Run: .venv-train/bin/python -m unittest discover -s training/tests
"""

import json
import os
import stat
import sys
import tempfile
import textwrap
import unittest

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "training"))

from musicindex_training import CRNN, dataset, features, report, train_loop  # noqa: E402
from musicindex_training.dataset import Clip  # noqa: E402


def make_clips(counts):
    """{genre: n} -> clips with fake paths."""
    return [Clip(f"/corpus/{g}/{g}.{i:05d}.wav", g) for g, n in counts.items() for i in range(n)]


class DiscoverTests(unittest.TestCase):
    def test_gtzan_folder_and_csv(self):
        with tempfile.TemporaryDirectory() as tmp:
            for genre, names in {"rock": ["rock.00001.au", "rock.00000.WAV", "cover.jpg"],
                                 "jazz": ["jazz.00000.mp3", ".hidden.mp3"], ".git": ["x.wav"]}.items():
                os.makedirs(os.path.join(tmp, genre))
                for name in names:
                    open(os.path.join(tmp, genre, name), "w").close()
            os.makedirs(os.path.join(tmp, "jazz", "disc2"))
            open(os.path.join(tmp, "jazz", "disc2", "jazz.00001.flac"), "w").close()
            open(os.path.join(tmp, "notes.txt"), "w").close()
            clips = dataset.discover(tmp)
            self.assertEqual([(os.path.relpath(c.path, tmp), c.genre) for c in clips], [
                ("jazz/disc2/jazz.00001.flac", "jazz"), ("jazz/jazz.00000.mp3", "jazz"),
                ("rock/rock.00000.WAV", "rock"), ("rock/rock.00001.au", "rock")])
            self.assertEqual(dataset.labels_of(clips), ["jazz", "rock"])
            csv_path = os.path.join(tmp, "list.csv")
            with open(csv_path, "w") as f:
                f.write("path,genre\nrock/rock.00000.WAV,rock\njazz/jazz.00000.mp3, jazz\n\n")
            self.assertEqual(dataset.discover(csv_path), [
                Clip(os.path.join(tmp, "jazz/jazz.00000.mp3"), "jazz"),
                Clip(os.path.join(tmp, "rock/rock.00000.WAV"), "rock")])
            with open(csv_path, "w") as f:
                f.write("a.wav\n")
            with self.assertRaises(ValueError):
                dataset.discover(csv_path)


class SplitTests(unittest.TestCase):
    def test_split_by_clip_stratified_and_deterministic(self):
        clips = make_clips({"blues": 100, "rock": 100, "jazz": 37, "pop": 4})
        split = dataset.split_clips(clips, seed=1)
        # Every clip exactly once: no clip (so no segment of one) on two sides.
        sides = [set(split[k]) for k in ("train", "val", "test")]
        self.assertEqual(sum(len(s) for s in sides), len(clips))
        self.assertEqual(set().union(*sides), set(clips))
        for a in range(3):
            for b in range(a + 1, 3):
                self.assertFalse(sides[a] & sides[b])
        # Stratified 70/20/10 per genre.
        def count(side, genre):
            return sum(c.genre == genre for c in split[side])
        for genre in ("blues", "rock"):
            self.assertEqual([count(s, genre) for s in ("train", "val", "test")], [70, 20, 10])
        self.assertEqual([count(s, "jazz") for s in ("train", "val", "test")], [26, 7, 4])
        self.assertEqual([count(s, "pop") for s in ("train", "val", "test")], [2, 1, 1])
        # Deterministic, independent of input order, and seed-dependent.
        self.assertEqual(dataset.split_clips(list(reversed(clips)), seed=1), split)
        self.assertNotEqual(dataset.split_clips(clips, seed=2)["test"], split["test"])
        # A genre's split does not depend on the other genres.
        alone = dataset.split_clips([c for c in clips if c.genre == "rock"], seed=1)
        self.assertEqual(alone["test"], [c for c in split["test"] if c.genre == "rock"])

    def test_split_counts_small(self):
        self.assertEqual(dataset.split_counts(1), (1, 0, 0))
        self.assertEqual(dataset.split_counts(2), (1, 1, 0))
        self.assertEqual(dataset.split_counts(3), (1, 1, 1))
        self.assertEqual(dataset.split_counts(10), (7, 2, 1))
        self.assertEqual(dataset.split_counts(1000), (700, 200, 100))

    def test_limit_per_genre(self):
        clips = make_clips({"a": 10, "b": 3})
        limited = dataset.limit_per_genre(clips, 4, seed=1)
        self.assertEqual(sum(c.genre == "a" for c in limited), 4)
        self.assertEqual(sum(c.genre == "b" for c in limited), 3)
        self.assertEqual(limited, dataset.limit_per_genre(list(reversed(clips)), 4, seed=1))
        self.assertEqual(dataset.limit_per_genre(clips, 0, seed=1), sorted(clips))

    def test_save_split(self):
        with tempfile.TemporaryDirectory() as tmp:
            clips = [Clip(os.path.join(tmp, c.path.lstrip("/")), c.genre) for c in make_clips({"a": 5, "b": 5})]
            split = dataset.split_clips(clips, seed=3)
            path = os.path.join(tmp, "split.json")
            dataset.save_split(path, split, data=os.path.join(tmp, "corpus"), seed=3, labels=["a", "b"])
            with open(path) as f:
                doc = json.load(f)
        self.assertEqual(doc["sizes"], {"train": 6, "val": 2, "test": 2})
        self.assertEqual(doc["seed"], 3)
        # A --data that is not a folder is a CSV: paths are relative to its folder.
        self.assertEqual(doc["test"], [[os.path.relpath(c.path, tmp), c.genre] for c in split["test"]])


class SegmentTests(unittest.TestCase):
    def reference_starts(self, frames, seg):
        """The rule, written out again: whole segments, then the remainder rule."""
        if frames <= seg:
            return [0]
        starts, s = [], 0
        while s + seg <= frames:
            starts.append(s)
            s += seg
        if 2 * (frames - s) >= seg:
            starts.append(frames - seg)
        return starts

    def test_segment_starts_rule(self):
        self.assertEqual(dataset.segment_starts(128), [0])
        self.assertEqual(dataset.segment_starts(129), [0])
        self.assertEqual(dataset.segment_starts(191), [0])        # remainder 63 < 64: dropped
        self.assertEqual(dataset.segment_starts(192), [0, 64])    # remainder 64: ends at the last frame
        self.assertEqual(dataset.segment_starts(256), [0, 128])
        self.assertEqual(dataset.segment_starts(345), [0, 128, 217])
        self.assertEqual(dataset.segment_starts(1293), [128 * k for k in range(10)])  # 13 left
        self.assertEqual(dataset.segment_starts(1344), [128 * k for k in range(10)] + [1216])
        for seg in (16, 64, 128, 130):
            for frames in range(1, 5 * seg):
                starts = dataset.segment_starts(frames, seg)
                self.assertEqual(starts, self.reference_starts(frames, seg), (frames, seg))
                if frames >= seg:
                    self.assertTrue(all(0 <= s <= frames - seg for s in starts))

    def test_segments_of(self):
        spec = np.arange(4 * 200, dtype=np.float32).reshape(4, 200)
        segs = dataset.segments_of(spec, 64)
        self.assertEqual(segs.shape, (3, 4, 64))  # 0, 64, 128; remainder 8 < 32: dropped
        self.assertEqual([int(s[0, 0]) for s in segs], [0, 64, 128])
        segs = dataset.segments_of(spec[:, :170], 64)  # remainder 42 >= 32: one ending at 170
        self.assertEqual([int(s[0, 0]) for s in segs], [0, 64, 106])
        np.testing.assert_array_equal(segs[-1], spec[:, 106:170])
        short = dataset.segments_of(np.full((4, 10), -20, dtype=np.float32), 16)
        self.assertEqual(short.shape, (1, 4, 16))
        self.assertTrue((short[:, :, 10:] == -100).all())  # padded with the floor

    def test_random_crops_in_range(self):
        rng = np.random.default_rng(0)
        spec = np.arange(3 * 300, dtype=np.float32).reshape(3, 300)
        starts = set()
        for _ in range(2000):
            crop, start = dataset.random_crop(spec, 128, rng)
            self.assertEqual(crop.shape, (3, 128))
            self.assertTrue(0 <= start <= 300 - 128)
            np.testing.assert_array_equal(crop, spec[:, start:start + 128])
            starts.add(start)
        self.assertEqual(min(starts), 0)
        self.assertEqual(max(starts), 172)
        crop, start = dataset.random_crop(spec[:, :128], 128, rng)
        self.assertEqual(start, 0)
        crop[0, 0] = 1e6  # a copy, not a view
        self.assertEqual(spec[0, 0], 0)


class AugmentTests(unittest.TestCase):
    def test_gain_is_a_shift_and_keeps_floors(self):
        rng = np.random.default_rng(1)
        aug = dataset.Augmenter(noise_p=0, mask_p=0)
        spec = rng.uniform(-60, 0, size=(8, 32)).astype(np.float32)
        spec[0, 0] = -80.0           # the clip's floor (max - 80)
        out = aug(spec.copy(), dataset.floor_db(spec), np.random.default_rng(5))
        shift = out - spec
        self.assertLess(np.ptp(shift), 1e-4)
        self.assertLessEqual(abs(float(shift[0, 0])), 6.0)
        quiet = np.full((4, 16), -100.0, dtype=np.float32)
        quiet[0, :] = -50.0
        for seed in range(20):
            out = aug(quiet.copy(), -100.0, np.random.default_rng(seed))
            self.assertTrue((out[1:] == -100).all())         # amin floor: silence stays silence
            self.assertTrue((out >= -100).all())

    def test_noise_and_masks_stay_in_range(self):
        aug = dataset.Augmenter(noise_p=1, mask_p=1)
        spec = np.random.default_rng(2).uniform(-80, 0, size=(128, 128)).astype(np.float32)
        for seed in range(20):
            out = aug(spec.copy(), -80.0, np.random.default_rng(seed))
            self.assertEqual(out.shape, spec.shape)
            self.assertEqual(out.dtype, np.float32)
            self.assertTrue(np.isfinite(out).all())
            self.assertGreaterEqual(float(out.min()), -86.0 - 1e-4)  # floor - 6 dB gain at worst
        self.assertIs(dataset.Augmenter(enabled=False)(spec, -80.0, None), spec)


class NormalisationTests(unittest.TestCase):
    def test_global_mean_std(self):
        rng = np.random.default_rng(3)
        specs = [rng.normal(-40, 15, size=(16, n)).astype(np.float32) for n in (10, 300, 77)]
        stats = dataset.normalization_stats(specs)
        values = np.concatenate([s.ravel() for s in specs]).astype(np.float64)
        self.assertAlmostEqual(stats["mean"], values.mean(), places=9)
        self.assertAlmostEqual(stats["std"], values.std(), places=9)
        normalised = train_loop.normalise(np.stack([specs[1][:, :16]]), stats, "cpu")
        self.assertEqual(list(normalised.shape), [1, 1, 16, 16])
        np.testing.assert_allclose(normalised.numpy()[0, 0], (specs[1][:, :16] - stats["mean"]) / stats["std"],
                                   rtol=1e-5, atol=1e-5)
        self.assertEqual(dataset.normalization_stats([np.zeros((2, 2))])["std"], 1.0)


SMALL = {"conv_channels": [4, 8], "conv_kernel": 3, "conv_padding": 1, "pool": 2,
         "batch_norm_eps": 1e-5, "gru_hidden": 16, "n_mels": 16}


class TrainingTests(unittest.TestCase):
    def test_train_step_decreases_loss(self):
        torch.manual_seed(0)
        model = CRNN(dict(SMALL, n_labels=3))
        x = torch.randn(12, 1, 16, 32)
        y = torch.tensor([0, 1, 2] * 4)
        x = x + y.view(-1, 1, 1, 1).float()  # separable toy classes
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        first, _ = train_loop.train_step(model, opt, x, y)
        for _ in range(20):
            last, correct = train_loop.train_step(model, opt, x, y)
        self.assertLess(last, first * 0.5)
        self.assertGreaterEqual(correct, 10)

    def test_fit_and_clip_predictions(self):
        rng = np.random.default_rng(0)
        def clip(label, frames):
            spec = rng.normal(-50, 3, size=(16, frames)).astype(np.float32)
            spec[label * 5:label * 5 + 5] += 30  # a band per class
            return spec
        train = train_loop.ClipSet([clip(i % 3, 40 + 7 * i) for i in range(9)], [i % 3 for i in range(9)])
        val = train_loop.ClipSet([clip(i, 50) for i in range(3)], [0, 1, 2])
        stats = dataset.normalization_stats(train.spectrograms)
        train_loop.set_seeds(1)
        model = CRNN(dict(SMALL, n_labels=3))
        history, best = train_loop.fit(model, train, val, normalization=stats, epochs=6, batch_size=4,
                                       lr=3e-3, patience=0, segment_frames=16, crops_per_clip=4,
                                       seed=1, augment=dataset.Augmenter(), log=lambda _: None)
        self.assertEqual(len(history), 6)
        self.assertEqual(history[0]["train_examples"], 36)
        self.assertEqual(best, max(range(1, 7), key=lambda e: (history[e - 1]["val_acc"], -history[e - 1]["val_loss"])))
        pred = train_loop.predict_clips(model, val, normalization=stats, segment_frames=16, device="cpu")
        # 50 frames at 16: segments 0, 16, 32 and 34 (remainder 2 < 8: no) -> 3 segments.
        self.assertEqual([len(p) for p in pred["segment_probs"]], [3, 3, 3])
        np.testing.assert_allclose(pred["clip_probs"], [p.mean(0) for p in pred["segment_probs"]])
        np.testing.assert_allclose(pred["clip_probs"].sum(1), 1.0, rtol=1e-9)
        self.assertEqual(pred["embeddings"].shape, (3, 16))


class MetricsTests(unittest.TestCase):
    def test_classification_metrics(self):
        probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
        m = report.classification_metrics([0, 2, 2, 1], probs, ["a", "b", "c"])
        self.assertAlmostEqual(m["accuracy"], 0.5)
        self.assertAlmostEqual(m["top2"], 1.0)
        self.assertAlmostEqual(m["top3"], 1.0)
        self.assertEqual(m["confusion"], [[1, 0, 0], [1, 0, 0], [0, 1, 1]])
        self.assertAlmostEqual(m["per_class"]["a"]["precision"], 0.5)
        self.assertAlmostEqual(m["per_class"]["c"]["recall"], 0.5)
        self.assertEqual(m["per_class"]["b"]["f1"], 0.0)


STUB_CLI = textwrap.dedent("""\
    #!{python}
    # A stand-in for `musicindex features`: writes [4, 10 + len(name)] arrays, fails on *.bad.
    import json, os, sys
    import numpy as np
    args = sys.argv[1:]
    out = args[args.index("--out") + 1]
    files = [a for a in args[1:] if a.startswith("/") and a != out]
    with open(os.environ["STUB_LOG"], "a") as log:
        log.write(json.dumps(files) + "\\n")
    used, failed = {{}}, 0
    for f in files:
        if f.endswith(".bad"):
            print(f"musicindex: {{f}}: not audio: plain text (decode)", file=sys.stderr)
            failed += 1
            continue
        stem = os.path.splitext(os.path.basename(f))[0]
        used[stem] = used.get(stem, 0) + 1
        name = stem + ("" if used[stem] == 1 else f"-{{used[stem]}}") + ".npy"
        a = np.full((4, 10 + len(f)), len(f), dtype=np.float32)
        np.save(os.path.join(out, name), a)
        rec = {{"path": f, "segmentsFile": os.path.join(out, name), "segmentsShape": list(a.shape), "duration": 1.0}}
        if "--segments-only" not in args:
            rec["features"] = {{"mfccMean": [1.0] * 13, "mfccStd": [2.0] * 13}}
        print(json.dumps(rec))
    sys.exit(1 if failed else 0)
    """)


class FeatureCacheTests(unittest.TestCase):
    def test_extract_batches_cache_and_failures(self):
        with tempfile.TemporaryDirectory() as tmp:
            stub = os.path.join(tmp, "musicindex")
            with open(stub, "w") as f:
                f.write(STUB_CLI.format(python=sys.executable))
            os.chmod(stub, os.stat(stub).st_mode | stat.S_IXUSR)
            os.environ["STUB_LOG"] = os.path.join(tmp, "calls.log")
            paths = []
            for sub in ("a", "bb"):  # the same stem twice: -2 naming must not matter
                os.makedirs(os.path.join(tmp, sub))
                paths.append(os.path.join(tmp, sub, "x.wav"))
            paths.append(os.path.join(tmp, "a", "broken.bad"))
            for p in paths:
                open(p, "w").close()
            cache = os.path.join(tmp, "cache")
            got, failed = features.extract(paths, cache_dir=cache, binary=stub, batch_size=2,
                                           with_features=True, log=lambda _: None)
            self.assertEqual(sorted(got), sorted(paths[:2]))
            self.assertEqual(failed, {paths[2]: "not audio: plain text (decode)"})
            for p in paths[:2]:
                self.assertEqual(got[p].load().shape, (4, 10 + len(p)))
                self.assertEqual(float(got[p].load()[0, 0]), len(p))
                self.assertEqual(got[p].features["mfccStd"][0], 2.0)
            with open(os.environ["STUB_LOG"]) as f:
                self.assertEqual(len(f.readlines()), 2)  # two batches
            # Rerun: cached, only the failed file is retried.
            again, _ = features.extract(paths, cache_dir=cache, binary=stub, with_features=True,
                                        log=lambda _: None)
            self.assertEqual({p: e.npy for p, e in again.items()}, {p: e.npy for p, e in got.items()})
            with open(os.environ["STUB_LOG"]) as f:
                self.assertEqual(json.loads(f.readlines()[-1]), [paths[2]])
            # A changed file (size) is extracted again.
            with open(paths[0], "w") as f:
                f.write("changed")
            features.extract(paths[:1], cache_dir=cache, binary=stub, with_features=True, log=lambda _: None)
            with open(os.environ["STUB_LOG"]) as f:
                self.assertEqual(json.loads(f.readlines()[-1]), [paths[0]])


if __name__ == "__main__":
    unittest.main()
