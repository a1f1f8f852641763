"""Head motion for voice mode: short motion clips (yaw, pitch, roll) chained with cross-fades,
each scaled by a gain drawn around the liveliness, livelier while speaking; and blinks at
natural intervals. The same seed gives the same motion; another seed, other motion from the
same clips (the one-to-many idea of OSM-Net)."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

CLIP_FPS = 30.0
FADE_S = 0.5  # consecutive clips cross-fade over this long
GAIN_SPREAD = 0.35  # each clip's gain: liveliness gain x (1 +- this)
QUIET = 0.55  # motion while silent, as a share of motion while speaking
# A slow gain control keeps each axis's motion near this RMS (degrees, at liveliness 0.5 while
# speaking) over a few seconds: a run of clips that hardly nod still nods a little.
TYPICAL_DEG = np.array([3.0, 3.0, 1.3])  # yaw, pitch, roll
LEVEL_TAU_S = 3.0
LEVEL_LIMITS = (0.6, 2.2)
SPEAKING_TAU_S = 0.6  # how fast the speaking share follows the voice
USED_KEPT = 64  # clips remembered as used (an hour-long call must not grow a list)
BLINK_EVERY_S = (1.5, 3.4)  # shortest interval, mean interval
BLINK_CLOSE_S, BLINK_HOLD_S, BLINK_OPEN_S = 0.07, 0.03, 0.12


@dataclass(frozen=True)
class MotionClip:
    angles: np.ndarray  # (n, 3) yaw, pitch, roll in degrees at CLIP_FPS, about the clip's mean
    source: str  # "default" or "personal"

    @property
    def seconds(self) -> float:
        return len(self.angles) / CLIP_FPS

    def sample(self, seconds: float) -> np.ndarray:
        """The angles `seconds` into the clip (linear between samples)."""
        x = min(max(seconds * CLIP_FPS, 0.0), len(self.angles) - 1.0)
        i = min(int(x), len(self.angles) - 2)
        return self.angles[i] + (x - i) * (self.angles[i + 1] - self.angles[i])

    @property
    def energy(self) -> float:
        """How much the head moves in it: the RMS of its yaw and pitch (degrees)."""
        return float(np.sqrt((self.angles[:, :2] ** 2).mean()))


def _bump(n: int, start: float, length: float) -> np.ndarray:
    """A raised-cosine bump over [start, start + length) of n samples (fractions of n)."""
    t = np.arange(n) / n
    inside = (t >= start) & (t < start + length)
    out = np.zeros(n)
    out[inside] = 0.5 - 0.5 * np.cos(2 * np.pi * (t[inside] - start) / length)
    return out


def _drift(rng: np.random.Generator, n: int, std: float, cutoff_hz: float) -> np.ndarray:
    """Slow random motion: white noise low-passed (Gaussian) to `cutoff_hz`, scaled to `std`."""
    from scipy.ndimage import gaussian_filter1d

    noise = gaussian_filter1d(rng.standard_normal(n + 60), CLIP_FPS / (2 * np.pi * cutoff_hz))[30:-30]
    return noise / max(noise.std(), 1e-9) * std


def default_bank() -> list[MotionClip]:
    """Nods, tilts, small turns, talking sway and near-stillness: 2-4 s each, the same every
    time (drawn from a fixed seed)."""
    rng = np.random.default_rng(20261121)
    clips = []
    for kind in ("nod", "tilt", "turn", "sway", "still") * 5:
        n = int(rng.uniform(2.0, 4.0) * CLIP_FPS)
        angles = np.stack([_drift(rng, n, s, 0.6) for s in (1.6, 1.6, 0.8)], 1)
        side = rng.choice([-1.0, 1.0])
        if kind == "nod":  # one or two dips down and back
            for k in range(rng.integers(1, 3)):
                angles[:, 1] += rng.uniform(4, 8) * _bump(n, 0.1 + 0.4 * k, 0.35)
        elif kind == "tilt":
            angles[:, 2] += side * rng.uniform(3, 6) * _bump(n, 0.1, 0.8)
        elif kind == "turn":
            angles[:, 0] += side * rng.uniform(6, 10) * _bump(n, 0.1, 0.8)
        elif kind == "sway":
            angles += np.stack([_drift(rng, n, s, 0.8) for s in (3.5, 3.0, 1.5)], 1)
        else:
            angles *= 0.5
        clips.append(MotionClip(angles - angles.mean(0), "default"))
    return clips


class HeadMotion:
    """Angles (yaw, pitch, roll, degrees) at increasing times, about `centre`."""

    def __init__(self, clips: list[MotionClip], seed: int = 0, liveliness: float = 0.5,
                 centre: tuple[float, float, float] = (0.0, 0.0, 0.0)):
        if not clips:
            raise ValueError("no motion clips")
        self.clips = clips
        self.liveliness = liveliness
        self.centre = np.asarray(centre, float)
        self._rng = np.random.default_rng(seed)
        self._energies = np.array([max(c.energy, 0.1) for c in clips])
        self._mean_square = TYPICAL_DEG ** 2
        # (start, clip, gain, fades in): the first clip starts at full weight
        self._playing: list[tuple[float, MotionClip, float, bool]] = []
        self._speaking = 1.0  # voice mode starts as if speaking (it takes over mid-conversation)
        self._last_t: float | None = None
        self.used: deque[MotionClip] = deque(maxlen=USED_KEPT)  # the clips started, newest last

    def _gain(self) -> float:
        """Each clip's own gain, drawn about 1 (the variety between repeats of a clip)."""
        return 1 + GAIN_SPREAD * self._rng.uniform(-1, 1)

    def _start(self, at: float) -> None:
        """The next clip: while speaking, livelier clips are likelier (in proportion to how
        much they move); while silent, any."""
        weights = self._energies if self._speaking > 0.5 else np.ones(len(self.clips))
        clip = self.clips[self._rng.choice(len(self.clips), p=weights / weights.sum())]
        self._playing.append((at, clip, self._gain(), bool(self.used)))
        self.used.append(clip)

    def at(self, t: float, speaking: bool = True) -> np.ndarray:
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t
        self._speaking += (float(speaking) - self._speaking) * min(1.0, dt / SPEAKING_TAU_S)
        if not self._playing:
            self._start(t)
        start, clip = self._playing[-1][:2]
        while t >= start + clip.seconds - FADE_S:  # the next clip fades in as this one ends
            self._start(start + clip.seconds - FADE_S)
            start, clip = self._playing[-1][:2]
        self._playing = [p for p in self._playing if t < p[0] + p[1].seconds]
        total = np.zeros(3)
        for start, clip, gain, fades_in in self._playing:
            local = t - start
            fade_in = min(1.0, local / FADE_S) if fades_in else 1.0
            fade_out = min(1.0, (clip.seconds - local) / FADE_S)
            weight = 0.5 - 0.5 * np.cos(np.pi * min(fade_in, fade_out))
            total += weight * gain * clip.sample(local)
        self._mean_square += (total ** 2 - self._mean_square) * min(1.0, dt / LEVEL_TAU_S)
        level = np.clip(TYPICAL_DEG / np.sqrt(np.maximum(self._mean_square, 1e-6)), *LEVEL_LIMITS)
        return self.centre + total * level * (2 * self.liveliness) * (
            QUIET + (1 - QUIET) * self._speaking)


class Blinker:
    """Blink amount (0 open, 1 shut) at increasing times; intervals drawn from a gamma
    distribution (never shorter than the first of BLINK_EVERY_S)."""

    def __init__(self, seed: int = 0):
        self._rng = np.random.default_rng(seed + 1)
        self._next = self._interval()

    def _interval(self) -> float:
        low, mean = BLINK_EVERY_S
        return low + self._rng.gamma(2.0, (mean - low) / 2.0)

    def at(self, t: float) -> float:
        while t > self._next + BLINK_CLOSE_S + BLINK_HOLD_S + BLINK_OPEN_S:
            self._next += self._interval()
        local = t - self._next
        if local < 0:
            return 0.0
        if local < BLINK_CLOSE_S:
            return local / BLINK_CLOSE_S
        if local < BLINK_CLOSE_S + BLINK_HOLD_S:
            return 1.0
        return max(0.0, 1.0 - (local - BLINK_CLOSE_S - BLINK_HOLD_S) / BLINK_OPEN_S)
