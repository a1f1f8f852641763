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


@dataclass(frozen=True)
class Stretch:
    """A pure image-plane stretch (symmetric, determinant 1) about `centre`: what is left of
    the 2-D affine map between two faces once size, rotation and position are taken out.
    z is scaled with the image x axis, as the tracker's z is in x's units."""

    matrix: np.ndarray  # (2, 2)
    centre: np.ndarray  # (2,)

    @staticmethod
    def identity() -> "Stretch":
        return Stretch(np.eye(2), np.zeros(2))

    @staticmethod
    def between(src: np.ndarray, dst: np.ndarray, limit: float = 1.5) -> "Stretch":
        """The stretch that gives `src` points (n, >=2) the proportions of `dst` points, each
        axis changed by at most `limit` (beyond it the fit has found a tracking error)."""
        from scipy.linalg import polar

        src2, dst2 = np.asarray(src, np.float64)[:, :2], np.asarray(dst, np.float64)[:, :2]
        xs, xd = src2 - src2.mean(0), dst2 - dst2.mean(0)
        linear = np.linalg.lstsq(xs, xd, rcond=None)[0].T  # xd ≈ linear @ xs
        _, stretch = polar(linear)  # linear = rotation @ stretch, stretch symmetric
        values, vectors = np.linalg.eigh(stretch)
        values = np.clip(values / np.sqrt(np.prod(values)), 1 / limit, limit)
        return Stretch(vectors @ np.diag(values) @ vectors.T, src2.mean(0))

    def apply(self, points: np.ndarray) -> np.ndarray:
        out = np.array(points, np.float64)
        out[:, :2] = (out[:, :2] - self.centre) @ self.matrix.T + self.centre
        if out.shape[1] > 2:
            out[:, 2] *= np.linalg.norm(self.matrix[:, 0])
        return out


def rotation_to_euler_deg(rotation: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees of a 3-D rotation in image axes (x right, y down, z away):
    rotation = Rz(roll) Ry(yaw) Rx(pitch). (Written out: scipy's Rotation took a quarter of a
    millisecond, every frame, for a portrait set.)"""
    r = rotation
    yaw = np.arctan2(-r[2, 0], np.hypot(r[0, 0], r[1, 0]))
    pitch, roll = np.arctan2(r[2, 1], r[2, 2]), np.arctan2(r[1, 0], r[0, 0])
    return float(np.degrees(yaw)), float(np.degrees(pitch)), float(np.degrees(roll))


def signed_areas(tri_xy: np.ndarray) -> np.ndarray:
    """Twice the signed area of each triangle (T, 3, 2): its sign is its winding."""
    a, b, c = tri_xy[:, 0], tri_xy[:, 1], tri_xy[:, 2]
    return (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])


def shown_shares(corners: np.ndarray) -> np.ndarray:
    """(T,) the share of each triangle's own area (corners (T, 3, 3), from their depth) that
    shows in the picture plane, negative where it shows from behind."""
    whole = np.linalg.norm(np.cross(corners[:, 1] - corners[:, 0],
                                    corners[:, 2] - corners[:, 0]), axis=1)
    return signed_areas(corners[..., :2]) / np.maximum(whole, 1e-9)
