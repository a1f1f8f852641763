"""A generated driving source for machines without a camera: the default portrait, animated
by procedural talking-head motion (sway, speech-like mouth, blinks)."""
from __future__ import annotations

import numpy as np

from .animator import PortraitAnimator
from .expression import close_eyes, open_mouth, turn_head
from .portrait import Portrait, load_portrait
from .sources import FrameSource


def demo_target(landmarks: np.ndarray, t: float) -> np.ndarray:
    """The portrait's landmarks at time `t` (s) of the demo motion."""
    syllables = np.abs(np.sin(2 * np.pi * 1.9 * t)) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.37 * t))
    mouth = 0.32 * syllables * (np.sin(2 * np.pi * t / 6.0) > -0.6)  # pauses
    phase = t % 3.1
    blink = float(np.clip(1 - abs(phase - 0.1) / 0.1, 0, 1))
    points = close_eyes(open_mouth(landmarks, mouth), blink)
    return turn_head(points, yaw=12 * np.sin(2 * np.pi * t / 5.0),
                     pitch=6 * np.sin(2 * np.pi * t / 3.7 + 1.0),
                     roll=4 * np.sin(2 * np.pi * t / 6.3 + 2.0))


class DemoDriver(FrameSource):
    """`seconds` of demo frames, each rendered when first read and kept (a loop costs no
    more, and the first frame comes at once); endless (looping) unless `loop=False`, when it
    ends like a video file."""

    def __init__(self, portrait: Portrait | None = None, fps: float = 25.0, seconds: float = 8.0,
                 loop: bool = True):
        portrait = portrait or load_portrait()
        size = (portrait.size[0] // 2 * 2, portrait.size[1] // 2 * 2)
        self._animate = PortraitAnimator(portrait, size)
        self._landmarks = portrait.landmarks
        self._frames: list[np.ndarray | None] = [None] * int(seconds * fps)
        self._next = 0
        self._loop = loop
        self.fps = fps
        self.frame_count = None if loop else len(self._frames)
        self.size = size
        self.name = "demo driver"

    def read(self) -> np.ndarray | None:
        if not self._loop and self._next >= len(self._frames):
            return None
        i = self._next % len(self._frames)
        if self._frames[i] is None:
            self._frames[i] = self._animate(demo_target(self._landmarks, i / self.fps))
        self._next += 1
        return self._frames[i]

    def close(self) -> None:
        self._frames = []
