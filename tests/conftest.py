"""Shared test setup: fixture paths (skipped where absent) and a loaded default portrait."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from skimage import data

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # Qt aborts without a display otherwise

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
DRIVING = FIXTURES / "driving"
PORTRAITS = FIXTURES / "portraits"
needs_fixtures = pytest.mark.skipif(not DRIVING.is_dir() or not PORTRAITS.is_dir(),
                                    reason=f"real-face fixtures not found at {FIXTURES}")
GRID_CLIPS = sorted(DRIVING.glob("grid_*.mpg")) if DRIVING.is_dir() else []


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="session")
def astronaut_portrait(astronaut):
    from engine.portrait import portrait_from_image

    return portrait_from_image(astronaut, "astronaut")
