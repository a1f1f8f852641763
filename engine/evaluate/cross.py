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
from .mesh_reference import MeshReference
from ..tears import Tears


@dataclass(frozen=True)
class Following:
    """How one rendering's landmarks follow the driver's (over the frames where both show a
    face)."""

    ard: float  # degrees (metrics.ard)
    mouth_r: float  # Pearson r of mouth opening, driver vs output
    eye_r: float  # Pearson r of eye opening, driver vs output
    gaze_r: float  # Pearson r of the irises' place across the eyes (metrics.gaze)
    shape_ratio: float  # below 1: the output keeps the portrait's face shape (shape_ratio())


@dataclass
class CrossIdentity:
    clip: str
    portrait: str
    frames: int
    missed: int  # frames where a face was not found on the driver or the output
    blinks: bool  # the driver's eyes close (to under half their median opening) at least once
    product: Following
    mesh: Following  # the mesh reference (mesh_reference.py), the floor
    calmest: int  # the frame shape_ratio looked at (calmest_frame())
    temporal: Temporal
    tears: Tears  # the product's maps (tears.py)

    COLUMNS = ("ard", "mouth_r", "eye_r", "gaze_r", "shape", "m_ard", "m_mouth", "m_eye",
               "m_gaze", "m_shape", "blinks") + Tears.COLUMNS

    def row(self) -> dict[str, float]:
        p, m = self.product, self.mesh
        return {"ard": p.ard, "mouth_r": p.mouth_r, "eye_r": p.eye_r, "gaze_r": p.gaze_r,
                "shape": p.shape_ratio, "m_ard": m.ard, "m_mouth": m.mouth_r, "m_eye": m.eye_r,
                "m_gaze": m.gaze_r, "m_shape": m.shape_ratio, "blinks": int(self.blinks),
                **self.tears.row(), **self.temporal.row(), "missed": self.missed}


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


def floor_landmarks(portrait: Portrait) -> np.ndarray:
    """Where the mesh floor places the portrait's face: one detection of its own, not the
    product's fit (the floor must not move when the product's tracking does)."""
    return next((lm for lm in find_landmarks([portrait.image]) if lm is not None),
                portrait.landmarks)


def cross_identity(clip: str | Path, portrait: Portrait, max_frames: int | None = None,
                   settings: Settings | None = None,
                   floor: np.ndarray | None = None) -> CrossIdentity:
    """Drive `portrait` by the clip (its first `max_frames` frames when given), and the mesh
    reference by the same clip, and compare the landmarks found on each output with the
    driver's, over the frames where all three show a face. `floor`: floor_landmarks of the
    portrait, when already found."""
    frames, fps = read_clip(clip, max_frames)
    # Head turns are measured from the first frame: it is read settled (find_landmarks).
    driver = find_landmarks(frames, settle_first=True)
    tears = []
    output = find_landmarks(animate(portrait, frames, fps, settings, tears=tears),
                            settle_first=True)
    first = next((lm for lm in driver if lm is not None), None)
    floor = floor_landmarks(portrait) if floor is None else floor
    meshed = ([] if first is None else
              find_landmarks(MeshReference(portrait.image, floor, first).animate(driver),
                             settle_first=True))
    found = [i for i, (d, o, m) in enumerate(zip(driver, output, meshed))
             if d is not None and o is not None and m is not None]
    if len(found) < 2:
        raise SourceError(f"{clip}: a face was found on fewer than 2 frames of both the driver "
                          "and the output; choose a clip that shows one face throughout")
    drv = [driver[i] for i in found]
    calmest = calmest_frame(driver, found)
    eyes = [metrics.eye_opening(lm) for lm in drv]

    def following(landmarks: list[np.ndarray | None]) -> Following:
        out = [landmarks[i] for i in found]

        def follows(measure) -> float:
            return metrics.pearson([measure(lm) for lm in drv], [measure(lm) for lm in out])
        return Following(
            ard=metrics.ard(drv, out), mouth_r=follows(metrics.mouth_opening),
            eye_r=follows(metrics.eye_opening), gaze_r=follows(lambda lm: metrics.gaze(lm)[0]),
            shape_ratio=shape_ratio(landmarks[calmest], portrait.landmarks, driver[calmest]))

    return CrossIdentity(
        clip=Path(clip).name, portrait=portrait.name, frames=len(frames),
        missed=len(frames) - len(found), blinks=bool(min(eyes) < 0.5 * np.median(eyes)),
        product=following(output), mesh=following(meshed), calmest=calmest,
        temporal=Temporal.measure(output, driver), tears=Tears.of(tears))


def print_cross_identity(clips: list[Path], portraits: list[Path],
                         max_frames: int | None = None) -> list[CrossIdentity]:
    """Each clip drives each portrait; print a row per pair and the mean row."""
    loaded = [load_portrait(p) for p in portraits]
    floors = [floor_landmarks(p) for p in loaded]
    width = max(len(Path(c).name) for c in clips) + max(len(p.name) for p in loaded) + 3
    table = Table("clip portrait", CrossIdentity.COLUMNS + Temporal.COLUMNS + ("missed",),
                  label_width=width, width=11)
    results = []
    for clip in clips:
        for portrait, floor in zip(loaded, floors):
            result = cross_identity(clip, portrait, max_frames, floor=floor)
            results.append(result)
            table.add(f"{result.clip} {result.portrait}", result.row())
    table.summarise("mean", missed=sum, blinks=sum, **Tears.REDUCERS)
    return results
