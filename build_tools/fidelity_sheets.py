"""Side-by-side PNGs (portrait | driver | output) of the cases that show fidelity: the widest
mouth, a blink, gaze left and right, head turns driven and by pose offset. For looking at, not
for measuring. Needs the real-face fixtures (../shared/fixtures).

    python build_tools/fidelity_sheets.py [OUT_DIR]   (default: out/fidelity)
"""
from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from engine import metrics
from engine.editing import Edits
from engine.evaluate.common import find_landmarks, labelled_panel, read_clip
from engine.portrait import Portrait, load_portrait
from engine.session import Session, default_output_size

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
PORTRAITS = ("astronaut.png", "obama.jpg", "jianzhu_guo_glasses.jpg")
CLIP = "grid_lbax4n.mpg"  # opens wide and blinks


def _drive(portrait: Portrait, frames: list[np.ndarray], edits: Edits = Edits(),
           size: tuple[int, int] | None = None) -> list:
    with Session(portrait, size or default_output_size(portrait, 720)) as session:
        session.edits = edits
        return [session.process(f, i / 25.0).image for i, f in enumerate(frames)]


def _turned(driver: Portrait, **pose) -> list[np.ndarray]:
    """The driver's own photo, then the same photo turned by the engine (same size, same
    framing): a driver who turns."""
    return [driver.image, _drive(driver, [driver.image], Edits(**pose), driver.size)[0]]


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    frames, _ = read_clip(FIXTURES / "driving" / CLIP)
    found = find_landmarks(frames)
    widest = int(np.argmax([metrics.mouth_opening(lm) for lm in found]))
    blink = int(np.argmin([metrics.eye_opening(lm) for lm in found]))
    turner = load_portrait(Path(__file__).resolve().parents[1] / "assets" / "default_portrait.jpg")
    for name in PORTRAITS:
        portrait = load_portrait(FIXTURES / "portraits" / name)
        outputs = _drive(portrait, frames)
        cases = {"mouth_widest": (frames[widest], outputs[widest]),
                 "blink": (frames[blink], outputs[blink])}
        for label, edits in {"gaze_left": Edits(gaze_x=-1), "gaze_right": Edits(gaze_x=1),
                             "yaw_offset_-25": Edits(yaw=-25), "yaw_offset_+25": Edits(yaw=25),
                             "pitch_offset_-15": Edits(pitch=-15),
                             "pitch_offset_+15": Edits(pitch=15)}.items():
            cases[label] = (portrait.image, _drive(portrait, [portrait.image], edits)[0])
        for label, pose in {"yaw_driven_-25": {"yaw": -25}, "yaw_driven_+25": {"yaw": 25},
                            "pitch_driven_-15": {"pitch": -15},
                            "pitch_driven_+15": {"pitch": 15}}.items():
            driving = _turned(turner, **pose)
            cases[label] = (driving[-1], _drive(portrait, driving)[-1])
        stem = Path(name).stem
        for label, (driver, output) in cases.items():
            sheet = np.hstack([labelled_panel(portrait.image, "portrait"),
                               labelled_panel(driver, "driver"), labelled_panel(output, label)])
            path = out_dir / f"{stem}_{label}.png"
            cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
            print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out/fidelity"))
