"""One composer per GTZAN genre. Each draws tempo, feel, key, form, progressions,
instrumentation (General MIDI programs), arrangement and mix, then writes the parts with the
shared generators. Ranges overlap between genres on purpose (see STYLE_NOTES)."""

import math

from . import drums as D
from . import parts as P
from .theory import SCALES

C, Db, D_, Eb, E, F, Gb, G, Ab, A, Bb, B = range(12)

# Documentation of what each composer draws (tempo in notated BPM).
STYLE_NOTES = {
    "blues": "12/8-bar I-IV-V dom7 forms (also minor and 8-bar), shuffle/swing/straight 55-125 BPM, "
             "boogie/walking/root bass, piano/organ/guitar rhythm, harmonica/guitar/sax/piano leads with bends",
    "classical": "no drums; piano, string quartet/orchestra, winds, brass, harpsichord, organ/choir textures; "
                 "functional progressions, arpeggios, Alberti bass, chorales; rubato tempo map and dynamics, 48-140 BPM",
    "country": "train/two-step/straight/shuffle/waltz 85-150 BPM, acoustic strum, banjo rolls, fiddle, steel "
               "slides, honky-tonk piano, root-fifth bass with walk-ups, I-IV-V",
    "disco": "four-on-the-floor 108-134 BPM, open hats, octave/syncopated bass, strings pads/stabs/runs, "
             "clavinet/e-piano, muted-guitar scratch, brass stabs, minor vamps",
    "hiphop": "boom-bap 72-100 (16th swing), lo-fi, trap 128-160 half-time with hat rolls; looped keys, sub/808 "
              "bass following the kick, sparse bells/keys, a speech-like rapped vocal (also rare in reggae and pop)",
    "jazz": "swing ride 95-220, ballads with brushes 55-90, bossa, jazz waltz; walking bass, ii-V-I with "
            "7th/9th rootless comping, sax/trumpet/vibes/guitar lines over chord scales",
    "metal": "distortion power chords and palm-muted riffs (phrygian/harmonic minor), double-kick/gallop/blast/"
             "half-time 90-200 BPM, low tunings, solos, optional symphonic pads",
    "pop": "straight/four-on-the-floor/half-time/funk 70-132, I-V-vi-IV family, synths/piano/guitars, "
           "vocal-like leads, bell hooks, claps",
    "reggae": "one-drop/rockers/steppers 60-95, offbeat skank guitar/piano, organ bubble, prominent melodic "
              "bass, melodica/horn/organ leads",
    "rock": "straight backbeat 92-168 (also shuffle, half-time), overdriven/distortion power and open chords, "
            "root-8th bass, organ/piano, pentatonic solos, crash fills",
}


def wchoice(rng, pairs):
    """Weighted choice from [(item, weight), ...]."""
    total = sum(w for _, w in pairs)
    r = rng.random() * total
    for item, w in pairs:
        r -= w
        if r < 0:
            return item
    return pairs[-1][0]


def vol(rng, base, spread=14):
    return int(max(30, min(127, base + rng.uniform(-spread, spread * 0.5))))


def pan(rng, center=64, width=40):
    return int(max(0, min(127, center + rng.uniform(-width, width))))


def sections(*names):
    names = set(names)
    return lambda bar: bar.section in names


def not_sections(*names):
    names = set(names)
    return lambda bar: bar.section not in names


def humanise(rng, lo, hi):
    return rng.uniform(lo, hi)


def drum_plays(ctx, rng, drumless_intro_prob=0.3):
    if rng.random() < drumless_intro_prob:
        return not_sections("intro")
    return None


def set_drums(ctx, part_kit, feel):
    ctx.params["feel"] = feel
    ctx.params["drum_kit"] = part_kit


# ===================================================================================== blues

BLUES_12 = [
    ["I7", "I7", "I7", "I7", "IV7", "IV7", "I7", "I7", "V7", "IV7", "I7", "V7"],
    ["I7", "IV7", "I7", "I7", "IV7", "IV7", "I7", "I7", "V7", "IV7", "I7", "V7"],
    ["I7", "IV7", "I7", "I7", "IV7", "IV7", "I7", "I7", "ii7", "V7", "I7 IV7", "I7 V7"],
    ["I7", "I7", "I7", "I7", "IV7", "IV7", "I7", "I7", "V7", "V7", "I7", "I7"],
    ["I9", "IV9", "I9", "I9", "IV9", "IV9", "I9", "VI7", "ii7", "V7", "I9 VI7", "ii7 V7"],
]
BLUES_MINOR = [
    ["i7", "i7", "i7", "i7", "iv7", "iv7", "i7", "i7", "bVI7", "V7", "i7", "V7"],
    ["i7", "iv7", "i7", "i7", "iv7", "iv7", "i7", "i7", "bVI7", "V7", "i7 iv7", "i7 V7"],
]
BLUES_8 = [["I7", "V7", "IV7", "IV7", "I7", "V7", "I7", "V7"], ["I7", "I7", "IV7", "IV7", "I7", "V7", "I7", "V7"]]


def shuffle_riff(ctx, part, plays=P._always, low=40, vel=80):
    """The guitar boogie shuffle: root-fifth / root-sixth dyads on swung 8ths."""
    rng = ctx.rng
    six = rng.choice([[7, 7, 9, 9], [7, 9, 7, 9], [7, 7, 9, 10]])
    for start, dur, ch, bar in ctx.segments():
        if not plays(bar):
            continue
        root = P.pitch_in_range(ch.root, low, low + 11)
        for k in range(int(round(dur / 0.5))):
            top = six[(k // 2) % len(six)]  # both 8ths of a beat share the dyad
            part.chord(start + 0.5 * k, 0.42, [root, root + top], vel + (8 if k % 2 == 0 else -4), strum_beats=0.01)


def blues(ctx):
    rng = ctx.rng
    slow = rng.random() < 0.3
    minor = rng.random() < 0.25
    feel = wchoice(rng, [("shuffle", 0.6), ("swing", 0.2), ("straight", 0.2)])
    if slow:
        bpm = rng.uniform(55, 82)
        swing = rng.uniform(0.62, 0.69) if feel != "straight" else 0.5
    else:
        bpm = rng.uniform(76, 126)
        swing = rng.uniform(0.58, 0.68) if feel != "straight" else 0.5
    ctx.setup(bpm, 4, swing8=swing, tonic=wchoice(rng, [(E, 3), (A, 3), (G, 2), (C, 1), (D_, 1), (Bb, 1), (F, 1), (B, 1)]),
              mode="minor" if minor else "major")
    eight = not minor and rng.random() < 0.2
    prog = rng.choice(BLUES_MINOR if minor else (BLUES_8 if eight else BLUES_12))
    n = len(prog)
    specs = {"intro": (4, prog[-4:], 0.45), "head": (n, prog, 0.6), "solo": (n, prog, 0.85), "head2": (n, prog, 0.7)}
    ctx.build_form(["intro", "head", "solo", "head2"], specs, start=wchoice(rng, [(0, 2), (1, 3), (2, 2), (3, 1)]))
    drumless = rng.random() < 0.06
    h = humanise(rng, 6, 14)
    # drums
    if not drumless:
        kit = wchoice(rng, [("standard", 3), ("room", 2), ("jazz", 2), ("brush", 1 if slow else 0.2)])
        dp = ctx.add_part("drums", "drums", D.KITS[kit], drum=True, volume=vol(rng, 100), timing_ms=h * 0.7, vel_sd=6)
        dfeel = "brush_swing" if kit == "brush" and feel != "straight" else feel
        D.drum_track(ctx, dp, dfeel, {"ghosts": 0.06, "cymbals": ["hh8", "hh8", "ride8", "hh4"]},
                     fill_styles=("snare", "triplets", "toms", "sparse"), plays=drum_plays(ctx, rng, 0.4))
        set_drums(ctx, kit, dfeel)
    else:
        set_drums(ctx, None, "none")
    # bass
    bass_style = wchoice(rng, [("boogie", 4), ("walking", 3), ("root_fifth", 1), ("roots", 1)])
    if not drumless or rng.random() < 0.5:
        bp = ctx.add_part("bass", "bass", wchoice(rng, [(32, 3), (33, 3), (34, 1)]), volume=vol(rng, 100),
                          pan=pan(rng, 64, 8), timing_ms=h * 0.6)
        P.bass_line(ctx, bp, bass_style, lo=rng.choice([28, 30, 31, 33]))
        ctx.params["bass"] = bass_style
    # rhythm section
    if drumless:  # a solo/duo: the rhythm part has to carry the time
        rhythm = wchoice(rng, [("piano", 3), ("guitar_shuffle", 3), ("guitar_strum", 2)])
    else:
        rhythm = wchoice(rng, [("piano", 3), ("guitar_shuffle", 3), ("organ", 2), ("guitar_strum", 1), ("guitar_comp", 1)])
    if rhythm == "piano":
        rp = ctx.add_part("piano", "keys", wchoice(rng, [(0, 3), (1, 1), (3, 1), (2, 1)]), volume=vol(rng, 88),
                          pan=pan(rng), timing_ms=h)
        ctx.params["piano"] = P.blues_piano(ctx, rp, mode="triplets" if slow and rng.random() < 0.6 else None)
        if bass_style != "boogie" and rng.random() < 0.4:
            P.bass_line(ctx, rp, "boogie", lo=40, vel=60)
    elif rhythm == "organ":
        rp = ctx.add_part("organ", "keys", wchoice(rng, [(16, 3), (17, 2), (18, 1)]), volume=vol(rng, 75), pan=pan(rng))
        P.pad(ctx, rp, center=rng.choice([58, 62, 65]), vel=65, size=4)
    elif rhythm == "guitar_shuffle":
        rp = ctx.add_part("guitar", "guitar", wchoice(rng, [(27, 2), (26, 2), (29, 2), (25, 1), (30, 0.5)]),
                          volume=vol(rng, 85), pan=pan(rng), timing_ms=h)
        shuffle_riff(ctx, rp, low=rng.choice([40, 42, 45]))
    elif rhythm == "guitar_strum":
        rp = ctx.add_part("guitar", "guitar", wchoice(rng, [(25, 2), (27, 1), (24, 1)]), volume=vol(rng, 85),
                          pan=pan(rng), timing_ms=h)
        P.strum(ctx, rp, vel=80)
    else:
        rp = ctx.add_part("guitar", "guitar", wchoice(rng, [(26, 2), (27, 2)]), volume=vol(rng, 85), pan=pan(rng),
                          timing_ms=h)
        P.stabs(ctx, rp, center=60, positions=[1, 3] if rng.random() < 0.5 else None, length=0.4)
    if rng.random() < 0.35 and rhythm != "organ":
        op = ctx.add_part("organ2", "pad", wchoice(rng, [(16, 2), (17, 1), (19, 0.3)]), volume=vol(rng, 65), pan=pan(rng))
        P.pad(ctx, op, center=60, vel=55, size=3, plays=not_sections("intro"))
    # lead
    lead = wchoice(rng, [(22, 3), (29, 2), (27, 2), (26, 2), (30, 1), (65, 1), (66, 1), (0, 1), (16, 0.6), (56, 0.4), (25, 0.5)])
    scale = SCALES["blues"] if rng.random() < 0.6 else (SCALES["minor_pentatonic"] if minor or rng.random() < 0.5 else SCALES["major_blues"])
    scale = [(ctx.tonic + i) % 12 for i in scale]
    lp = ctx.add_part("lead", "lead", lead, volume=vol(rng, 95), pan=pan(rng, 64, 20), timing_ms=h * 1.2)
    bends = 0.3 if lead in (22, 29, 27, 26, 30, 25) else 0.0
    P.melody(ctx, lp, lo=rng.choice([55, 57, 60]), hi=rng.choice([79, 81, 84]), scale=scale, grid=rng.choice([0.5, 0.5, 0.25]) if not slow else 0.25,
             density=rng.uniform(0.3, 0.55), phrase_bars=2, rest_prob=0.35, bends=bends, plays=not_sections("intro"),
             answer=rng.choice([None, 0]), strong_chord_tone=0.6)
    ctx.params["lead"] = lead
    if rng.random() < 0.3:
        fp = ctx.add_part("fills", "lead2", wchoice(rng, [(29, 1), (22, 1), (0, 1), (65, 1)]), volume=vol(rng, 80), pan=pan(rng))
        P.melody(ctx, fp, lo=60, hi=84, scale=scale, grid=0.25, density=0.4, phrase_bars=2, rest_prob=0.3,
                 answer=1, bends=0.2, plays=not_sections("intro"))


# ================================================================================= classical

CLASSICAL_MAJOR = [
    ["I", "IV", "V", "I"], ["I", "vi", "ii", "V"], ["I", "V", "vi", "iii", "IV", "I", "IV", "V"],
    ["I", "ii", "V7", "I"], ["vi", "ii", "V7", "I"], ["I", "IV", "viio", "iii", "vi", "ii", "V", "I"],
    ["I", "I", "IV", "V7"], ["I", "II7", "V", "V7"], ["I V", "vi IV", "ii V7", "I"], ["I", "iii", "IV", "V"],
]
CLASSICAL_MINOR = [
    ["i", "iv", "V", "i"], ["i", "bVI", "iv", "V"], ["i", "iv", "V7", "i"],
    ["i", "bVII", "bVI", "V"], ["i", "iv", "bVII", "bIII", "bVI", "iio", "V", "i"], ["i V", "i iv", "bVI iio", "V"],
    ["i", "bIII", "iv", "V7"],
]


def apply_rubato(ctx, amount, rit):
    """Tempo map: a slow sine over phrases plus a ritardando at section ends."""
    rng = ctx.rng
    song = ctx.song
    base = song.bpm
    phase = rng.uniform(0, 2 * math.pi)
    period = rng.choice([4, 8]) * ctx.bpb
    tm = []
    for bar in ctx.bars:
        for b in range(bar.bpb):
            beat = bar.start + b
            f = 1 + amount * math.sin(2 * math.pi * beat / period + phase)
            if bar.last and b >= bar.bpb - 2:
                f *= 1 - rit * (b - (bar.bpb - 3)) / 2
            tm.append((beat, round(base * f, 2)))
    song.tempo_map = tm


def apply_dynamics(ctx, part, depth):
    """Expression (CC11) arcs per phrase: crescendo to the middle, diminuendo to the end."""
    rng = ctx.rng
    for bar in ctx.bars:
        phrase_len = 4
        for half in range(bar.bpb * 2):
            x = ((bar.pos % phrase_len) * bar.bpb + half / 2) / (phrase_len * bar.bpb)
            v = 127 - depth + depth * math.sin(math.pi * x) * (0.6 + 0.4 * bar.energy)
            part.cc(bar.start + half / 2, 11, int(v + rng.uniform(-2, 2)))


def classical(ctx):
    rng = ctx.rng
    texture = wchoice(rng, [("piano", 3), ("quartet", 2), ("orchestra", 2), ("winds", 1), ("brass", 1),
                            ("baroque", 1.5), ("chorale", 1), ("harp_flute", 0.7), ("guitar", 0.6)])
    bpb = wchoice(rng, [(4, 6), (3, 3), (2, 1)])
    minor = rng.random() < 0.45
    slow = rng.random() < 0.4
    bpm = rng.uniform(48, 84) if slow else rng.uniform(84, 140)
    if texture in ("chorale", "brass") and rng.random() < 0.7:
        bpm = rng.uniform(48, 80)
    ctx.setup(bpm, bpb, tonic=rng.randrange(12), mode="minor" if minor else "major")
    progs = CLASSICAL_MINOR if minor else CLASSICAL_MAJOR
    harmonic_rhythm = 1 if rng.random() < 0.75 else 2

    def prog_for():
        p = rng.choice(progs)
        if harmonic_rhythm == 2:
            p = [x for x in p for _ in range(2)]
        return p

    specs = {"A": (8, prog_for(), 0.5), "B": (8, prog_for(), 0.75), "A2": (8, prog_for(), 0.6),
             "coda": (4, ["IV", "V7", "I", "I"] if not minor else ["iv", "V7", "i", "i"], 0.45)}
    rub = rng.uniform(0.02, 0.09)
    ctx.build_form(["A", "B", "A2", "coda"], specs, start=wchoice(rng, [(0, 3), (1, 2), (2, 1)]),
                   max_bpm=bpm * (1 + rub))
    apply_rubato(ctx, rub, rng.uniform(0.05, 0.2))
    set_drums(ctx, None, "none")
    ctx.params["texture"] = texture
    h = humanise(rng, 10, 22)
    scale = ctx.scale_of("harmonic_minor") if minor else ctx.scale
    dyn = rng.uniform(20, 50)
    made = []

    def add(name, role, program, **kw):
        kw.setdefault("timing_ms", h)
        kw.setdefault("vel_sd", 7)
        p = ctx.add_part(name, role, program, **kw)
        made.append(p)
        return p

    mel_kw = dict(scale=scale, phrase_bars=rng.choice([2, 4]), rest_prob=0.15, leap_prob=0.12, repeat_motif=0.7,
                  strong_chord_tone=0.75)
    if texture == "piano":
        prog = wchoice(rng, [(0, 5), (1, 1), (6, 0.5)])
        rh = add("piano_rh", "piano", prog, volume=vol(rng, 100))
        lh = add("piano_lh", "piano", prog, volume=vol(rng, 95))
        P.melody(ctx, rh, lo=62, hi=88, grid=rng.choice([0.5, 0.25, 1.0]), density=rng.uniform(0.35, 0.7),
                 vel=rng.randint(62, 88), legato=1.0, **mel_kw)
        acc = wchoice(rng, [("alberti", 3), ("arp_up", 2), ("block", 1), ("waltz", 2 if bpb == 3 else 0), ("updown", 1)])
        if acc == "alberti":
            P.arpeggio(ctx, lh, center=52, step=0.5 if not slow else 0.25, pattern="alberti", vel=55, span=1)
        elif acc in ("arp_up", "updown"):
            P.arpeggio(ctx, lh, center=50, step=rng.choice([0.5, 0.25]), pattern="up" if acc == "arp_up" else "updown",
                       vel=55, span=2)
        elif acc == "waltz":
            for start, dur, ch, bar in ctx.segments():
                r = P.pitch_in_range(ch.root, 36, 47)
                lh.note(start, 0.9, r, 70)
                for b in range(1, int(dur)):
                    lh.chord(start + b, 0.8, P.close_voicing(ch, 57, size=3), 55)
        else:
            P.block_chords(ctx, lh, center=55, step=rng.choice([1.0, 2.0]), vel=60, left_hand=True)
        ctx.params["accompaniment"] = acc
    elif texture in ("quartet", "orchestra"):
        if texture == "quartet":
            v1 = add("violin1", "melody", 40, volume=vol(rng, 100), pan=pan(rng, 40, 10))
            v2 = add("violin2", "strings", 40, volume=vol(rng, 85), pan=pan(rng, 55, 10))
            va = add("viola", "strings", 41, volume=vol(rng, 85), pan=pan(rng, 75, 10))
            vc = add("cello", "bass", 42, volume=vol(rng, 95), pan=pan(rng, 90, 10))
        else:
            v1 = add("melody", "melody", wchoice(rng, [(40, 2), (48, 2), (73, 1), (68, 1), (60, 1), (56, 0.5), (71, 1)]),
                     volume=vol(rng, 100), pan=pan(rng, 64, 25))
            v2 = add("strings", "strings", wchoice(rng, [(48, 3), (49, 3), (44, 0.5)]), volume=vol(rng, 85))
            va = add("inner", "strings", wchoice(rng, [(49, 1), (48, 1), (60, 1), (45, 1), (46, 0.7)]), volume=vol(rng, 80),
                     pan=pan(rng))
            vc = add("basses", "bass", wchoice(rng, [(42, 2), (43, 2), (45, 1), (70, 0.5), (58, 0.3)]), volume=vol(rng, 95))
            if rng.random() < 0.3:
                tp = add("timpani", "perc", 47, volume=vol(rng, 90))
                for bar in ctx.bars:
                    if bar.last or (bar.first and rng.random() < 0.5):
                        ch = bar.chords[-1][2]
                        r = P.pitch_in_range(ch.root, 41, 52)
                        for k in range(rng.choice([1, 2, 4])):
                            tp.note(bar.start + bar.bpb - 1 + k * 0.25 if k else bar.start, 0.5, r, 85)
        P.melody(ctx, v1, lo=64, hi=91, grid=rng.choice([0.5, 1.0, 0.25]), density=rng.uniform(0.3, 0.65), legato=1.0,
                 vel=80, **mel_kw)
        inner = wchoice(rng, [("sustain", 2), ("pulse", 2), ("arp", 1)])
        if inner == "sustain":
            P.pad(ctx, v2, center=64, vel=62, size=2, ext=False)
            P.pad(ctx, va, center=55, vel=60, size=2, ext=False)
        elif inner == "pulse":
            P.pad(ctx, v2, center=64, vel=58, size=2, restrike=0.5, ext=False)
            P.pad(ctx, va, center=55, vel=56, size=2, restrike=1.0, ext=False)
        else:
            P.arpeggio(ctx, v2, center=62, step=0.5, pattern="updown", vel=58, span=1)
            P.pad(ctx, va, center=55, vel=56, size=2, ext=False)
        P.bass_line(ctx, vc, rng.choice(["sustain", "roots", "walking"]) if texture == "orchestra" else rng.choice(["sustain", "roots"]),
                    lo=36, vel=75, legato=1.0)
        ctx.params["inner"] = inner
    elif texture == "winds":
        mel = add("melody", "melody", wchoice(rng, [(73, 2), (68, 2), (71, 2), (72, 0.5), (69, 1)]), volume=vol(rng, 100), pan=pan(rng))
        inner = add("inner", "winds", wchoice(rng, [(71, 1), (60, 2), (69, 1), (68, 1)]), volume=vol(rng, 85), pan=pan(rng))
        bassoon = add("bassoon", "bass", wchoice(rng, [(70, 3), (58, 1), (42, 1)]), volume=vol(rng, 90), pan=pan(rng))
        P.melody(ctx, mel, lo=62, hi=88, grid=rng.choice([0.5, 0.25]), density=rng.uniform(0.35, 0.6), legato=0.95, vel=80, **mel_kw)
        P.pad(ctx, inner, center=58, vel=60, size=2, restrike=rng.choice([None, 1.0]), ext=False)
        P.bass_line(ctx, bassoon, rng.choice(["roots", "walking", "sustain"]), lo=36, vel=75, legato=0.95)
    elif texture == "brass":
        voices = [wchoice(rng, [(56, 2), (60, 1), (61, 1)]), wchoice(rng, [(60, 2), (56, 1)]),
                  wchoice(rng, [(57, 2), (60, 1)]), wchoice(rng, [(58, 2), (57, 1)])]
        chorale(ctx, [add(f"brass{i}", "brass", p, volume=vol(rng, 90), pan=pan(rng)) for i, p in enumerate(voices)], rng)
    elif texture == "chorale":
        prog = wchoice(rng, [(19, 2), (52, 2), (20, 0.5), (53, 1), (48, 1)])
        if rng.random() < 0.5:
            ps = [add(f"voice{i}", "choir", prog, volume=vol(rng, 90), pan=pan(rng)) for i in range(4)]
        else:
            one = add("ensemble", "choir", prog, volume=vol(rng, 95))
            ps = [one] * 4
        chorale(ctx, ps, rng)
    elif texture == "baroque":
        hp = add("harpsichord", "keys", wchoice(rng, [(6, 3), (0, 1), (19, 0.5)]), volume=vol(rng, 90), pan=pan(rng))
        sol = add("solo", "melody", wchoice(rng, [(40, 2), (73, 2), (68, 1), (56, 1), (74, 0.5)]), volume=vol(rng, 100), pan=pan(rng))
        cont = add("continuo", "bass", wchoice(rng, [(42, 2), (70, 1), (43, 1)]), volume=vol(rng, 90), pan=pan(rng))
        P.arpeggio(ctx, hp, center=60, step=0.25, pattern=rng.choice(["up", "updown", "alberti"]), vel=60, span=1, legato=1.0)
        P.melody(ctx, sol, lo=64, hi=88, grid=0.25, density=rng.uniform(0.5, 0.8), legato=0.9, vel=80,
                 **dict(mel_kw, phrase_bars=2))
        P.bass_line(ctx, cont, "walking", lo=36, vel=72, legato=0.85)
    elif texture == "harp_flute":
        hp = add("harp", "harp", 46, volume=vol(rng, 95), pan=pan(rng))
        fl = add("melody", "melody", wchoice(rng, [(73, 3), (40, 1), (71, 1), (68, 1)]), volume=vol(rng, 95), pan=pan(rng))
        P.arpeggio(ctx, hp, center=55, step=rng.choice([0.5, 0.25]), pattern=rng.choice(["up", "updown"]), vel=60, span=2, legato=2.0)
        P.melody(ctx, fl, lo=62, hi=88, grid=rng.choice([0.5, 1.0]), density=0.45, legato=1.0, vel=78, **mel_kw)
    else:  # classical guitar
        g = add("guitar", "guitar", 24, volume=vol(rng, 100))
        P.arpeggio(ctx, g, center=52, step=0.5 if not slow else 0.25, pattern=rng.choice(["up", "updown", "alberti"]),
                   vel=60, span=2, legato=1.5)
        m = add("melody", "melody", wchoice(rng, [(24, 2), (73, 1), (40, 1)]), volume=vol(rng, 95))
        P.melody(ctx, m, lo=64, hi=84, grid=0.5, density=0.4, legato=1.0, vel=75, **mel_kw)
    for p in made:
        apply_dynamics(ctx, p, dyn)


def chorale(ctx, parts, rng):
    """Four-voice homophony: soprano/alto/tenor close above a root (or first-inversion) bass."""
    prev = None
    for start, dur, ch, bar in ctx.segments():
        bass = P.pitch_in_range(ch.root if rng.random() < 0.8 else (ch.root + ch.third) % 12, 38, 50)
        upper = P.close_voicing(ch, 64, prev, size=3, add_ext=False)
        prev = upper
        voices = [upper[2], upper[1], upper[0], bass]
        step = dur if rng.random() < 0.6 else dur / 2
        t = 0.0
        while t < dur - 1e-9:
            for p, v in zip(parts, voices):
                p.note(start + t, min(step, dur - t) * 0.97, v, 70 + 10 * bar.energy)
            t += step


# =================================================================================== country

COUNTRY = [["I", "I", "IV", "I", "I", "I", "V", "V"], ["I", "IV", "I", "V"], ["I", "V", "vi", "IV"],
           ["I", "IV", "V", "IV"], ["I", "I", "IV", "IV", "V", "V", "I", "I"], ["I", "vi", "IV", "V"],
           ["I", "IV", "I", "V", "I", "IV", "V", "I"], ["IV", "I", "V", "I"], ["I", "II7", "V7", "I"]]


def country(ctx):
    rng = ctx.rng
    waltz = rng.random() < 0.12
    feel = "waltz" if waltz else wchoice(rng, [("train", 2.5), ("two_step", 3.5), ("straight", 3), ("shuffle", 1)])
    bpm = rng.uniform(90, 150) if waltz else rng.uniform(84, 148)
    swing = rng.uniform(0.56, 0.64) if feel == "shuffle" else (rng.uniform(0.5, 0.54))
    minor = rng.random() < 0.08
    ctx.setup(bpm, 3 if waltz else 4, swing8=swing, tonic=wchoice(rng, [(G, 3), (D_, 2), (A, 2), (E, 2), (C, 2), (F, 1), (Bb, 0.5)]),
              mode="minor" if minor else "major")
    if minor:
        progs = [["i", "bVII", "bVI", "bVII"], ["i", "iv", "bVII", "i"], ["i", "bIII", "bVII", "iv"]]
    else:
        progs = COUNTRY
    specs = {"intro": (4, rng.choice(progs), 0.45), "verse": (8, rng.choice(progs), 0.6),
             "chorus": (8, rng.choice(progs), 0.85), "solo": (8, rng.choice(progs), 0.8), "bridge": (4, ["IV", "IV", "V", "V"] if not minor else ["bVI", "bVII", "iv", "V"], 0.7)}
    ctx.build_form(["intro", "verse", "chorus", "verse", "chorus", "solo", "bridge", "chorus"], specs)
    h = humanise(rng, 5, 12)
    drumless = rng.random() < 0.06
    if not drumless:
        kit = wchoice(rng, [("standard", 3), ("room", 2), ("brush", 1.5 if feel in ("train", "waltz") else 0.3)])
        dp = ctx.add_part("drums", "drums", D.KITS[kit], drum=True, volume=vol(rng, 95), timing_ms=h * 0.6)
        D.drum_track(ctx, dp, feel, {"ghosts": 0.03, "cymbals": ["hh8", "hh8", "hh4", "ride8"]},
                     fill_styles=("snare", "toms", "sparse"), plays=drum_plays(ctx, rng, 0.3))
        set_drums(ctx, kit, feel)
    else:
        set_drums(ctx, None, "none")
    bstyle = wchoice(rng, [("root_fifth", 6), ("roots", 1.5), ("walking", 1 if feel == "shuffle" else 0.3), ("root8", 1)])
    bp = ctx.add_part("bass", "bass", wchoice(rng, [(32, 2), (33, 3), (34, 2)]), volume=vol(rng, 98), timing_ms=h * 0.5)
    P.bass_line(ctx, bp, bstyle, lo=rng.choice([28, 31, 33]), legato=0.8)
    ctx.params["bass"] = bstyle
    gp = ctx.add_part("rhythm_guitar", "guitar", wchoice(rng, [(25, 6), (24, 1), (27, 1.5)]), volume=vol(rng, 88),
                      pan=pan(rng, 64, 35), timing_ms=h)
    P.strum(ctx, gp, vel=82, spread_ms=(12, 35))
    if rng.random() < 0.3:
        eg = ctx.add_part("electric", "guitar2", wchoice(rng, [(29, 2), (27, 2), (30, 0.5)]), volume=vol(rng, 82),
                          pan=pan(rng), timing_ms=h)
        if eg.program in (29, 30):
            P.power_chords(ctx, eg, plays=sections("chorus", "solo"), mode=rng.choice(["open8", "sustain"]))
        else:
            P.stabs(ctx, eg, center=64, positions=[1, 3], length=0.25, plays=not_sections("intro"))
    if rng.random() < 0.4:
        bj = ctx.add_part("banjo", "banjo", 105, volume=vol(rng, 80), pan=pan(rng), timing_ms=h * 0.7)
        P.banjo_roll(ctx, bj, plays=not_sections("intro") if rng.random() < 0.5 else P._always)
    if rng.random() < 0.3:
        pp = ctx.add_part("piano", "keys", wchoice(rng, [(0, 2), (3, 2), (1, 1)]), volume=vol(rng, 78), pan=pan(rng), timing_ms=h)
        if rng.random() < 0.5:
            P.block_chords(ctx, pp, center=66, step=1.0, vel=65, left_hand=False)
        else:
            P.melody(ctx, pp, lo=67, hi=91, scale=ctx.scale_of("major_pentatonic") if not minor else ctx.scale,
                     grid=0.25, density=0.5, answer=1, phrase_bars=2)
    # lead voices: fiddle / steel / harmonica / guitar / "vocal" oohs
    lead = wchoice(rng, [(110, 3), (40, 1), (27, 2), (26, 1.2), (22, 1), (53, 1), (25, 1), (105, 0.5)])
    lp = ctx.add_part("lead", "lead", lead, volume=vol(rng, 95), pan=pan(rng, 64, 20), timing_ms=h * 1.2)
    steel_like = lead in (26, 27) and rng.random() < 0.5
    P.melody(ctx, lp, lo=60, hi=84, scale=ctx.scale_of("major_pentatonic") if (not minor and rng.random() < 0.6) else ctx.scale,
             grid=0.5 if not steel_like else 1.0, density=rng.uniform(0.35, 0.6), phrase_bars=2, rest_prob=0.3,
             plays=not_sections("intro") if rng.random() < 0.6 else P._always,
             slide=0.5 if (steel_like or lead in (110, 40)) else 0.0, bends=0.2 if lead in (22, 27, 25) else 0.0,
             legato=1.0 if steel_like else 0.85)
    ctx.params["lead"] = lead
    if rng.random() < 0.35:
        fid = ctx.add_part("fills", "lead2", wchoice(rng, [(110, 2), (22, 1), (26, 1)]), volume=vol(rng, 80), pan=pan(rng))
        P.melody(ctx, fid, lo=64, hi=88, scale=ctx.scale, grid=0.25, density=0.5, answer=1, slide=0.3, phrase_bars=2)


# ===================================================================================== disco

DISCO_MAJOR = [["vi7", "ii7", "V7", "Imaj7"], ["ii7", "V7"], ["Imaj7", "ii7", "iii7", "ii7"], ["IV7", "V7", "iii7", "vi7"],
               ["Imaj7", "IVmaj7"], ["vi", "IV", "I", "V"], ["I7", "IV7"]]
DISCO_MINOR = [["i7", "iv7"], ["i7", "IV7"], ["i7", "bVII", "bVI", "bVII"], ["i9", "i9", "iv9", "iv9"], ["i7", "i7", "bVII7", "bVII7"],
               ["iih7", "V7", "i7", "i7"]]


def disco(ctx):
    rng = ctx.rng
    bpm = rng.uniform(108, 134)
    minor = rng.random() < 0.55
    ctx.setup(bpm, 4, swing16=rng.choice([0.5, 0.5, 0.53, 0.56]), mode="minor" if minor else "major")
    progs = DISCO_MINOR if minor else DISCO_MAJOR
    specs = {"intro": (8, rng.choice(progs), 0.55), "verse": (8, rng.choice(progs), 0.7),
             "chorus": (8, rng.choice(progs), 0.95), "break": (4, rng.choice(progs), 0.5)}
    ctx.build_form(["intro", "verse", "chorus", "verse", "chorus", "break", "chorus"], specs)
    h = humanise(rng, 2, 6)
    kit = wchoice(rng, [("standard", 3), ("room", 2), ("electronic", 1.5), ("power", 0.5)])
    dp = ctx.add_part("drums", "drums", D.KITS[kit], drum=True, volume=vol(rng, 100), timing_ms=h * 0.5)
    D.drum_track(ctx, dp, "four_on_floor", {"tamb": 0.5, "backbeat": rng.choice([[D.SNARE], [D.CLAP], [D.SNARE, D.CLAP]])},
                 fill_styles=("snare", "toms", "open_hat"), fill_prob=0.5)
    set_drums(ctx, kit, "four_on_floor")
    bstyle = wchoice(rng, [("octave", 5), ("syncop", 2), ("root8", 1)])
    bp = ctx.add_part("bass", "bass", wchoice(rng, [(33, 3), (38, 2), (39, 2), (36, 1), (37, 0.5), (34, 1)]),
                      volume=vol(rng, 100), timing_ms=h * 0.5)
    P.bass_line(ctx, bp, bstyle, lo=rng.choice([28, 31, 33, 35]))
    ctx.params["bass"] = bstyle
    # strings
    if rng.random() < 0.85:
        sp = ctx.add_part("strings", "strings", wchoice(rng, [(48, 3), (49, 2), (50, 2), (51, 1)]), volume=vol(rng, 82),
                          pan=pan(rng), timing_ms=h)
        mode = rng.choice(["pad", "stabs", "pad+stabs"])
        if "pad" in mode:
            P.pad(ctx, sp, center=rng.choice([64, 67, 72]), vel=64, swell=True, plays=not_sections("intro"))
        if "stabs" in mode:
            P.stabs(ctx, sp, center=72, vel=90, length=0.35, plays=sections("chorus", "verse"))
        # ascending string runs into sections
        for bar in ctx.bars:
            if bar.last and rng.random() < 0.5:
                pcs = ctx.scale
                run = P.scale_pitches(pcs, 72, 96)
                i0 = rng.randrange(max(1, len(run) - 8))
                for k in range(8):
                    sp.note(bar.end - 2 + k * 0.25, 0.25, run[min(len(run) - 1, i0 + k)], 70 + 3 * k)
    keys = wchoice(rng, [(7, 3), (4, 2), (5, 1), (0, 1), (28, 2)])
    kp = ctx.add_part("keys", "keys" if keys != 28 else "guitar", keys, volume=vol(rng, 80), pan=pan(rng), timing_ms=h)
    if keys == 28:
        P.scratch(ctx, kp, center=rng.choice([64, 67, 70]))
    elif keys == 0:
        P.block_chords(ctx, kp, center=66, step=0.5, vel=62, left_hand=False)
    else:
        P.stabs(ctx, kp, center=rng.choice([60, 64, 67]), vel=80, length=0.18, size=3)
    if rng.random() < 0.4:
        gp = ctx.add_part("guitar", "guitar", wchoice(rng, [(28, 2), (27, 2)]), volume=vol(rng, 75), pan=pan(rng), timing_ms=h)
        P.scratch(ctx, gp, center=67)
    if rng.random() < 0.4:
        br = ctx.add_part("brass", "brass", wchoice(rng, [(61, 3), (62, 1), (56, 1), (57, 0.5)]), volume=vol(rng, 85), pan=pan(rng))
        P.stabs(ctx, br, center=67, vel=95, length=0.25, plays=sections("chorus"))
    lead = wchoice(rng, [(52, 2), (53, 2), (54, 1.5), (48, 1.5), (80, 1), (81, 1), (73, 1), (65, 0.7), (62, 0.5), (85, 0.6)])
    lp = ctx.add_part("lead", "lead", lead, volume=vol(rng, 95), pan=pan(rng, 64, 15), timing_ms=h)
    P.melody(ctx, lp, lo=60, hi=84, scale=ctx.scale_of("dorian") if minor and rng.random() < 0.5 else ctx.scale,
             grid=0.5, density=rng.uniform(0.35, 0.6), phrase_bars=2, rest_prob=0.25, plays=sections("verse", "chorus"),
             repeat_motif=0.8)
    ctx.params["lead"] = lead


# ==================================================================================== hiphop

HIPHOP_MINOR = [["i7", "i7", "iv7", "iv7"], ["i9", "bVImaj7"], ["i7", "bVII"], ["i", "bVI", "bIII", "bVII"], ["i7"], ["i9", "iv9"],
                ["i", "i", "bVI", "V7"], ["i7", "bIIImaj7", "bVImaj7", "V7"], ["iih7", "V7"]]
HIPHOP_MAJOR = [["vi7", "ii7", "V7", "Imaj7"], ["ii7", "V7"], ["Imaj7", "IVmaj7"], ["Imaj7"], ["IVmaj7", "iii7", "ii7", "Imaj7"]]


def hiphop(ctx):
    rng = ctx.rng
    style = wchoice(rng, [("boom_bap", 6), ("trap", 2.5), ("lofi", 1.5)])
    if style == "trap":
        bpm = rng.uniform(128, 160)
        ctx.setup(bpm, 4, swing16=0.5, mode="minor")
    else:
        bpm = rng.uniform(72, 100) if style == "boom_bap" else rng.uniform(70, 92)
        sw = rng.choice([0.5, 0.54, 0.58, 0.62]) if style == "boom_bap" else rng.uniform(0.56, 0.64)
        ctx.setup(bpm, 4, swing16=sw, mode="minor" if rng.random() < 0.75 else "major")
    progs = HIPHOP_MINOR if ctx.mode == "minor" else HIPHOP_MAJOR
    loop_prog = rng.choice(progs)
    loop_bars = 1 if len(loop_prog) == 1 else 2
    specs = {"intro": (4, loop_prog, 0.45), "verse": (8, loop_prog, 0.7), "hook": (8, rng.choice(progs) if rng.random() < 0.4 else loop_prog, 0.9)}
    ctx.build_form(["intro", "verse", "hook", "verse", "hook"], specs)
    h = humanise(rng, 0, 4)
    kit = wchoice(rng, [("tr808", 3 if style == "trap" else 1), ("standard", 2), ("room", 1.5), ("electronic", 1.5)])
    dp = ctx.add_part("drums", "drums", D.KITS[kit], drum=True, volume=vol(rng, 105), timing_ms=h * 0.5, vel_sd=4,
                      offset_ms=rng.uniform(0, 10) if style != "trap" else 0)
    dfeel = "trap" if style == "trap" else "boom_bap"
    D.drum_track(ctx, dp, dfeel, {"ghosts": 0.04, "snare": rng.choice([D.SNARE, D.SNARE, D.ESNARE, D.CLAP]),
                                  "clap_layer": 0.3}, fill_styles=("open_hat", "roll", "sparse"), fill_prob=0.35, crash_prob=0.4,
                 plays=drum_plays(ctx, rng, 0.35))
    set_drums(ctx, kit, dfeel)
    ctx.params["style"] = style
    bprog = wchoice(rng, [(38, 3), (39, 2), (33, 2 if style != "trap" else 0.3), (32, 1 if style == "lofi" else 0.3), (87, 0.5)])
    bp = ctx.add_part("bass", "bass", bprog, volume=vol(rng, 105), timing_ms=h)
    P.bass_line(ctx, bp, "sub" if bprog in (38, 39, 87) else "follow_kick", lo=rng.choice([24, 26, 28, 29]),
                glide=0.3 if style == "trap" else 0.0, plays=not_sections("intro") if rng.random() < 0.5 else P._always)
    lp_prog = wchoice(rng, [(4, 3), (0, 2), (5, 1), (11, 1.5), (48, 1), (49, 1), (52, 1), (61, 0.7), (26, 1), (73, 0.7),
                            (89, 1), (88, 0.7), (10, 0.5), (46, 0.5), (24, 0.6), (16, 0.5)])
    lp = ctx.add_part("loop", "loop", lp_prog, volume=vol(rng, 85), pan=pan(rng, 64, 20), timing_ms=0, vel_sd=0)
    ctx.params["loop"] = P.loop(ctx, lp, center=rng.choice([55, 60, 64]), vel=68, bars=loop_bars)
    if rng.random() < 0.55:
        kp = ctx.add_part("keys", "lead", wchoice(rng, [(9, 1), (10, 1), (8, 1), (0, 2), (80, 1 if style == "trap" else 0.2),
                                                         (81, 0.5), (14, 0.4), (73, 0.7), (11, 0.7), (54, 0.6), (53, 0.5)]),
                          volume=vol(rng, 78), pan=pan(rng), timing_ms=h)
        P.melody(ctx, kp, lo=67, hi=91, grid=rng.choice([0.5, 0.25]), density=rng.uniform(0.15, 0.35), rest_prob=0.5,
                 phrase_bars=2, repeat_motif=0.9, plays=not_sections("intro"))
    if rng.random() < 0.3:
        pp = ctx.add_part("pad", "pad", wchoice(rng, [(89, 1), (91, 1), (50, 1), (52, 1)]), volume=vol(rng, 65), pan=pan(rng))
        P.pad(ctx, pp, center=60, vel=55, plays=sections("hook"))
    if rng.random() < 0.6:
        vp = ctx.add_part("vocal", "vocal", wchoice(rng, [(53, 3), (54, 2), (52, 1), (85, 1)]), volume=vol(rng, 100, 8),
                          pan=pan(rng, 64, 6), timing_ms=rng.uniform(8, 18))
        P.rap(ctx, vp, center=rng.choice([52, 55, 57, 60]), density=rng.uniform(0.5, 0.85), grid=0.5 if style == "trap" else 0.25,
              plays=sections("verse") if rng.random() < 0.6 else not_sections("intro"))
        ctx.params["vocal"] = "rap"


# ====================================================================================== jazz

JAZZ_MAJOR = [["ii7", "V7", "Imaj7", "Imaj7"], ["Imaj7 vi7", "ii7 V7", "iii7 vi7", "ii7 V7"], ["ii7", "V7", "Imaj7", "IVmaj7", "viih7", "III7", "vi7", "vi7"],
              ["Imaj7", "VI7", "ii7", "V7"], ["I6 vi7", "ii7 V7"], ["iii7", "VI7", "ii7", "V7"], ["Imaj7", "I7", "IVmaj7", "iv7"],
              ["ii9", "V13", "Imaj9", "VI7"], ["I7", "IV7", "I7", "v7 I7", "IV7", "IV7", "I7", "iii7 VI7", "ii7", "V7", "I7 VI7", "ii7 V7"]]
JAZZ_MINOR = [["iih7", "V7", "i7", "i7"], ["i7", "i7", "iv7", "iv7", "iih7", "V7", "i7", "i7"], ["i7", "iv7", "bVII7", "bIIImaj7", "bVImaj7", "iih7", "V7", "i7"],
              ["i7 bVI7", "iih7 V7"]]


def jazz(ctx):
    rng = ctx.rng
    kind = wchoice(rng, [("swing", 6), ("ballad", 2), ("bossa", 1.2), ("waltz", 0.8)])
    if kind == "swing":
        bpm = 95 + (220 - 95) * rng.random() ** 1.4
        swing = max(0.56, 0.68 - (bpm - 95) / 125 * 0.1)
    elif kind == "ballad":
        bpm = rng.uniform(55, 90)
        swing = rng.uniform(0.62, 0.68)
    elif kind == "bossa":
        bpm = rng.uniform(110, 150)
        swing = 0.5
    else:
        bpm = rng.uniform(110, 180)
        swing = rng.uniform(0.6, 0.67)
    minor = rng.random() < 0.3
    ctx.setup(bpm, 3 if kind == "waltz" else 4, swing8=swing,
              tonic=wchoice(rng, [(F, 3), (Bb, 3), (Eb, 2.5), (C, 2), (Ab, 1.5), (G, 1), (D_, 1), (Db, 0.5)]),
              mode="minor" if minor else "major")
    progs = JAZZ_MINOR if minor else JAZZ_MAJOR
    a = rng.choice(progs)
    b = rng.choice(progs)
    specs = {"A": (8, a, 0.6), "A2": (8, a, 0.65), "B": (8, b, 0.7), "solo": (8 if len(a) <= 8 else 12, a, 0.85)}
    ctx.build_form(["A", "A2", "B", "A2", "solo", "solo"], specs)
    h = humanise(rng, 6, 14)
    drumless = rng.random() < 0.06
    if not drumless:
        if kind == "ballad":
            kit, dfeel = ("brush", "brush_swing") if rng.random() < 0.75 else ("jazz", "swing")
        elif kind == "bossa":
            kit, dfeel = wchoice(rng, [("jazz", 2), ("standard", 1), ("brush", 1)]), "bossa"
        elif kind == "waltz":
            kit, dfeel = wchoice(rng, [("jazz", 2), ("brush", 1)]), "jazz_waltz"
        else:
            kit, dfeel = wchoice(rng, [("jazz", 4), ("standard", 1), ("room", 1), ("brush", 0.7)]), "swing"
            if kit == "brush":
                dfeel = "brush_swing"
        dp = ctx.add_part("drums", "drums", D.KITS[kit], drum=True, volume=vol(rng, 92), timing_ms=h * 0.6)
        D.drum_track(ctx, dp, dfeel, {"feather": 0.5}, fill_styles=("jazz", "snare", "triplets"), fill_prob=0.5, crash_prob=0.5)
        set_drums(ctx, kit, dfeel)
    else:
        set_drums(ctx, None, "none")
    bp = ctx.add_part("bass", "bass", wchoice(rng, [(32, 8), (33, 1), (35, 1)]), volume=vol(rng, 100), timing_ms=h * 0.5)
    bstyle = "walking" if kind in ("swing", "waltz") or (kind == "ballad" and rng.random() < 0.5) else ("root_fifth" if kind == "bossa" else "roots")
    P.bass_line(ctx, bp, bstyle, lo=rng.choice([28, 29, 31]))
    ctx.params["bass"] = bstyle
    comp = wchoice(rng, [(0, 5), (1, 0.5), (26, 2), (4, 1), (11, 1), (16, 0.7), (24, 1.5 if kind == "bossa" else 0.1)])
    cp = ctx.add_part("comp", "keys" if comp not in (26, 24) else "guitar", comp, volume=vol(rng, 82), pan=pan(rng), timing_ms=h)
    if kind == "bossa" and comp in (24, 26):
        P.stabs(ctx, cp, center=60, positions=[0, 1.5, 2.5, 3.5] if rng.random() < 0.5 else [0, 0.75, 1.5, 2.5], length=0.4)
    else:
        P.jazz_comp(ctx, cp, center=rng.choice([57, 60, 62]))
    lead = wchoice(rng, [(66, 3), (65, 2.5), (56, 2.5), (59, 1), (57, 1), (73, 1), (71, 0.7), (11, 1), (26, 1), (0, 1.2), (64, 0.5), (22, 0.3)])
    lp = ctx.add_part("lead", "lead", lead, volume=vol(rng, 98), pan=pan(rng, 64, 20), timing_ms=h * 1.2)
    head_density = rng.uniform(0.3, 0.5)
    P.melody(ctx, lp, lo=rng.choice([55, 58, 60]), hi=rng.choice([79, 82, 84]), grid=0.5, density=head_density,
             phrase_bars=rng.choice([2, 4]), rest_prob=0.2, chord_scales=True, plays=not_sections("solo"),
             leap_prob=0.2, strong_chord_tone=0.7)
    P.melody(ctx, lp, lo=55, hi=86, grid=0.5 if bpm > 150 else rng.choice([0.5, 0.25]), density=rng.uniform(0.6, 0.85),
             phrase_bars=2, rest_prob=0.15, chord_scales=True, plays=sections("solo"), leap_prob=0.25,
             strong_chord_tone=0.6, legato=0.85)
    ctx.params["lead"] = lead
    if rng.random() < 0.25:
        l2 = ctx.add_part("lead2", "lead2", wchoice(rng, [(56, 1), (57, 1), (65, 1), (73, 1)]), volume=vol(rng, 85), pan=pan(rng))
        P.melody(ctx, l2, lo=55, hi=80, grid=0.5, density=0.35, chord_scales=True, answer=1, plays=not_sections("solo"))


# ===================================================================================== metal

METAL = [["i5", "i5", "bVI5", "bVII5"], ["i5", "bII5", "i5", "bII5"], ["i5", "iv5", "v5", "i5"], ["i5", "bVI5", "bIII5", "bVII5"],
         ["i5"], ["i5", "i5", "bV5", "iv5"], ["i5", "bVII5", "bVI5", "V5"], ["i5 bII5", "i5 bVII5"]]


def metal_riff(rng, bpb, intervals):
    """One bar of riff: (position, duration, interval above the chord root, palm-muted)."""
    cells = [
        [(0, 0.5, True), (0.5, 0.25, True), (0.75, 0.25, True)],        # gallop
        [(0, 0.25, True), (0.25, 0.25, True), (0.5, 0.25, True), (0.75, 0.25, True)],
        [(0, 0.5, True), (0.5, 0.5, True)],
        [(0, 1.0, False)],
        [(0, 0.75, False), (0.75, 0.25, True)],
        [(0.25, 0.25, True), (0.5, 0.25, True), (0.75, 0.25, True)],
        [(0, 0.5, False), (0.5, 0.5, True)],
    ]
    out = []
    for b in range(bpb):
        cell = rng.choice(cells)
        for pos, d, mu in cell:
            iv = 0 if mu or rng.random() < 0.4 else rng.choice(intervals)
            out.append((b + pos, d, iv, mu and iv == 0))
    return out


def metal(ctx):
    rng = ctx.rng
    bpm = 90 + 110 * rng.random() ** 1.1
    ctx.setup(bpm, 4, mode="minor", tonic=wchoice(rng, [(E, 4), (D_, 2), (C, 1), (B, 1.5), (A, 1), (Db, 0.5), (G, 0.5), (F, 0.5)]))
    mode_scale = wchoice(rng, [("phrygian", 2), ("harmonic_minor", 2), ("minor", 3), ("minor_pentatonic", 1)])
    specs = {"intro": (4, rng.choice(METAL), 0.6), "verse": (8, rng.choice(METAL), 0.75), "chorus": (8, rng.choice(METAL), 0.95),
             "breakdown": (4, ["i5"], 0.8), "solo": (8, rng.choice(METAL), 0.9)}
    ctx.build_form(["intro", "verse", "chorus", "verse", "chorus", "solo", "breakdown", "chorus"], specs)
    intervals = [iv for iv in (1, 3, 5, 6, 7, 8, 10, 12) if (ctx.tonic + iv) % 12 in ctx.scale_of(mode_scale) or iv in (1, 6)]
    for name in specs:
        ctx.store[("riff", name)] = metal_riff(rng, 4, intervals)
    h = humanise(rng, 2, 7)
    kit = wchoice(rng, [("power", 3), ("standard", 2), ("room", 2)])
    dp = ctx.add_part("drums", "drums", D.KITS[kit], drum=True, volume=vol(rng, 105), timing_ms=h * 0.5)
    base = wchoice(rng, [("double_kick", 4), ("straight", 2), ("gallop", 1.5), ("half_time", 1)])
    by_sec = {"breakdown": "half_time"}
    if bpm >= 140 and rng.random() < 0.3:
        by_sec["chorus"] = "blast"
    if rng.random() < 0.5:
        by_sec["verse"] = rng.choice(["double_kick", "gallop", "straight"])
    D.drum_track(ctx, dp, base, {"cymbals": ["hh8", "ride8", "crash4", "open8"], "splash": True},
                 fill_styles=("toms", "kick_toms", "snare"), fill_prob=0.8, crash_prob=0.95, feel_by_section=by_sec)
    set_drums(ctx, kit, base)
    low = {E: 40, D_: 38, C: 36, B: 35, A: 45, Db: 37, G: 43, F: 41}.get(ctx.tonic, 40)
    gprog = wchoice(rng, [(30, 5), (29, 2)])
    for side, pn in (("L", 20), ("R", 108)):
        g = ctx.add_part(f"guitar_{side}", "guitar", gprog, volume=vol(rng, 100, 8), pan=pan(rng, pn, 10), timing_ms=h)
        P.power_chords(ctx, g, low=low, high=low + 11, mode="riff", octave=rng.random() < 0.5)
    bp = ctx.add_part("bass", "bass", wchoice(rng, [(34, 3), (33, 2), (38, 0.3)]), volume=vol(rng, 98), timing_ms=h)
    P.bass_line(ctx, bp, "riff", lo=low - 12 if low - 12 >= 23 else low)
    lead = wchoice(rng, [(30, 3), (29, 2), (81, 0.4), (27, 0.3)])
    lp = ctx.add_part("lead", "lead", lead, volume=vol(rng, 100), pan=pan(rng, 64, 15), timing_ms=h)
    P.melody(ctx, lp, lo=59, hi=91, scale=ctx.scale_of(mode_scale), grid=0.25 if bpm < 170 else 0.5, density=rng.uniform(0.6, 0.9),
             phrase_bars=2, rest_prob=0.1, plays=sections("solo"), bends=0.25, leap_prob=0.25, legato=0.9)
    if rng.random() < 0.35:
        P.melody(ctx, lp, lo=64, hi=88, scale=ctx.scale_of(mode_scale), grid=0.5, density=0.4, phrase_bars=4, rest_prob=0.2,
                 plays=sections("chorus", "intro"), legato=1.0)
    ctx.params["lead"] = lead
    if rng.random() < 0.3:
        sy = ctx.add_part("symphonic", "pad", wchoice(rng, [(48, 2), (49, 1), (52, 2), (19, 1), (91, 0.5), (61, 0.5)]),
                          volume=vol(rng, 80), pan=pan(rng))
        P.pad(ctx, sy, center=rng.choice([60, 64]), vel=70, plays=sections("chorus", "intro", "solo"))


# ======================================================================================= pop

POP = [["I", "V", "vi", "IV"], ["vi", "IV", "I", "V"], ["I", "vi", "IV", "V"], ["IV", "V", "vi", "I"], ["I", "IV", "vi", "V"],
       ["ii7", "IV", "I", "V"], ["I", "iii", "IV", "V"], ["I", "V", "IV", "IV"], ["Iadd9", "V", "vi7", "IVmaj7"], ["vi", "V", "IV", "V"]]
POP_MINOR = [["i", "bVI", "bIII", "bVII"], ["i", "bVII", "bVI", "bVII"], ["i", "iv", "bVI", "bVII"], ["bVI", "bVII", "i", "i"]]


def pop(ctx):
    rng = ctx.rng
    ballad = rng.random() < 0.15
    feel = "straight" if ballad else wchoice(rng, [("straight", 5), ("four_on_floor", 2), ("half_time", 1), ("funk", 1), ("shuffle", 1)])
    bpm = rng.uniform(68, 92) if ballad else rng.uniform(88, 132)
    swing = rng.uniform(0.54, 0.6) if feel == "shuffle" else 0.5
    minor = rng.random() < 0.25
    ctx.setup(bpm, 4, swing8=swing, swing16=rng.choice([0.5, 0.5, 0.54]) if feel == "funk" else 0.5, mode="minor" if minor else "major")
    progs = POP_MINOR if minor else POP
    specs = {"intro": (4, rng.choice(progs), 0.45), "verse": (8, rng.choice(progs), 0.6), "pre": (4, rng.choice(progs), 0.72),
             "chorus": (8, rng.choice(progs), 0.95), "bridge": (8, rng.choice(progs), 0.7)}
    ctx.build_form(["intro", "verse", "pre", "chorus", "verse", "pre", "chorus", "bridge", "chorus"], specs)
    h = humanise(rng, 1, 6)
    drumless = ballad and rng.random() < 0.25
    if not drumless:
        kit = wchoice(rng, [("standard", 3), ("electronic", 2), ("tr808", 1), ("room", 1.5), ("power", 0.5)])
        dp = ctx.add_part("drums", "drums", D.KITS[kit], drum=True, volume=vol(rng, 100), timing_ms=h * 0.4)
        D.drum_track(ctx, dp, feel, {"ghosts": 0.03, "snare": rng.choice([D.SNARE, D.CLAP, D.ESNARE]),
                                     "backbeat": rng.choice([[D.CLAP], [D.SNARE, D.CLAP], [D.ESNARE]]), "tamb": 0.4,
                                     "cymbals": ["hh8", "hh16", "hh8", "shaker16", "open8"]},
                     fill_styles=("snare", "toms", "roll"), fill_prob=0.6, plays=drum_plays(ctx, rng, 0.4))
        set_drums(ctx, kit, feel)
    else:
        set_drums(ctx, None, "none")
    bstyle = wchoice(rng, [("root8", 3), ("syncop", 2), ("follow_kick", 1.5), ("octave", 1 if feel == "four_on_floor" else 0.2), ("sustain", 1 if ballad else 0.2)])
    bp = ctx.add_part("bass", "bass", wchoice(rng, [(33, 3), (38, 2), (39, 2), (34, 1), (35, 0.5)]), volume=vol(rng, 98), timing_ms=h)
    P.bass_line(ctx, bp, bstyle, lo=rng.choice([28, 31, 33]), plays=not_sections("intro") if rng.random() < 0.4 else P._always)
    ctx.params["bass"] = bstyle
    harmony = wchoice(rng, [("piano", 3), ("epiano", 1.5), ("synthpad", 2), ("guitar_strum", 2), ("guitar_arp", 1), ("power", 0.8), ("synth_arp", 1)])
    if harmony == "piano":
        hp = ctx.add_part("piano", "keys", wchoice(rng, [(0, 3), (1, 2), (2, 0.5)]), volume=vol(rng, 85), pan=pan(rng, 64, 15), timing_ms=h)
        if rng.random() < 0.5:
            P.block_chords(ctx, hp, center=64, step=rng.choice([0.5, 1.0]), vel=68, left_hand=rng.random() < 0.6)
        else:
            P.arpeggio(ctx, hp, center=62, step=0.5, pattern=rng.choice(["up", "updown"]), vel=62)
    elif harmony == "epiano":
        hp = ctx.add_part("epiano", "keys", wchoice(rng, [(4, 2), (5, 2)]), volume=vol(rng, 85), pan=pan(rng), timing_ms=h)
        P.stabs(ctx, hp, center=62, length=rng.choice([0.4, 1.0]), size=4)
    elif harmony == "synthpad":
        hp = ctx.add_part("pad", "pad", wchoice(rng, [(88, 1), (89, 2), (90, 2), (91, 1), (94, 1), (95, 1), (50, 1)]), volume=vol(rng, 80), pan=pan(rng))
        P.pad(ctx, hp, center=62, vel=70, swell=rng.random() < 0.5)
    elif harmony == "guitar_strum":
        hp = ctx.add_part("guitar", "guitar", wchoice(rng, [(25, 3), (27, 2), (24, 1)]), volume=vol(rng, 85), pan=pan(rng), timing_ms=h)
        P.strum(ctx, hp, vel=80)
    elif harmony == "guitar_arp":
        hp = ctx.add_part("guitar", "guitar", wchoice(rng, [(27, 3), (25, 1), (26, 1)]), volume=vol(rng, 85), pan=pan(rng), timing_ms=h)
        P.arpeggio(ctx, hp, center=60, step=0.5, pattern=rng.choice(["up", "updown", "random"]), vel=66, span=1)
    elif harmony == "power":
        hp = ctx.add_part("guitar", "guitar", wchoice(rng, [(29, 3), (30, 1)]), volume=vol(rng, 85), pan=pan(rng), timing_ms=h)
        P.power_chords(ctx, hp, plays=not_sections("intro"))
    else:
        hp = ctx.add_part("synth", "synth", wchoice(rng, [(81, 1), (80, 1), (90, 1), (62, 0.5), (5, 1)]), volume=vol(rng, 75), pan=pan(rng))
        P.arpeggio(ctx, hp, center=64, step=0.25, pattern=rng.choice(["up", "updown"]), vel=62, span=1, legato=0.6)
    ctx.params["harmony"] = harmony
    if rng.random() < 0.35:
        sp = ctx.add_part("strings", "strings", wchoice(rng, [(48, 2), (49, 1), (50, 1), (89, 1)]), volume=vol(rng, 70), pan=pan(rng))
        P.pad(ctx, sp, center=67, vel=60, plays=sections("chorus", "bridge"), swell=True)
    lead = wchoice(rng, [(53, 2.5), (52, 1.5), (54, 2), (85, 1), (80, 1), (81, 1), (73, 1), (65, 0.6), (66, 0.4), (27, 0.8), (0, 0.8), (4, 0.5), (11, 0.5)])
    lp = ctx.add_part("lead", "lead", lead, volume=vol(rng, 98), pan=pan(rng, 64, 10), timing_ms=h)
    rap_verse = rng.random() < 0.1
    P.melody(ctx, lp, lo=rng.choice([57, 60, 62]), hi=rng.choice([76, 79, 81]), grid=0.5 if rng.random() < 0.7 else 0.25,
             density=rng.uniform(0.35, 0.6), phrase_bars=2, rest_prob=0.2,
             plays=not_sections("intro", "verse") if rap_verse else not_sections("intro"), repeat_motif=0.85, legato=0.95)
    ctx.params["lead"] = lead
    if rap_verse:
        vp = ctx.add_part("vocal", "vocal", wchoice(rng, [(53, 2), (54, 1), (85, 1)]), volume=vol(rng, 98, 8), pan=pan(rng, 64, 6),
                          timing_ms=rng.uniform(6, 14))
        P.rap(ctx, vp, center=rng.choice([55, 57, 60]), density=rng.uniform(0.5, 0.8), plays=sections("verse"))
        ctx.params["vocal"] = "rap"
    if rng.random() < 0.35:
        hk = ctx.add_part("hook", "lead2", wchoice(rng, [(9, 1), (10, 1), (8, 1), (12, 1), (81, 1), (80, 0.5), (98, 0.3)]),
                          volume=vol(rng, 75), pan=pan(rng))
        P.melody(ctx, hk, lo=69, hi=93, grid=0.5, density=0.45, phrase_bars=2, rest_prob=0.1, repeat_motif=0.95,
                 plays=sections("chorus", "intro"))


# ==================================================================================== reggae

REGGAE = [["I", "IV"], ["I", "V"], ["I", "IV", "V", "IV"], ["ii7", "V7"], ["I", "vi", "IV", "V"], ["IV", "V", "I", "I"],
          ["I", "I", "IV", "IV"], ["Imaj7", "IVmaj7"]]
REGGAE_MINOR = [["i", "iv"], ["i", "bVII"], ["i7", "iv7"], ["i", "bVI", "bVII", "i"], ["i", "i", "iv", "v"], ["i7", "bVII", "bVI", "bVII"]]


def reggae(ctx):
    rng = ctx.rng
    feel = wchoice(rng, [("one_drop", 5), ("rockers", 3), ("steppers", 2)])
    bpm = rng.uniform(60, 95)
    minor = rng.random() < 0.4
    ctx.setup(bpm, 4, swing8=rng.choice([0.5, 0.54, 0.58, 0.62]), mode="minor" if minor else "major")
    progs = REGGAE_MINOR if minor else REGGAE
    specs = {"intro": (4, rng.choice(progs), 0.5), "verse": (8, rng.choice(progs), 0.65), "chorus": (8, rng.choice(progs), 0.85),
             "dub": (4, rng.choice(progs), 0.55)}
    ctx.build_form(["intro", "verse", "chorus", "verse", "chorus", "dub"], specs)
    h = humanise(rng, 4, 10)
    kit = wchoice(rng, [("standard", 3), ("room", 2), ("electronic", 1), ("power", 0.5)])
    dp = ctx.add_part("drums", "drums", D.KITS[kit], drum=True, volume=vol(rng, 95), timing_ms=h * 0.6)
    D.drum_track(ctx, dp, feel, {}, fill_styles=("sparse", "snare", "toms"), fill_prob=0.5, crash_prob=0.3,
                 plays=drum_plays(ctx, rng, 0.2))
    set_drums(ctx, kit, feel)
    bp = ctx.add_part("bass", "bass", wchoice(rng, [(33, 3), (32, 1), (38, 1), (34, 1), (39, 0.5)]), volume=vol(rng, 110, 10), timing_ms=h)
    P.bass_line(ctx, bp, "reggae", lo=rng.choice([26, 28, 31]), legato=0.9)
    ctx.params["bass"] = "reggae"
    sk = ctx.add_part("skank", "guitar", wchoice(rng, [(27, 3), (28, 2), (25, 1), (26, 1)]), volume=vol(rng, 82), pan=pan(rng), timing_ms=h)
    P.skank(ctx, sk, center=rng.choice([64, 67, 70]), length=rng.uniform(0.15, 0.3))
    if rng.random() < 0.6:
        og = ctx.add_part("organ", "keys", wchoice(rng, [(16, 3), (17, 2), (18, 1)]), volume=vol(rng, 72), pan=pan(rng))
        if rng.random() < 0.6:
            P.bubble(ctx, og, center=rng.choice([52, 55, 58]))
        else:
            P.pad(ctx, og, center=60, vel=55, size=3, plays=sections("chorus"))
    if rng.random() < 0.4:
        pp = ctx.add_part("piano", "keys", wchoice(rng, [(0, 3), (1, 1), (4, 1)]), volume=vol(rng, 75), pan=pan(rng), timing_ms=h)
        P.skank(ctx, pp, center=62, length=0.25, positions=rng.choice([[1, 3], [0.5, 1.5, 2.5, 3.5]]))
    lead = wchoice(rng, [(21, 1.5), (22, 1), (56, 1.5), (57, 1), (65, 1), (53, 1.5), (17, 1), (26, 1), (0, 0.7), (61, 0.8), (75, 0.3)])
    lp = ctx.add_part("lead", "lead", lead, volume=vol(rng, 92), pan=pan(rng, 64, 20), timing_ms=h * 1.2)
    toast = rng.random() < 0.15
    P.melody(ctx, lp, lo=60, hi=81, scale=ctx.scale_of("minor_pentatonic" if minor else "major_pentatonic") if rng.random() < 0.5 else ctx.scale,
             grid=0.5, density=rng.uniform(0.3, 0.55), phrase_bars=2, rest_prob=0.3,
             plays=sections("chorus") if toast else sections("verse", "chorus"), repeat_motif=0.8)
    ctx.params["lead"] = lead
    if toast:
        vp = ctx.add_part("vocal", "vocal", wchoice(rng, [(53, 3), (54, 1), (85, 1)]), volume=vol(rng, 98, 8), pan=pan(rng, 64, 6),
                          timing_ms=rng.uniform(10, 20))
        P.rap(ctx, vp, center=rng.choice([55, 57, 60]), density=rng.uniform(0.4, 0.7), spread=5, plays=sections("verse", "dub"))
        ctx.params["vocal"] = "toast"


# ====================================================================================== rock

ROCK = [["I", "bVII", "IV", "I"], ["I", "IV", "V", "IV"], ["I", "V", "vi", "IV"], ["I", "bIII", "IV", "I"], ["vi", "IV", "I", "V"],
        ["I", "IV"], ["I", "V", "IV", "IV"], ["I", "I", "IV", "V"], ["IV", "I", "V", "V"]]
ROCK_MINOR = [["i", "bVI", "bVII", "i"], ["i", "bVII", "bVI", "bVII"], ["i", "iv", "bVII", "i"], ["i", "bIII", "bVII", "iv"], ["i", "i", "bVI", "bVII"]]


def rock(ctx):
    rng = ctx.rng
    feel = wchoice(rng, [("straight", 7), ("shuffle", 1.2), ("half_time", 0.8), ("double_kick", 0.4)])
    bpm = rng.uniform(92, 168)
    if feel == "half_time":
        bpm = rng.uniform(110, 168)
    swing = rng.uniform(0.58, 0.66) if feel == "shuffle" else 0.5
    minor = rng.random() < 0.4
    ctx.setup(bpm, 4, swing8=swing, tonic=wchoice(rng, [(E, 3), (A, 3), (G, 2), (D_, 2), (C, 1.5), (B, 1), (F, 0.5), (Gb, 0.5)]),
              mode="minor" if minor else "major")
    progs = ROCK_MINOR if minor else ROCK
    specs = {"intro": (4, rng.choice(progs), 0.55), "verse": (8, rng.choice(progs), 0.65), "chorus": (8, rng.choice(progs), 0.95),
             "bridge": (4, rng.choice(progs), 0.75), "solo": (8, rng.choice(progs), 0.9)}
    ctx.build_form(["intro", "verse", "chorus", "verse", "chorus", "solo", "bridge", "chorus"], specs)
    h = humanise(rng, 3, 9)
    kit = wchoice(rng, [("standard", 3), ("room", 2.5), ("power", 1.5)])
    dp = ctx.add_part("drums", "drums", D.KITS[kit], drum=True, volume=vol(rng, 102), timing_ms=h * 0.6)
    by_sec = {"bridge": "half_time"} if rng.random() < 0.3 else None
    D.drum_track(ctx, dp, feel, {"ghosts": 0.04, "cymbals": ["hh8", "hh8", "ride8", "open8", "hh16", "crash4"]},
                 fill_styles=("toms", "snare", "toms", "triplets"), fill_prob=0.8, crash_prob=0.9, feel_by_section=by_sec,
                 plays=drum_plays(ctx, rng, 0.15))
    set_drums(ctx, kit, feel)
    bstyle = wchoice(rng, [("root8", 6), ("follow_kick", 1.5), ("boogie", 1 if feel == "shuffle" else 0.1), ("syncop", 0.7)])
    bp = ctx.add_part("bass", "bass", wchoice(rng, [(34, 3), (33, 3), (32, 0.3)]), volume=vol(rng, 98), timing_ms=h)
    P.bass_line(ctx, bp, bstyle, lo=rng.choice([28, 31, 33]))
    ctx.params["bass"] = bstyle
    gprog = wchoice(rng, [(29, 4), (30, 3), (27, 0.6)])
    rg = ctx.add_part("guitar", "guitar", gprog, volume=vol(rng, 96), pan=pan(rng, 40, 20), timing_ms=h)
    if gprog == 27 or rng.random() < 0.25:
        P.strum(ctx, rg, vel=90, spread_ms=(6, 18), patterns=[[(0, "D"), (0.5, "D"), (1, "D"), (1.5, "U"), (2, "D"), (2.5, "D"), (3, "D"), (3.5, "U")],
                                                            [(0, "D"), (1, "D"), (1.5, "U"), (2.5, "U"), (3, "D"), (3.5, "U")], [(0, "D"), (1.5, "D"), (3, "D")]])
    elif feel == "shuffle" and rng.random() < 0.6:
        shuffle_riff(ctx, rg, low=40)
    else:
        P.power_chords(ctx, rg)
    second = wchoice(rng, [("double", 2), ("clean_arp", 1.5), ("acoustic", 1), ("organ", 1), ("piano", 0.8), ("none", 1.5)])
    if second == "double":
        g2 = ctx.add_part("guitar2", "guitar", gprog, volume=vol(rng, 92), pan=pan(rng, 100, 20), timing_ms=h)
        P.power_chords(ctx, g2, plays=not_sections("intro", "verse") if rng.random() < 0.5 else P._always)
    elif second == "clean_arp":
        g2 = ctx.add_part("guitar2", "guitar", wchoice(rng, [(27, 3), (26, 1)]), volume=vol(rng, 82), pan=pan(rng, 90, 25), timing_ms=h)
        P.arpeggio(ctx, g2, center=60, step=0.5, pattern=rng.choice(["up", "updown", "random"]), vel=68, span=1, plays=sections("verse", "intro", "bridge"))
    elif second == "acoustic":
        g2 = ctx.add_part("acoustic", "guitar", 25, volume=vol(rng, 80), pan=pan(rng, 90, 25), timing_ms=h)
        P.strum(ctx, g2, vel=80)
    elif second == "organ":
        og = ctx.add_part("organ", "keys", wchoice(rng, [(18, 2), (16, 2), (17, 1)]), volume=vol(rng, 75), pan=pan(rng))
        P.pad(ctx, og, center=60, vel=65, size=4, plays=not_sections("intro"))
    elif second == "piano":
        pp = ctx.add_part("piano", "keys", wchoice(rng, [(0, 2), (1, 2), (3, 0.5)]), volume=vol(rng, 78), pan=pan(rng), timing_ms=h)
        P.block_chords(ctx, pp, center=64, step=0.5, vel=70, left_hand=False)
    ctx.params["second"] = second
    lead = wchoice(rng, [(29, 3), (30, 3), (27, 0.6), (53, 0.6), (85, 0.4), (18, 0.3), (66, 0.2)])
    lp = ctx.add_part("lead", "lead", lead, volume=vol(rng, 98), pan=pan(rng, 64, 15), timing_ms=h)
    sc = ctx.scale_of("minor_pentatonic") if (minor or rng.random() < 0.5) else ctx.scale_of("major_pentatonic")
    P.melody(ctx, lp, lo=rng.choice([57, 60, 64]), hi=rng.choice([84, 88]), scale=sc, grid=rng.choice([0.25, 0.5]), density=rng.uniform(0.5, 0.8),
             phrase_bars=2, rest_prob=0.15, plays=sections("solo", "intro") if rng.random() < 0.6 else sections("solo"), bends=0.3)
    P.melody(ctx, lp, lo=57, hi=79, scale=ctx.scale, grid=0.5, density=rng.uniform(0.3, 0.5), phrase_bars=2, rest_prob=0.35,
             plays=sections("verse", "chorus") if rng.random() < 0.55 else sections("chorus"), repeat_motif=0.8, bends=0.1)
    ctx.params["lead"] = lead


COMPOSERS = {
    "blues": blues, "classical": classical, "country": country, "disco": disco, "hiphop": hiphop,
    "jazz": jazz, "metal": metal, "pop": pop, "reggae": reggae, "rock": rock,
}
