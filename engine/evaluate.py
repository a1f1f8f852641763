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


def print_self_reenactment(clips: list[Path], save: Path | None = None) -> list[SelfReenactment]:
    """Run the protocol on each clip and print a table with the mean row."""
    from .image_io import write_image

    cols = SelfReenactment.COLUMNS
    print(f"{'clip':<22}" + "".join(f"{c:>11}" for c in cols) + f"{'missed':>8}", flush=True)
    results = []
    for clip in clips:
        outputs: list[np.ndarray] = []
        result = self_reenactment(clip, outputs=outputs)
        results.append(result)
        means = result.means()
        print(f"{result.clip:<22}" + "".join(f"{means[c]:>11.4f}" for c in cols)
              + f"{result.missed:>8}", flush=True)
        if save is not None:
            save.mkdir(parents=True, exist_ok=True)
            truth, _ = read_all_frames(clip)
            for i in range(0, len(outputs), 15):
                write_image(save / f"{Path(clip).stem}_{i:03d}.png",
                            np.hstack([truth[i], outputs[i]]))
    overall = {c: np.mean([r.means()[c] for r in results]) for c in cols}
    print(f"{'mean':<22}" + "".join(f"{overall[c]:>11.4f}" for c in cols))
    return results
