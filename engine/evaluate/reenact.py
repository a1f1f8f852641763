"""Self-reenactment: frame 0 of a clip is the portrait, the clip drives it, and the clip itself
is the ground truth."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import face_topology as topo
from .. import metrics
from ..portrait import portrait_from_image
from ..session import Settings
from .common import Table, Temporal, animate, find_landmarks, read_clip


# The truth is the driver's own video, leaning in and out included, so the portrait follows
# the driver's distance here (the app's default keeps the portrait's size).
SETTINGS = Settings(follow_distance=1.0)

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
    # L1 in the truth's inner-lip box (grown by a fifth), on frames whose mouth is open wider
    # than frame 0's: where the portrait never showed what the output must.
    mouth_l1: list[float] = field(default_factory=list)
    missed: int = 0  # frames where a face was not found on the output or the truth
    temporal: Temporal | None = None  # output vs truth, all frames

    COLUMNS = ("psnr", "ssim", "l1", "face_psnr", "face_ssim", "face_l1", "akd", "mouth_l1")

    def means(self) -> dict[str, float]:
        return {c: float(np.mean(getattr(self, c))) if getattr(self, c) else float("nan")
                for c in self.COLUMNS}

    def row(self) -> dict[str, float]:
        return {**self.means(), **self.temporal.row(), "missed": self.missed}


def self_reenactment(clip: str | Path, settings: Settings | None = None,
                     outputs: list[np.ndarray] | None = None,
                     max_frames: int | None = None) -> SelfReenactment:
    """Run the protocol on one clip (its first `max_frames` frames when given). Frame 0 is
    excluded from the means (it is the portrait). Pass a list as `outputs` to receive the
    rendered frames."""
    truths, fps = read_clip(clip, max_frames)
    return reenact(Path(clip).name, truths, fps, settings, outputs)


def reenact(name: str, truths: list[np.ndarray], fps: float, settings: Settings | None = None,
            outputs: list[np.ndarray] | None = None) -> SelfReenactment:
    """self_reenactment on frames already read."""
    result = SelfReenactment(name, len(truths))
    portrait = portrait_from_image(truths[0], name=f"frame 0 of {name}")
    rendered = animate(portrait, truths, fps, settings or SETTINGS)
    if outputs is not None:
        outputs.extend(rendered)
    truth_lms, out_lms = find_landmarks(truths), find_landmarks(rendered)
    result.temporal = Temporal.measure(out_lms, truth_lms)
    rest_opening = (metrics.mouth_opening(truth_lms[0]) if truth_lms[0] is not None
                    else float("inf"))
    frames = zip(rendered, truths, out_lms, truth_lms)
    next(frames)  # frame 0 is the portrait itself
    for out, truth, out_lm, truth_lm in frames:
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
        if metrics.mouth_opening(truth_lm) > rest_opening:
            mouth = metrics.points_box(truth_lm[topo.INNER_LIP_RING], truth.shape, margin=0.2)
            result.mouth_l1.append(metrics.l1(out[mouth], truth[mouth]))
    return result


def print_self_reenactment(clips: list[Path], save: Path | None = None,
                           max_frames: int | None = None) -> list[SelfReenactment]:
    """Run the protocol on each clip and print a table with the mean row."""
    from ..image_io import write_image

    table = Table("clip", SelfReenactment.COLUMNS + Temporal.COLUMNS + ("missed",))
    results = []
    for clip in clips:
        outputs: list[np.ndarray] = []
        truths, fps = read_clip(clip, max_frames)  # read once: the PNGs below need it too
        result = reenact(Path(clip).name, truths, fps, outputs=outputs)
        results.append(result)
        table.add(result.clip, result.row())
        if save is not None:
            save.mkdir(parents=True, exist_ok=True)
            for i in range(0, len(outputs), 15):
                write_image(save / f"{Path(clip).stem}_{i:03d}.png",
                            np.hstack([truths[i], outputs[i]]))
    table.summarise("mean", missed=sum, mouth_l1=np.nanmean)
    return results
