"""A portrait set: the main photo plus extra photos of the same person (teeth showing, eyes
closed, head turned...). The main photo gives identity, framing and background; the extras
give real content the main photo does not show. Every photo is tracked and described once
(FaceState). A single photo is a set of one."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from . import face_topology as topo
from .errors import PortraitError
from .geometry import rotation_to_euler_deg, umeyama
from .image_io import write_image
from .portrait import Portrait, load_portrait, portrait_from_image
from .sources import IMAGE_SUFFIXES

MAIN_STEM = "main"  # in a set folder, the main photo is main.jpg (or .png, ...)
MAX_EXTRAS = 12  # each extra is tracked at load and held in memory


@dataclass(frozen=True)
class FaceState:
    """What a face shows, in numbers comparable between photos: mouth opening (inner-lip gap
    over mouth width), mouth width over the distance between the eyes (a smile widens it),
    each eye's opening (lid gap over eye width; subject's right then left) and the head's turn
    from the main photo's, in degrees."""

    mouth_open: float
    mouth_width: float
    eye_open: tuple[float, float]
    yaw: float
    pitch: float

    def vector(self) -> np.ndarray:
        """mouth_open, mouth_width, eye_open (right, left), yaw, pitch: (6,)."""
        return np.array([self.mouth_open, self.mouth_width, *self.eye_open, self.yaw, self.pitch])

    @staticmethod
    def of(landmarks: np.ndarray, main: np.ndarray, rigid: np.ndarray) -> "FaceState":
        """The state of `landmarks`; pose is measured from `main` (the set's main landmarks)
        on its `rigid` points (face_topology.rigid_points)."""
        corners = landmarks[list(topo.MOUTH_CORNERS), :2]
        width = float(np.linalg.norm(corners[0] - corners[1]))
        yaw, pitch, _ = rotation_to_euler_deg(umeyama(main[rigid], landmarks[rigid]).rotation)
        return FaceState(topo.mouth_opening_ratio(landmarks),
                         width / max(topo.interocular(landmarks), 1e-6),
                         tuple(float(r) for r in topo.eye_opening_ratios(landmarks)),
                         yaw, pitch)


@dataclass
class PortraitSet:
    """`portraits[0]` is the main photo; `states[i]` describes `portraits[i]`."""

    portraits: list[Portrait]
    states: list[FaceState]
    name: str

    @property
    def main(self) -> Portrait:
        return self.portraits[0]

    @property
    def extras(self) -> list[Portrait]:
        return self.portraits[1:]

    @property
    def notices(self) -> list[str]:
        return [notice for portrait in self.portraits for notice in portrait.notices]

    def __len__(self) -> int:
        return len(self.portraits)

    def state_of(self, landmarks: np.ndarray) -> FaceState:
        """The state of target landmarks given in the main photo's pixels."""
        return FaceState.of(landmarks, self.main.landmarks, self._rigid)

    @cached_property
    def _rigid(self) -> np.ndarray:
        return topo.rigid_points(self.main.landmarks)


def make_set(main: Portrait, extras: Sequence[Portrait] = (), name: str | None = None
             ) -> PortraitSet:
    """A set of `main` and `extras` (already loaded)."""
    if len(extras) > MAX_EXTRAS:
        raise PortraitError(f"{len(extras)} extra photos in the set {name or main.name}: use at "
                            f"most {MAX_EXTRAS} (one per expression or head turn is enough)")
    portraits = [main, *extras]
    rigid = topo.rigid_points(main.landmarks)
    states = [FaceState.of(p.landmarks, main.landmarks, rigid) for p in portraits]
    return PortraitSet(portraits, states, name or main.name)


def as_set(portrait: Portrait | PortraitSet) -> PortraitSet:
    """A portrait as a set (of one), or the set itself."""
    return portrait if isinstance(portrait, PortraitSet) else make_set(portrait)


def load_portrait_set(main: str | Path | None, extras: Sequence[str | Path] = ()) -> PortraitSet:
    """The main photo (None: the bundled default) and extra photos of the same person."""
    portrait = load_portrait(main)
    return make_set(portrait, [load_portrait(path) for path in extras])


def set_photos(folder: str | Path) -> tuple[Path, list[Path]]:
    """The main photo (main.jpg, .png, ...; else the first by name) and the extras of a set
    folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PortraitError(f"{folder} is not a folder: give a folder holding main.jpg and the "
                            "extra photos, or use --portrait for a single photo")
    photos = sorted(p for p in folder.iterdir()
                    if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not photos:
        raise PortraitError(f"no photos in {folder}: put the main photo there as main.jpg, and "
                            "the extra photos (smiling, eyes closed, head turned...) beside it")
    mains = [p for p in photos if p.stem.lower() == MAIN_STEM]
    main = mains[0] if mains else photos[0]
    return main, [p for p in photos if p != main]


def load_set_folder(folder: str | Path) -> PortraitSet:
    """A set from a folder (set_photos); named after the folder."""
    main, extras = set_photos(folder)
    loaded = load_portrait_set(main, extras)
    loaded.name = Path(folder).name
    return loaded


def open_portrait(path: str | Path | None) -> PortraitSet:
    """A photo (a set of one), a set folder, or None for the bundled default."""
    if path is not None and Path(path).is_dir():
        return load_set_folder(path)
    return as_set(load_portrait(path))


def save_set_folder(folder: str | Path, photos: Sequence[tuple[str, np.ndarray]]) -> Path:
    """Write a set folder: `photos` are (name, RGB image) pairs, the main first (saved as
    main.png whatever its name), each checked for a face before anything is written. The
    folder must not hold a set already: nothing is overwritten."""
    folder = Path(folder)
    if not photos:
        raise PortraitError("a portrait set needs at least its main photo")
    if folder.exists() and any(folder.iterdir()):
        raise PortraitError(f"{folder} is not empty: choose a new folder for the set (nothing "
                            "in it was changed)")
    for name, image in photos:
        portrait_from_image(image, name)  # a photo with no usable face stops the save
    folder.mkdir(parents=True, exist_ok=True)
    for i, (name, image) in enumerate(photos):
        write_image(folder / f"{MAIN_STEM if i == 0 else Path(name).stem}.png", image)
    return folder

