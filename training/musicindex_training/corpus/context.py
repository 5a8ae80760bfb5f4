"""The composition context: tempo, meter, key, the song form as bars with chords and energy."""

from .song import Song
from .theory import SCALES, key_name, parse_roman


class Bar:
    __slots__ = ("index", "start", "bpb", "section", "section_no", "pos", "length", "energy",
                 "chords", "first", "last")

    def __init__(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)

    @property
    def end(self):
        return self.start + self.bpb


class Ctx:
    def __init__(self, genre, rng, seconds):
        self.genre = genre
        self.rng = rng
        self.seconds = seconds
        self.song = None
        self.bars = []
        self.kicks = {}
        self.tonic = 0
        self.mode = "major"
        self.params = {"genre": genre}
        self.programs = {}
        self.sections = []
        self.store = {}

    # -- setup ------------------------------------------------------------------------------
    def setup(self, bpm, bpb=4, swing8=0.5, swing16=0.5, tonic=None, mode="major"):
        self.song = Song(bpm, bpb, swing8, swing16)
        self.tonic = self.rng.randrange(12) if tonic is None else tonic % 12
        self.mode = mode
        self.params.update({
            "tempo": round(bpm, 1),
            "meter": f"{bpb}/4",
            "key": key_name(self.tonic, mode),
            "swing": round(max(swing8, swing16), 3),
        })

    @property
    def bpb(self):
        return self.song.beats_per_bar

    @property
    def scale(self):
        return [(self.tonic + i) % 12 for i in SCALES["minor" if self.mode == "minor" else "major"]]

    def scale_of(self, name):
        return [(self.tonic + i) % 12 for i in SCALES[name]]

    def bars_needed(self, max_bpm=None):
        bpm = max_bpm or self.song.bpm  # the fastest tempo of the song: most beats per second
        beats = (self.seconds + 2.0) * bpm / 60.0
        return int(beats // self.bpb) + 1

    def build_form(self, order, specs, start=None, max_bpm=None):
        """order: section names in song order (cycled); specs: name -> (bars, progression, energy).
        A progression is a list of bar strings ('I', 'ii7 V7': chords split the bar evenly);
        it repeats to fill the section. The clip may start at any section of the order."""
        rng = self.rng
        need = self.bars_needed(max_bpm)
        i = rng.randrange(len(order)) if start is None else start
        beat = 0.0
        sec_no = 0
        names = []
        while len(self.bars) < need:
            name = order[i % len(order)]
            if name == "intro" and sec_no > 0:  # the form repeats without its intro
                i += 1
                continue
            length, prog, energy = specs[name]
            names.append(name)
            for pos in range(length):
                bar_str = prog[pos % len(prog)]
                symbols = bar_str.split()
                dur = self.bpb / len(symbols)
                chords = [(k * dur, dur, parse_roman(sym, self.tonic)) for k, sym in enumerate(symbols)]
                e = max(0.05, min(1.0, energy + rng.uniform(-0.05, 0.05)))
                self.bars.append(Bar(index=len(self.bars), start=beat, bpb=self.bpb, section=name,
                                     section_no=sec_no, pos=pos, length=length, energy=e,
                                     chords=chords, first=pos == 0, last=pos == length - 1))
                beat += self.bpb
            sec_no += 1
            i += 1
        self.sections = names
        self.params["form"] = names
        self.params["progressions"] = {n: specs[n][1] for n in dict.fromkeys(names)}

    # -- queries ----------------------------------------------------------------------------
    def bar_at(self, beat):
        i = int(beat // self.bpb)
        return self.bars[max(0, min(len(self.bars) - 1, i))]

    def chord_at(self, beat):
        bar = self.bar_at(beat)
        off = beat - bar.start
        for o, d, ch in bar.chords:
            if o <= off + 1e-9 < o + d:
                return ch
        if beat >= self.bars[-1].end:
            return self.bars[-1].chords[-1][2]
        return bar.chords[-1][2]

    def segments(self):
        """(absolute start, duration, chord, bar) for every chord of the song."""
        for bar in self.bars:
            for o, d, ch in bar.chords:
                yield bar.start + o, d, ch, bar

    @property
    def total_beats(self):
        return self.bars[-1].end if self.bars else 0.0

    def add_part(self, name, role, program, drum=False, **kw):
        part = self.song.add_part(name, role, program, drum=drum, **kw)
        self.programs.setdefault(role, []).append(program)
        return part
