"""The musicindex genre network: a convolutional recurrent network (CRNN) over mel dB.

Design after Muratovic & Lalani, "mEtRoBoOm" (ECE324, 2020): four 3x3 convolution blocks
(16, 32, 32, 32 channels), each followed by batch normalisation and a 2x2 max pool, a GRU with
500 hidden units read along time, the mean of its states, and one linear layer to the genres.
The exact computation, which the Swift engine reproduces, is specified in
training/MODEL_FORMAT.md; module names here are the tensor names there.
"""

import torch
from torch import nn

# The default (full-size) architecture; n_mels and n_labels come from the features and the
# label list and are added by the caller.
DEFAULT_ARCHITECTURE = {
    "conv_channels": [16, 32, 32, 32],
    "conv_kernel": 3,
    "conv_padding": 1,
    "pool": 2,
    "batch_norm_eps": 1e-05,
    "gru_hidden": 500,
}

# Keys a CRNN architecture dict must have. "type", "gru_layers" and "temporal_pooling" (as
# written in the model file) are accepted but only with the one value this network supports.
REQUIRED_KEYS = ("conv_channels", "conv_kernel", "conv_padding", "pool", "batch_norm_eps",
                 "gru_hidden", "n_mels", "n_labels")
FIXED_KEYS = {"type": "crnn", "gru_layers": 1, "temporal_pooling": "mean"}


def _positive_int(architecture, key, minimum=1):
    value = architecture[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"architecture {key!r} must be an integer >= {minimum} (got {value!r})")
    return value


def validate_architecture(architecture: dict) -> dict:
    """Check an architecture dict and return a normalised copy (the REQUIRED_KEYS only).

    Raises ValueError naming the first bad or missing key, or when the mel axis does not
    survive the poolings (fewer than one mel bin left).
    """
    missing = [key for key in REQUIRED_KEYS if key not in architecture]
    if missing:
        raise ValueError(f"architecture is missing {', '.join(missing)}")
    unknown = sorted(set(architecture) - set(REQUIRED_KEYS) - set(FIXED_KEYS))
    if unknown:
        raise ValueError(f"architecture has unknown keys {', '.join(unknown)}")
    for key, value in FIXED_KEYS.items():
        if key in architecture and architecture[key] != value:
            raise ValueError(f"architecture {key!r} must be {value!r} (got {architecture[key]!r})")
    channels = architecture["conv_channels"]
    if not isinstance(channels, (list, tuple)) or not channels:
        raise ValueError(f"architecture 'conv_channels' must be a non-empty list (got {channels!r})")
    for c in channels:
        if isinstance(c, bool) or not isinstance(c, int) or c < 1:
            raise ValueError(f"architecture 'conv_channels' must hold positive integers (got {channels!r})")
    eps = architecture["batch_norm_eps"]
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < 1:
        raise ValueError(f"architecture 'batch_norm_eps' must be in (0, 1) (got {eps!r})")
    normalised = {
        "conv_channels": [int(c) for c in channels],
        "conv_kernel": _positive_int(architecture, "conv_kernel"),
        "conv_padding": _positive_int(architecture, "conv_padding", minimum=0),
        "pool": _positive_int(architecture, "pool"),
        "batch_norm_eps": float(eps),
        "gru_hidden": _positive_int(architecture, "gru_hidden"),
        "n_mels": _positive_int(architecture, "n_mels"),
        "n_labels": _positive_int(architecture, "n_labels"),
    }
    if pooled_size(normalised, normalised["n_mels"]) < 1:
        raise ValueError(f"n_mels = {normalised['n_mels']} leaves no mel bin after "
                         f"{len(channels)} convolution blocks")
    return normalised


def pooled_size(architecture: dict, size: int) -> int:
    """Length of one image axis (mel bins or frames) after all the convolution blocks.

    Each block: a stride-1 convolution (size + 2 * padding - kernel + 1), then a max pool that
    drops the incomplete window at the end (floor). Returns 0 or less if the axis vanishes.
    """
    k, p, pool = architecture["conv_kernel"], architecture["conv_padding"], architecture["pool"]
    for _ in architecture["conv_channels"]:
        size = size + 2 * p - k + 1
        if size < 1:
            return 0
        size //= pool
    return size


def minimum_frames(architecture: dict) -> int:
    """The fewest input frames T for which at least one GRU step is left (2^B for the default)."""
    t = 1
    while pooled_size(architecture, t) < 1:
        t += 1
    return t


class ConvBlock(nn.Module):
    """Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d (floor), on [batch, c_in, mels, frames]."""

    def __init__(self, c_in, c_out, kernel, padding, pool, eps):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel, padding=padding)
        self.bn = nn.BatchNorm2d(c_out, eps=eps)
        self.pool = nn.MaxPool2d(pool)

    def forward(self, x):
        return self.pool(torch.relu(self.bn(self.conv(x))))


class CRNN(nn.Module):
    """Mel dB segment -> (genre logits, embedding).

    `architecture`: conv_channels, conv_kernel, conv_padding, pool, batch_norm_eps,
    gru_hidden, n_mels, n_labels (see validate_architecture). The input must already be
    normalised with the model's normalisation ((mel_db - mean) / std); the module does not
    know it.

    Parameters (state_dict names, as in MODEL_FORMAT.md): blocks.{i}.conv, blocks.{i}.bn,
    gru (one layer, batch_first), fc.
    """

    def __init__(self, architecture: dict):
        super().__init__()
        arch = validate_architecture(architecture)
        self.architecture = arch
        self.n_mels = arch["n_mels"]
        self.n_labels = arch["n_labels"]
        self.min_frames = minimum_frames(arch)
        blocks = []
        c_in = 1
        for c_out in arch["conv_channels"]:
            blocks.append(ConvBlock(c_in, c_out, arch["conv_kernel"], arch["conv_padding"],
                                    arch["pool"], arch["batch_norm_eps"]))
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        # F: channels x mel bins left, read channel-major at each time step.
        self.gru_input = c_in * pooled_size(arch, self.n_mels)
        self.gru = nn.GRU(self.gru_input, arch["gru_hidden"], num_layers=1, batch_first=True)
        self.fc = nn.Linear(arch["gru_hidden"], self.n_labels)

    def forward(self, x):
        """x: [batch, 1, n_mels, T] normalised mel dB, T >= self.min_frames.

        Returns (logits [batch, n_labels], embedding [batch, gru_hidden]); the embedding is
        the mean over time of the GRU's hidden states (from a zero initial state).
        """
        if x.dim() != 4 or x.shape[1] != 1 or x.shape[2] != self.n_mels:
            raise ValueError(f"expected input [batch, 1, {self.n_mels}, T], got {list(x.shape)}")
        if x.shape[3] < self.min_frames:
            raise ValueError(f"need at least {self.min_frames} frames, got {x.shape[3]}")
        for block in self.blocks:
            x = block(x)
        batch, channels, mels, frames = x.shape
        # Step t reads out[:, c, m, t] at index c * mels + m.
        steps = x.permute(0, 3, 1, 2).reshape(batch, frames, channels * mels)
        states, _ = self.gru(steps)
        embedding = states.mean(dim=1)
        return self.fc(embedding), embedding
