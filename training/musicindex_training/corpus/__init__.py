"""The labelled-music corpus generator: genre-styled MIDI for GTZAN's ten genres, rendered with
fluidsynth and General MIDI soundfonts, post-processed and encoded to MP3 in GTZAN layout.

compose   compose(genre, seed, seconds) -> Composition (MIDI bytes + key parameters)
render    fluidsynth (libfluidsynth through ctypes): MIDI -> float audio, soundfont discovery
post      mild random post-processing (EQ, reverb, noise, width, loudness)
generate  the corpus: clip plan, worker pool, MP3 files, corpus.csv / corpus.json; main(argv)

Needs only numpy and scipy (training/requirements-corpus.txt) plus the Debian packages of
scripts/install-training-deps.sh; it does not import torch, so it is imported as the top-level
package `corpus` from training/musicindex_training (see training/make_corpus.py).
"""

VERSION = "1"

from .compose import GENRES, Composition, clip_seed, compose  # noqa: E402

__all__ = ["GENRES", "VERSION", "Composition", "clip_seed", "compose"]
