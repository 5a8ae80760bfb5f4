#!/usr/bin/env python3
"""Generate the labelled genre corpus (see training/musicindex_training/corpus/).

    python training/make_corpus.py OUT_DIR [--clips-per-genre 100] [--seconds 30] [--seed 1] [--jobs 2]
                                   [--genres blues,jazz] [--keep-midi] [--force]

Needs numpy + scipy (training/requirements-corpus.txt) and the Debian packages of
scripts/install-training-deps.sh (fluidsynth, GM soundfonts, lame).
"""

import os
import sys

# The corpus package needs no torch: import it directly rather than through
# musicindex_training/__init__.py, which loads the PyTorch model code.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "musicindex_training"))

from corpus.generate import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
