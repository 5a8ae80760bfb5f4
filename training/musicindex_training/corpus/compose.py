"""compose(genre, seed, seconds): one clip's MIDI and its key parameters, deterministic."""

import hashlib
import random

from .context import Ctx
from .genres import COMPOSERS
from .theory import NOTE_NAMES

GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock")

GM_NAMES = [
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano", "Electric Piano 1",
    "Electric Piano 2", "Harpsichord", "Clavinet", "Celesta", "Glockenspiel", "Music Box", "Vibraphone", "Marimba",
    "Xylophone", "Tubular Bells", "Dulcimer", "Drawbar Organ", "Percussive Organ", "Rock Organ", "Church Organ",
    "Reed Organ", "Accordion", "Harmonica", "Tango Accordion", "Acoustic Guitar (nylon)", "Acoustic Guitar (steel)",
    "Electric Guitar (jazz)", "Electric Guitar (clean)", "Electric Guitar (muted)", "Overdriven Guitar",
    "Distortion Guitar", "Guitar Harmonics", "Acoustic Bass", "Electric Bass (finger)", "Electric Bass (pick)",
    "Fretless Bass", "Slap Bass 1", "Slap Bass 2", "Synth Bass 1", "Synth Bass 2", "Violin", "Viola", "Cello",
    "Contrabass", "Tremolo Strings", "Pizzicato Strings", "Orchestral Harp", "Timpani", "String Ensemble 1",
    "String Ensemble 2", "Synth Strings 1", "Synth Strings 2", "Choir Aahs", "Voice Oohs", "Synth Voice",
    "Orchestra Hit", "Trumpet", "Trombone", "Tuba", "Muted Trumpet", "French Horn", "Brass Section", "Synth Brass 1",
    "Synth Brass 2", "Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax", "Oboe", "English Horn", "Bassoon",
    "Clarinet", "Piccolo", "Flute", "Recorder", "Pan Flute", "Blown Bottle", "Shakuhachi", "Whistle", "Ocarina",
    "Lead 1 (square)", "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 (chiff)", "Lead 5 (charang)", "Lead 6 (voice)",
    "Lead 7 (fifths)", "Lead 8 (bass + lead)", "Pad 1 (new age)", "Pad 2 (warm)", "Pad 3 (polysynth)", "Pad 4 (choir)",
    "Pad 5 (bowed)", "Pad 6 (metallic)", "Pad 7 (halo)", "Pad 8 (sweep)", "FX 1 (rain)", "FX 2 (soundtrack)",
    "FX 3 (crystal)", "FX 4 (atmosphere)", "FX 5 (brightness)", "FX 6 (goblins)", "FX 7 (echoes)", "FX 8 (sci-fi)",
    "Sitar", "Banjo", "Shamisen", "Koto", "Kalimba", "Bagpipe", "Fiddle", "Shanai", "Tinkle Bell", "Agogo",
    "Steel Drums", "Woodblock", "Taiko Drum", "Melodic Tom", "Synth Drum", "Reverse Cymbal", "Guitar Fret Noise",
    "Breath Noise", "Seashore", "Bird Tweet", "Telephone Ring", "Helicopter", "Applause", "Gunshot",
]


def derive_seed(*parts):
    """A 64-bit integer from the parts' text: stable across runs, platforms and Python versions."""
    text = ":".join(str(p) for p in ("musicindex-corpus",) + parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def clip_seed(seed, genre, index):
    return derive_seed(seed, genre, index)


class Composition:
    def __init__(self, genre, seed, seconds, midi, params, song):
        self.genre = genre
        self.seed = seed
        self.seconds = seconds
        self.midi = midi
        self.params = params
        self.song = song


def compose(genre, seed, seconds=30.0):
    """Compose one clip of `genre` from an integer seed. Same arguments -> same MIDI bytes."""
    if genre not in COMPOSERS:
        raise ValueError(f"unknown genre {genre!r}; expected one of {', '.join(GENRES)}")
    rng = random.Random(seed)
    ctx = Ctx(genre, rng, float(seconds))
    COMPOSERS[genre](ctx)
    song = ctx.song
    midi = song.to_midi(random.Random(derive_seed(seed, "humanise")))
    params = dict(ctx.params)
    params["programs"] = {
        part.name: ("drums:%d" % part.program if part.drum else part.program) for part in song.parts
    }
    params["instruments"] = sorted({GM_NAMES[p.program] for p in song.parts if not p.drum})
    params["notes"] = sum(len(p.notes) for p in song.parts)
    params["bars"] = len(ctx.bars)
    return Composition(genre, seed, seconds, midi, params, song)


__all__ = ["GENRES", "GM_NAMES", "NOTE_NAMES", "Composition", "clip_seed", "compose", "derive_seed"]
