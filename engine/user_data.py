"""The user's own data folder: what the app learns (the motion bank) and makes (portrait sets).
STANDIN_DATA overrides it (tests, a portable install)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

DATA_ENV = "STANDIN_DATA"


def data_folder() -> Path:
    """STANDIN_DATA, else the platform's folder for per-user application data / Stand-in."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "Stand-in"


def sets_folder() -> Path:
    """Where the portrait sets the app makes live, one folder each."""
    return data_folder() / "sets"
