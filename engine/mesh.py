"""The face mesh: triangulation, and smoothing of motion over it."""
from __future__ import annotations

import collections
import functools
import itertools

import numpy as np
import scipy.sparse as sparse
import scipy.sparse.linalg as sparse_linalg

from . import face_topology as topo
from .geometry import signed_areas

# Triangle regions: ordinary skin, and the openings the warp treats differently.
SKIN, MOUTH_INTERIOR, RIGHT_EYE_INTERIOR, LEFT_EYE_INTERIOR = 0, 1, 2, 3


def triangulate(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The face's own surface mesh, openings zipped shut and labelled: (T, 3) triangles, wound
    so that the side of the face `landmarks` shows has positive area (geometry.signed_areas),
    and (T,) regions.

    The surface, not a Delaunay mesh of the photo's projection: on a turned photo the far
    side's points fold back behind its outline, and a mesh of their projection joins points of
    the two sides of the fold. Turned back toward the viewer, those triangles flip and leave
    saw-teeth of background and mismatched skin down the cheek. On the surface, a triangle
    the photo hides faces away in it and is drawn only where a target shows it (DenseMotion),
    and the fold is where the photo's z-buffer hides the source (tears.py).
    """
    surface, openings = _surface_mesh()
    if signed_areas(landmarks[surface, :2]).sum() < 0:  # the walk's winding is either way
        surface = surface[:, ::-1]
    triangles = np.concatenate([surface] + [t for _, t in openings])
    region = np.concatenate([np.full(len(surface), SKIN, np.int8)]
                            + [np.full(len(t), label, np.int8) for label, t in openings])
    return np.ascontiguousarray(triangles, np.int32), region


@functools.cache
def _surface_mesh() -> tuple[np.ndarray, tuple[tuple[int, np.ndarray], ...]]:
    """The surface's triangles, consistently wound, and each opening's strip (region, (n, 3)).

    mediapipe lists the surface's edges, not its faces: the faces are the edges' triangles,
    less the two whose every edge is shared by three (a hole spanned by three edges, not a
    face)."""
    from mediapipe.python.solutions.face_mesh_connections import FACEMESH_TESSELATION

    neighbours: dict[int, set[int]] = collections.defaultdict(set)
    for a, b in FACEMESH_TESSELATION:
        neighbours[a].add(b)
        neighbours[b].add(a)
    found = sorted({tuple(sorted((a, b, c))) for a, b in FACEMESH_TESSELATION
                    for c in neighbours[a] & neighbours[b]})
    uses = collections.Counter(e for t in found for e in itertools.combinations(t, 2))
    faces = [t for t in found if min(uses[e] for e in itertools.combinations(t, 2)) < 3]
    openings = tuple((label, _zipped(upper, lower)) for label, upper, lower in (
        (MOUTH_INTERIOR, topo.INNER_LIP_UPPER, topo.INNER_LIP_LOWER),
        (RIGHT_EYE_INTERIOR, topo.RIGHT_EYE_UPPER, topo.RIGHT_EYE_LOWER),
        (LEFT_EYE_INTERIOR, topo.LEFT_EYE_UPPER, topo.LEFT_EYE_LOWER)))
    return _wound_alike(faces), openings


def _wound_alike(faces: list[tuple[int, int, int]]) -> np.ndarray:
    """`faces` (T, 3) wound alike: walking from the first across shared edges, each neighbour
    is turned so the edge it shares runs the other way (the surface is one piece)."""
    by_edge: dict[tuple[int, int], list[int]] = collections.defaultdict(list)
    for k, face in enumerate(faces):
        for edge in itertools.combinations(face, 2):
            by_edge[edge].append(k)
    wound, todo = {0: faces[0]}, [0]
    while todo:
        a, b, c = wound[todo.pop()]
        for u, v in ((a, b), (b, c), (c, a)):
            for j in by_edge[tuple(sorted((u, v)))]:
                if j not in wound:
                    wound[j] = (v, u, next(x for x in faces[j] if x != u and x != v))
                    todo.append(j)
    return np.array([wound[k] for k in range(len(faces))], np.int64)


def _zipped(upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """An opening's triangles: a strip between its upper and lower rims (which share their
    corners), so the two rims stay joined wherever they move."""
    strip = []
    for i in range(len(upper) - 1):
        a, b, c, d = upper[i], upper[i + 1], lower[i + 1], lower[i]
        strip += [t for t in ((a, c, d), (a, b, c)) if len(set(t)) == 3]
    return np.array(strip, np.int64)


# Points whose motion is their own: lips, lid margins, brows, irises, and the face's outline,
# whose points slide along the silhouette as the head turns and the jaw drops (pulled toward
# the skin inside, the outline lagged the truth's by 0.03 inter-ocular distances on real turns).
MOBILE = np.unique(np.concatenate([topo.INNER_LIP_RING, topo.OUTER_LIP_RING, topo.RIGHT_EYE_RING,
                                   topo.LEFT_EYE_RING, topo.BROWS, topo.FACE_OVAL,
                                   np.arange(topo.N_MESH, topo.N_LANDMARKS)]))


class MotionRegulariser:
    """Smooths a per-landmark displacement over the mesh: solves (I + λ W L) x = r, with L the
    mesh's graph Laplacian and W small at lips, lids, irises and the outline. Landmark noise (each point
    wandering a pixel over the skin) is spatially rough; real expression is smooth except at
    those edges. The factorisation is done once per mesh; each frame costs two sparse solves."""

    def __init__(self, triangles: np.ndarray, stiffness: float, mobile_weight: float = 0.0):
        n = topo.N_LANDMARKS
        edges = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
        adjacency = sparse.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])),
                                      shape=(n, n)).tocsr()
        adjacency = ((adjacency + adjacency.T) > 0).astype(np.float64)
        laplacian = sparse.diags(np.asarray(adjacency.sum(1)).ravel()) - adjacency
        weight = np.ones(n)
        weight[MOBILE] = mobile_weight
        system = sparse.identity(n) + stiffness * sparse.diags(weight) @ laplacian
        self._solve = sparse_linalg.factorized(system.tocsc())

    def __call__(self, displacement: np.ndarray) -> np.ndarray:
        return np.stack([self._solve(np.ascontiguousarray(displacement[:, k]))
                         for k in range(displacement.shape[1])], 1)
