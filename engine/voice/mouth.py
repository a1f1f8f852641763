"""Mouth shape from the voice: opening from loudness over the speaker's own noise floor and
speaking level (both tracked as they go), less for unvoiced sounds; width from the spectral
centroid (spread lips brighten the voice, rounded lips darken it)."""
from __future__ import annotations

from dataclasses import dataclass

from .features import HOP, SAMPLE_RATE, VoiceFrame

HOP_S = HOP / SAMPLE_RATE
FLOOR_RISE_DB = 2.0  # per second: the noise floor creeps up (and drops at once to a quieter level)
PEAK_FALL_DB = 3.0  # per second: the speaking level decays slowly (and jumps to a louder one)
MIN_RANGE_DB = 18.0  # the speaking level is at least this far above the floor
GATE_DB = 6.0  # quieter than this over the floor is silence
ATTACK_S, RELEASE_S = 0.015, 0.1  # the jaw opens fast and closes a little slower
UNVOICED = 0.3  # an unvoiced sound (s, f, t) opens the mouth this much of its loudness
CENTROID_MID, CENTROID_SPAN = 1500.0, 1500.0  # Hz: neutral width, and the span to full spread


@dataclass(frozen=True)
class MouthShape:
    time: float
    open: float  # 0 closed to 1 wide open (Edits.mouth_open)
    width: float  # -1 rounded to 1 spread (drives Edits.smile, scaled down)
    level: float  # 0 to 1: loudness over the floor, for a level meter
    speaking: bool


class VoiceMouth:
    def __init__(self):
        self._floor = -60.0
        self._peak = self._floor + MIN_RANGE_DB
        self._open = 0.0
        self._width = 0.0

    def __call__(self, frame: VoiceFrame) -> MouthShape:
        level = frame.level_db
        self._floor = min(self._floor + FLOOR_RISE_DB * HOP_S, level)
        self._peak = max(self._peak - PEAK_FALL_DB * HOP_S, level, self._floor + MIN_RANGE_DB)
        loudness = (level - self._floor - GATE_DB) / (self._peak - self._floor - GATE_DB)
        loudness = min(max(loudness, 0.0), 1.0)
        target = loudness * (UNVOICED + (1 - UNVOICED) * frame.voicing)
        tau = ATTACK_S if target > self._open else RELEASE_S
        self._open += (target - self._open) * min(1.0, HOP_S / tau)
        spread = min(max((frame.centroid_hz - CENTROID_MID) / CENTROID_SPAN, -1.0), 1.0)
        self._width += (spread * min(1.0, 2 * loudness) - self._width) * min(1.0, HOP_S / 0.05)
        return MouthShape(frame.time, self._open, self._width, loudness, loudness > 0.05)
