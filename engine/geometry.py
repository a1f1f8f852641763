"""Similarity transforms and their least-squares recovery (Umeyama, 1991)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Similarity:
    """x -> scale * R x + t, acting on row vectors of 2-D or 3-D points."""

    scale: float
    rotation: np.ndarray  # (d, d), proper rotation
    translation: np.ndarray  # (d,)

    @staticmethod
    def identity(dim: int = 3) -> "Similarity":
        return Similarity(1.0, np.eye(dim), np.zeros(dim))

    def apply(self, points: np.ndarray) -> np.ndarray:
        return self.scale * points @ self.rotation.T + self.translation

    def apply_vectors(self, vectors: np.ndarray) -> np.ndarray:
        """Transform displacements (no translation)."""
        return self.scale * vectors @ self.rotation.T

    def inverse(self) -> "Similarity":
        r_inv = self.rotation.T
        return Similarity(1.0 / self.scale, r_inv, -(r_inv @ self.translation) / self.scale)

    def compose(self, inner: "Similarity") -> "Similarity":
        """self ∘ inner: apply `inner` first."""
        return Similarity(self.scale * inner.scale, self.rotation @ inner.rotation,
                          self.scale * self.rotation @ inner.translation + self.translation)


def umeyama(src: np.ndarray, dst: np.ndarray) -> Similarity:
    """Least-squares similarity mapping `src` points onto `dst` points (both (n, d))."""
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    mu_s, mu_d = src.mean(0), dst.mean(0)
    xs, xd = src - mu_s, dst - mu_d
    cov = xd.T @ xs / len(src)
    u, sv, vt = np.linalg.svd(cov)
    sign = np.ones(len(sv))
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[-1] = -1.0  # reflection: flip the weakest axis to keep a proper rotation
    rotation = u @ np.diag(sign) @ vt
    var_s = (xs ** 2).sum() / len(src)
    scale = float((sv * sign).sum() / var_s) if var_s > 0 else 1.0
    translation = mu_d - scale * rotation @ mu_s
    return Similarity(scale, rotation, translation)


def rotation_to_euler_deg(rotation: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees of a 3-D rotation in image axes (x right, y down, z away)."""
    from scipy.spatial.transform import Rotation

    pitch, yaw, roll = Rotation.from_matrix(rotation).as_euler("xyz", degrees=True)
    return float(yaw), float(pitch), float(roll)
