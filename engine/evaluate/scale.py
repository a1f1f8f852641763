"""Different-scale protocol (OSTNet): the driving clip stretched horizontally or vertically
must drive the portrait (nearly) as the original clip does. How wide or tall the driver's face
is belongs to the driver's identity; only its motion may reach the portrait."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .. import metrics
from ..portrait import Portrait, load_portrait
from .common import Table, animate, find_landmarks, read_clip

DEFAULT_FACTORS = ((0.75, 1.0), (1.0, 0.75), (1.3, 1.0), (1.0, 1.3))
# The bar to show: every clip and factor at or above this face SSIM and at or below this
# landmark distance.
SSIM_BAR = 0.97
LANDMARK_BAR = 0.015


def _resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    shrink = size[0] * size[1] < image.shape[0] * image.shape[1]
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def stretch_frame(frame: np.ndarray, fx: float, fy: float) -> np.ndarray:
    """The frame resized by (fx, fy), padded evenly on both sides back to its own aspect, then
    resized to its own size: the picture keeps its size while what it shows is stretched by
    fx / fy. The padding is black, a plain border; repeating the edge pixels would smear the
    background into stripes."""
    h, w = frame.shape[:2]
    sw, sh = max(1, round(w * fx)), max(1, round(h * fy))
    cw, ch = max(sw, round(sh * w / h)), max(sh, round(sw * h / w))
    left, top = (cw - sw) // 2, (ch - sh) // 2
    padded = cv2.copyMakeBorder(_resize(frame, (sw, sh)), top, ch - sh - top, left,
                                cw - sw - left, cv2.BORDER_CONSTANT, value=0)
    return _resize(padded, (w, h))


@dataclass
class DifferentScale:
    clip: str
    factor: tuple[float, float]  # (fx, fy)
    frames: int = 0
    face_ssim: list[float] = field(default_factory=list)  # on the original-driver output's face
    landmark_distance: list[float] = field(default_factory=list)  # metrics.akd, the two outputs
    missed: int = 0  # frames where a face was not found on either output

    COLUMNS = ("face_ssim", "lm_dist", "missed")

    @property
    def label(self) -> str:
        return f"{self.clip} {self.factor[0]:g}x{self.factor[1]:g}"

    def row(self) -> dict[str, float]:
        return {"face_ssim": float(np.mean(self.face_ssim)),
                "lm_dist": float(np.mean(self.landmark_distance)), "missed": self.missed}


def different_scale(clip: str | Path, portrait: Portrait,
                    factors: tuple[tuple[float, float], ...] = DEFAULT_FACTORS,
                    max_frames: int | None = None) -> list[DifferentScale]:
    """For each factor: the portrait driven by the stretched clip vs driven by the original
    clip (fresh sessions, default settings), frame by frame. Frame 0 is left out: both
    sessions take it as the reference, so both show the portrait at rest."""
    frames, fps = read_clip(clip, max_frames)
    reference = animate(portrait, frames, fps)
    reference_lms = find_landmarks(reference)
    results = []
    for fx, fy in factors:
        result = DifferentScale(Path(clip).name, (fx, fy), len(frames))
        stretched = animate(portrait, [stretch_frame(f, fx, fy) for f in frames], fps)
        pairs = zip(reference, stretched, reference_lms, find_landmarks(stretched))
        next(pairs)
        for ref, out, ref_lm, out_lm in pairs:
            if ref_lm is None or out_lm is None:
                result.missed += 1
                continue
            box = metrics.face_box(ref_lm, ref.shape)
            result.face_ssim.append(metrics.ssim(out[box], ref[box]))
            result.landmark_distance.append(metrics.akd(out_lm, ref_lm))
        results.append(result)
    return results


def print_different_scale(clips: list[Path], portrait: Path | None = None,
                          factors: tuple[tuple[float, float], ...] = DEFAULT_FACTORS,
                          max_frames: int | None = None) -> list[DifferentScale]:
    """Print a row per clip and factor, the mean and the worst row, and whether the bar
    (SSIM_BAR, LANDMARK_BAR) is met."""
    loaded = load_portrait(portrait)
    print(f"portrait {loaded.name}")
    table = Table("clip factor", DifferentScale.COLUMNS,
                  label_width=max(len(Path(c).name) for c in clips) + 12)
    results = []
    for clip in clips:
        for result in different_scale(clip, loaded, factors, max_frames):
            results.append(result)
            table.add(result.label, result.row())
    table.summarise("mean", missed=sum)
    worst = table.summarise("worst", face_ssim=min, lm_dist=max, missed=max)
    met = worst["face_ssim"] >= SSIM_BAR and worst["lm_dist"] <= LANDMARK_BAR
    print(f"bar (every row: face_ssim >= {SSIM_BAR}, lm_dist <= {LANDMARK_BAR}): "
          + ("met" if met else "NOT met"))
    return results
