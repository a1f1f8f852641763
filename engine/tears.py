"""Tears: how far the backward map stretches, squeezes or folds the portrait (DESIGN §7).

On the warp's grid, each cell's source position S(o) = framing(o) + displacement(o). Its
Jacobian's determinant over the framing's is the cell's area change: 1 where the portrait is
shown as it is, above 1 where a larger piece of the portrait is squeezed into the cell, below 1
where a smaller one is stretched over it, and at or below 0 where the map folds (the texture
turned over). Measured within the head, hair and neck (the person, as the portrait's selfie
segmentation finds it, where the map moves), and not:
- across the z-buffered face's edge: on a turn the far cheek is hidden behind the face, and the
  map jumps over it by design; the jump is measured on its own (`seam`); nor across an edge
  within the face where one part hides another (the nose over the far cheek): cells whose
  triangles are not near each other on the mesh;
- where the photo's own z-buffer hides the source: a triangle the photo shows from behind (the
  far cheek of a turned photo) has nothing of its own to show when a target turns it toward
  the viewer, and is drawn from what covers it in the photo, mirrored; such cells are counted
  on their own (`hidden`);
- as a tear, an area change past the limits that a turn of its surface explains where the
  photo or the target sees it nearly edge-on (under AREA_LIMITS[0] of its own area, by the
  landmarks' depth): a surface the photo shows at a tenth of its area, turned toward the
  viewer, must stretch tenfold however it is mapped (past STRETCHED it is drawn from the
  skin plate instead, stretched_skin.py), and one the target turns to a tenth must squeeze
  as much. A stretch to no more than EDGE_ON_SLACK of the photo's share (showing it
  squarely, the most any view takes), or a squeeze to no more than 1 / EDGE_ON_SLACK over
  the target's share, is counted on its own (`edge_on`); a fold, or a change further than
  that, is a tear as anywhere;
- on the mouth and the eyes (within the outer lip ring and the lid rings, grown by a tenth of
  their width): the mouth's inside is painted over (mouth.py), the eye's is the eyeball placed
  whole, and closing lids' margins sample the lid skin above them (warp.py): squeezing and
  jumps there are how those parts are drawn, judged by eye and by the mouth and lid measures.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import scipy.sparse as sparse

from . import face_topology as topo
from .framing import Framing
from .geometry import shown_shares
from .mesh import SKIN
from .portrait import Portrait
from .warp import CoarseWarp

AREA_LIMITS = (0.25, 4.0)  # the area change the map may make (issue 24)
DRAWN_PARTS = (topo.OUTER_LIP_RING, topo.RIGHT_EYE_RING, topo.LEFT_EYE_RING)
DRAWN_MARGIN = 0.1  # ...grown by this share of each part's width
# Where the photo or the target sees a surface edge-on (under AREA_LIMITS[0] of its own
# area), its area may change by what the turn alone takes, give or take this factor (the
# faces' sizes differ, and the depth is noisy): counted apart, not as a tear
# (TearMeter._foreshortened).
EDGE_ON_SLACK = 0.5
MOVING = 0.05  # portrait pixels: cells whose map moves less are the still portrait, not counted


@dataclass(frozen=True)
class Tear:
    """One frame's map, over the measured cells."""

    folds: int  # cells whose area change is at or below 0
    least_area: float  # the smallest area change (1 where nothing is measured)
    most_area: float  # the largest
    outside: int  # cells whose area change is outside AREA_LIMITS
    seam: float  # the largest jump across the face's edge, in grid cells' worth of portrait
    measured: int = 0  # cells measured
    hidden: int = 0  # cells drawn from a source the photo hides (not measured)
    turn_shown: float = 1.0  # the share of the turn the frame showed (ease_turn.py)
    edge_on: int = 0  # cells past the limits by what the turn of a surface seen edge-on takes


class TearMeter:
    """Measures the maps of one portrait at one framing; `alpha` is the person (1) over the
    background (0) in portrait pixels (backdrop.person_alpha)."""

    def __init__(self, portrait: Portrait, framing: Framing, alpha: np.ndarray):
        self._framing = framing
        self._alpha = alpha.astype(np.float32)
        self._opening = portrait.triangle_region != SKIN
        self._triangles = portrait.triangles
        seen = shown_shares(portrait.landmarks[portrait.triangles])
        self._hidden = (seen <= 0) & ~self._opening
        self._skin_shown = (seen > 0) & ~self._opening
        # The least area change a stretch of each triangle the photo sees edge-on may make
        # (TearMeter._foreshortened); inf where it is not edge-on.
        self._least_stretch = np.where(self._skin_shown & (seen < AREA_LIMITS[0]),
                                       EDGE_ON_SLACK * seen, np.inf)
        # Triangles within two rings of each other (sharing a vertex, or a neighbour that
        # does): cells two apart on a continuous stretch of the surface are.
        touches = sparse.csr_matrix(
            (np.ones(portrait.triangles.size), (np.repeat(np.arange(len(portrait.triangles)), 3),
                                               portrait.triangles.ravel())))
        near = (touches @ touches.T > 0).astype(np.int32)
        self._near = (near @ near).toarray() > 0

    def __call__(self, warp: CoarseWarp, target_out: np.ndarray, head_only: bool = False
                 ) -> Tear:
        """The map drawn for `target_out` (the target landmarks, output pixels). `head_only`:
        measure only above the chin (the head and hair a turn moves), not the neck and body."""
        gh, gw = warp.displacement.shape[:2]
        w, h = self._framing.output_size
        cell = np.array([w / gw, h / gh])
        xs = (np.arange(gw) + 0.5) * cell[0] - 0.5
        ys = (np.arange(gh) + 0.5) * cell[1] - 0.5
        px, py = self._framing.to_portrait_axes(xs, ys)
        source = np.stack(np.meshgrid(px, py), -1) + warp.displacement  # (gh, gw, 2)

        owner = np.full(gh * gw, -1, np.int64)  # each cell's triangle, -1 off the face
        if warp.raster is not None:
            face = warp.raster.layer(0, gh * gw)
            owner[face.pixels] = face.triangles
        owner = owner.reshape(gh, gw)
        in_face = owner >= 0
        opening = in_face & self._opening[owner]
        hidden = in_face & self._hidden[owner]

        # Central differences where both neighbours are on the same stretch of the map: on
        # the same side of the face's edge, and on the face on nearby triangles.
        d_dx, same_x = _difference(source, owner, self._near, axis=1)
        d_dy, same_y = _difference(source, owner, self._near, axis=0)
        det = (d_dx[..., 0] * d_dy[..., 1] - d_dx[..., 1] * d_dy[..., 0])
        area = det * (self._framing.scale ** 2) / (cell[0] * cell[1]) / 4.0

        person = cv2.remap(self._alpha, source[..., 0].astype(np.float32),
                           source[..., 1].astype(np.float32), cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE) > 0.5
        region = person & warp.moving(MOVING)  # what may be measured
        if head_only:
            _, down = topo.face_axes(target_out)
            chin_x, chin_y = target_out[topo.CHIN, :2]
            region &= (xs[None, :] - chin_x) * down[0] + (ys[:, None] - chin_y) * down[1] <= 0
        shown_hidden = int((region & hidden).sum())
        drawn = _grown(opening) | _parts(target_out[:, :2] / cell - 0.5, (gh, gw))
        measured = region & same_x & same_y & ~drawn & ~_grown(hidden)
        values = area[measured]
        seam = _seam(source, in_face, person) * self._framing.scale / cell.mean()
        if not len(values):
            return Tear(0, 1.0, 1.0, 0, seam, hidden=shown_hidden)
        low, high = AREA_LIMITS
        least, most = (bound[measured]
                       for bound in self._foreshortened(target_out, owner, in_face))
        excused = (values > 0) & (((values < low) & (values >= least))
                                  | ((values > high) & (values <= most)))
        return Tear(int((values <= 0).sum()), float(values.min()), float(values.max()),
                    int(((values < low) | (values > high)).sum() - excused.sum()), seam,
                    len(values), shown_hidden, edge_on=int(excused.sum()))

    def _foreshortened(self, target_out: np.ndarray, owner: np.ndarray, in_face: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Per cell, the least stretch and the most squeeze (area changes) that a turn of its
        surface explains: stretched where the photo sees it edge-on, to EDGE_ON_SLACK of the
        share of it the photo shows (what showing it squarely takes, the most any view
        does); squeezed where the target sees it edge-on, to 1 / EDGE_ON_SLACK over the share
        the target shows. Inf and 0 where neither view is edge-on; a cell's range reaches
        its neighbours' (its differences do)."""
        target = shown_shares(target_out[self._triangles])
        most = np.where(self._skin_shown & (target > 0) & (target < AREA_LIMITS[0]),
                        1.0 / (EDGE_ON_SLACK * np.maximum(target, 1e-9)), 0.0)
        owned = np.maximum(owner, 0)
        least = np.where(in_face, self._least_stretch[owned], np.inf).astype(np.float32)
        most = np.where(in_face, most[owned], 0.0).astype(np.float32)
        square = np.ones((3, 3), np.uint8)
        return cv2.erode(least, square), cv2.dilate(most, square)


def _difference(source: np.ndarray, owner: np.ndarray, near: np.ndarray,
                axis: int) -> tuple[np.ndarray, np.ndarray]:
    """S(next) - S(previous) along `axis` (two cells apart), and where both neighbours are on
    the cell's stretch of the map (and inside the grid): off the face all three, or on it on
    triangles `near` (T, T) the cell's. `owner`: each cell's triangle, -1 off the face."""
    diff = np.zeros_like(source)
    same = np.zeros(owner.shape, bool)
    inner = (slice(None), slice(1, -1)) if axis == 1 else (slice(1, -1), slice(None))
    after = (slice(None), slice(2, None)) if axis == 1 else (slice(2, None), slice(None))
    before = (slice(None), slice(None, -2)) if axis == 1 else (slice(None, -2), slice(None))
    diff[inner] = source[after] - source[before]
    here = owner[inner]
    same[inner] = _together(here, owner[after], near) & _together(here, owner[before], near)
    return diff, same


def _together(a: np.ndarray, b: np.ndarray, near: np.ndarray) -> np.ndarray:
    """Cells on the same stretch: both off the face, or on nearby triangles."""
    on = (a >= 0) & (b >= 0)
    return np.where(on, near[np.maximum(a, 0), np.maximum(b, 0)], (a < 0) & (b < 0))


def _grown(mask: np.ndarray) -> np.ndarray:
    """`mask` with the cells around it (their differences reach into it)."""
    return cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)


def _parts(grid_xy: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The grid cells of the mouth and eyes (DRAWN_PARTS), from the target in grid cells,
    grown by DRAWN_MARGIN of each part's width every way: a closed eye or mouth is a sliver,
    and grown in proportion to its own height it kept none of the seam where the lids or lips
    meet (whose differences reach a cell or two either side)."""
    mask = np.zeros(shape, np.uint8)
    for ring in DRAWN_PARTS:
        points = np.round(grid_xy[ring]).astype(np.int32)
        margin = int(np.ceil(DRAWN_MARGIN * np.ptp(grid_xy[ring, 0])))
        cv2.fillPoly(mask, [points], 1)
        cv2.polylines(mask, [points], True, 1, thickness=2 * margin + 1)
    return mask.astype(bool)


def _seam(source: np.ndarray, side: np.ndarray, person: np.ndarray) -> float:
    """The largest distance, in portrait pixels, between the sources of two neighbouring
    cells on either side of the face's edge, on the person."""
    jumps = [0.0]
    for axis in (0, 1):
        a = (slice(None, -1), slice(None)) if axis == 0 else (slice(None), slice(None, -1))
        b = (slice(1, None), slice(None)) if axis == 0 else (slice(None), slice(1, None))
        across = (side[a] != side[b]) & person[a] & person[b]
        if across.any():
            jump = source[a][across] - source[b][across]
            jumps.append(float(np.sqrt((jump ** 2).sum(1).max())))
    return max(jumps)


@dataclass(frozen=True)
class Tears:
    """A run's tears: the frames whose map folds, or changes an area past AREA_LIMITS, and the
    extremes over all frames."""

    fold_frames: int
    beyond_frames: int  # frames with a cell outside AREA_LIMITS (folds included)
    least_area: float
    most_area: float
    seam: float  # the largest jump across the face's edge (Tear.seam)
    eased_frames: int  # frames that showed less than the whole turn (ease_turn.py)
    hidden_frames: int  # frames that drew from sources the photo hides (Tear.hidden)
    edge_on_frames: int  # frames with a change a turn of a surface seen edge-on explains

    COLUMNS = ("folds", "beyond", "area_min", "area_max", "seam", "eased", "hidden", "edge_on")
    # How a table's summary row reduces each column over its rows (Table.summarise).
    REDUCERS = {"folds": sum, "beyond": sum, "area_min": min, "area_max": max, "seam": max,
                "eased": sum, "hidden": sum, "edge_on": sum}

    @classmethod
    def of(cls, frames: list[Tear]) -> "Tears":
        return cls(sum(t.folds > 0 for t in frames), sum(t.outside > 0 for t in frames),
                   min((t.least_area for t in frames), default=1.0),
                   max((t.most_area for t in frames), default=1.0),
                   max((t.seam for t in frames), default=0.0),
                   sum(t.turn_shown < 1.0 for t in frames), sum(t.hidden > 0 for t in frames),
                   sum(t.edge_on > 0 for t in frames))

    def row(self) -> dict[str, float]:
        return {"folds": self.fold_frames, "beyond": self.beyond_frames,
                "area_min": self.least_area, "area_max": self.most_area, "seam": self.seam,
                "eased": self.eased_frames, "hidden": self.hidden_frames,
                "edge_on": self.edge_on_frames}
