"""A 'camera' video of the astronaut following the guided capture's prompts, made with the
project's own engine: each step's edits (engine.editing.Edits) for the step's time, eased in
over its first EASE_S as a person would, then held; a short straight tail lets the last step
end on time."""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np

from engine.editing import Edits
from engine.guided_capture import STEP_SECONDS, STEPS
from engine.portrait import portrait_from_image
from engine.session import Session, Settings
from engine.sinks import open_video_sink

FPS = 25.0
EASE_S = 0.4
TAIL_S = 0.5
# What the astronaut does at each prompt (the engine's controls; signs as Edits documents)
PROMPTED = {"main": Edits(), "smile": Edits(smile=1.0, mouth_open=0.4),
            "mouth_open": Edits(mouth_open=1.0), "eyes_closed": Edits(eye_open=-1.0),
            "turn_left": Edits(yaw=-25.0), "turn_right": Edits(yaw=25.0),
            "look_up": Edits(pitch=-20.0)}
NEVER_TURNS = {**PROMPTED, "turn_left": Edits(), "turn_right": Edits()}


def _eased(edits: Edits, amount: float) -> Edits:
    rest = Edits()
    return Edits(**{f.name: getattr(rest, f.name) + amount * (getattr(edits, f.name)
                                                               - getattr(rest, f.name))
                    for f in fields(Edits) if not isinstance(getattr(rest, f.name), bool)})


def step_windows() -> dict[str, tuple[float, float]]:
    """Each step's time in the video, seconds: [start, end)."""
    return {step.name: (i * STEP_SECONDS, (i + 1) * STEP_SECONDS) for i, step in enumerate(STEPS)}


def prompted_video(path: Path, face: np.ndarray, prompted: dict[str, Edits] = PROMPTED) -> Path:
    """Write the video to `path` (.mp4, FPS); `face` is the RGB photo animated."""
    per_step = round(STEP_SECONDS * FPS)
    ease = round(EASE_S * FPS)
    h, w = face.shape[:2]
    # A person really turns that far: the whole turn, not eased (Settings.ease_turns).
    with Session(portrait_from_image(face, "face"), (w, h), Settings(ease_turns=False)) \
            as session, \
            open_video_sink(path, FPS, (w, h)) as sink:
        def frame(edits: Edits, k: int) -> np.ndarray:
            session.edits = edits
            return session.process(face, k / FPS).image

        k = 0
        for step in STEPS:
            held = None
            for i in range(per_step):
                if i < ease:
                    image = frame(_eased(prompted[step.name], (i + 1) / ease), k)
                else:  # held still: one render serves the rest of the step
                    held = frame(prompted[step.name], k) if held is None else held
                    image = held
                sink.write(image)
                k += 1
        rest = frame(Edits(), k)
        for _ in range(round(TAIL_S * FPS)):
            sink.write(rest)
    return path
