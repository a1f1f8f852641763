"""Self-reenactment: frame 0 of a clip is the portrait, the clip drives it, and the clip itself
is the ground truth. Every clip is also rendered by the mesh reference (mesh_reference.py),
the floor, scored by the same code."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .. import face_topology as topo
from .. import metrics
from ..portrait import portrait_from_image
from ..session import Settings
from .common import OUTPUT_LONG_SIDE, Table, Temporal, animate, find_landmarks, read_clip
from .mesh_reference import MeshReference
from ..tears import Tears

# The truth is the driver's own video, leaning in and out included, so the portrait follows
# the driver's distance here (the app's default keeps the portrait's size).
SETTINGS = Settings(follow_distance=1.0)


@dataclass
class Scores:
    """One rendering of a clip (the product's, or the mesh reference's) against the truth."""

    psnr: list[float] = field(default_factory=list)
    ssim: list[float] = field(default_factory=list)
    l1: list[float] = field(default_factory=list)
    face_psnr: list[float] = field(default_factory=list)
    face_ssim: list[float] = field(default_factory=list)
    face_l1: list[float] = field(default_factory=list)
    akd: list[float] = field(default_factory=list)
    lip_akd: list[float] = field(default_factory=list)  # metrics.akd on topo.LIP_POINTS
    eye_akd: list[float] = field(default_factory=list)  # ... on topo.EYE_POINTS
    # L1 in the truth's inner-lip box (grown by a fifth), on frames whose mouth is open wider
    # than frame 0's: where the portrait never showed what the output must.
    mouth_l1: list[float] = field(default_factory=list)
    missed: int = 0  # frames where a face was not found on the output or the truth

    COLUMNS = ("psnr", "ssim", "l1", "face_psnr", "face_ssim", "face_l1", "akd", "lip_akd",
               "eye_akd", "mouth_l1")

    def add(self, out: np.ndarray, truth: np.ndarray, out_lm: np.ndarray | None,
            truth_lm: np.ndarray | None, opened: bool) -> None:
        """Score one frame; `opened`: the truth's mouth is open wider than frame 0's."""
        self.psnr.append(metrics.psnr(out, truth))
        self.ssim.append(metrics.ssim(out, truth))
        self.l1.append(metrics.l1(out, truth))
        if truth_lm is None or out_lm is None:
            self.missed += 1
            return
        box = metrics.face_box(truth_lm, truth.shape)
        self.face_psnr.append(metrics.psnr(out[box], truth[box]))
        self.face_ssim.append(metrics.ssim(out[box], truth[box]))
        self.face_l1.append(metrics.l1(out[box], truth[box]))
        self.akd.append(metrics.akd(out_lm, truth_lm))
        self.lip_akd.append(metrics.akd(out_lm, truth_lm, topo.LIP_POINTS))
        self.eye_akd.append(metrics.akd(out_lm, truth_lm, topo.EYE_POINTS))
        if opened:
            mouth = metrics.points_box(truth_lm[topo.INNER_LIP_RING], truth.shape, margin=0.2)
            self.mouth_l1.append(metrics.l1(out[mouth], truth[mouth]))

    def means(self) -> dict[str, float]:
        return {c: float(np.mean(getattr(self, c))) if getattr(self, c) else float("nan")
                for c in self.COLUMNS}


# The columns a row prints: the product's, then the mesh reference's ("m_").
PRODUCT_COLUMNS = ("face_psnr", "face_ssim", "akd", "lip_akd", "eye_akd", "mouth_l1")
MESH_COLUMNS = {"m_psnr": "face_psnr", "m_ssim": "face_ssim", "m_akd": "akd",
                "m_lip": "lip_akd", "m_eye": "eye_akd", "m_mouth": "mouth_l1"}


@dataclass
class SelfReenactment:
    clip: str
    frames: int = 0
    product: Scores = field(default_factory=Scores)
    mesh: Scores = field(default_factory=Scores)  # the mesh reference, the floor
    temporal: Temporal | None = None  # the product's output vs the truth, all frames
    tears: Tears | None = None  # the product's maps (tears.py)
    # The product's target landmarks (what the motion asked for, before anything is drawn)
    # against the truth's, per frame: the landmark error that is the motion's (issue 23),
    # apart from what drawing and finding the face again add (issue 24).
    target_akd: list[float] = field(default_factory=list)

    COLUMNS = PRODUCT_COLUMNS + ("t_akd",) + tuple(MESH_COLUMNS) + Tears.COLUMNS

    @property
    def missed(self) -> int:
        return self.product.missed

    def means(self) -> dict[str, float]:
        """The product's means."""
        return self.product.means()

    def row(self) -> dict[str, float]:
        product, mesh = self.product.means(), self.mesh.means()
        target = float(np.mean(self.target_akd)) if self.target_akd else float("nan")
        return {**{c: product[c] for c in PRODUCT_COLUMNS}, "t_akd": target,
                **{c: mesh[m] for c, m in MESH_COLUMNS.items()},
                **self.tears.row(), **self.temporal.row(), "missed": self.missed}


def self_reenactment(clip: str | Path, settings: Settings | None = None,
                     outputs: list[np.ndarray] | None = None,
                     max_frames: int | None = None) -> SelfReenactment:
    """Run the protocol on one clip (its first `max_frames` frames when given). Frame 0 is
    excluded from the means (it is the portrait). Pass a list as `outputs` to receive the
    rendered frames."""
    truths, fps = read_truths(clip, max_frames)
    return reenact(Path(clip).name, truths, fps, settings, outputs)


def read_truths(clip: str | Path, max_frames: int | None = None
                ) -> tuple[list[np.ndarray], float]:
    """The clip's frames at the size its output is rendered (the long side capped at
    OUTPUT_LONG_SIDE, both sides even, as the output's), so the two compare pixel for pixel."""
    frames, fps = read_clip(clip, max_frames)
    h, w = frames[0].shape[:2]
    f = min(1.0, OUTPUT_LONG_SIDE / max(w, h))
    size = (max(2, int(w * f) // 2 * 2), max(2, int(h * f) // 2 * 2))
    if size != (w, h):
        frames = [cv2.resize(frame, size, interpolation=cv2.INTER_AREA) for frame in frames]
    return frames, fps


def reenact(name: str, truths: list[np.ndarray], fps: float, settings: Settings | None = None,
            outputs: list[np.ndarray] | None = None,
            mesh_outputs: list[np.ndarray] | None = None) -> SelfReenactment:
    """self_reenactment on frames already read (read_truths)."""
    result = SelfReenactment(name, len(truths))
    portrait = portrait_from_image(truths[0], name=f"frame 0 of {name}")
    tears, targets = [], []
    rendered = animate(portrait, truths, fps, settings or SETTINGS, tears=tears, targets=targets)
    result.tears = Tears.of(tears[1:])  # frame 0 is the portrait itself
    truth_lms = find_landmarks(truths)
    # The floor warps frame 0 by the truth's own landmarks, not the product's fit of its photo:
    # its target is then the truth's landmarks exactly.
    first = next((lm for lm in truth_lms if lm is not None), portrait.landmarks)
    meshed = MeshReference(portrait.image, first, first).animate(truth_lms)
    for extend, frames in ((outputs, rendered), (mesh_outputs, meshed)):
        if extend is not None:
            extend.extend(frames)
    out_lms, mesh_lms = find_landmarks(rendered), find_landmarks(meshed)
    result.temporal = Temporal.measure(out_lms, truth_lms)
    rest_opening = (metrics.mouth_opening(truth_lms[0]) if truth_lms[0] is not None
                    else float("inf"))
    for i in range(1, len(truths)):  # frame 0 is the portrait itself
        opened = truth_lms[i] is not None and metrics.mouth_opening(truth_lms[i]) > rest_opening
        result.product.add(rendered[i], truths[i], out_lms[i], truth_lms[i], opened)
        result.mesh.add(meshed[i], truths[i], mesh_lms[i], truth_lms[i], opened)
        if truth_lms[i] is not None and targets[i] is not None:
            result.target_akd.append(metrics.akd(targets[i], truth_lms[i]))
    return result


def print_self_reenactment(clips: Sequence[Path], save: Path | None = None,
                           max_frames: int | None = None) -> list[SelfReenactment]:
    """Run the protocol on each clip and print a table: a row per clip, the mean of each
    folder's clips (GRID's driving/, motion/) and of all, and the clips whose landmark error
    is worse than the mesh reference's. `save`: PNGs (truth | output | mesh reference) every
    15 frames."""
    from ..image_io import write_image

    table = Table("clip", SelfReenactment.COLUMNS + Temporal.COLUMNS + ("missed",))
    results = []
    for clip in clips:
        outputs: list[np.ndarray] = []
        meshed: list[np.ndarray] = []
        truths, fps = read_truths(clip, max_frames)  # read once: the PNGs below need it too
        result = reenact(Path(clip).name, truths, fps, outputs=outputs, mesh_outputs=meshed)
        results.append(result)
        table.add(result.clip, result.row())
        if save is not None:
            save.mkdir(parents=True, exist_ok=True)
            for i in range(0, len(outputs), 15):
                write_image(save / f"{Path(clip).stem}_{i:03d}.png",
                            np.hstack([truths[i], outputs[i], meshed[i]]))
    groups = sorted({Path(clip).parent.name for clip in clips})
    for group in groups if len(groups) > 1 else []:
        table.summarise(f"mean {group}", missed=sum, mouth_l1=np.nanmean, m_mouth=np.nanmean,
                        **Tears.REDUCERS,
                        rows=[i for i, clip in enumerate(clips) if Path(clip).parent.name == group])
    table.summarise("mean", missed=sum, mouth_l1=np.nanmean, m_mouth=np.nanmean,
                    **Tears.REDUCERS)
    worse = [r.clip for r in results if r.row()["akd"] > r.row()["m_akd"]]
    print(f"landmark error (akd) worse than the mesh reference's: {', '.join(worse) or 'none'}")
    return results
