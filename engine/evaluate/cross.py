"""Cross-identity: one person's clip drives another person's portrait. There is no ground
truth, so the landmarks found again on the output are compared with the driver's: the head
must turn as the driver's does, mouth and eyes must open with the driver's, and the face must
keep the portrait's shape, not take the driver's."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import metrics
from ..errors import SourceError
from ..portrait import Portrait, load_portrait
from ..session import Settings
from .common import Table, Temporal, animate, find_landmarks, read_clip


@dataclass
class CrossIdentity:
    clip: str
    portrait: str
    frames: int
    missed: int  # frames where a face was not found on the driver or the output
    ard: float  # degrees (metrics.ard)
    mouth_r: float  # Pearson r of mouth opening, driver vs output
    eye_r: float  # Pearson r of eye opening, driver vs output
    shape_ratio: float  # below 1: the output keeps the portrait's face shape (shape_ratio())
    calmest: int  # the frame shape_ratio looked at (calmest_frame())
    temporal: Temporal

    COLUMNS = ("ard", "mouth_r", "eye_r", "shape")

    def row(self) -> dict[str, float]:
        return {"ard": self.ard, "mouth_r": self.mouth_r, "eye_r": self.eye_r,
                "shape": self.shape_ratio, **self.temporal.row(), "missed": self.missed}


def calmest_frame(landmarks: Sequence[np.ndarray | None], candidates: Sequence[int]) -> int:
    """The most neutral of the `candidates` frames: the smallest sum of its rank by mouth
    opening and its rank by landmark speed (the larger of the steps into and out of it,
    metrics.landmark_speed). Ranks, not values: opening and speed have no common unit."""
    steps = np.concatenate([[np.nan], metrics.landmark_speed(landmarks), [np.nan]])
    speed = np.fmax(steps[:-1], steps[1:])[candidates]  # fmax: a missing neighbour is skipped
    opening = [metrics.mouth_opening(landmarks[i]) for i in candidates]
    ranks = np.argsort(np.argsort(opening)) + np.argsort(np.argsort(speed))
    return candidates[int(np.argmin(ranks))]


def shape_ratio(output: np.ndarray, portrait: np.ndarray, driver: np.ndarray) -> float:
    """Shape leak, on one calm frame: procrustes_distance(output, portrait) over
    procrustes_distance(output, driver). Below 1 the output's face is nearer the portrait's
    shape than the driver's; at 1 and above the driver's shape has leaked in."""
    return (metrics.procrustes_distance(output, portrait)
            / metrics.procrustes_distance(output, driver))


def cross_identity(clip: str | Path, portrait: Portrait, max_frames: int | None = None,
                   settings: Settings | None = None) -> CrossIdentity:
    """Drive `portrait` by the clip (its first `max_frames` frames when given) and compare the
    landmarks found on the output with the driver's, over the frames where both are found."""
    frames, fps = read_clip(clip, max_frames)
    driver = find_landmarks(frames)
    output = find_landmarks(animate(portrait, frames, fps, settings))
    found = [i for i, (d, o) in enumerate(zip(driver, output)) if d is not None and o is not None]
    if len(found) < 2:
        raise SourceError(f"{clip}: a face was found on fewer than 2 frames of both the driver "
                          "and the output; choose a clip that shows one face throughout")
    drv, out = [driver[i] for i in found], [output[i] for i in found]
    calmest = calmest_frame(driver, found)

    def follows(measure) -> float:
        return metrics.pearson([measure(lm) for lm in drv], [measure(lm) for lm in out])

    return CrossIdentity(
        clip=Path(clip).name, portrait=portrait.name, frames=len(frames),
        missed=len(frames) - len(found), ard=metrics.ard(drv, out),
        mouth_r=follows(metrics.mouth_opening), eye_r=follows(metrics.eye_opening),
        shape_ratio=shape_ratio(output[calmest], portrait.landmarks, driver[calmest]),
        calmest=calmest, temporal=Temporal.measure(output, driver))


def print_cross_identity(clips: list[Path], portraits: list[Path],
                         max_frames: int | None = None) -> list[CrossIdentity]:
    """Each clip drives each portrait; print a row per pair and the mean row."""
    loaded = [load_portrait(p) for p in portraits]
    width = max(len(Path(c).name) for c in clips) + max(len(p.name) for p in loaded) + 3
    table = Table("clip portrait", CrossIdentity.COLUMNS + Temporal.COLUMNS + ("missed",),
                  label_width=width)
    results = []
    for clip in clips:
        for portrait in loaded:
            result = cross_identity(clip, portrait, max_frames)
            results.append(result)
            table.add(f"{result.clip} {result.portrait}", result.row())
    table.summarise("mean", missed=sum)
    return results
