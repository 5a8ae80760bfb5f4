"""Part generators shared by the genres: bass lines, comping, pads, arpeggios, melodies."""

import math

from .theory import (chord_scale, close_voicing, guitar_voicing, pitch_in_range, rootless_voicing,
                     scale_pitches)


def _always(bar):
    return True


def beats_to_ms(ctx, ms):
    return ms * ctx.song.bpm / 60000.0


# ------------------------------------------------------------------------------------ bass

def _root(ch, lo, near=None):
    return pitch_in_range(ch.root, lo, lo + 11, near)


def _next_root(ctx, beat, lo):
    if beat >= ctx.total_beats:
        return None
    return _root(ctx.chord_at(beat), lo)


def bass_line(ctx, part, style, lo=28, plays=_always, legato=0.9, vel=90, **kw):
    """Bass styles: roots, root8, root_fifth, walking, boogie, octave, follow_kick, reggae,
    syncop, sustain, riff (follows ctx.store['riff'])."""
    rng = ctx.rng
    hi = lo + 24
    templates = {}
    prev = None
    for start, dur, ch, bar in ctx.segments():
        if not plays(bar):
            continue
        root = _root(ch, lo)
        fifth = root + ch.fifth
        if fifth > hi:
            fifth -= 12
        nxt = _next_root(ctx, start + dur, lo)
        e = bar.energy
        off_in_bar = start - bar.start
        if style == "roots":
            step = 1.0 if e > 0.5 else 2.0
            t = 0.0
            while t < dur - 1e-9:
                part.note(start + t, min(step, dur - t) * legato, root, vel + (8 if t == 0 else 0))
                t += step
        elif style == "root8":
            step = 0.5 if e > 0.35 else 1.0
            n = int(round(dur / step))
            for k in range(n):
                p = root
                if k == n - 1 and nxt is not None and rng.random() < 0.35:
                    p = rng.choice([nxt - 1, nxt + 2, root + 12, fifth])
                elif rng.random() < 0.06:
                    p = root + 12
                part.note(start + k * step, step * legato * 0.95, p, vel + (8 if (k * step) % 1 == 0 else -4))
        elif style == "root_fifth":
            half = dur / 2 if dur >= 2 else dur
            part.note(start, half * legato, root, vel + 6)
            low5 = root - (12 - ch.fifth) if root - (12 - ch.fifth) >= lo - 5 else fifth
            if dur >= 2:
                if bar.last and off_in_bar + dur >= bar.bpb - 1e-9 and nxt is not None and rng.random() < 0.6:
                    # walk up (or down) to the next chord
                    steps = sorted(scale_pitches(ctx.scale, min(root, nxt) - 2, max(root, nxt) + 2))
                    path = [p for p in steps if (p > root and p < nxt) or (p < root and p > nxt)]
                    path = (path if nxt > root else path[::-1])[-3:] or [fifth]
                    t = start + dur - 0.5 * len(path) if len(path) > 1 else start + half
                    for i, p in enumerate(path):
                        part.note(t + 0.5 * i if len(path) > 1 else t, 0.45, p, vel - 4)
                else:
                    part.note(start + half, half * legato, low5 if rng.random() < 0.7 else fifth, vel)
        elif style == "walking":
            beats = max(1, int(round(dur)))
            cur = root if prev is None else _root(ch, lo, prev)
            cur = max(lo, min(hi, cur))
            sc = chord_scale(ch, ctx.scale)
            for k in range(beats):
                b = start + k
                if k == 0:
                    p = cur
                elif k == beats - 1 and nxt is not None:
                    tgt = pitch_in_range(nxt % 12, lo, hi, prev)
                    r = rng.random()
                    if r < 0.45:
                        p = tgt + rng.choice([-1, 1])
                    elif r < 0.65:
                        p = tgt + 7 if tgt + 7 <= hi else tgt - 5
                    else:
                        cands = [q for q in scale_pitches(sc, lo, hi) if 0 < abs(q - tgt) <= 2]
                        p = rng.choice(cands) if cands else tgt - 1
                else:
                    tones = [q for q in scale_pitches([(ch.root + i) % 12 for i in ch.intervals], lo, hi)
                             if q != prev]
                    steps = [q for q in scale_pitches(sc, lo, hi) if 0 < abs(q - prev) <= 2]
                    pool = tones if rng.random() < 0.55 else (steps or tones)
                    target = nxt if nxt is not None else root
                    pool = sorted(pool, key=lambda q: abs(q - prev) + 0.3 * abs(q - target))
                    p = pool[min(len(pool) - 1, int(rng.random() ** 2 * 3))]
                part.note(b, 0.92 * legato + 0.05, p, vel + (6 if k == 0 else 0) + rng.randint(-4, 4))
                prev = p
            continue
        elif style == "boogie":
            pat = ctx.store.setdefault("boogie", rng.choice([
                [0, 4, 7, 9, 10, 9, 7, 4], [0, 0, 4, 4, 7, 7, 9, 7], [0, 7, 9, 7, 10, 7, 9, 7],
                [0, 4, 7, 4, 9, 4, 7, 4], [0, 12, 10, 7, 9, 7, 4, 2]]))
            n = int(round(dur / 0.5))
            for k in range(n):
                iv = pat[k % len(pat)]
                if ch.minor and iv == 4:
                    iv = 3
                part.note(start + 0.5 * k, 0.45 * legato, root + iv, vel + (8 if k % 2 == 0 else -6))
        elif style == "octave":
            n = int(round(dur / 0.5))
            for k in range(n):
                p = root if k % 2 == 0 else root + 12
                part.note(start + 0.5 * k, 0.4, p, vel + (6 if k % 2 == 0 else -2))
            if rng.random() < 0.3 * e:
                part.note(start + dur - 0.25, 0.2, root + 12 + rng.choice([-2, -5, 0]), vel - 8)
        elif style in ("follow_kick", "sub"):
            kicks = ctx.kicks.get(bar.index) or [0.0]
            pos = [k for k in kicks if off_in_bar - 1e-9 <= k < off_in_bar + dur - 1e-9]
            if not pos:
                pos = [off_in_bar]
            for i, k in enumerate(pos):
                end = pos[i + 1] if i + 1 < len(pos) else off_in_bar + dur
                length = (end - k) * (0.98 if style == "sub" else legato)
                if style == "follow_kick":
                    length = min(length, 1.5)
                p = root
                if style == "follow_kick" and i > 0 and rng.random() < 0.2:
                    p = rng.choice([root + 12, fifth, root + 10 if root + 10 <= hi else root])
                part.note(bar.start + k, length, p, vel + (6 if i == 0 else 0))
                if style == "sub" and rng.random() < kw.get("glide", 0.0) and length > 0.75:
                    # an 808 glide into the note from below
                    b0 = bar.start + k
                    for j, v in enumerate((-4096, -2048, -800, 0)):
                        part.bend(b0 + 0.04 * j, v)
        elif style == "reggae":
            key = (bar.section, "reggae")
            if key not in templates:
                templates[key] = rng.choice([
                    [(0, "R", 0.75), (1, "R", 0.4), (1.5, "F", 0.4), (2, "O", 0.9), (3, "S", 0.4), (3.5, "F", 0.5)],
                    [(0.5, "R", 0.4), (1, "R", 0.4), (1.5, "T", 0.4), (2, "F", 0.9), (3.5, "4", 0.4)],
                    [(0, "R", 1.4), (1.5, "F", 0.5), (2, "O", 0.5), (2.5, "S", 0.5), (3, "F", 0.9)],
                    [(0, "R", 0.4), (0.5, "R", 0.4), (1.5, "F", 0.4), (2, "T", 0.9), (3, "F", 0.4), (3.5, "B", 0.4)],
                    [(1, "R", 0.9), (2, "T", 0.4), (2.5, "F", 0.4), (3, "O", 0.5), (3.5, "F", 0.4)],
                ])
            tmpl = templates[key]
            ivs = {"R": 0, "F": ch.fifth, "O": 12, "T": ch.third, "S": ch.seventh or 10, "4": 5, "B": -2}
            for pos, sym, d in tmpl:  # a chord shorter than the bar plays the start of the riff
                if pos >= dur:
                    continue
                part.note(start + pos, min(d, dur - pos) * legato, root + ivs[sym], vel + (6 if pos in (0, 2) else 0))
        elif style == "syncop":
            key = (bar.section, "syncop")
            if key not in templates:
                templates[key] = rng.choice([
                    [(0, 0, 0.7), (0.75, 0, 0.2), (1.5, 12, 0.4), (2, 0, 0.5), (2.75, 7, 0.2), (3.5, 0, 0.4)],
                    [(0, 0, 1.4), (1.5, 0, 0.4), (2.5, 0, 0.4), (3, 7, 0.4), (3.5, 12, 0.4)],
                    [(0, 0, 0.4), (0.5, 0, 0.2), (0.75, 12, 0.2), (1.5, 0, 0.4), (2.25, 10, 0.2), (2.5, 7, 0.4), (3.5, 0, 0.4)],
                    [(0, 0, 0.9), (1.75, 0, 0.2), (2, 0, 0.9), (3.5, 12, 0.4)],
                ])
            for pos, iv, d in templates[key]:
                if pos >= dur:
                    continue
                part.note(start + pos, d, root + (ch.fifth if iv == 7 else iv), vel + (6 if pos == 0 else 0))
        elif style == "sustain":
            p = root
            if rng.random() < 0.15 and dur >= 2:
                p = pitch_in_range((ch.root + ch.third) % 12, lo, hi, root)
            part.note(start, dur * 0.98, p, vel)
        elif style == "riff":
            riff = ctx.store.get(("riff", bar.section)) or ctx.store.get("riff")
            if not riff:
                continue
            for pos, d, iv, muted in riff:
                if off_in_bar - 1e-9 <= pos < off_in_bar + dur - 1e-9:
                    part.note(bar.start + pos, d * 0.9, root + (iv if not muted else 0), vel + (0 if muted else 8))
        else:
            raise ValueError(f"unknown bass style {style}")
        prev = root


# ------------------------------------------------------------------------------- comping

STRUMS_4 = [
    [(0, "D"), (1, "D"), (1.5, "U"), (2.5, "U"), (3, "D"), (3.5, "U")],
    [(0, "D"), (0.5, "U"), (1, "D"), (1.5, "U"), (2, "D"), (2.5, "U"), (3, "D"), (3.5, "U")],
    [(0, "D"), (1.5, "D"), (3, "D")],
    [(0, "D"), (2, "D")],
    [(0, "D"), (1, "D"), (2, "D"), (3, "D")],
    [(0, "D"), (0.75, "U"), (1.5, "U"), (2, "D"), (2.5, "U"), (2.75, "D"), (3.5, "U")],
    [(0, "D"), (1, "D"), (2, "D"), (2.5, "U"), (3, "D"), (3.5, "U")],
]
STRUMS_3 = [
    [(0, "D"), (1, "D"), (2, "D")],
    [(0, "D"), (1, "D"), (1.5, "U"), (2, "D"), (2.5, "U")],
    [(0, "D"), (2, "D")],
    [(1, "D"), (2, "D")],
]


def strum(ctx, part, plays=_always, low=40, high=52, vel=88, muted=False, spread_ms=(8, 30),
          patterns=None, ring=1.0):
    """Guitar strumming: a pattern per section type, downstrokes low->high, upstrokes on the
    top strings."""
    rng = ctx.rng
    pats = {}
    spread = beats_to_ms(ctx, rng.uniform(*spread_ms))
    for bar in ctx.bars:
        if not plays(bar):
            continue
        if bar.section not in pats:
            pool = patterns or (STRUMS_3 if bar.bpb == 3 else STRUMS_4)
            pats[bar.section] = rng.choice(pool)
        pat = pats[bar.section]
        for i, (pos, d) in enumerate(pat):
            nxt = pat[i + 1][0] if i + 1 < len(pat) else bar.bpb
            ch = ctx.chord_at(bar.start + pos)
            voicing = guitar_voicing(ch, low, high)
            if d == "U":
                voicing = voicing[-rng.choice([3, 4]):]
            elif bar.energy < 0.5 and rng.random() < 0.5:
                voicing = voicing[:5]
            length = (nxt - pos) * (0.35 if muted else ring)
            v = vel * (0.8 + 0.25 * bar.energy) + (8 if d == "D" and pos == int(pos) else -8)
            part.chord(bar.start + pos, length, voicing, v, strum_beats=spread, up=(d == "U"), vel_step=1)


def power_chords(ctx, part, plays=_always, low=40, high=52, vel=95, mode=None, octave=True):
    """Rock/metal power chords: palm-muted 8ths in quiet sections, ringing hits when loud."""
    rng = ctx.rng
    modes = {}
    for bar in ctx.bars:
        if not plays(bar):
            continue
        if bar.section not in modes:
            m = mode or ("chug8" if bar.energy < 0.6 else rng.choice(["open8", "sustain", "syncop", "open8"]))
            modes[bar.section] = m
        m = modes[bar.section]
        if m == "riff":
            riff = ctx.store.get(("riff", bar.section)) or ctx.store.get("riff")
            hits = [(pos, d, iv, mu) for pos, d, iv, mu in riff]
        elif m == "chug8":
            hits = [(k * 0.5, 0.45, 0, True) for k in range(int(bar.bpb * 2))]
        elif m == "open8":
            hits = [(k * 0.5, 0.5, 0, False) for k in range(int(bar.bpb * 2))]
        elif m == "sustain":
            hits = [(0, bar.bpb / 2, 0, False), (bar.bpb / 2, bar.bpb / 2, 0, False)] if rng.random() < 0.5 else [(0, bar.bpb, 0, False)]
        else:
            hits = [(0, 0.75, 0, False), (0.75, 0.75, 0, False), (1.5, 1.0, 0, False), (2.5, 0.5, 0, True), (3, 1.0, 0, False)]
            hits = [h for h in hits if h[0] < bar.bpb]
        for pos, d, iv, mu in hits:
            ch = ctx.chord_at(bar.start + pos)
            root = pitch_in_range(ch.root, low, high) + iv
            if mu:
                notes = [root, root + 7]
                part.chord(bar.start + pos, min(d, 0.3), notes, vel - 18 + rng.randint(-4, 4), strum_beats=0.004)
            else:
                notes = [root, root + 7] + ([root + 12] if octave else [])
                part.chord(bar.start + pos, d * 0.95, notes, vel + (6 if pos == int(pos) else 0), strum_beats=0.01)


def pad(ctx, part, plays=_always, center=60, vel=70, size=None, swell=False, restrike=None, ext=True):
    """Sustained chords, voice-led; optional swells through expression (CC11)."""
    rng = ctx.rng
    prev = None
    for start, dur, ch, bar in ctx.segments():
        if not plays(bar):
            prev = None
            continue
        v = close_voicing(ch, center, prev, size=size, add_ext=ext)
        step = restrike or dur
        t = 0.0
        while t < dur - 1e-9:
            part.chord(start + t, min(step, dur - t) * 0.98, v, vel * (0.75 + 0.3 * bar.energy))
            t += step
        if swell and dur >= 2:
            for k in range(4):
                part.cc(start + dur * k / 4, 11, 80 + 12 * k + rng.randint(-3, 3))
        prev = v


def arpeggio(ctx, part, plays=_always, center=64, step=0.5, pattern="up", vel=70, span=2, legato=1.4,
             ext=False):
    """Broken chords: up, down, updown, alberti, random."""
    rng = ctx.rng
    prev = None
    for start, dur, ch, bar in ctx.segments():
        if not plays(bar):
            continue
        v = close_voicing(ch, center, prev, add_ext=ext)
        prev = v
        tones = list(v)
        if span >= 2:
            tones += [p + 12 for p in v]
        tones = sorted(set(tones))
        if pattern == "up":
            seq = tones
        elif pattern == "down":
            seq = tones[::-1]
        elif pattern == "updown":
            seq = tones + tones[-2:0:-1]
        elif pattern == "alberti":
            lo_, mid, hi_ = v[0], v[len(v) // 2], v[-1]
            seq = [lo_, hi_, mid, hi_]
        else:
            seq = [rng.choice(tones) for _ in range(8)]
        n = int(round(dur / step))
        for k in range(n):
            p = seq[k % len(seq)]
            part.note(start + k * step, step * legato, p, vel + (10 if (k * step) % 1 == 0 else 0))


def block_chords(ctx, part, plays=_always, center=62, step=1.0, vel=72, left_hand=True, ext=False):
    """Piano: right-hand chords every `step` beats, left hand root octaves on the chord."""
    prev = None
    for start, dur, ch, bar in ctx.segments():
        if not plays(bar):
            continue
        v = close_voicing(ch, center, prev, add_ext=ext)
        prev = v
        n = max(1, int(round(dur / step)))
        for k in range(n):
            part.chord(start + k * step, step * 0.9, v, vel + (8 if k == 0 else 0) * (0.8 + 0.3 * bar.energy),
                       strum_beats=0.01)
        if left_hand:
            r = pitch_in_range(ch.root, 36, 47)
            part.chord(start, dur * 0.95, [r, r + 12], vel - 4)


def skank(ctx, part, plays=_always, center=66, vel=80, positions=None, length=0.22, size=3):
    """Reggae offbeat chords (guitar / piano / organ), short."""
    rng = ctx.rng
    pos_by_sec = {}
    for bar in ctx.bars:
        if not plays(bar):
            continue
        if bar.section not in pos_by_sec:
            pos_by_sec[bar.section] = positions or rng.choice([[1, 3], [0.5, 1.5, 2.5, 3.5], [1, 3], [1, 2.5, 3]])
        for pos in pos_by_sec[bar.section]:
            if pos >= bar.bpb:
                continue
            ch = ctx.chord_at(bar.start + pos)
            v = close_voicing(ch, center, size=size, add_ext=False)
            part.chord(bar.start + pos, length, v, vel, strum_beats=0.015)


def bubble(ctx, part, plays=_always, center=55, vel=65):
    """Reggae organ bubble: offbeat chords with a ghost 16th after each beat."""
    for bar in ctx.bars:
        if not plays(bar):
            continue
        for b in range(bar.bpb):
            ch = ctx.chord_at(bar.start + b)
            v = close_voicing(ch, center, size=3, add_ext=False)
            part.chord(bar.start + b + 0.25, 0.15, v, vel - 20)
            part.chord(bar.start + b + 0.5, 0.2, v, vel)


def stabs(ctx, part, plays=_always, center=64, vel=85, positions=None, length=0.3, size=None):
    """Short chord hits (brass, strings, clavinet) on a syncopated pattern per section."""
    rng = ctx.rng
    pats = {}
    prev = None
    for bar in ctx.bars:
        if not plays(bar):
            continue
        if bar.section not in pats:
            pats[bar.section] = positions or rng.choice([
                [1.5, 3.5], [0, 1.5, 3], [0.75, 1.5, 2.75, 3.5], [1, 3], [0.5, 2.5], [0.25, 0.75, 1.5, 2.25, 3],
                [0, 0.75, 2, 2.75]])
        for pos in pats[bar.section]:
            if pos >= bar.bpb:
                continue
            ch = ctx.chord_at(bar.start + pos)
            v = close_voicing(ch, center, prev, size=size)
            prev = v
            part.chord(bar.start + pos, length, v, vel + (6 if pos == int(pos) else 0), strum_beats=0.008)


def scratch(ctx, part, plays=_always, center=67, vel=85):
    """Muted-guitar 16ths with accents (disco / funk 'chicken scratch')."""
    rng = ctx.rng
    accents = {}
    for bar in ctx.bars:
        if not plays(bar):
            continue
        if bar.section not in accents:
            accents[bar.section] = {p for p in [i * 0.25 for i in range(bar.bpb * 4)] if rng.random() < 0.35} | {0.5, 2.5}
        for i in range(bar.bpb * 4):
            pos = i * 0.25
            ch = ctx.chord_at(bar.start + pos)
            v = close_voicing(ch, center, size=2, add_ext=False)
            acc = pos in accents[bar.section]
            part.chord(bar.start + pos, 0.12, v, vel if acc else vel - 45, strum_beats=0.005)


def jazz_comp(ctx, part, plays=_always, center=60, vel=62):
    """Rootless voicings on syncopated, swung hits (Charleston, anticipations)."""
    rng = ctx.rng
    prev = None
    rhythms = [[(0, 0.8)], [(0, 1.0), (1.5, 1.0)], [(1.5, 1.0)], [(1, 0.5), (2.5, 1.0)], [(0, 0.5), (2, 0.5)],
               [(1.5, 0.5), (3.5, 0.5)], [(0.5, 1.0), (3, 0.8)], [(2, 1.5)], [(3.5, 0.5)]]
    for bar in ctx.bars:
        if not plays(bar):
            continue
        rhythm = rng.choice(rhythms)
        for pos, d in rhythm:
            if pos >= bar.bpb:
                continue
            ch = ctx.chord_at(bar.start + min(bar.bpb - 0.01, pos + (0.5 if pos % 1 else 0)))
            v = rootless_voicing(ch, center, prev)
            prev = v
            part.chord(bar.start + pos, d, v, vel + rng.randint(-8, 10), strum_beats=0.01)


def blues_piano(ctx, part, plays=_always, center=67, vel=62, mode=None):
    """Right-hand blues piano: 12/8 triplet chords, or shuffle chords on the offbeats."""
    rng = ctx.rng
    m = mode or rng.choice(["triplets", "shuffle", "stabs"])
    for bar in ctx.bars:
        if not plays(bar):
            continue
        for b in range(bar.bpb):
            ch = ctx.chord_at(bar.start + b)
            v = close_voicing(ch, center, size=3)
            if m == "triplets":
                for t in range(3):
                    part.chord(bar.start + b + t / 3.0, 0.3, v, vel - (0 if t == 0 else 10), swing=False)
            elif m == "shuffle":
                part.chord(bar.start + b + 0.5, 0.4, v, vel)
                if b % 2 == 1:
                    part.chord(bar.start + b, 0.4, v, vel + 6)
            else:
                if rng.random() < 0.45:
                    part.chord(bar.start + b + rng.choice([0, 0.5]), 0.35, v, vel + 5)
    return m


def banjo_roll(ctx, part, plays=_always, center=67, vel=72):
    """Three-finger banjo forward rolls in 16ths over the chord."""
    rng = ctx.rng
    roll = rng.choice([[0, 1, 2, 0, 1, 2, 0, 2], [0, 2, 3, 0, 2, 3, 0, 3], [2, 1, 0, 2, 1, 0, 2, 1]])
    for bar in ctx.bars:
        if not plays(bar):
            continue
        for i in range(int(bar.bpb / 0.25)):
            pos = i * 0.25
            ch = ctx.chord_at(bar.start + pos)
            v = close_voicing(ch, center, size=3, add_ext=False) + [pitch_in_range(ch.root, center + 5, center + 16)]
            p = v[roll[i % 8] % len(v)]
            part.note(bar.start + pos, 0.5, p, vel + (10 if i % 4 == 0 else 0), swing=True)


def loop(ctx, part, plays=_always, center=60, vel=70, bars=2, style=None):
    """A 'sampled' loop: one or two bars of chords + a small top line, repeated exactly."""
    rng = ctx.rng
    style = style or rng.choice(["chords", "chords+top", "arp", "stab"])
    rhythm = rng.choice([[(0, 2.0), (2, 1.5), (3.5, 0.5)], [(0, 4.0)], [(0, 1.5), (1.5, 2.5)],
                         [(0, 0.75), (0.75, 0.75), (2, 0.75), (3, 1.0)], [(0.5, 1.0), (2.5, 1.5)]])
    top = [(rng.choice([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]), rng.choice([0.5, 1.0])) for _ in range(rng.randint(2, 5))]
    top_iv = [rng.choice([0, 2, 3, 5, 7, 10, 12]) for _ in top]
    arp_step = rng.choice([0.5, 0.25])
    for bar in ctx.bars:
        if not plays(bar):
            continue
        # the loop plays the chords of the first `bars` bars of this section, repeated
        sec_bars = [b for b in ctx.bars if b.section_no == bar.section_no]
        src = sec_bars[(bar.pos % bars) if bar.pos % bars < len(sec_bars) else 0]
        ch = src.chords[0][2]
        v = close_voicing(ch, center, add_ext=True, size=4)
        if style in ("chords", "chords+top"):
            for pos, d in rhythm:
                part.chord(bar.start + pos, d * 0.95, v, vel + (6 if pos == 0 else 0))
            if style == "chords+top":
                for (pos, d), iv in zip(top, top_iv):
                    part.note(bar.start + pos, d, pitch_in_range((ctx.tonic + iv) % 12, center + 7, center + 19), vel + 5)
        elif style == "arp":
            seq = v + [v[1] + 12, v[2] + 12]
            for k in range(int(bar.bpb / arp_step)):
                part.note(bar.start + k * arp_step, arp_step * 1.5, seq[k % len(seq)], vel)
        else:
            for pos, d in rhythm[:2]:
                part.chord(bar.start + pos, 0.3, v, vel + 10)
    return style


# ------------------------------------------------------------------------------- melody

def melody(ctx, part, lo, hi, scale=None, grid=0.5, density=0.5, phrase_bars=2, rest_prob=0.25,
           plays=_always, strong_chord_tone=0.8, leap_prob=0.15, legato=0.9, vel=85, bends=0.0,
           repeat_motif=0.6, chord_scales=False, answer=None, slide=0.0, max_len=2.0):
    """A phrase-based melody: a rhythmic motif per section type (repeated with variation),
    chord tones on strong beats, stepwise motion otherwise, long notes ending phrases.
    answer: None, or 0/1 to play only every other phrase (call and response)."""
    rng = ctx.rng
    scale = scale or ctx.scale
    motifs = {}
    pitch = pitch_in_range(ctx.tonic, lo + 5, hi - 5, (lo + hi) // 2)
    bars = ctx.bars
    i = 0
    phrase_no = 0
    while i < len(bars):
        bar = bars[i]
        # a phrase is up to phrase_bars bars of one section
        j = i
        while j < len(bars) and j - i < phrase_bars and bars[j].section_no == bar.section_no:
            j += 1
        phrase = bars[i:j]
        i = j
        phrase_no += 1
        if not plays(bar):
            continue
        if answer is not None and phrase_no % 2 != answer:
            continue
        if rng.random() < rest_prob * (1.3 - bar.energy):
            continue
        key = bar.section
        if key not in motifs or rng.random() > repeat_motif:
            motifs[key] = _rhythm_bar(rng, bar.bpb, grid, density * (0.7 + 0.5 * bar.energy))
        motif = motifs[key]
        direction = rng.choice([-1, 1])
        for k, pb in enumerate(phrase):
            last = k == len(phrase) - 1
            if last and len(phrase) > 1:
                onsets = [o for o in motif if o < pb.bpb / 2] or [0.0]
                onsets = onsets[:max(1, len(onsets))]
                ends_at = pb.bpb - rng.choice([0.5, 1.0, 1.5])
            elif k % 2 == 1 and rng.random() < 0.5:
                onsets = _rhythm_bar(rng, pb.bpb, grid, density)
                ends_at = pb.bpb
            else:
                onsets = motif
                ends_at = pb.bpb
            if k == len(phrase) // 2:
                direction = -direction
            for n, o in enumerate(onsets):
                if o >= ends_at:
                    break
                b = pb.start + o
                ch = ctx.chord_at(b)
                strong = abs(o - round(o)) < 1e-6 and (round(o) % 2 == 0 or grid >= 1)
                sc = chord_scale(ch, scale) if chord_scales else scale
                if strong and rng.random() < strong_chord_tone:
                    cands = scale_pitches(ch.pcs, lo, hi)
                else:
                    cands = scale_pitches(sc, lo, hi)
                if not cands:
                    continue
                if rng.random() < leap_prob:
                    cands2 = [c for c in cands if 3 <= abs(c - pitch) <= 9]
                else:
                    cands2 = [c for c in cands if 0 < abs(c - pitch) <= 4 and (c - pitch) * direction > 0]
                    if not cands2 or rng.random() < 0.2:
                        cands2 = [c for c in cands if abs(c - pitch) <= 4]
                if not cands2:
                    cands2 = sorted(cands, key=lambda c: abs(c - pitch))[:3]
                new = rng.choice(cands2)
                if new >= hi - 1 or new <= lo + 1:
                    direction = -direction
                pitch = new
                nxt = onsets[n + 1] if n + 1 < len(onsets) and onsets[n + 1] < ends_at else ends_at
                is_end = nxt == ends_at and last
                d = (nxt - o) * (legato if not is_end else 1.0)
                d = min(d, max_len if not is_end else 4.0)
                v = vel + (8 if strong else 0) + (6 * math.sin(math.pi * k / max(1, len(phrase))))
                part.note(b, d, pitch, v)
                if bends and d >= 0.5 and rng.random() < bends:
                    depth = rng.choice([-4096, -8191]) if rng.random() < 0.7 else -2048
                    for s in range(6):  # bend up into the note over a quarter of a beat
                        part.bend(b + 0.05 * s, int(depth * (1 - s / 5)))
                elif slide and rng.random() < slide:
                    for s in range(4):
                        part.bend(b + 0.03 * s, int(-4096 * (1 - s / 3)))
        if rng.random() < 0.5:
            pitch = pitch_in_range(rng.choice(scale), lo + 4, hi - 4, pitch)


def _rhythm_bar(rng, bpb, grid, density):
    slots = [k * grid for k in range(int(round(bpb / grid)))]
    out = []
    for s in slots:
        on_beat = abs(s - round(s)) < 1e-6
        p = density * (1.25 if on_beat else 0.8)
        if s == 0:
            p = max(p, 0.55)
        if rng.random() < p:
            out.append(s)
    if not out:
        out = [0.0]
    return out


def rap(ctx, part, plays=_always, center=57, vel=88, density=0.7, spread=4, grid=0.25):
    """A speech-like vocal: syllables on a 16th grid, a narrow pitch walk that falls at the end
    of each line, breaths between two-bar lines (a stand-in for rapped or toasted vocals)."""
    rng = ctx.rng
    flows = {}
    pitch = center
    for bar in ctx.bars:
        if not plays(bar):
            continue
        key = (bar.section, bar.pos % 2)
        if key not in flows or rng.random() < 0.3:
            slots = [i * grid for i in range(int(round(bar.bpb / grid)))]
            d = density * (0.8 + 0.4 * bar.energy)
            flow = [s for s in slots if rng.random() < (d * (1.2 if s % 1 == 0 else 0.9))]
            if bar.pos % 2 == 1:  # end of the line: stop early for a breath
                stop = bar.bpb - rng.choice([0.5, 1.0, 1.5])
                flow = [s for s in flow if s < stop]
            flows[key] = flow
        flow = flows[key]
        for i, s in enumerate(flow):
            nxt = flow[i + 1] if i + 1 < len(flow) else s + 0.5
            pitch += rng.choice([-2, -1, 0, 0, 1, 2])
            pitch = max(center - spread, min(center + spread, pitch))
            p = pitch - (2 if (bar.pos % 2 == 1 and i >= len(flow) - 2) else 0)
            accent = 10 if s % 1 == 0 else (4 if s % 0.5 == 0 else 0)
            part.note(bar.start + s, max(0.1, min(nxt - s, 0.5) * 0.8), p, vel + accent + rng.randint(-6, 6))
