"""Seed corpus of the model-loader target of scripts/fuzz.sh: a valid tiny model file (channels [2, 3],
hidden 4, 3 labels, 8 mels, as in the Swift loader tests) and corruptions of it, written with
the Python standard library only.

Usage: python3 scripts/fuzz/make_seeds.py DIR
"""

import json
import random
import struct
import sys
from pathlib import Path


def tiny_model(rng, channels=(2, 3), kernel=3, hidden=4, labels=("rock", "jazz", "folk"), n_mels=8):
    tensors = []
    c_in = 1
    for i, c_out in enumerate(channels):
        tensors.append((f"blocks.{i}.conv.weight", [c_out, c_in, kernel, kernel]))
        for name in ("conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"):
            tensors.append((f"blocks.{i}.{name}", [c_out]))
        c_in = c_out
    f = c_in * (n_mels >> len(channels))
    tensors += [("gru.weight_ih_l0", [3 * hidden, f]), ("gru.weight_hh_l0", [3 * hidden, hidden]),
                ("gru.bias_ih_l0", [3 * hidden]), ("gru.bias_hh_l0", [3 * hidden]),
                ("fc.weight", [len(labels), hidden]), ("fc.bias", [len(labels)])]
    features = {"sample_rate": 22050, "n_fft": 2048, "hop_length": 512, "n_mels": n_mels, "fmin": 0.0,
                "fmax": None, "power": 2.0, "ref": 1.0, "amin": 1e-10, "top_db": 80.0}
    architecture = {"type": "crnn", "conv_channels": list(channels), "conv_kernel": kernel, "conv_padding": 1,
                    "pool": 2, "batch_norm_eps": 1e-05, "gru_hidden": hidden, "gru_layers": 1,
                    "temporal_pooling": "mean"}
    metadata = {"format": "musicindex-crnn", "format_version": "1", "name": "fuzz", "version": "1",
                "labels": json.dumps(list(labels)), "architecture": json.dumps(architecture),
                "features": json.dumps(features), "segment_frames": "16",
                "normalization": json.dumps({"mean": -40.0, "std": 20.0}), "training_data": "seed"}
    header = {"__metadata__": metadata}
    data = b""
    for name, shape in tensors:
        count = 1
        for d in shape:
            count *= d
        low = 0.5 if name.endswith("running_var") else -0.5
        values = struct.pack(f"<{count}f", *(rng.uniform(low, 1.0) for _ in range(count)))
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(values)]}
        data += values
    return header, data


def serialise(header, data):
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    header, data = tiny_model(rng)
    valid = serialise(header, data)
    seeds = {"valid": valid}
    wide_header, wide_data = tiny_model(rng, channels=(4, 8, 8), hidden=6, n_mels=32)
    seeds["valid-medium"] = serialise(wide_header, wide_data)
    corrupt = json.loads(json.dumps(header))
    corrupt["fc.bias"]["dtype"] = "F16"
    seeds["dtype"] = serialise(corrupt, data)
    corrupt = json.loads(json.dumps(header))
    corrupt["fc.weight"]["shape"] = [4611686018427387904, 3]
    seeds["overflow"] = serialise(corrupt, data)
    corrupt = json.loads(json.dumps(header))
    corrupt["fc.bias"]["data_offsets"][0] -= 8
    seeds["overlap"] = serialise(corrupt, data)
    corrupt = json.loads(json.dumps(header))
    corrupt["__metadata__"]["labels"] = "[]"
    seeds["labels"] = serialise(corrupt, data)
    corrupt = json.loads(json.dumps(header))
    corrupt["__metadata__"]["architecture"] = corrupt["__metadata__"]["architecture"].replace('"conv_kernel": 3', '"conv_kernel": 4')
    seeds["kernel"] = serialise(corrupt, data)
    seeds["truncated"] = valid[: len(valid) // 2]
    seeds["json"] = json.dumps(header).encode()
    seeds["architecture"] = header["__metadata__"]["architecture"].encode()
    for name, content in seeds.items():
        (out / f"seed-{name}").write_bytes(content)


if __name__ == "__main__":
    main()
