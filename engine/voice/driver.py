"""Voice driving: the mouth from the voice, head motion and blinks from the motion clips, as a
Motion of the portrait by itself (its own landmarks are the driver's reference), so voice
frames go through the same retargeting, edits and rendering as camera frames."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..editing import Edits
from ..expression import head_turn
from ..motion import Motion
from ..session import Analysis
from .head_motion import Blinker, HeadMotion, MotionClip
from .mouth import MouthShape

MOUTH_GAIN = 0.9  # a loud vowel opens the mouth this much of the mouth_open control's range
WIDTH_GAIN = 0.35  # full spread or rounding, as smile
VOICE_REFERENCE_ID = -1  # the smoother's reference id for voice motion


@dataclass(frozen=True)
class VoiceSettings:
    liveliness: float = 0.5  # 0 still, 0.5 ordinary, 1 animated
    seed: int = 0  # the same seed and voice give the same motion


class VoiceDriver:
    def __init__(self, portrait_landmarks: np.ndarray, clips: list[MotionClip],
                 settings: VoiceSettings = VoiceSettings()):
        self._landmarks = portrait_landmarks
        self.head = HeadMotion(clips, settings.seed, settings.liveliness)
        self._blinks = Blinker(settings.seed)

    def motion(self, t: float, mouth: MouthShape | None) -> Motion:
        """The portrait's motion at time `t` (seconds, increasing) for the voice's latest
        mouth shape (None: silence)."""
        speaking = mouth is not None and mouth.speaking
        yaw, pitch, roll = self.head.at(t, speaking)
        edits = Edits(mouth_open=MOUTH_GAIN * mouth.open if mouth else 0.0,
                      smile=float(np.clip(WIDTH_GAIN * mouth.width, -1, 1)) if mouth else 0.0,
                      eye_open=-self._blinks.at(t))
        pose = head_turn(self._landmarks, yaw, pitch, roll)
        return Motion(pose, edits.expression_offset(self._landmarks), self._landmarks,
                      VOICE_REFERENCE_ID)

    def analysis(self, t: float, mouth: MouthShape | None) -> Analysis:
        """A measured frame, as Session.render takes it, from the voice."""
        start = time.perf_counter()
        motion = self.motion(t, mouth)
        return Analysis(t, False, None, motion,
                        {"track": 0.0, "motion": (time.perf_counter() - start) * 1000.0})
