"""A minimal Standard MIDI File (format 1) writer: deterministic bytes, no dependencies."""

import struct


def vlq(n):
    """Variable-length quantity."""
    if n < 0:
        raise ValueError("negative delta time")
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(reversed(out))


def meta(kind, data):
    return bytes([0xFF, kind]) + vlq(len(data)) + data


def track_name(name):
    return meta(0x03, name.encode("ascii", "replace")[:60])


def tempo(bpm):
    us = max(1, min(0xFFFFFF, int(round(60_000_000 / bpm))))
    return meta(0x51, us.to_bytes(3, "big"))


def time_signature(numerator, denominator=4):
    dd = {1: 0, 2: 1, 4: 2, 8: 3, 16: 4}[denominator]
    return meta(0x58, bytes([numerator, dd, 24, 8]))


def program_change(channel, program):
    return bytes([0xC0 | channel, program & 0x7F])


def control_change(channel, controller, value):
    return bytes([0xB0 | channel, controller & 0x7F, max(0, min(127, int(value)))])


def pitch_bend(channel, value):
    v = max(0, min(16383, int(value) + 8192))
    return bytes([0xE0 | channel, v & 0x7F, v >> 7])


def note_on(channel, pitch, velocity):
    return bytes([0x90 | channel, pitch & 0x7F, max(1, min(127, int(velocity)))])


def note_off(channel, pitch):
    return bytes([0x80 | channel, pitch & 0x7F, 0])


def track_chunk(events):
    """events: (tick, order, message bytes); sorted by (tick, order) stably, then encoded."""
    data = bytearray()
    last = 0
    for tick, _order, msg in sorted(events, key=lambda e: (e[0], e[1])):
        data += vlq(tick - last)
        data += msg
        last = tick
    data += vlq(0) + meta(0x2F, b"")
    return b"MTrk" + struct.pack(">I", len(data)) + bytes(data)


def write_smf(tracks, ppq):
    """tracks: list of event lists (see track_chunk). Returns the file's bytes."""
    out = bytearray(b"MThd" + struct.pack(">IHHH", 6, 1, len(tracks), ppq))
    for events in tracks:
        out += track_chunk(events)
    return bytes(out)
