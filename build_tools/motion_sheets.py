"""Side-by-side PNGs (driver | output) at the hard moments of real footage: widest mouth,
largest turn, blink, downward look, and the expressions (grin, pucker, pout, frown, brow
raise, wink, sideways glance). For looking at, not for measuring. Needs the real-face
fixtures (../shared/fixtures/motion).

    python build_tools/motion_sheets.py [--portrait IMG] [--out DIR] [CLIP ...]

Without --portrait each clip's frame 0 is the portrait (self-reenactment), and the mesh
reference's output is shown third; with it, the clip drives that photo.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from engine.evaluate.common import animate, find_landmarks, labelled_panel
from engine.evaluate.mesh_reference import MeshReference
from engine.evaluate.moments import hard_moments
from engine.evaluate.reenact import SETTINGS, read_truths
from engine.image_io import write_image
from engine.portrait import load_portrait, portrait_from_image

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def sheets(clip: Path, out_dir: Path, portrait_file: Path | None) -> None:
    frames, fps = read_truths(clip)
    driver = find_landmarks(frames)
    if portrait_file is None:
        portrait = portrait_from_image(frames[0], f"frame 0 of {clip.name}")
        outputs = animate(portrait, frames, fps, SETTINGS)
        first = next(lm for lm in driver if lm is not None)
        meshed = MeshReference(portrait.image, portrait.landmarks, first).animate(driver)
        name = clip.stem
    else:
        portrait = load_portrait(portrait_file)
        outputs = animate(portrait, frames, fps)
        meshed = None
        name = f"{clip.stem}_{portrait_file.stem}"
    for moment, i in hard_moments(driver).items():
        panels = [labelled_panel(frames[i], f"driver {i}"),
                  labelled_panel(outputs[i], f"output: {moment}")]
        if meshed is not None:
            panels.append(labelled_panel(meshed[i], "mesh reference"))
        write_image(out_dir / f"{name}_{moment}.png", np.hstack(panels))
    print(f"{name}: {len(hard_moments(driver))} sheets in {out_dir}", flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path)
    parser.add_argument("--portrait", type=Path)
    parser.add_argument("--out", type=Path, default=Path("out/motion_sheets"))
    args = parser.parse_args(argv)
    clips = args.clips or sorted((FIXTURES / "motion").glob("*.mp4"))
    if not clips:
        print(f"no clips given and none in {FIXTURES / 'motion'}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for clip in clips:
        sheets(clip, args.out, args.portrait)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
