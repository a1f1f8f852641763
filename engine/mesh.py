"""The face mesh: triangulation, and smoothing of motion over it."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sparse
import scipy.sparse.linalg as sparse_linalg
from matplotlib.path import Path as Polygon
from scipy.spatial import Delaunay

from . import face_topology as topo

# Triangle regions: ordinary skin, and the openings the warp treats differently.
SKIN, MOUTH_INTERIOR, RIGHT_EYE_INTERIOR, LEFT_EYE_INTERIOR = 0, 1, 2, 3


def triangulate(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Delaunay mesh of the 468 face points, clipped to the face oval, openings labelled.

    mediapipe's Python package lists mesh edges, not triangles (and misses some), so the mesh is
    rebuilt on the face itself: there it is non-overlapping, which is what sampling needs.
    """
    xy = landmarks[:topo.N_MESH, :2]
    tris = Delaunay(xy).simplices
    centroids = xy[tris].mean(1)
    inside_oval = Polygon(xy[topo.FACE_OVAL]).contains_points(centroids, radius=1e-6)
    region = np.full(len(tris), SKIN, np.int8)
    for label, ring in ((MOUTH_INTERIOR, topo.INNER_LIP_RING),
                        (RIGHT_EYE_INTERIOR, topo.RIGHT_EYE_RING),
                        (LEFT_EYE_INTERIOR, topo.LEFT_EYE_RING)):
        region[np.isin(tris, ring).all(1)] = label
    keep = inside_oval | (region != SKIN)
    return tris[keep].astype(np.int32), region[keep]


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
