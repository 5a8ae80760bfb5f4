"""The song model: parts of notes on a straight beat grid, turned into MIDI with swing and
humanisation."""

import math
from dataclasses import dataclass, field

from . import smf

PPQ = 480
DRUM_CHANNEL = 9

# Order of events at one tick: setup before note-offs before note-ons.
_SETUP, _OFF, _BEND, _ON = 0, 1, 2, 3


@dataclass(slots=True)
class Note:
    start: float  # beats from the song start, on the straight grid
    dur: float    # beats
    pitch: int
    vel: int
    swing: bool = True   # apply the song's swing to this note (False for written triplets)
    group: int = -1      # notes of one strum share their timing error


@dataclass
class Part:
    name: str
    role: str
    program: int
    channel: int
    drum: bool = False
    volume: int = 100
    pan: int = 64
    timing_ms: float = 6.0   # standard deviation of the timing error
    vel_sd: float = 5.0      # standard deviation of the velocity error
    offset_ms: float = 0.0   # constant push (<0) or lay-back (>0)
    notes: list = field(default_factory=list)
    ccs: list = field(default_factory=list)     # (beat, controller, value)
    bends: list = field(default_factory=list)   # (beat, value in -8192..8191)
    _groups: int = 0

    def note(self, start, dur, pitch, vel, swing=True, group=-1):
        if dur <= 0 or start < 0:
            return
        pitch = int(pitch)
        if not 0 <= pitch <= 127:
            return
        self.notes.append(Note(float(start), float(dur), pitch, int(max(1, min(127, vel))), swing, group))

    def chord(self, start, dur, pitches, vel, strum_beats=0.0, up=False, swing=True, vel_step=0):
        """Several notes at once; strum_beats spreads the onsets (low to high, or high to low)."""
        self._groups += 1
        ps = sorted(pitches, reverse=up)
        n = len(ps)
        for i, p in enumerate(ps):
            off = strum_beats * i / max(1, n - 1) if n > 1 else 0.0
            self.note(start + off, max(0.05, dur - off), p, vel - vel_step * i, swing, self._groups)

    def cc(self, beat, controller, value):
        self.ccs.append((float(beat), controller, int(max(0, min(127, value)))))

    def bend(self, beat, value):
        self.bends.append((float(beat), int(max(-8192, min(8191, value)))))


def _swing_fraction(f, ratio):
    if f < 0.5:
        return f * 2.0 * ratio
    return ratio + (f - 0.5) * 2.0 * (1.0 - ratio)


def warp(beat, swing8=0.5, swing16=0.5):
    """Straight-grid beat -> swung beat (8th-note swing and/or 16th-note swing)."""
    b = math.floor(beat + 1e-9)
    f = beat - b
    if f < 0:
        f = 0.0
    if swing16 != 0.5:
        h = math.floor(f * 2 + 1e-9) / 2
        g = (f - h) * 2
        f = h + _swing_fraction(g, swing16) / 2
    if swing8 != 0.5:
        f = _swing_fraction(f, swing8)
    return b + f


class Song:
    def __init__(self, bpm, beats_per_bar=4, swing8=0.5, swing16=0.5):
        self.bpm = float(bpm)
        self.beats_per_bar = beats_per_bar
        self.swing8 = swing8
        self.swing16 = swing16
        self.parts = []
        self.tempo_map = [(0.0, float(bpm))]

    def add_part(self, name, role, program, drum=False, **kw):
        if drum:
            channel = DRUM_CHANNEL
            if any(p.channel == DRUM_CHANNEL for p in self.parts):
                raise ValueError("only one drum part")
        else:
            used = {p.channel for p in self.parts}
            free = [c for c in range(16) if c != DRUM_CHANNEL and c not in used]
            if not free:
                raise ValueError("out of MIDI channels")
            channel = free[0]
        part = Part(name=name, role=role, program=program, channel=channel, drum=drum, **kw)
        self.parts.append(part)
        return part

    def seconds_at(self, beat):
        """Seconds from the start at `beat`, through the tempo map."""
        t = 0.0
        tm = self.tempo_map
        for i, (b, bpm) in enumerate(tm):
            nb = tm[i + 1][0] if i + 1 < len(tm) else math.inf
            if beat <= b:
                break
            seg = min(beat, nb) - b
            t += seg * 60.0 / bpm
        return t

    def to_midi(self, rng):
        """The song as SMF bytes; rng draws the humanisation (deterministic for a seed)."""
        tracks = []
        conductor = [
            (0, _SETUP, smf.track_name("conductor")),
            (0, _SETUP, smf.time_signature(self.beats_per_bar, 4)),
        ]
        for b, bpm in self.tempo_map:
            conductor.append((int(round(b * PPQ)), _SETUP, smf.tempo(bpm)))
        tracks.append(conductor)
        ticks_per_ms = PPQ * self.bpm / 60000.0
        for part in self.parts:
            tracks.append(self._part_events(part, rng, ticks_per_ms))
        return smf.write_smf(tracks, PPQ)

    def _part_events(self, part, rng, ticks_per_ms):
        ch = part.channel
        ev = [
            (0, _SETUP, smf.track_name(part.name)),
            (0, _SETUP, smf.program_change(ch, part.program)),
            (0, _SETUP, smf.control_change(ch, 7, part.volume)),
            (0, _SETUP, smf.control_change(ch, 10, part.pan)),
            (0, _SETUP, smf.control_change(ch, 91, 0)),
            (0, _SETUP, smf.control_change(ch, 93, 0)),
        ]
        if not any(c == 11 and b <= 0 for b, c, _ in part.ccs):
            ev.append((0, _SETUP, smf.control_change(ch, 11, 127)))
        group_jitter = {}
        placed = []
        sd = part.timing_ms * ticks_per_ms
        offset = part.offset_ms * ticks_per_ms
        for n in sorted(part.notes, key=lambda n: (n.start, n.pitch)):
            if n.swing:
                s = warp(n.start, self.swing8, self.swing16)
                e = warp(n.start + n.dur, self.swing8, self.swing16)
            else:
                s, e = n.start, n.start + n.dur
            if n.group >= 0 and n.group in group_jitter:
                j = group_jitter[n.group]
            else:
                j = max(-2.5 * sd, min(2.5 * sd, rng.gauss(0.0, sd))) if sd > 0 else 0.0
                if n.group >= 0:
                    group_jitter[n.group] = j
            vel = n.vel + (rng.gauss(0.0, part.vel_sd) if part.vel_sd > 0 else 0.0)
            st = max(0, int(round(s * PPQ + j + offset)))
            et = max(st + 12, int(round(e * PPQ + j + offset)))
            placed.append([st, et, n.pitch, int(max(1, min(127, round(vel))))])
        # One sounding note per pitch and channel: cut overlaps, drop exact duplicates.
        by_pitch = {}
        for p in placed:
            by_pitch.setdefault(p[2], []).append(p)
        for pitch, ns in sorted(by_pitch.items()):
            ns.sort()
            keep = []
            for p in ns:
                if keep and p[0] <= keep[-1][0]:
                    keep[-1][3] = max(keep[-1][3], p[3])
                    keep[-1][1] = max(keep[-1][1], p[1])
                    continue
                if keep and keep[-1][1] > p[0] - 1:
                    keep[-1][1] = max(keep[-1][0] + 1, p[0] - 1)
                keep.append(p)
            for st, et, _, vel in keep:
                ev.append((st, _ON, smf.note_on(ch, pitch, vel)))
                ev.append((et, _OFF, smf.note_off(ch, pitch)))
        for b, c, v in part.ccs:
            ev.append((int(round(b * PPQ)), _SETUP, smf.control_change(ch, c, v)))
        for b, v in part.bends:
            tick = max(0, int(round(warp(b, self.swing8, self.swing16) * PPQ + offset)))
            ev.append((tick, _BEND, smf.pitch_bend(ch, v)))
        return ev
