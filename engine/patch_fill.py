"""Fill a hole in an image with patches of the image around it (exemplar inpainting).

Diffusing the colours at a hole's edge inward (cv2.inpaint) smears them into fans: a shelf's
edge stops at the hole, and a wall, grass or a waterfall behind a head become radial streaks
of their colours. Here the hole is filled from its edge inward, a square patch at a time,
each copied from the patch of the image's own pixels nearby that best matches what is already
known of it (the least sum of squared differences). The places where lines meet the hole's
edge head-on go first, so that they run on into the hole before flat areas close over them
(the filling order of exemplar inpainting, Criminisi, Pérez and Toyama 2004: how sure the
patch's known pixels are, times how strongly the lines about it cross the hole's edge).
"""
from __future__ import annotations

import cv2
import numpy as np

PATCH = 9  # pixels on a side (odd)
SEARCH = 40  # pixels: sources are looked for within this of the patch filled...
SEARCH_GROWTH = 2  # ...and this many times further each time none is found there
# Patches filled per pass (two patches apart, so that none fills what another's match reads),
# of those whose priority is within BATCH_PRIORITY of the first's: one at a time is several
# times slower; eight at a time regardless of priority filled a flat edge before the lines
# reached it, and broke them where they met (tests/test_patch_fill.py's planks).
BATCH = 8
BATCH_PRIORITY = 0.5
_SQUARE = np.ones((3, 3), np.uint8)


def fill_from_around(image: np.ndarray, hole: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """`image` (h, w, 3) with the pixels of `fill` (h, w bool, within `hole`) filled from
    its pixels outside `hole`, as float32. The rest of the hole is left as it is and is no
    source (what lies behind a body that never moves need not be made)."""
    half = PATCH // 2
    h, w = hole.shape
    img = cv2.copyMakeBorder(image.astype(np.float32), half, half, half, half,
                             cv2.BORDER_REPLICATE)
    padded = np.zeros((h + 2 * half, w + 2 * half), np.uint8)
    inner = (slice(half, half + h), slice(half, half + w))
    known = padded.copy()
    known[inner] = ~hole
    todo = padded.copy()
    todo[inner] = fill & hole
    # Sources: patches wholly of the image's own known pixels (not filled ones, not past its
    # edges): copied from filled ones, a first wrong patch would be copied on and on.
    sources = cv2.erode(known, np.ones((PATCH, PATCH), np.uint8), borderValue=0)
    confidence = known.astype(np.float32)
    # The structure the known pixels about each place hold, as the structure tensor of
    # their gradients (the gradient straddling the hole's edge is the hole's, not theirs).
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) / (16.0 * 255.0)  # Scharr's 16: 1 at a step
    gx, gy = cv2.Scharr(grey, cv2.CV_32F, 1, 0), cv2.Scharr(grey, cv2.CV_32F, 0, 1)
    inside = cv2.erode(known, _SQUARE, borderValue=0).astype(np.float32)
    window = (PATCH, PATCH)
    jxx, jxy, jyy = (cv2.boxFilter(g * inside, -1, window)
                     for g in (gx * gx, gx * gy, gy * gy))
    while todo.any():
        front = todo & cv2.dilate(known, _SQUARE)
        ys, xs = np.nonzero(front)
        if not len(ys):  # what is left does not touch the known pixels
            break
        sure = cv2.boxFilter(confidence, -1, (PATCH, PATCH))[ys, xs]
        # How much the lines there run across the hole's edge: the isophotes (along the
        # edges, across the gradients) against the edge's normal, n^T R J R^T n.
        edge = cv2.GaussianBlur(known.astype(np.float32), (5, 5), 0)
        nx = cv2.Sobel(edge, cv2.CV_32F, 1, 0)[ys, xs]
        ny = cv2.Sobel(edge, cv2.CV_32F, 0, 1)[ys, xs]
        norm = np.maximum(nx * nx + ny * ny, 1e-12)
        across = (jyy[ys, xs] * nx * nx - 2.0 * jxy[ys, xs] * nx * ny
                  + jxx[ys, xs] * ny * ny) / norm
        priority = sure * (np.sqrt(np.maximum(across, 0.0)) + 0.01)  # flat edges fill too
        for k in _apart(ys, xs, priority):
            y, x = int(ys[k]), int(xs[k])
            patch = (slice(y - half, y + half + 1), slice(x - half, x + half + 1))
            new = todo[patch] > 0
            if _copy_best(img, known, sources, y, x, half, new):
                known[patch][new] = 1
                confidence[patch][new] = sure[k]  # as sure as what it was matched on
            todo[patch][new] = 0  # filled, or with nothing anywhere to fill it from
    return img[inner]


def _apart(ys: np.ndarray, xs: np.ndarray, priority: np.ndarray) -> list[int]:
    """Up to BATCH front pixels (their indices) in order of priority, within BATCH_PRIORITY
    of the first's, each at least two patches from the others."""
    chosen: list[int] = []
    order = np.argsort(-priority, kind="stable")
    for k in order[priority[order] >= BATCH_PRIORITY * priority[order[0]]]:
        if all(max(abs(ys[k] - ys[c]), abs(xs[k] - xs[c])) >= 2 * PATCH for c in chosen):
            chosen.append(int(k))
            if len(chosen) == BATCH:
                break
    return chosen


def _copy_best(img: np.ndarray, known: np.ndarray, sources: np.ndarray, y: int, x: int,
               half: int, new: np.ndarray) -> bool:
    """Fill the pixels `new` of the patch about (y, x) in `img` from the best source near it,
    matched on the patch's `known` pixels; False where the image has no source at all."""
    target = (slice(y - half, y + half + 1), slice(x - half, x + half + 1))
    mask = np.repeat(known[target][..., None], 3, 2).astype(np.float32)
    rows, cols = img.shape[:2]
    reach = SEARCH
    while True:
        y0, y1 = max(half, y - reach), min(rows - half, y + reach + 1)
        x0, x1 = max(half, x - reach), min(cols - half, x + reach + 1)
        valid = sources[y0:y1, x0:x1] > 0
        if valid.any():
            break
        if y0 == half and x0 == half and y1 == rows - half and x1 == cols - half:
            return False
        reach *= SEARCH_GROWTH
    score = cv2.matchTemplate(img[y0 - half:y1 + half, x0 - half:x1 + half], img[target],
                              cv2.TM_SQDIFF, mask=mask)
    score[~valid] = np.inf
    sy, sx = np.unravel_index(int(np.argmin(score)), score.shape)
    sy, sx = sy + y0, sx + x0
    img[target][new] = img[sy - half:sy + half + 1, sx - half:sx + half + 1][new]
    return True
