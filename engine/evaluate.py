"""Evaluation protocols (DESIGN §7). Self-reenactment: frame 0 of a clip is the portrait, the
clip drives it, and the clip itself is the ground truth."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import metrics
from .portrait import portrait_from_image
from .session import Session, Settings
from .sources import read_all_frames
from .tracking import FaceTracker


@dataclass
class SelfReenactment:
    clip: str
    frames: int = 0
    psnr: list[float] = field(default_factory=list)
    ssim: list[float] = field(default_factory=list)
    l1: list[float] = field(default_factory=list)
    face_psnr: list[float] = field(default_factory=list)
    face_ssim: list[float] = field(default_factory=list)
    face_l1: list[float] = field(default_factory=list)
    akd: list[float] = field(default_factory=list)
    missed: int = 0  # frames where a face was not found on the output or the truth

    COLUMNS = ("psnr", "ssim", "l1", "face_psnr", "face_ssim", "face_l1", "akd")

    def means(self) -> dict[str, float]:
        return {c: float(np.mean(getattr(self, c))) if getattr(self, c) else float("nan")
                for c in self.COLUMNS}


def self_reenactment(clip: str | Path, settings: Settings = Settings(),
                     outputs: list[np.ndarray] | None = None) -> SelfReenactment:
    """Run the protocol on one clip. Frame 0 is excluded from the means (it is the portrait).
    Pass a list as `outputs` to receive the rendered frames."""
    frames, fps = read_all_frames(clip)
    h, w = frames[0].shape[:2]
    result = SelfReenactment(Path(clip).name, len(frames))
    portrait = portrait_from_image(frames[0], name=f"frame 0 of {result.clip}")
    with Session(portrait, (w, h), settings) as session, \
            FaceTracker(video=True) as truth_tracker, FaceTracker(video=True) as out_tracker:
        for i, truth in enumerate(frames):
            out = session.process(truth, i / fps).image
            if outputs is not None:
                outputs.append(out)
            truth_lm = truth_tracker.track(truth).landmarks
            out_lm = out_tracker.track(out).landmarks
            if i == 0:
                continue
            result.psnr.append(metrics.psnr(out, truth))
            result.ssim.append(metrics.ssim(out, truth))
            result.l1.append(metrics.l1(out, truth))
            if truth_lm is None or out_lm is None:
                result.missed += 1
                continue
            box = metrics.face_box(truth_lm, truth.shape)
            result.face_psnr.append(metrics.psnr(out[box], truth[box]))
            result.face_ssim.append(metrics.ssim(out[box], truth[box]))
            result.face_l1.append(metrics.l1(out[box], truth[box]))
            result.akd.append(metrics.akd(out_lm, truth_lm))
    return result
