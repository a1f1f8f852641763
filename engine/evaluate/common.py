"""What every protocol does: read a clip, drive a portrait with it, find the landmarks again,
measure the temporal metrics, print a table."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from .. import metrics
from ..portrait import Portrait
from ..portrait_set import PortraitSet, as_set
from ..session import Session, Settings, default_output_size
from ..sources import read_all_frames
from ..tracking import FaceTracker
from ..tears import Tear

OUTPUT_LONG_SIDE = 512  # outputs are capped here: large portraits would only slow the protocols


def labelled_panel(image: np.ndarray, label: str, height: int = 360) -> np.ndarray:
    """`image` scaled to `height` with `label` written in its corner: one panel of a
    side-by-side sheet for looking at."""
    h, w = image.shape[:2]
    panel = cv2.resize(image, (round(w * height / h), height), interpolation=cv2.INTER_AREA)
    cv2.putText(panel, label, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 0), 2)
    return panel


def read_clip(clip: str | Path, max_frames: int | None = None) -> tuple[list[np.ndarray], float]:
    """The clip's frames (the first `max_frames` when given) and its fps."""
    frames, fps = read_all_frames(clip)
    return frames[:max_frames], fps


def animate(portrait: Portrait | PortraitSet, frames: Sequence[np.ndarray], fps: float,
            settings: Settings | None = None, times: Sequence[float] | None = None,
            tears: list[Tear] | None = None,
            targets: list[np.ndarray | None] | None = None) -> list[np.ndarray]:
    """The portrait (or set) driven by `frames` in a fresh Session: one output frame per
    driving frame. `times`: each frame's time in seconds (default: i / fps). `tears`: a list
    to receive each frame's Tear (tears.py); `targets`: one for each frame's target landmarks
    (output pixels)."""
    portraits = as_set(portrait)
    size = default_output_size(portraits.main, OUTPUT_LONG_SIDE)
    times = times if times is not None else [i / fps for i in range(len(frames))]
    with Session(portraits, size, settings or Settings()) as session:
        images = []
        for frame, t in zip(frames, times):
            result = session.process(frame, t)
            images.append(result.image)
            if targets is not None:
                targets.append(result.target)
            if tears is not None:
                tears.append(replace(session.tear_meter(result.warp, result.target),
                                     turn_shown=result.turn_shown))
        return images


def find_landmarks(frames: Sequence[np.ndarray],
                   settle_first: bool = False) -> list[np.ndarray | None]:
    """Landmarks of each frame (None where no face is found), tracked as a video.
    `settle_first`: settle on the first face found (FaceTracker.settle), as the product
    settles its reference, for measures taken against the first frame (ARD): a cold
    detection reads a face up to 2 degrees of pitch off where tracking settles a few frames
    later (lp_d14 driving the astronaut), and such a measure carries that into every frame."""
    landmarks, settled = [], not settle_first
    with FaceTracker(video=True) as tracker:
        for frame in frames:
            detection = tracker.track(frame)
            if detection.found and not settled:
                detection, settled = tracker.settle(frame), True
            landmarks.append(detection.landmarks)
    return landmarks


@dataclass(frozen=True)
class Temporal:
    """Landmark jitter of output and driver, and TCM (metrics.jitter, metrics.tcm)."""

    jitter: float  # output
    driver_jitter: float
    tcm: float

    COLUMNS = ("jitter", "drv_jitter", "jitter_x", "tcm")

    @staticmethod
    def measure(output: Sequence[np.ndarray | None],
                driver: Sequence[np.ndarray | None]) -> "Temporal":
        return Temporal(metrics.jitter(output), metrics.jitter(driver),
                        metrics.tcm(output, driver))

    def row(self) -> dict[str, float]:
        ratio = self.jitter / self.driver_jitter if self.driver_jitter > 0 else float("nan")
        return {"jitter": self.jitter, "drv_jitter": self.driver_jitter, "jitter_x": ratio,
                "tcm": self.tcm}


class Table:
    """Prints each row as it comes (a long run shows its progress), then summary rows."""

    def __init__(self, title: str, columns: Sequence[str], label_width: int = 22,
                 width: int = 11):
        self.columns = tuple(columns)
        self.rows: list[dict[str, float]] = []
        self._label_width = label_width
        self._width = width
        print(f"{title:<{label_width}}" + "".join(f"{c:>{width}}" for c in columns),
              flush=True)

    def add(self, label: str, row: dict[str, float]) -> None:
        self.rows.append(row)
        self._print(label, row)

    def summarise(self, label: str, reduce: Callable = np.mean, rows: Sequence[int] | None = None,
                  **per_column: Callable) -> dict[str, float]:
        """Print and return one row: each column reduced over the rows (those indexed by
        `rows`, default all) by `reduce`, or by the function given under the column's name."""
        chosen = self.rows if rows is None else [self.rows[i] for i in rows]
        summary = {c: per_column.get(c, reduce)([r[c] for r in chosen]) for c in self.columns}
        self._print(label, summary)
        return summary

    def _print(self, label: str, row: dict[str, float]) -> None:
        w = self._width
        cells = (f"{v:>{w}}" if isinstance(v, (int, np.integer)) else f"{v:>{w}.4f}"
                 for v in (row[c] for c in self.columns))
        print(f"{label:<{self._label_width}}" + "".join(cells), flush=True)
