"""Camera, voice, or automatic: in automatic mode the voice takes over once the face has been
lost for TAKE_OVER_S and hands back when it returns, cross-fading the two targets over
HANDOVER_S so the head never jumps. While the face is tracked, the user's head motion feeds
the personal bank."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from ..geometry import rotation_to_euler_deg
from ..session import Analysis, Session
from . import MODES
from .driver import VoiceDriver, VoiceSettings
from .head_motion import default_bank
from .mouth import MouthShape
from .personal_bank import PersonalBank

TAKE_OVER_S = 1.0
HANDOVER_S = 0.5


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"voice mode '{mode}' is not one of {', '.join(MODES)}")


@dataclass(frozen=True)
class Drive:
    """What drives one output frame: the camera's analysis, the voice's (None when silent in
    the mix), and the voice's share of the target (0 to 1)."""

    camera: Analysis
    voice: Analysis | None
    voice_weight: float

    @property
    def mode(self) -> str:
        return "voice" if self.voice_weight >= 0.5 else "camera"


class VoiceMode:
    def __init__(self, mode: str = "auto",
                 microphone: Callable[[], MouthShape | None] = lambda: None,
                 settings: VoiceSettings = VoiceSettings(), bank: PersonalBank | None = None):
        self.mode = mode
        self.settings = settings
        self.microphone = microphone
        self.bank = bank
        self._driver: tuple[int, VoiceDriver] | None = None
        self._weight = 0.0
        self._last_seen: float | None = None
        self._first: float | None = None
        self._last: float | None = None

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        """Takes effect at the next frame, through the usual cross-fade."""
        check_mode(mode)
        self._mode = mode

    def set_liveliness(self, liveliness: float) -> None:
        """How much the head moves, from the next frame on (the motion goes on, rescaled)."""
        self.settings = replace(self.settings, liveliness=liveliness)
        if self._driver is not None:
            self._driver[1].head.liveliness = liveliness

    def drive(self, session: Session, camera: Analysis, learn: bool = True) -> Drive:
        """`learn`: the camera shows the user (a webcam), so their motion feeds the personal
        bank; not for a video file or the demo driver, whose motion is someone else's."""
        now = camera.timestamp
        dt = 0.0 if self._last is None else max(0.0, now - self._last)
        self._last = now
        self._first = now if self._first is None else self._first
        if camera.face_found and camera.motion is not None:
            self._last_seen = now
            if self.bank is not None and learn:
                self.bank.observe(now, rotation_to_euler_deg(camera.motion.pose.rotation))
        elif self.bank is not None:
            self.bank.observe(now, None)
        lost_for = now - (self._last_seen if self._last_seen is not None else self._first)
        wanted = self.mode == "voice" or (self.mode == "auto" and lost_for >= TAKE_OVER_S)
        if wanted and self._weight == 0.0:
            self._driver = None  # a fresh start: it takes the bank as it is now
        step = dt / HANDOVER_S
        self._weight = min(1.0, self._weight + step) if wanted else max(0.0, self._weight - step)
        if self._weight == 0.0:
            return Drive(camera, None, 0.0)
        voice = self.driver_for(session).analysis(now, self.microphone())
        return Drive(camera, voice, self._weight)

    def driver_for(self, session: Session) -> VoiceDriver:
        """One driver per session (portrait), with the personal bank once it has enough."""
        if self._driver is None or self._driver[0] != id(session):
            clips = self.bank.clips if self.bank is not None and self.bank.usable else default_bank()
            self._driver = (id(session), VoiceDriver(session.portrait.landmarks, clips,
                                                     self.settings))
        return self._driver[1]
