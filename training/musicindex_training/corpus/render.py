"""MIDI -> audio with libfluidsynth (through ctypes; no Python binding needed).

Each clip gets a fresh synth with fixed settings (no chorus or reverb in the synth: reverb is
post-processing), so the audio depends only on the MIDI, the soundfont and these settings, not
on what the worker rendered before. A keeper synth per soundfont holds the loaded samples, so
fluidsynth's sample cache makes the per-clip load cheap (the .sf3 decodes once per process).
"""

import ctypes
import ctypes.util
import glob
import os

import numpy as np

SAMPLE_RATE = 22050
SOUNDFONT_DIRS = ("/usr/share/sounds/sf2", "/usr/share/sounds/sf3", "/usr/share/soundfonts")
SETTINGS = {
    "synth.sample-rate": float(SAMPLE_RATE),
    "synth.gain": 0.4,
    "synth.polyphony": 256,
    "synth.reverb.active": 0,
    "synth.chorus.active": 0,
    "synth.cpu-cores": 1,
    "synth.lock-memory": 0,
    "synth.dynamic-sample-loading": 0,
    "player.timing-source": "sample",
    "player.reset-synth": 1,
}
_BLOCK = 4096
_PLAYER_PLAYING = 1

_lib = None


class FluidsynthMissing(RuntimeError):
    pass


def _load_lib():
    global _lib
    if _lib is not None:
        return _lib
    name = ctypes.util.find_library("fluidsynth")
    candidates = [n for n in (name, "libfluidsynth.so.3", "libfluidsynth.so.2", "libfluidsynth.so") if n]
    lib = None
    for n in candidates:
        try:
            lib = ctypes.CDLL(n)
            break
        except OSError:
            continue
    if lib is None:
        raise FluidsynthMissing("libfluidsynth not found: run scripts/install-training-deps.sh (Debian package fluidsynth)")
    vp, cp, ci, cd, sz = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_double, ctypes.c_size_t
    sig = {
        "new_fluid_settings": (vp, []),
        "delete_fluid_settings": (None, [vp]),
        "fluid_settings_setnum": (ci, [vp, cp, cd]),
        "fluid_settings_setint": (ci, [vp, cp, ci]),
        "fluid_settings_setstr": (ci, [vp, cp, cp]),
        "new_fluid_synth": (vp, [vp]),
        "delete_fluid_synth": (None, [vp]),
        "fluid_synth_sfload": (ci, [vp, cp, ci]),
        "fluid_synth_write_float": (ci, [vp, ci, vp, ci, ci, vp, ci, ci]),
        "new_fluid_player": (vp, [vp]),
        "delete_fluid_player": (None, [vp]),
        "fluid_player_add_mem": (ci, [vp, cp, sz]),
        "fluid_player_play": (ci, [vp]),
        "fluid_player_stop": (ci, [vp]),
        "fluid_player_get_status": (ci, [vp]),
        "fluid_set_log_function": (vp, [ci, vp, vp]),
        "fluid_version_str": (cp, []),
    }
    for fname, (res, args) in sig.items():
        f = getattr(lib, fname)
        f.restype = res
        f.argtypes = args
    # quiet: no warnings/info/debug on stderr (missing-preset fallbacks and the like)
    for level in (2, 3, 4):  # FLUID_WARN, FLUID_INFO, FLUID_DBG
        lib.fluid_set_log_function(level, None, None)
    _lib = lib
    return lib


def fluidsynth_version():
    try:
        return _load_lib().fluid_version_str().decode()
    except FluidsynthMissing:
        return None


def available():
    try:
        _load_lib()
        return True
    except FluidsynthMissing:
        return False


def find_soundfonts(dirs=SOUNDFONT_DIRS):
    """General MIDI soundfonts installed by the Debian packages: real files, deduplicated
    (default-GM.* and similar links point at the same files), sorted by name."""
    seen = {}
    for d in dirs:
        for pattern in ("*.sf2", "*.sf3"):
            for path in glob.glob(os.path.join(d, pattern)):
                real = os.path.realpath(path)
                if os.path.isfile(real):
                    seen.setdefault(real, real)
    return sorted(seen, key=lambda p: (os.path.basename(p), p))


def _settings(lib, sample_rate):
    s = lib.new_fluid_settings()
    for key, value in SETTINGS.items():
        if key == "synth.sample-rate":
            value = float(sample_rate)
        if isinstance(value, float):
            lib.fluid_settings_setnum(s, key.encode(), value)
        elif isinstance(value, int):
            lib.fluid_settings_setint(s, key.encode(), value)
        else:
            lib.fluid_settings_setstr(s, key.encode(), value.encode())
    return s


class Renderer:
    """Renders MIDI bytes with a chosen soundfont; one per process."""

    def __init__(self, sample_rate=SAMPLE_RATE):
        self.lib = _load_lib()
        self.sample_rate = sample_rate
        self._keepers = {}

    def _keep(self, soundfont):
        if soundfont not in self._keepers:
            s = _settings(self.lib, self.sample_rate)
            synth = self.lib.new_fluid_synth(s)
            if self.lib.fluid_synth_sfload(synth, soundfont.encode(), 1) < 0:
                raise RuntimeError(f"fluidsynth could not load {soundfont}")
            self._keepers[soundfont] = (s, synth)

    def render(self, midi, soundfont, seconds):
        """Stereo float32 audio [n, 2] of exactly `seconds` from the start of the MIDI."""
        lib = self.lib
        self._keep(soundfont)
        settings = _settings(lib, self.sample_rate)
        synth = lib.new_fluid_synth(settings)
        player = None
        try:
            if lib.fluid_synth_sfload(synth, soundfont.encode(), 1) < 0:
                raise RuntimeError(f"fluidsynth could not load {soundfont}")
            player = lib.new_fluid_player(synth)
            if lib.fluid_player_add_mem(player, midi, len(midi)) != 0:
                raise RuntimeError("fluidsynth refused the MIDI data")
            lib.fluid_player_play(player)
            n = int(round(seconds * self.sample_rate))
            out = np.zeros((n, 2), dtype=np.float32)
            for i in range(0, n, _BLOCK):
                m = min(_BLOCK, n - i)
                view = out[i:i + m]
                ptr = view.ctypes.data
                lib.fluid_synth_write_float(synth, m, ptr, 0, 2, ptr, 1, 2)
            return out
        finally:
            if player is not None:
                lib.fluid_player_stop(player)
                lib.delete_fluid_player(player)
            lib.delete_fluid_synth(synth)
            lib.delete_fluid_settings(settings)
