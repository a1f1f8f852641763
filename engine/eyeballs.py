"""Eyeballs completed where the photo's lids hide them (issue 24).

The warp draws an open eye as the photo's eyeball, placed by the eye corners and shifted so
the iris lands on the target's (warp.eyeball_placement). A look up, down or aside, or an eye
opened wider than its photo's, asks for eyeball the photo does not show: beyond its lids the
photo has lid skin and lashes, and the eye filled with skin, or the photo's own iris showed
at the lid beside the moved one as a dark notch. So each eye's eyeball is completed once, at
load, past its opening: the white from the white the photo shows (spread smoothly, the lids'
shading taken out), the iris a whole disc (its hidden part from the colours it shows at the
same distance from its centre). Where a frame's opening needs eyeball past the photo's
opening, the completed eyeball is painted over the opening, shaded by the target's lids and
faded out across the rim so the lid margin stays the warp's; about the rim, where the warp
shows the photo's own iris and the moved one is not, the photo without its iris is drawn
instead. Painted after the render (every backend), before closing lids are painted over it.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from . import face_topology as topo
from .painting import LUMA, PartAxes, blend, normalised_blur, part_box
from .ramp import smoothstep
from .warp import CoarseWarp, eyeball_placement

REACH = 0.6  # eye widths of completed eyeball about the opening's box
# The photo's opening less this rim (eye widths, at least a pixel) shows eyeball; the rim
# holds the lid margin and the lashes' shadow.
RIM = 0.05
# Share of an opening's inside whose eyeball lies past the photo's opening, over which the
# completed eyeball fades in: none while the photo shows it all (a still face is the photo
# itself).
PAINT_FROM = (0.0, 0.03)
WHITE_SPREAD = (0.08, 0.4)  # eye widths: the white is spread by these blurs, the finer first
# An eye's white is far greyer than the skin about it (0.1 - 0.2 of the skin's colourfulness
# where a photo shows it clearly). A small or blurred eye's "white" is mostly lid skin
# (lp_d14's: 0.9 of the skin's), and a glance aside painted a skin-coloured wedge beside the
# iris: the completed white keeps at most this share of the skin's colourfulness.
WHITE_CHROMA = 0.3
IRIS_RINGS = 6  # the hidden iris takes the mean colour of the shown iris in these many rings
IRIS_SEEN = 0.85  # ...read within this share of its radius
# The lids shade the eyeball near them (the upper more: lashes and their shadow). The photo's
# shading is read along the distance from its opening's edge (eye widths, every SHADE_STEP),
# above and below the corners' line, taken out of the completed eyeball, and put back at the
# target's own distances: a moved iris darkens under the lid, the rim keeps its dark line.
SHADE_STEP = 0.02
SHADE_BINS = 10
SHADE_RANGE = (0.5, 1.2)
SOFT = 3.0  # photo pixels over which the photo's eyeball fades into the completed one

# Each eye's opening ring, corners (the image's left first: PartAxes' v runs down the face)
# and iris centre, in warp.eyeball_placement's order.
_EYES = tuple((ring, corners, iris) for (ring, _, _), corners, iris in zip(
    topo.OPENINGS[1:], (topo.RIGHT_EYE_CORNERS, topo.LEFT_EYE_CORNERS[::-1]),
    (topo.RIGHT_IRIS_CENTER, topo.LEFT_IRIS_CENTER)))


@dataclass(frozen=True)
class _Eyeball:
    """One eye's completed eyeball in a box of the photo."""

    origin: tuple[int, int]  # the box's top-left, photo pixels
    texture: np.ndarray  # (h, w, 3) float32
    opening: np.ndarray  # (h, w) float32: 1 inside the photo's opening, rim and all
    width: float  # the eye's, corner to corner, photo pixels
    shade: np.ndarray  # (2: above, below, SHADE_BINS): brightness over the eyeball's inside
    irisless: np.ndarray  # (h, w, 3) float32: the photo with its iris filled in from about it
    iris: np.ndarray  # (h, w) float32: 1 on the iris the photo shows (where irisless differs)
    iris_disc: tuple[complex, float]  # its centre (in the box) and radius, photo pixels

    @property
    def rim(self) -> float:
        """Photo pixels of the opening's rim, which holds lashes, not eyeball."""
        return _rim(self.width)


class Eyeballs:
    """The eyeballs of one portrait, painted over frames whose eyes show more than it does.
    `scale`: output pixels per portrait pixel (a larger photo is blurred to it: no aliasing)."""

    def __init__(self, image: np.ndarray, landmarks: np.ndarray, scale: float = 1.0):
        blur = max(0.5 / scale - 0.5, 0.0)
        self._eyes = [_completed(image, landmarks, eye, blur) for eye in _EYES]
        self._photo = landmarks[None, :, :2]

    def apply(self, image: np.ndarray, target_out: np.ndarray, warp: CoarseWarp) -> None:
        """Paint the completed eyeballs into `image` (output pixels, target landmarks
        `target_out`, drawn through `warp`) in place where the target opening needs eyeball
        the photo hides."""
        scale, shift = eyeball_placement(target_out, self._photo)
        # The lids' map reaches past an opening by up to a grid cell (it is upsampled).
        reach = int(np.ceil(image.shape[1] / warp.displacement.shape[1])) + 1
        for k, (eyeball, eye) in enumerate(zip(self._eyes, _EYES)):
            if eyeball is not None:
                _paint(image, target_out, eye, eyeball, (scale[k, 0], shift[k, 0]), warp, reach)


def _paint(image: np.ndarray, points: np.ndarray, eye: tuple, eyeball: _Eyeball,
           placement: tuple[complex, complex], warp: CoarseWarp, reach: int) -> None:
    """One eye (`eye`: ring, corners, iris) of the target `points` (output pixels), placed by
    `placement` (output to photo pixels: z -> scale z + shift), in a box `reach` pixels about
    its opening."""
    scale, shift = placement
    found = part_box(points, image.shape, reach, eye[0])
    if found is None:
        return
    box, xs, ys = found
    x0, y0, x1, y1 = box
    polygon = np.round((points[eye[0], :2] - [x0, y0]) * 16).astype(np.int32)
    coverage = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(coverage, [polygon], 255, cv2.LINE_AA, shift=4)
    edge = cv2.distanceTransform((coverage > 127).astype(np.uint8), cv2.DIST_L2, 3)
    # The photo's rim in output pixels, and a pixel more of the coarser of the two (the two
    # outlines are drawn apart): a still face maps the inside onto what the photo shows.
    inside = edge > (eyeball.rim + max(1.0, abs(scale))) / abs(scale)
    if not inside.any():
        return  # shut: the lids are the warp's (and eyelids.py's)
    z = scale * (xs + 1j * ys) + (shift - complex(*eyeball.origin))
    map_x, map_y = z.real.astype(np.float32), z.imag.astype(np.float32)
    # Past the photo's opening, not merely into its rim: a slit of an eye shows little
    # eyeball clear of its rim, and any glance reached into it (lp_d20's lowered eyes were
    # painted in most frames, from too little eyeball to complete well).
    beyond = cv2.remap(eyeball.opening, map_x, map_y, cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_CONSTANT, borderValue=0) < 0.5
    hidden = float(beyond[inside].mean())
    strength = float(smoothstep(hidden, *PAINT_FROM))
    if strength == 0.0:
        return
    texture = cv2.remap(eyeball.texture, map_x, map_y, cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE)
    # About the rim the lids' map shows the photo's eye as it lies, its iris where the photo
    # has it: beside an iris moved away, a dark notch at the lid. There, the photo without it.
    field = warp.expand((slice(y0, y1), slice(x0, x1)))
    lid_x = (field.map_x - eyeball.origin[0]).astype(np.float32)
    lid_y = (field.map_y - eyeball.origin[1]).astype(np.float32)
    # (Not where the moved iris itself shows, inside the opening: it is painted there, up to
    # the lid; wiped, its edge at the lid went too, and the eye read as less open.)
    centre, radius = eyeball.iris_disc
    moved_iris = np.clip(radius + 0.5 - np.abs(z - centre), 0.0, 1.0)
    notch = ~inside * (1.0 - moved_iris * (coverage / 255.0)) * cv2.remap(
        eyeball.iris, lid_x, lid_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
        borderValue=0)
    if notch.any():
        blend(image, box, notch * strength, cv2.remap(eyeball.irisless, lid_x, lid_y,
                                                      cv2.INTER_LINEAR,
                                                      borderMode=cv2.BORDER_REPLICATE))
    shade = _shade_at(eyeball.shade, edge * (abs(scale) / eyeball.width),
                      _below(points, eye, xs, ys))
    # Over the whole opening (painted only where the photo hides it, the seams between its
    # eyeball and the completed one showed as wedges), faded in across the rim from none on
    # the outline's own pixels: the lid margin stays the warp's (a lighter eyeball blended
    # into it drew a pale ring about the eye).
    fade = np.maximum(np.clip((edge - 1.0) / (eyeball.rim / abs(scale) + 1.0), 0.0, 1.0),
                      moved_iris)
    blend(image, box, coverage.astype(np.float32) * fade * (strength / 255.0),
          texture * shade[..., None])


def _completed(image: np.ndarray, landmarks: np.ndarray, eye: tuple, blur: float
               ) -> _Eyeball | None:
    """The eyeball of one eye (`eye`: ring, corners, iris centre) completed past its opening."""
    ring, (first, second), iris = eye
    width = float(np.linalg.norm(landmarks[second, :2] - landmarks[first, :2]))
    if width < 4.0:
        return None
    found = part_box(landmarks, image.shape, int(np.ceil(REACH * width)), ring)
    if found is None:
        return None
    (x0, y0, x1, y1), xs, ys = found
    photo = image[y0:y1, x0:x1]
    if blur > 0:
        photo = cv2.GaussianBlur(photo, (0, 0), blur)
    rgb = photo.astype(np.float32)
    opening = np.zeros(rgb.shape[:2], np.uint8)
    cv2.fillPoly(opening, [np.round((landmarks[ring, :2] - [x0, y0]) * 16).astype(np.int32)], 1,
                 shift=4)
    edge_px = cv2.distanceTransform(opening, cv2.DIST_L2, 3)
    shown = edge_px > _rim(width)
    if shown.sum() < 4:
        return None
    centre = landmarks[iris, :2]
    radius = topo.iris_radius(landmarks, iris)
    from_centre = np.hypot(xs - centre[0], ys - centre[1])
    distance = from_centre / max(radius, 1.0)
    edge = edge_px / width
    below = _below(landmarks, eye, xs, ys)
    # Read past the rim: in it, lashes and liner (drawn by the warp's lid margin), not shade.
    shade = _shade_of(rgb @ LUMA, shown & (distance > 1.1), edge, below)
    rgb = rgb / _shade_at(shade, edge, below)[..., None]  # unshaded: as if no lid were near
    # The white is spread from the brighter half of what the photo shows of it (its corners
    # hold the pink caruncle and shadow).
    seen_white = shown & (distance > 1.15)
    if seen_white.any():
        luma = rgb @ LUMA
        seen_white &= luma >= np.median(luma[seen_white])
    white = _greyed(_spread(rgb, seen_white, width), seen_white, np.median(rgb[opening == 0], 0))
    disc = np.clip((1.0 - distance) * radius + 0.5, 0.0, 1.0)[..., None]
    completed = disc * _iris_rings(rgb, shown, distance, white) + (1.0 - disc) * white
    # The photo itself where it shows the eyeball, faded into the completion over a few pixels
    # from none at the edge of what it shows (cut off there, half way, the seam showed as a
    # stepped line across a glance's white).
    soft = np.clip(cv2.distanceTransform(shown.astype(np.uint8), cv2.DIST_L2, 3) / SOFT,
                   0.0, 1.0)[..., None]
    texture = soft * rgb + (1.0 - soft) * completed
    # The iris the photo shows, a pixel wider, filled in from the white and lids about it.
    on_iris = ((from_centre < radius + 1.0)
               & (cv2.dilate(opening, np.ones((3, 3), np.uint8)) > 0)).astype(np.uint8)
    irisless = cv2.inpaint(photo, on_iris, max(2.0, 0.3 * radius), cv2.INPAINT_TELEA)
    iris = cv2.GaussianBlur(on_iris.astype(np.float32), (0, 0), 0.7)
    return _Eyeball((x0, y0), np.ascontiguousarray(texture, np.float32),
                    opening.astype(np.float32), width, shade,
                    irisless.astype(np.float32), iris,
                    (complex(centre[0] - x0, centre[1] - y0), radius))


def _rim(width: float) -> float:
    return max(RIM * width, 1.0)


def _below(points: np.ndarray, eye: tuple, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Which pixels lie on the lower lid's side of the line between the eye's corners."""
    return PartAxes.of(points, *eye[1]).to_uv(xs, ys)[1] > 0


def _shade_of(luma: np.ndarray, white: np.ndarray, edge: np.ndarray, below: np.ndarray
              ) -> np.ndarray:
    """The white's brightness by distance from the opening's edge (`edge`, eye widths), above
    and below, over its brightness further in: (2, SHADE_BINS); a distance with too few
    pixels takes the nearest read one's, a side with none is unshaded (1)."""
    steps = np.minimum((edge / SHADE_STEP).astype(int), SHADE_BINS - 1)
    further_in = white & (steps >= SHADE_BINS // 2)
    base = np.median(luma[further_in if further_in.sum() >= 4 else white]) if white.any() else 0
    shade = np.ones((2, SHADE_BINS))
    if base <= 0:
        return shade
    for side in (0, 1):
        read = [(step, np.median(luma[chosen]) / base) for step in range(SHADE_BINS)
                for chosen in [white & (below == bool(side)) & (steps == step)]
                if chosen.sum() >= 3]
        if read:
            at, value = zip(*read)
            shade[side] = np.interp(np.arange(SHADE_BINS), at, value)
    # A lid's shadow only fades going in: a dark reading further in (the iris's edge, a
    # few pixels) drew a ring parallel to the target's lids.
    return np.clip(np.maximum.accumulate(shade, axis=1), *SHADE_RANGE)


def _shade_at(shade: np.ndarray, edge: np.ndarray, below: np.ndarray) -> np.ndarray:
    """`shade` (_shade_of) at distances `edge` (eye widths) on each side."""
    at = np.clip(edge / SHADE_STEP - 0.5, 0.0, SHADE_BINS - 1.0)
    low = at.astype(int)
    high = np.minimum(low + 1, SHADE_BINS - 1)
    t = (at - low).astype(np.float32)
    side = below.astype(int)
    return (shade[side, low] * (1 - t) + shade[side, high] * t).astype(np.float32)


def _spread(rgb: np.ndarray, known: np.ndarray, width: float) -> np.ndarray:
    """The colours at `known` pixels spread over the whole box: a normalised blur, finer where
    known pixels are near, coarser further out."""
    weight = known.astype(np.float32)

    def blurred(share: float) -> tuple[np.ndarray, np.ndarray]:
        """The normalised blur at `share` eye widths, and how much known weight it had."""
        fill, w = normalised_blur(rgb, weight, share * width)
        return fill, w[..., None]

    fine, coarse = (blurred(share) for share in WHITE_SPREAD)
    mean = rgb[known].mean(0) if known.any() else rgb.mean((0, 1))
    out = np.where(coarse[1] > 1e-4, coarse[0], mean)  # past the coarse reach: the mean
    reach = np.clip(fine[1] / 0.2, 0.0, 1.0)
    return reach * fine[0] + (1.0 - reach) * out


def _greyed(white: np.ndarray, seen: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """`white` with its colour (its difference from grey) scaled down so that, over the
    `seen` pixels, it is at most WHITE_CHROMA of the `skin` colour's."""
    luma = (white @ LUMA)[..., None]
    colour = white - luma
    own = float(np.linalg.norm(colour[seen].mean(0))) if seen.any() else 0.0
    allowed = WHITE_CHROMA * float(np.linalg.norm(skin - skin @ LUMA))
    return luma + colour * min(1.0, allowed / max(own, 1e-6))


def _iris_rings(rgb: np.ndarray, known: np.ndarray, distance: np.ndarray,
                white: np.ndarray) -> np.ndarray:
    """The iris's colour everywhere: by ring (distance from its centre over its radius), the
    mean of the shown iris in that ring (the white's where a ring shows none)."""
    out = white.copy()
    edges = np.linspace(0.0, IRIS_SEEN, IRIS_RINGS + 1)
    edges[-1] = np.inf  # the outermost ring read goes on to the rim (the limbus blurs with white)
    for lo, hi in zip(edges[:-1], edges[1:]):
        band = (distance >= lo) & (distance < hi)
        seen = band & known & (distance < IRIS_SEEN)
        if seen.sum() >= 3:
            out[band] = rgb[seen].mean(0)
    return out
