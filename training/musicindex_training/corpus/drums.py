"""Drum grooves (feels), fills and crashes, bar by bar."""

KICK, KICK2, SIDE, SNARE, CLAP, ESNARE = 36, 35, 37, 38, 39, 40
TOM_LF, HH, TOM_HF, HH_PEDAL, TOM_L, HH_OPEN, TOM_LM, TOM_HM = 41, 42, 43, 44, 45, 46, 47, 48
CRASH, TOM_H, RIDE, CHINA, RIDE_BELL, TAMB, SPLASH, COWBELL, CRASH2 = 49, 50, 51, 52, 53, 54, 55, 56, 57
SHAKER, CABASA, CLAVES, CONGA_MUTE, CONGA_OPEN, CONGA_LOW = 70, 69, 75, 62, 63, 64
BRUSH_TAP, BRUSH_SWIRL = 38, 40  # in the GM brush kit (program 40)

CYMBALS = {CRASH, CRASH2, RIDE, RIDE_BELL, CHINA, SPLASH, HH_OPEN}

KITS = {"standard": 0, "room": 8, "power": 16, "electronic": 24, "tr808": 25, "jazz": 32, "brush": 40}

FEELS = ("straight", "four_on_floor", "half_time", "shuffle", "swing", "brush_swing", "train",
         "two_step", "one_drop", "rockers", "steppers", "boom_bap", "trap", "double_kick", "blast",
         "gallop", "waltz", "jazz_waltz", "bossa", "funk")


def _grid(step, bpb):
    n = int(round(bpb / step))
    return [i * step for i in range(n)]


class Groove:
    """One section's drum pattern: a list of (position in bar, note, velocity, duration)."""

    def __init__(self, hits):
        self.hits = hits


def make_groove(rng, feel, bpb, energy, opts):
    """A section's groove for `feel`; opts: genre hints (ghosts, snare note, cymbal choice...)."""
    h = []

    def add(pos, note, vel, dur=0.25):
        h.append((pos, note, int(vel), dur))

    e = energy
    snare = opts.get("snare", SNARE)
    ghost_p = opts.get("ghosts", 0.0)
    acc = 95 + 25 * e

    def cymbal(kind, step=0.5, accent_beats=True, vel=None):
        base = vel if vel is not None else 70 + 25 * e
        for p in _grid(step, bpb):
            on_beat = abs(p - round(p)) < 1e-6
            v = base + (12 if (on_beat and accent_beats) else -6)
            if kind == "hh":
                add(p, HH, v, 0.2)
            elif kind == "open":
                add(p, HH_OPEN if not on_beat else HH, v, 0.4)
            elif kind == "ride":
                add(p, RIDE, v - 5, 1.0)
            elif kind == "crashride":
                add(p, CRASH if on_beat else RIDE, v - 10, 1.0)
            elif kind == "shaker":
                add(p, SHAKER, v - 20, 0.2)
            elif kind == "tamb":
                add(p, TAMB, v - 15, 0.2)

    def pick_cymbal(default_step=0.5):
        choices = opts.get("cymbals", ["hh8", "hh8", "hh16", "hh4", "ride8", "open8"])
        c = rng.choice(choices)
        if e > 0.8 and "ride8" in choices and rng.random() < 0.3:
            c = "ride8"
        kind, step = {"hh8": ("hh", 0.5), "hh16": ("hh", 0.25), "hh4": ("hh", 1.0),
                      "ride8": ("ride", 0.5), "ride4": ("ride", 1.0), "open8": ("open", 0.5),
                      "crash4": ("crashride", 1.0), "shaker16": ("shaker", 0.25)}[c]
        cymbal(kind, step)
        return c

    def ghosts(positions=None):
        if ghost_p <= 0:
            return
        for p in positions if positions is not None else _grid(0.25, bpb):
            if abs(p - round(p)) > 1e-6 and rng.random() < ghost_p:
                add(p, snare, 25 + 20 * rng.random(), 0.2)

    desc = feel
    if feel in ("straight", "shuffle", "funk"):
        if bpb == 3:
            kicks = [0]
        else:
            pool = opts.get("kicks") or [[0, 2], [0, 2.5], [0, 1.5, 2], [0, 2, 2.5], [0, 0.5, 2],
                                         [0, 1.75, 2.5], [0, 2, 3.5], [0, 0.75, 2, 2.5]]
            kicks = rng.choice(pool)
        for k in kicks:
            add(k, KICK, acc if k == 0 else acc - 10)
        for s in ([1, 2] if bpb == 3 else [1, 3]):
            add(s, snare, acc)
        if feel == "funk":
            cymbal("hh", 0.25)
            ghosts()
        else:
            pick_cymbal()
            ghosts()
    elif feel == "four_on_floor":
        for b in range(bpb):
            add(b, KICK, acc)
        back = opts.get("backbeat", [SNARE, CLAP])
        for s in [1, 3]:
            for n in back:
                add(s, n, acc - 5)
        if rng.random() < 0.75:
            for b in range(bpb):
                add(b + 0.5, HH_OPEN, 80 + 20 * e, 0.4)
            if rng.random() < 0.6:
                for b in range(bpb):
                    add(b + 0.25, HH, 55, 0.1)
                    add(b + 0.75, HH, 60, 0.1)
        else:
            cymbal("hh", 0.25)
        if rng.random() < opts.get("tamb", 0.3):
            cymbal("tamb", 0.5 if rng.random() < 0.5 else 0.25)
        ghosts()
    elif feel == "half_time":
        kicks = rng.choice([[0], [0, 2.5], [0, 0.75, 2.5], [0, 1.5, 3.5]])
        for k in kicks:
            add(k, KICK, acc)
        add(2, snare, acc + 5)
        pick_cymbal()
        ghosts()
    elif feel in ("swing", "jazz_waltz", "brush_swing"):
        brush = feel == "brush_swing"
        if feel == "jazz_waltz" or bpb == 3:
            ride = [0, 1, 1.5, 2]
            pedal = [1]
        else:
            ride = [0, 1, 1.5, 2, 3, 3.5]
            pedal = [1, 3]
        for p in ride:
            on = abs(p - round(p)) < 1e-6
            if brush:
                add(p, BRUSH_TAP, (55 if on else 40) + 15 * e, 0.2)
            else:
                add(p, RIDE, (70 if on else 58) + 20 * e + (8 if p in (1, 3) else 0), 1.0)
        if brush:
            for b in range(0, bpb, 2 if bpb == 4 else 3):
                add(b, BRUSH_SWIRL, 45 + 15 * e, 1.8)
        for p in pedal:
            add(p, HH_PEDAL, 60 + 15 * e, 0.2)
        if rng.random() < opts.get("feather", 0.5):
            for b in range(bpb):
                add(b, KICK, 28 + 10 * e, 0.2)
        # snare comping: a few swung offbeat hits
        for p in _grid(0.5, bpb):
            if p != 0 and rng.random() < 0.10 + 0.15 * e:
                add(p, BRUSH_TAP if brush else SNARE, 35 + 35 * rng.random(), 0.2)
        if not brush and rng.random() < 0.25 * e:
            add(rng.choice(_grid(0.5, bpb)[2:]), KICK, 70 + 20 * rng.random())
    elif feel == "train":
        for p in _grid(0.25, bpb):
            on_backbeat = p in (1, 3)
            v = acc if on_backbeat else (55 + 15 * e if abs(p - round(p)) < 1e-6 else 40 + 10 * e)
            add(p, snare, v, 0.1)
        for k in [0, 2]:
            add(k, KICK, acc)
        if rng.random() < 0.5:
            for p in _grid(1.0, bpb):
                add(p + 0.5, HH_PEDAL, 50, 0.1)
    elif feel == "two_step":
        for k in ([0] if bpb == 3 else [0, 2]):
            add(k, KICK, acc)
        for s in ([1, 2] if bpb == 3 else [1, 3]):
            add(s, rng.choice([SIDE, snare]), acc - 10)
        pick_cymbal()
    elif feel in ("one_drop", "rockers", "steppers"):
        rim = rng.choice([SIDE, SIDE, snare])
        if feel == "one_drop":
            add(2, KICK, acc)
            add(2, rim, acc)
        elif feel == "rockers":
            add(0, KICK, acc)
            add(2, KICK, acc)
            add(2, rim, acc)
            if rng.random() < 0.5:
                add(3.5, rim, acc - 20)
        else:
            for b in range(bpb):
                add(b, KICK, acc - (0 if b % 2 == 0 else 8))
            add(1, rim, acc - 10)
            add(3, rim, acc - 10)
        hat = rng.choice(["8", "8", "tri", "16", "off"])
        if hat == "8":
            cymbal("hh", 0.5)
        elif hat == "16":
            cymbal("hh", 0.25, vel=60 + 15 * e)
        elif hat == "off":
            for b in range(bpb):
                add(b + 0.5, HH, 80, 0.2)
                add(b, HH_PEDAL, 45, 0.2)
        else:  # triplets, written straight so swing does not bend them
            for b in range(bpb):
                for t in range(3):
                    h.append((b + t / 3.0, HH, int(70 + (15 if t == 0 else 0)), 0.15, False))
            desc = feel + "+triplet_hats"
        if rng.random() < 0.3:
            add(rng.choice([1.5, 3.5, 3.75]), HH_OPEN, 80, 0.4)
    elif feel == "boom_bap":
        pool = [[0, 1.75, 2.5], [0, 0.75, 2.5], [0, 2.25, 2.5], [0, 1.5, 2.75], [0, 0.5, 1.75, 2.5],
                [0, 2.5, 3.25]]
        for k in rng.choice(pool):
            add(k, KICK, acc + 5)
        for s in [1, 3]:
            add(s, snare, acc + 5)
            if rng.random() < opts.get("clap_layer", 0.3):
                add(s, CLAP, acc - 10)
        c = rng.random()
        if c < 0.5:
            cymbal("hh", 0.5)
        elif c < 0.85:
            cymbal("hh", 0.25, vel=55 + 20 * e)
        else:
            cymbal("ride", 0.5)
        if rng.random() < 0.4:
            add(rng.choice([1.5, 3.5]), HH_OPEN, 75, 0.4)
        ghosts()
    elif feel == "trap":
        pool = [[0, 0.75, 2.5], [0, 1.5, 2.75, 3.25], [0, 2.5, 3.5], [0, 0.5, 1.75, 3.0]]
        for k in rng.choice(pool):
            add(k, KICK, acc + 5, 0.5)
        add(2, rng.choice([CLAP, snare, ESNARE]), acc + 5)
        for p in _grid(0.25, bpb):
            add(p, HH, 55 + 20 * e + (10 if abs(p - round(p)) < 1e-6 else 0), 0.1)
        # rolls: a beat of 32nds or 16th triplets replaces that beat's hats
        for _ in range(rng.choice([1, 1, 2])):
            b = rng.choice([1, 3, 2, 3.5])
            n = rng.choice([6, 8])
            span = 1.0 if b + 1.0 <= bpb else 0.5
            h[:] = [x for x in h if not (x[1] == HH and b <= x[0] < b + span)]
            for i in range(int(n * span)):
                h.append((b + i / n, HH, 45 + 4 * i, 0.05, False))
        if rng.random() < 0.5:
            add(rng.choice([0.5, 2.5]), HH_OPEN, 70, 0.4)
    elif feel in ("double_kick", "blast", "gallop"):
        if feel == "double_kick":
            step = 0.25 if opts.get("bpm", 150) < 190 else 0.5
            for p in _grid(step, bpb):
                add(p, KICK, acc - 10 + (8 if abs(p - round(p)) < 1e-6 else 0), 0.15)
            sn = [1, 3] if rng.random() < 0.7 else [2]
            for s in sn:
                add(s, snare, acc + 5)
        elif feel == "blast":
            for p in _grid(0.5, bpb):
                add(p, KICK, acc - 10, 0.15)
                add(p + 0.25, snare, acc - 15, 0.15)
        else:
            for b in range(bpb):
                for p in (0, 0.5, 0.75):
                    add(b + p, KICK, acc - 5, 0.15)
            for s in [1, 3]:
                add(s, snare, acc + 5)
        c = rng.choice(["crash4", "ride8", "china4", "hh8", "crash4"])
        if c == "crash4":
            for b in range(bpb):
                add(b, CRASH if b % 2 == 0 else CRASH2, 85 + 20 * e, 1.0)
        elif c == "china4":
            for b in range(bpb):
                add(b, CHINA, 85 + 20 * e, 1.0)
        elif c == "ride8":
            cymbal("ride", 0.5)
        else:
            cymbal("hh", 0.5)
    elif feel == "waltz":
        add(0, KICK, acc)
        for b in range(1, bpb):
            add(b, rng.choice([SIDE, snare, HH]), acc - 25)
        cymbal("hh", 1.0)
    elif feel == "bossa":
        for k in [0, 1.5, 2, 3.5]:
            add(k, KICK, 70 + 15 * e, 0.2)
        for r in rng.choice([[0, 0.75, 1.5, 2.5, 3.25], [0.5, 1.5, 2.5, 3.25], [0, 1.5, 3]]):
            add(r, SIDE, 65 + 15 * e, 0.2)
        cymbal(rng.choice(["hh", "ride"]), 0.5, vel=55 + 15 * e)
    else:
        raise ValueError(f"unknown feel {feel}")
    # normalise tuples to 5 fields (pos, note, vel, dur, swing)
    out = []
    for t in h:
        if len(t) == 4:
            t = t + (True,)
        out.append(t)
    g = Groove(out)
    g.desc = desc
    return g


def fill_hits(rng, beats, bpb, energy, style, snare=SNARE):
    """Hits of a fill over the last `beats` beats of a bar: (pos, note, vel, dur, swing)."""
    start = bpb - beats
    out = []
    acc = 80 + 35 * energy
    if style == "toms":
        toms = rng.choice([[TOM_H, TOM_HM, TOM_LM, TOM_L, TOM_HF, TOM_LF], [snare, TOM_H, TOM_LM, TOM_LF],
                           [TOM_HM, TOM_LM, TOM_LF]])
        n = int(beats / 0.25)
        for i in range(n):
            note = toms[min(len(toms) - 1, i * len(toms) // n)]
            out.append((start + i * 0.25, note, acc - 10 + 15 * i / n, 0.2, True))
    elif style == "snare":
        step = rng.choice([0.25, 0.5]) if beats >= 2 else 0.25
        n = int(beats / step)
        for i in range(n):
            out.append((start + i * step, snare, 55 + (acc - 55) * (i + 1) / n, 0.2, True))
    elif style == "triplets":
        n = int(beats * 3)
        toms = [snare, snare, TOM_H, TOM_HM, TOM_LM, TOM_LF]
        for i in range(n):
            out.append((start + i / 3.0, toms[min(len(toms) - 1, i * len(toms) // n)], acc - 5, 0.2, False))
    elif style == "sparse":
        for p in rng.sample([start + x * 0.5 for x in range(int(beats * 2))], k=max(1, int(beats))):
            out.append((p, rng.choice([snare, TOM_HM, TOM_LF]), acc - 10, 0.2, True))
    elif style == "kick_toms":
        for i in range(int(beats / 0.25)):
            out.append((start + i * 0.25, [TOM_H, TOM_LM, TOM_LF][i % 3 if rng.random() < 0.7 else 2], acc, 0.2, True))
            out.append((start + i * 0.25, KICK, acc - 10, 0.15, True))
    elif style == "roll":  # electronic snare/clap roll
        n = int(beats / 0.25)
        for i in range(n):
            out.append((start + i * 0.25, rng.choice([snare, CLAP]), 50 + 60 * (i + 1) / n, 0.1, True))
    elif style == "open_hat":
        out.append((bpb - 0.5, HH_OPEN, acc, 0.5, True))
        out.append((bpb - 1, snare, acc - 10, 0.2, True))
    elif style == "jazz":
        for p in [start + x * 0.5 for x in range(int(beats * 2))]:
            if rng.random() < 0.6:
                out.append((p, rng.choice([snare, snare, TOM_LF, KICK]), 60 + 40 * rng.random(), 0.2, True))
    return [(p, n, int(min(127, v)), d, s) for p, n, v, d, s in out]


def drum_track(ctx, part, feel, opts=None, fill_styles=("toms", "snare"), fill_prob=0.7,
               crash_prob=0.85, feel_by_section=None, plays=None):
    """Write the drum part bar by bar: one groove per section (re-drawn per section type),
    small per-bar variations, fills at section ends, crashes on section starts.
    Stores kick positions per bar in ctx.kicks (for bass lines that follow the kick)."""
    rng = ctx.rng
    opts = dict(opts or {})
    opts.setdefault("bpm", ctx.song.bpm)
    grooves = {}
    descs = []
    for bar in ctx.bars:
        if plays is not None and not plays(bar):
            ctx.kicks[bar.index] = []
            continue
        f = feel_by_section.get(bar.section, feel) if feel_by_section else feel
        key = (bar.section, f)
        if key not in grooves:
            grooves[key] = make_groove(rng, f, bar.bpb, bar.energy, opts)
            descs.append(grooves[key].desc)
        hits = list(grooves[key].hits)
        # small variation: every 4th bar of a phrase may move or add a kick / open hat
        if bar.pos % 4 == 3 and rng.random() < 0.4:
            hits.append((bar.bpb - 0.5, KICK, 85, 0.2, True))
        fill_beats = 0
        if bar.last and fill_styles and rng.random() < fill_prob:
            fill_beats = rng.choice([1, 1, 2, 2, bar.bpb]) if bar.energy > 0.5 else 1
            fill_beats = min(fill_beats, bar.bpb)
            style = rng.choice(fill_styles)
            start = bar.bpb - fill_beats
            hits = [x for x in hits if x[0] < start or x[1] in (KICK, HH_PEDAL)]
            hits += fill_hits(rng, fill_beats, bar.bpb, bar.energy, style, opts.get("snare", SNARE))
        if bar.first and bar.index > 0 and rng.random() < crash_prob:
            hits = [x for x in hits if not (x[0] == 0 and x[1] in (HH, RIDE, HH_OPEN))]
            hits.append((0, rng.choice([CRASH, CRASH, CRASH2, SPLASH if opts.get("splash") else CRASH]), 110, 2.0, True))
            if not any(x[0] == 0 and x[1] == KICK for x in hits):
                hits.append((0, KICK, 100, 0.2, True))
        kicks = []
        for pos, note, vel, dur, sw in hits:
            v = vel * (0.85 + 0.15 * bar.energy)
            part.note(bar.start + pos, dur, note, v, swing=sw)
            if note in (KICK, KICK2):
                kicks.append(pos)
        ctx.kicks[bar.index] = sorted(set(kicks))
    return descs
