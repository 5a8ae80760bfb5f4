"""Pitch classes, scales, chords written in roman numerals, and voicings."""

import re

NOTE_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]

SCALES = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "major_pentatonic": (0, 2, 4, 7, 9),
    "minor_pentatonic": (0, 3, 5, 7, 10),
    "blues": (0, 3, 5, 6, 7, 10),
    "major_blues": (0, 2, 3, 4, 7, 9),
}

# Intervals above the root, in semitones.
QUALITIES = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "5": (0, 7),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "add9": (0, 4, 7, 14),
    "6": (0, 4, 7, 9),
    "m6": (0, 3, 7, 9),
    "7": (0, 4, 7, 10),
    "7sus4": (0, 5, 7, 10),
    "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10),
    "m7b5": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9),
    "9": (0, 4, 7, 10, 14),
    "maj9": (0, 4, 7, 11, 14),
    "m9": (0, 3, 7, 10, 14),
    "13": (0, 4, 7, 10, 14, 21),
}

_DEGREES = {"I": 0, "II": 2, "III": 4, "IV": 5, "V": 7, "VI": 9, "VII": 11}
_ROMAN = re.compile(r"^(b|#)?(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(.*)$")
_UPPER_SUFFIX = {"": "maj", "7": "7", "maj7": "maj7", "9": "9", "maj9": "maj9", "6": "6", "13": "13",
                 "5": "5", "sus2": "sus2", "sus4": "sus4", "7sus4": "7sus4", "add9": "add9", "+": "aug"}
_LOWER_SUFFIX = {"": "min", "7": "m7", "9": "m9", "6": "m6", "o": "dim", "o7": "dim7", "h7": "m7b5",
                 "5": "5"}


class Chord:
    """A chord: root pitch class, quality, and the roman symbol it came from."""

    __slots__ = ("root", "quality", "symbol")

    def __init__(self, root, quality, symbol=""):
        if quality not in QUALITIES:
            raise ValueError(f"unknown chord quality {quality!r}")
        self.root = root % 12
        self.quality = quality
        self.symbol = symbol

    @property
    def intervals(self):
        return QUALITIES[self.quality]

    @property
    def pcs(self):
        """Pitch classes of the chord tones (9ths and 13ths folded into the octave)."""
        return [(self.root + i) % 12 for i in self.intervals]

    @property
    def minor(self):
        iv = self.intervals
        return 3 in iv and 4 not in iv

    @property
    def third(self):
        iv = self.intervals
        if 4 in iv:
            return 4
        if 3 in iv:
            return 3
        return 5 if 5 in iv else 4

    @property
    def fifth(self):
        iv = self.intervals
        if 6 in iv and 7 not in iv:
            return 6
        if 8 in iv:
            return 8
        return 7

    @property
    def seventh(self):
        iv = self.intervals
        for s in (10, 11, 9):
            if s in iv:
                return s
        return None

    def triad(self):
        return (0, self.third, self.fifth)

    def name(self):
        return NOTE_NAMES[self.root] + {"maj": "", "min": "m"}.get(self.quality, self.quality)

    def __repr__(self):
        return f"Chord({self.name()}, {self.symbol!r})"


def parse_roman(symbol, tonic):
    """'bVII7' in the key whose tonic is `tonic` (pitch class) -> Chord.

    Degrees are counted on the major scale of the tonic (so minor keys write bIII, bVI, bVII);
    upper case means a major-based chord, lower case a minor one; the suffix chooses the
    quality (7, maj7, 9, 6, 13, 5, sus2, sus4, 7sus4, add9, + ; o, o7, h7 for half-diminished).
    """
    m = _ROMAN.match(symbol)
    if not m:
        raise ValueError(f"not a roman chord symbol: {symbol!r}")
    acc, numeral, suffix = m.groups()
    degree = _DEGREES[numeral.upper()] + {"b": -1, "#": 1, None: 0}[acc]
    table = _UPPER_SUFFIX if numeral.isupper() else _LOWER_SUFFIX
    if suffix not in table:
        raise ValueError(f"unknown suffix {suffix!r} in {symbol!r}")
    return Chord(tonic + degree, table[suffix], symbol)


def chord_scale(chord, key_scale_pcs):
    """A scale for improvising over `chord`: the chord's own mode, pitch classes."""
    q = chord.quality
    if q in ("7", "9", "13", "7sus4"):
        mode = SCALES["mixolydian"]
    elif q in ("m7", "m9", "m6"):
        mode = SCALES["dorian"]
    elif q in ("maj7", "maj9", "6", "add9"):
        mode = SCALES["major"]
    elif q == "m7b5":
        mode = (0, 1, 3, 5, 6, 8, 10)
    elif q in ("dim", "dim7"):
        mode = (0, 2, 3, 5, 6, 8, 9, 11)
    elif chord.minor:
        mode = SCALES["minor"]
    else:
        return sorted(set(key_scale_pcs))
    return sorted({(chord.root + i) % 12 for i in mode})


def pitch_in_range(pc, lo, hi, near=None):
    """A pitch of pitch class pc within [lo, hi]; the one nearest `near` if given."""
    cands = [p for p in range(lo, hi + 1) if p % 12 == pc % 12]
    if not cands:
        p = lo + ((pc - lo) % 12)
        return p
    if near is None:
        return cands[0]
    return min(cands, key=lambda p: (abs(p - near), p))


def scale_pitches(pcs, lo, hi):
    s = set(p % 12 for p in pcs)
    return [p for p in range(lo, hi + 1) if p % 12 in s]


def close_voicing(chord, center, prev=None, size=None, add_ext=True):
    """Close-position voicing around `center`; with `prev` the inversion that moves least."""
    ivs = list(chord.intervals)
    if not add_ext:
        ivs = [i for i in ivs if i < 12]
    pcs = []
    for i in ivs:
        pc = (chord.root + i) % 12
        if pc not in pcs:
            pcs.append(pc)
    if size is not None and len(pcs) > size:
        # keep root, third, seventh/extension before the fifth
        order = sorted(pcs, key=lambda pc: _importance(chord, pc))
        pcs = order[:size]
    best = None
    for bottom in range(center - 12, center + 1):
        voicing = []
        for pc in pcs:
            p = bottom + ((pc - bottom) % 12)
            voicing.append(p)
        voicing.sort()
        if voicing[-1] - voicing[0] > 14:
            continue
        mid = sum(voicing) / len(voicing)
        if prev:
            cost = sum(min(abs(p - q) for q in prev) for p in voicing) + 0.3 * abs(mid - center)
        else:
            cost = abs(mid - center)
        key = (cost, voicing)
        if best is None or key < best:
            best = key
    return best[1]


def _importance(chord, pc):
    iv = (pc - chord.root) % 12
    order = {0: 1, 3: 0, 4: 0, 10: 2, 11: 2, 9: 3, 2: 3, 5: 1, 6: 4, 7: 5, 8: 4}
    return order.get(iv, 6)


def guitar_voicing(chord, low=40, high=52):
    """An open/barre-guitar-like voicing (4 to 6 notes) with its root in [low, high]."""
    root = pitch_in_range(chord.root, low, high)
    q = chord.quality
    third = chord.third
    sev = chord.seventh
    if q == "5":
        shape = [0, 7, 12]
    elif root < 45:  # E shape: root on the low string
        shape = [0, 7, 12, 12 + third, 19, 24]
        if sev is not None:
            shape[2] = sev
        if q in ("sus2", "sus4"):
            shape[3] = 12 + (2 if q == "sus2" else 5)
    else:  # A shape
        shape = [0, 7, 12, 12 + third, 19]
        if sev is not None:
            shape[2] = sev
        if q in ("sus2", "sus4"):
            shape[3] = 12 + (2 if q == "sus2" else 5)
    if chord.fifth != 7:
        shape = [s + (chord.fifth - 7) if s % 12 == 7 else s for s in shape]
    return sorted(root + s for s in shape)


def rootless_voicing(chord, center, prev=None):
    """Jazz piano left-hand voicing without the root: 3-5-7-9 or 7-9-3-5 shapes."""
    third = chord.third
    sev = chord.seventh if chord.seventh is not None else (9 if not chord.minor else 10)
    ninth = 14 if chord.quality not in ("m7b5", "dim", "dim7") else 13
    fifth = chord.fifth
    if chord.quality == "13":
        fifth = 21
    a = [third, fifth, sev, ninth]
    b = [sev, ninth, third + 12, fifth + 12]
    best = None
    for shape in (a, b):
        for octave in range(2, 7):
            base = chord.root + 12 * octave
            v = sorted(base + i for i in shape)
            mid = sum(v) / 4
            cost = abs(mid - center)
            if prev:
                cost += 0.5 * sum(min(abs(p - q) for q in prev) for p in v) / 4
            key = (cost, v)
            if best is None or key < best:
                best = key
    return best[1]


def key_name(tonic, mode):
    return f"{NOTE_NAMES[tonic % 12]} {mode}"
