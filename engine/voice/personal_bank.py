"""The user's own head motion, learned from webcam sessions: while the face is tracked, every
CLIP_S seconds of continuous motion becomes a clip. Saved per user; can be cleared."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from ..user_data import data_folder
from .head_motion import CLIP_FPS, MotionClip

CLIP_S = 3.0
MAX_CLIPS = 120  # the newest are kept (about six minutes of motion)
MAX_ANGLE = 35.0  # degrees: a clip with a larger turn is a glitch or a look away, not kept
MIN_TO_USE = 3  # voice mode uses the personal bank once it holds this many clips


def default_bank_path() -> Path:
    """Where the user's bank lives: in their data folder (user_data)."""
    return data_folder() / "motion_bank.npz"


class PersonalBank:
    """observe() runs on the pipeline's thread; save() and clear() on the app's."""

    def __init__(self, path: Path | None = None):
        self.path = path or default_bank_path()
        self.clips: list[MotionClip] = []
        self._times: list[float] = []
        self._angles: list[np.ndarray] = []
        self._lock = threading.Lock()
        self._unsaved = False
        if self.path.is_file():
            try:
                with np.load(self.path) as stored:
                    self.clips = [MotionClip(stored[k], "personal") for k in sorted(stored.files)]
            except (OSError, ValueError):  # unreadable: start afresh (the file is replaced on save)
                self.clips = []

    @property
    def usable(self) -> bool:
        return len(self.clips) >= MIN_TO_USE

    def observe(self, t: float, angles: np.ndarray | None) -> None:
        """The driver's head (yaw, pitch, roll) at time `t`, or None where no face was seen."""
        with self._lock:
            self._observe(t, angles)

    def _observe(self, t: float, angles: np.ndarray | None) -> None:
        if angles is None or (self._times and t - self._times[-1] > 0.25):
            self._times, self._angles = [], []  # a gap: motion across it is not the user's
            if angles is None:
                return
        self._times.append(t)
        self._angles.append(np.asarray(angles, float))
        if t - self._times[0] >= CLIP_S:
            self._cut()

    def _cut(self) -> None:
        times = np.array(self._times)
        angles = np.array(self._angles)
        grid = times[0] + np.arange(int(CLIP_S * CLIP_FPS)) / CLIP_FPS
        clip = np.stack([np.interp(grid, times, angles[:, k]) for k in range(3)], 1)
        self._times, self._angles = [], []
        clip -= clip.mean(0)
        if np.abs(clip).max() <= MAX_ANGLE:
            self.clips = (self.clips + [MotionClip(clip, "personal")])[-MAX_CLIPS:]
            self._unsaved = True

    def save(self) -> None:
        """Atomically (an interrupted save leaves the previous bank), and only when it has
        learned something since it was loaded."""
        with self._lock:
            if not self._unsaved:
                return
            clips, self._unsaved = list(self.clips), False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".saving.npz")
        np.savez(temporary, **{f"clip{i:04d}": c.angles for i, c in enumerate(clips)})
        os.replace(temporary, self.path)

    def clear(self) -> None:
        """Forget every clip, the saved ones too."""
        with self._lock:
            self.clips = []
            self._times, self._angles = [], []
            self._unsaved = False
            self.path.unlink(missing_ok=True)
