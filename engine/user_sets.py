"""The portrait sets the app makes, in the user's data folder: a new set folder for a name,
and extra photos added to a portrait. The user's own files are only ever read: every photo
is copied, and nothing is overwritten."""
from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from .errors import PortraitError
from .portrait import DEFAULT_PORTRAIT, load_portrait
from .portrait_set import MAIN_STEM, MAX_EXTRAS, set_photos
from .user_data import sets_folder


def new_set_folder(name: str) -> Path:
    """A folder in sets_folder() that does not exist yet, named after `name` ("me", "me 2"...).
    Characters a file name cannot hold on every platform are left out."""
    stem = re.sub(r"[^\w\- ]+", "", name).strip() or "portrait"
    folder, n = sets_folder() / stem, 1
    while folder.exists():
        n += 1
        folder = sets_folder() / f"{stem} {n}"
    return folder


def made_by_app(folder: str | Path) -> bool:
    """A set folder the app made (in sets_folder()): photos may be added to it in place."""
    return Path(folder).resolve().parent == sets_folder().resolve()


def add_photos(portrait: str | Path | None, photos: Sequence[str | Path]) -> Path:
    """The set folder of `portrait` (a photo, a set folder, or None for the bundled default)
    with `photos` added as extras. A set the app made gets them copied in; anything else is
    copied, with them, into a new set folder. Every new photo is checked for a usable face
    before anything is written (PortraitError names the one that has none)."""
    photos = [Path(p) for p in photos]
    for photo in photos:
        load_portrait(photo)
    is_set = portrait is not None and Path(portrait).is_dir()
    main, extras = set_photos(portrait) if is_set else (Path(portrait or DEFAULT_PORTRAIT), [])
    if len(extras) + len(photos) > MAX_EXTRAS:
        raise PortraitError(f"{len(extras) + len(photos)} extra photos is too many for one "
                            f"portrait: use at most {MAX_EXTRAS} (one per expression or head "
                            "turn is enough)")
    in_place = is_set and made_by_app(portrait)
    if in_place:
        folder, copies = Path(portrait), [(p, p.stem) for p in photos]
    else:
        folder = new_set_folder(Path(portrait).name if is_set else main.stem)
        copies = [(main, MAIN_STEM), *((p, p.stem) for p in [*extras, *photos])]
    try:
        folder.mkdir(parents=True, exist_ok=in_place)
        for photo, stem in copies:
            _copy_in(photo, folder, stem)
    except OSError as err:
        raise PortraitError(f"cannot copy the photos into {folder} ({err.strerror}): check "
                            "that the disk has room and that you may write there") from None
    return folder


def _copy_in(photo: Path, folder: Path, stem: str) -> None:
    """A copy of `photo` in `folder` named `stem` (or "stem 2"...: no file there has the same
    stem, so an extra never takes the main photo's name and nothing is overwritten)."""
    taken = {p.stem.lower() for p in folder.iterdir()}
    name, n = stem, 1
    while name.lower() in taken:
        n += 1
        name = f"{stem} {n}"
    copy = folder / f"{name}{photo.suffix.lower()}"
    with open(photo, "rb") as source, open(copy, "xb") as target:  # "x": never overwrite
        shutil.copyfileobj(source, target)
