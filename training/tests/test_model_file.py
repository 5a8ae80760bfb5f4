"""Tests of the CRNN and its model file, against the committed fixtures.

Run: .venv-model/bin/python -m unittest discover -s training/tests
(the virtualenv is the one scripts/make-model-fixtures.sh creates).
"""

import json
import os
import struct
import sys
import tempfile
import unittest

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "training"))

from musicindex_training import CRNN, DEFAULT_ARCHITECTURE, default_features, load_model, save_model  # noqa: E402

FIXTURES = os.path.join(ROOT, "Tests", "MusicIndexTests", "Fixtures", "model")


def read_header(path):
    """An independent safetensors parse: (header dict, data section length)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + n].decode("utf-8")), len(data) - 8 - n


def format_shapes(channels, k, hidden, n_mels, n_labels):
    """The tensor table of MODEL_FORMAT.md, written out again from the document."""
    shapes = {}
    for i, c_out in enumerate(channels):
        c_in = 1 if i == 0 else channels[i - 1]
        shapes[f"blocks.{i}.conv.weight"] = [c_out, c_in, k, k]
        for name in ("conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"):
            shapes[f"blocks.{i}.{name}"] = [c_out]
    f = channels[-1] * (n_mels >> len(channels))
    shapes.update({"gru.weight_ih_l0": [3 * hidden, f], "gru.weight_hh_l0": [3 * hidden, hidden],
                   "gru.bias_ih_l0": [3 * hidden], "gru.bias_hh_l0": [3 * hidden],
                   "fc.weight": [n_labels, hidden], "fc.bias": [n_labels]})
    return shapes


def save_kwargs(metadata):
    return {key: metadata[key] for key in ("labels", "features", "segment_frames",
                                           "normalization", "name", "version", "training_data")}


class ModelFileTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(FIXTURES, "manifest.json")) as f:
            cls.manifest = json.load(f)

    def test_header_matches_the_format(self):
        for name, entry in self.manifest["models"].items():
            header, data_len = read_header(os.path.join(FIXTURES, entry["file"]))
            meta = header.pop("__metadata__")
            self.assertEqual(meta["format"], "musicindex-crnn")
            self.assertEqual(meta["format_version"], "1")
            arch = json.loads(meta["architecture"])
            features = json.loads(meta["features"])
            labels = json.loads(meta["labels"])
            self.assertEqual(arch["type"], "crnn")
            self.assertEqual(arch["gru_layers"], 1)
            self.assertEqual(arch["temporal_pooling"], "mean")
            self.assertEqual(sorted(features), sorted(default_features()))
            self.assertEqual(sorted(json.loads(meta["normalization"])), ["mean", "std"])
            self.assertEqual(int(meta["segment_frames"]), entry["segment_frames"])
            expected = format_shapes(arch["conv_channels"], arch["conv_kernel"], arch["gru_hidden"],
                                     features["n_mels"], len(labels))
            self.assertEqual({k: v["shape"] for k, v in header.items()}, expected, name)
            # Every tensor F32, the data section tiled exactly, no overlap, no gaps.
            spans = sorted(tuple(v["data_offsets"]) for v in header.values())
            self.assertTrue(all(v["dtype"] == "F32" for v in header.values()))
            for (k, v) in header.items():
                begin, end = v["data_offsets"]
                self.assertEqual(end - begin, 4 * int(np.prod(v["shape"])), k)
            self.assertEqual(spans[0][0], 0)
            self.assertTrue(all(a[1] == b[0] for a, b in zip(spans, spans[1:])))
            self.assertEqual(spans[-1][1], data_len)

    def test_load_reproduces_the_references(self):
        for name, entry in self.manifest["models"].items():
            model, metadata = load_model(os.path.join(FIXTURES, entry["file"]))
            model = model.double()
            norm = metadata["normalization"]
            for case in entry["inputs"]:
                shape = case["input"]["shape"]
                mel = np.fromfile(os.path.join(FIXTURES, case["input"]["file"]), "<f4").reshape(shape)
                x = (torch.from_numpy(mel).double() - norm["mean"]) / norm["std"]
                with torch.inference_mode():
                    logits, embedding = model(x[None, None])
                for key, value in (("logits", logits), ("embedding", embedding),
                                   ("probabilities", torch.softmax(logits, -1))):
                    stored = np.fromfile(os.path.join(FIXTURES, case[key]["file"]), "<f4")
                    np.testing.assert_allclose(value[0].numpy(), stored, rtol=0, atol=1e-6,
                                               err_msg=f"{name} {key} T={case['frames']}")

    def test_save_of_a_loaded_model_is_byte_identical(self):
        for entry in self.manifest["models"].values():
            path = os.path.join(FIXTURES, entry["file"])
            model, metadata = load_model(path)
            with tempfile.TemporaryDirectory() as tmp:
                copy = os.path.join(tmp, "copy.safetensors")
                save_model(copy, model, **save_kwargs(metadata))
                with open(path, "rb") as a, open(copy, "rb") as b:
                    self.assertEqual(a.read(), b.read())


class ValidationTests(unittest.TestCase):
    def setUp(self):
        self.arch = dict(DEFAULT_ARCHITECTURE, conv_channels=[2, 2], gru_hidden=3, n_mels=8, n_labels=2)
        self.kwargs = {"labels": ["a", "b"], "features": default_features(8), "segment_frames": 8,
                       "normalization": {"mean": -40, "std": 20}, "name": "t", "version": "1",
                       "training_data": "none"}

    def save(self, model, **changes):
        with tempfile.TemporaryDirectory() as tmp:
            save_model(os.path.join(tmp, "m.safetensors"), model, **dict(self.kwargs, **changes))

    def test_no_num_batches_tracked_and_eval_mode(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.safetensors")
            save_model(path, CRNN(self.arch), **self.kwargs)
            header, _ = read_header(path)
            self.assertFalse(any("num_batches_tracked" in k for k in header))
            model, metadata = load_model(path)
            self.assertFalse(model.training)
            self.assertNotIn("metrics", metadata)

    def test_invalid_architectures(self):
        for change in ({"conv_channels": []}, {"conv_kernel": 0}, {"pool": 0}, {"n_mels": 3},
                       {"gru_layers": 2}, {"dropout": 0.5}, {"batch_norm_eps": 0}):
            with self.assertRaises(ValueError, msg=str(change)):
                CRNN(dict(self.arch, **change))

    def test_architectures_the_format_cannot_carry(self):
        for change in ({"pool": 3}, {"conv_padding": 0}):
            with self.assertRaises(ValueError, msg=str(change)):
                self.save(CRNN(dict(self.arch, **change)))

    def test_invalid_save_arguments(self):
        model = CRNN(self.arch)
        for change in ({"labels": ["a"]}, {"labels": ["a", "a"]}, {"features": default_features(16)},
                       {"features": dict(default_features(8), htk=False)}, {"segment_frames": 3},
                       {"normalization": {"mean": 0, "std": 0}}, {"name": ""},
                       {"metrics": {"accuracy": float("nan")}}):
            with self.assertRaises(ValueError, msg=str(change)):
                self.save(model, **change)

    def test_invalid_inputs(self):
        model = CRNN(self.arch).eval()
        with self.assertRaises(ValueError):
            model(torch.zeros(1, 1, 8, 3))  # fewer than 2^B frames
        with self.assertRaises(ValueError):
            model(torch.zeros(1, 1, 7, 8))  # wrong mel count
        logits, embedding = model(torch.zeros(2, 1, 8, 4))  # zero input, minimum length
        self.assertEqual(list(logits.shape), [2, 2])
        self.assertEqual(list(embedding.shape), [2, 3])
        self.assertTrue(torch.isfinite(logits).all())


if __name__ == "__main__":
    unittest.main()
