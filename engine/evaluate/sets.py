"""Portrait-set protocol: does a set of real photos beat one photo?

For a clip, a set is built from its first half: frame 0 is the main photo, and the extras are
the frames with the widest mouth, the smallest eye opening and the largest turn to each side.
The second half drives both frame 0 alone and the set, and the clip is the ground truth. The
driving starts with frame 0 itself (its output is not scored), so both take the driver's
reference from the very face of the main photo, as in self-reenactment."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import face_topology as topo
from .. import metrics
from ..portrait import portrait_from_image
from ..portrait_set import PortraitSet, make_set, save_set_folder
from ..session import Settings
from .common import Table, animate, find_landmarks, read_clip
from .reenact import SETTINGS

# Why each extra frame was picked, in the order of picking.
EXTRA_ROLES = ("widest mouth", "eyes most closed", "most turned right", "most turned left")


@dataclass
class Scores:
    """One way of rendering (frame 0 alone, or the set) scored against the truth."""

    face_psnr: list[float] = field(default_factory=list)
    mouth_l1: list[float] = field(default_factory=list)  # frames with the mouth open

    def means(self) -> tuple[float, float]:
        return float(np.mean(self.face_psnr)), float(np.mean(self.mouth_l1))


@dataclass
class SetComparison:
    clip: str
    picked: dict[str, int]  # role -> frame index (first half)
    single: Scores
    set: Scores

    COLUMNS = ("photos", "psnr_one", "psnr_set", "psnr_gain", "mouth_one", "mouth_set",
               "mouth_cut%")

    def row(self) -> dict[str, float]:
        psnr_one, mouth_one = self.single.means()
        psnr_set, mouth_set = self.set.means()
        return {"photos": 1 + len(set(self.picked.values())), "psnr_one": psnr_one,
                "psnr_set": psnr_set, "psnr_gain": psnr_set - psnr_one, "mouth_one": mouth_one,
                "mouth_set": mouth_set, "mouth_cut%": 100.0 * (1.0 - mouth_set / mouth_one)}


def pick_extras(landmarks: Sequence[np.ndarray | None]) -> dict[str, int]:
    """The frames (indices into `landmarks`, frame 0 the main) for each of EXTRA_ROLES; a role
    whose best frame is frame 0 itself is left out, as is a frame picked already."""
    main = landmarks[0]
    found = [i for i, lm in enumerate(landmarks) if lm is not None and i > 0]
    if main is None or not found:
        return {}
    mouth = {i: topo.mouth_opening_ratio(landmarks[i]) for i in found}
    eyes = {i: metrics.eye_opening(landmarks[i]) for i in found}
    yaw = {i: metrics.head_rotation_deg(main, landmarks[i])[0] for i in found}
    best = {"widest mouth": max(found, key=mouth.get), "eyes most closed": min(found, key=eyes.get),
            "most turned right": min(found, key=yaw.get), "most turned left": max(found, key=yaw.get)}
    picked: dict[str, int] = {}
    for role in EXTRA_ROLES:
        if best[role] not in picked.values():
            picked[role] = best[role]
    return picked


def automatic_set(frames: Sequence[np.ndarray], landmarks: Sequence[np.ndarray | None],
                  name: str) -> tuple[PortraitSet, dict[str, int]]:
    """The set of a clip's first frames (all of `frames` are candidates): see pick_extras."""
    picked = pick_extras(landmarks)
    main = portrait_from_image(frames[0], f"frame 0 of {name}")
    extras = [portrait_from_image(frames[i], f"frame {i} of {name}") for i in picked.values()]
    return make_set(main, extras, name), picked


def compare_sets(clip: str | Path, settings: Settings = SETTINGS,
                 outputs: dict[str, list[np.ndarray]] | None = None,
                 max_frames: int | None = None, save_set: Path | None = None) -> SetComparison:
    """Run the protocol on one clip (its first `max_frames` frames when given). Pass a dict as
    `outputs` to receive the frames: 'truth', 'single' and 'set', all for the second half,
    and the truth's landmarks ('truth landmarks', None where no face was found). `save_set`: a new folder to save the set in (portrait_set.save_set_folder)."""
    frames, fps = read_clip(clip, max_frames)
    name = Path(clip).name
    half = len(frames) // 2
    first_half = find_landmarks(frames[:half])
    portrait_set, picked = automatic_set(frames[:half], first_half, name)
    if save_set is not None:
        save_set_folder(save_set, [("main", frames[0]),
                                   *((role.replace(" ", "_"), frames[i])
                                     for role, i in picked.items())])
    driving = [frames[0], *frames[half:]]
    times = [0.0, *(i / fps for i in range(half, len(frames)))]
    truths = frames[half:]
    single = animate(portrait_set.main, driving, fps, settings, times)[1:]
    with_set = animate(portrait_set, driving, fps, settings, times)[1:]
    truth_lms = find_landmarks(truths)
    if outputs is not None:
        outputs.update({"truth": truths, "single": single, "set": with_set,
                        "truth landmarks": truth_lms})
    rest = metrics.mouth_opening(first_half[0])
    return SetComparison(name, picked, _scores(single, truths, truth_lms, rest),
                         _scores(with_set, truths, truth_lms, rest))


def _scores(outputs: Sequence[np.ndarray], truths: Sequence[np.ndarray],
            truth_lms: Sequence[np.ndarray | None], rest_opening: float) -> Scores:
    scores = Scores()
    for out, truth, lm in zip(outputs, truths, truth_lms):
        if lm is None:
            continue
        box = metrics.face_box(lm, truth.shape)
        scores.face_psnr.append(metrics.psnr(out[box], truth[box]))
        if metrics.mouth_opening(lm) > rest_opening:
            mouth = metrics.points_box(lm[topo.INNER_LIP_RING], truth.shape, margin=0.2)
            scores.mouth_l1.append(metrics.l1(out[mouth], truth[mouth]))
    return scores


def print_set_comparison(clips: list[Path], save: Path | None = None,
                         save_sets: Path | None = None, max_frames: int | None = None
                         ) -> list[SetComparison]:
    """Run the protocol on each clip and print a table with the mean row. `save`: a folder
    for side-by-side PNGs (frame 0 alone | set | truth) at the widest mouth, the most closed
    eyes and the largest turn of each clip's second half. `save_sets`: a folder to save each
    clip's set in (a set folder per clip)."""
    table = Table("clip", SetComparison.COLUMNS)
    results = []
    for clip in clips:
        outputs: dict[str, list[np.ndarray]] = {}
        result = compare_sets(clip, outputs=outputs, max_frames=max_frames,
                              save_set=None if save_sets is None else save_sets / Path(clip).stem)
        results.append(result)
        table.add(result.clip, result.row())
        if save is not None:
            save_side_by_side(save, Path(clip).stem, outputs)
    summary = table.summarise("mean")
    cut = 100.0 * (1.0 - summary["mouth_set"] / summary["mouth_one"])
    print(f"the set: face PSNR {summary['psnr_gain']:+.2f} dB; mouth L1 on open-mouth frames "
          f"{cut:.1f}% lower (of the mean L1s)")
    for result in results:
        print(f"{result.clip}: extras " + ", ".join(f"{role} = frame {i}"
                                                      for role, i in result.picked.items()))
    return results


def save_side_by_side(folder: Path, stem: str, outputs: dict[str, list[np.ndarray]]) -> list[Path]:
    """PNGs of frame 0 alone | the set | the truth, at the second half's widest mouth, most
    closed eyes and largest turn (`outputs` as compare_sets fills it)."""
    from ..image_io import write_image

    truth_lms = outputs["truth landmarks"]
    moments = pick_extras(truth_lms)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for role, i in {"mouth": moments.get("widest mouth"), "blink": moments.get("eyes most closed"),
                    "turn": _largest_turn(truth_lms)}.items():
        if i is None:
            continue
        path = folder / f"{stem}_{role}.png"
        write_image(path, np.hstack([outputs["single"][i], outputs["set"][i], outputs["truth"][i]]))
        written.append(path)
    return written


def _largest_turn(landmarks: Sequence[np.ndarray | None]) -> int | None:
    found = [i for i, lm in enumerate(landmarks) if lm is not None]
    if not found:
        return None
    return max(found, key=lambda i: abs(metrics.head_rotation_deg(landmarks[found[0]],
                                                                  landmarks[i])[0]))
