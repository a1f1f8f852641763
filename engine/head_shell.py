"""The head beyond the face mesh (forehead, hair, ears, the top of the neck) as an ellipsoid
shell that turns with the head in 3-D, so a turned head's hair and ears move with parallax
instead of sliding sideways as a flat picture (DESIGN §4.4)."""
from __future__ import annotations

import numpy as np

from . import face_topology as topo
from .geometry import Similarity
from .ramp import smoothstep

# Semi-axes in face widths (x), face heights (y) and inter-ocular distances (z); the centre
# sits this far behind the face's mean depth and above its middle.
AXES = (0.72, 0.78, 1.0)
DEPTH = 0.9  # inter-ocular distances behind the face
RAISE = 0.12  # face heights up: the skull and hair sit above the face's middle
# The shell's pull fades out over this range of its radius (1: the outline). Over the outer
# fifth only, the parallax inside it against the flat follow outside made a seam there: long
# hair cut by a line on the far side from about 15 degrees of yaw, a far ear stretched into a
# smear, the map folded beside the jaw (sadtalker_aoc driving young_woman_long_hair).
EDGE = (0.5, 1.0)


class HeadShell:
    """An ellipsoid about the portrait's head, in portrait pixels (z in the landmarks' unit)."""

    def __init__(self, landmarks: np.ndarray):
        mesh = landmarks[:topo.N_MESH]
        width, height = np.ptp(mesh[:, 0]), np.ptp(mesh[:, 1])
        iod = topo.interocular(landmarks)
        centre = mesh.mean(0)
        self.centre = centre + [0.0, -RAISE * height, DEPTH * iod]
        self.axes = np.array([AXES[0] * width, AXES[1] * height, AXES[2] * iod])

    def sample(self, to_portrait: Similarity, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For output points (n, 2): where on the portrait the turned shell shows there
        (portrait pixels, (n, 2)), and how much the shell owns each point (1 inside its
        outline, fading to 0 at it). `to_portrait` maps the target head (output pixels, 3-D)
        onto the portrait's; output views are orthographic along z."""
        inv = 1.0 / self.axes ** 2
        start = to_portrait.apply(np.c_[points, np.zeros(len(points))]) - self.centre
        ray = to_portrait.scale * to_portrait.rotation[:, 2]  # one unit of output depth
        a = float((ray * ray * inv).sum())
        b = 2.0 * (start * ray * inv).sum(1)
        c = (start * start * inv).sum(1) - 1.0
        closest = c + 1.0 - b * b / (4.0 * a)  # squared shell radius the ray comes nearest
        near = (-b - np.sqrt(np.maximum(b * b - 4.0 * a * c, 0.0))) / (2.0 * a)  # front surface
        depth = np.where(closest < 1.0, near, -b / (2.0 * a))
        on_shell = start + depth[:, None] * ray + self.centre
        weight = 1.0 - smoothstep(np.sqrt(np.maximum(closest, 0.0)), *EDGE)
        return on_shell[:, :2], weight
