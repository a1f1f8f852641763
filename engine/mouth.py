"""Mouth interior: what shows inside the target inner-lip contour when the mouth opens wider
than the portrait's.

Two cases. If the portrait's own mouth is open, its real interior is used: the upper teeth
ride with the upper lip and the lower teeth with the lower lip, stretched with the lips a
little past the photo's opening (REAL_STRETCH), and the gap that opens between them beyond
that shows the drawn inside. If the portrait's mouth is closed, the interior is drawn: walls
in the lips' hue, in shadow in a slit and lit in a wide-open mouth, a throat that darkens
softly behind the middle only once the mouth opens wide, a tongue, upper teeth under the upper
lip sized to the opening (lower teeth when wide open). The teeth take their colour from the
skin's highlights, so they sit in the portrait's light. An open portrait mouth closing is
covered by its lips: their meeting line over what is squeezed between them, their colour over
what of its opening the warp carries onto them (cover_teeth).

A drawn interior fades in only once the mouth opens clearly wider than the portrait's (from
about 0.08 of the mouth width): on small speech openings it reads too dark, too early.

Where the driver's own mouth is open, what the camera sees inside it (SeenInside: the tongue,
how much of each row of teeth shows, the shadow of the throat) replaces the drawn guess,
placed by its place between the lips and recoloured from the driver's lips and teeth to the
portrait's (MouthInterior.seen_inside, _seen).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import cv2
import numpy as np
from scipy.ndimage import maximum_filter1d

from . import face_topology as topo
from .painting import LUMA, PartAxes, blend, normalised_blur, part_box
from .ramp import smoothstep

if TYPE_CHECKING:
    from .warp import CoarseWarp

DRAWN_FADE_IN = (0.08, 0.22)  # extra opening / mouth width: drawn interior starts, is full
REAL_FADE_IN = (0.01, 0.05)  # the same for the portrait's real interior
REAL_INTERIOR_MIN = 0.06  # portrait opening / mouth width above which its interior is used
REAL_TEETH_MIN = 0.01  # ...if its teeth cover at least this many mouth widths squared
REAL_STRETCH = 1.3  # the most a portrait's own opening is stretched across (_real_layers)
BOTH_ROWS_FROM = 0.25  # portrait opening / mouth width from which both rows of teeth show
MAX_ALPHA = 0.92  # let a trace of the lip seam through, as in real mouths...
# ...until the mouth opens this much wider than the portrait's (over its width): stretched
# over a wide opening, the seam's trace drew vertical streaks down the inside.
OPAQUE_FROM = (0.2, 0.4)
# A portrait's open mouth closing: the interior squeezed between the lips (a bright seam of
# teeth) is covered by the lips' meeting line, from this share of the way shut to fully by
# the second. Lips that close meet over the teeth; they do not bite them.
CLOSING_FADE = (0.3, 0.8)
# ...but only where the gap left is thin (opening / mouth width: fully up to the first, none
# from the second): a wide-open photo half shut is still a speaking mouth that shows teeth.
SEAM_OPENING = (0.04, 0.12)
# The meeting line of closed lips, darker than the lips: a shadow line, at least this thick,
# with edges this soft (mouth widths). Drawn only in the gap between the shut inner-lip
# landmarks (they touch and cross) it was broken into crisp dashes, and at 0.4 a black
# thread. (A lighter line than 0.4 once let the tracker read a smiling photo's shut mouths
# as parted; at this thickness 0.4 and 0.55 read alike: lip landmark error on tpsmm and
# sadtalker self-reenactment 0.0138/0.0129 against 0.0139/0.0129.)
SEAM_SHADE = 0.55
SEAM_THICKNESS = 0.03
SEAM_SOFTNESS = 0.03
# A portrait's open mouth closing: what of its opening (teeth, the greys between them) the warp
# carries outside the target's inner lips is covered by the lips, from this share of the way
# shut to fully by the second. Mediapipe's inner lips often lie on the teeth, so the photo
# shows teeth past its inner-lip landmarks, and closing the landmarks carries them onto the
# lips: a shut target still showed a band of teeth on its lower lip.
TEETH_COVER = (0.0, 0.6)
LIPS_SPREAD = 0.05  # mouth widths: the lips' colour there is read from this far about
# A pixel this far from the lips' colour (share of the way to the teeth's) starts to count as
# the opening's, fully from the second, if it is also less red than the lips by this share
# of their redness (_unlike_lips).
UNLIKE_LIPS = (0.3, 0.6)
LESS_RED_THAN_LIPS = (0.0, 0.3)
UPPER_TEETH = 0.2  # visible upper-teeth height / mouth width
# ...and at most this share of the opening between the lips. In speech the upper teeth fill
# most of a small opening (the motion clips' truths: about 0.5 to 0.7 of it, the lower row
# much of the rest); at 0.4 the rest was a dark band that looked like a hole, and the tracker
# read the lips further apart; at 0.6 a dark rim still ringed the teeth of a slit.
TEETH_OF_GAP = 0.8
LOWER_TEETH = 0.1  # the same for the lower teeth, once the mouth is open
# Opening / mouth width at which the lower teeth start, are full. (From 0.05 the slit mouths
# looked closer to the motion clips', but the tracker found less of the opening: cross-identity
# mouth r on sadtalker_aoc x astronaut 0.850 -> 0.849, tpsmm_interview x astronaut -> 0.829.)
LOWER_TEETH_FROM = (0.1, 0.3)
SHADED_TEETH = 0.7  # drawn teeth: this far from the skin's highlights toward its median
# Lips pushed forward (a pucker, an "oo") cover the teeth: drawn teeth show from this narrowing
# of the mouth (its corner-to-corner width over the photo's, each over the inter-ocular
# distance), fully from the second. Drawn at full size, a round opening showed a white slab of
# teeth where a pucker shows a dark hollow (lp_d12: mouth L1 -5%; lp_d6 -1.4%).
PURSED = (0.7, 0.85)
DENTAL_ARCH = 0.85  # the arch of drawn teeth, seen from the front, reaches this far along u
TOOTH_ARC = np.pi / 10  # the arc of the dental arch one tooth spans, seen from the front
TOOTH_GAP_SHADE = 0.15  # how much darker the gaps between drawn teeth are
# The drawn inside. Its walls: this share of the lips' colour in a slit, and in a wide-open
# mouth (a slit much brighter than its first reads as closed lips to the tracker: at 0.45 the
# opening found on smiling_teeth_man followed the driver's with r 0.73, not >= 0.8).
INNER_WALL = (0.3, 0.5)
LIT_FROM = (0.15, 0.5)  # opening / mouth width over which the walls go from one to the other
# The throat: centred this far down the opening, fading out over this range of distance from
# it (in half-mouths), darkening to the cavity colour by THROAT_DEPTH once the opening is in
# THROAT_FROM.
THROAT_AT = 0.45
THROAT_FALLOFF = (0.15, 0.85)
THROAT_FROM = (0.12, 0.45)
THROAT_DEPTH = 0.85
TONGUE_ALPHA = 0.8
TONGUE_SHADE = 0.9  # the tongue, lit from the front: this share of the lips' colour
# The soft edges of the painted opening (in mouth widths): the interior's, and the closed
# lips' meeting line's (also the photo's own opening, where its teeth are found). The target's
# mouth is worked out only as far as they reach.
INTERIOR_FEATHER = 0.03
SEAM_FEATHER = 0.015
# A photo's teeth are looked for this share of the mouth's span past its inner lips (they
# reach toward the outer lips).
TEETH_REACH = 0.1
# A smile's upper teeth turned over for the lower row (_RealInterior.lower_row) are read from
# the upper lip down this share of the way to the lower one: the rest is often lower lip.
OWN_TEETH_REACH = 0.85
TEETH_SPREAD = 0.02  # the gaps between a photo's teeth are among them: its mask spread this far
# The driver's own inside (SeenInside) is read on a grid this many samples along the mouth and
# between the lips; it replaces the drawn one from the driver's opening (over its mouth width)
# at the first to fully at the second, and hands back to it as the target opens wider than
# the driver by the first factor to the second (the Mouth-open control on a talking driver:
# a slit stretched four times over reads as smears, not teeth). A pixel of it is the driver's
# teeth from the first share of the way from its lips' colour to its teeth's to the second.
SEEN_GRID = (64, 24)
# ...its samples' place: u along the mouth, the way from the upper lip to the lower.
_SEEN_U, _SEEN_DEPTH = np.meshgrid(np.linspace(-1, 1, SEEN_GRID[0], dtype=np.float32),
                                   np.linspace(0, 1, SEEN_GRID[1], dtype=np.float32))
SEEN_FROM = (0.04, 0.1)
SEEN_STRETCH = (2.0, 4.0)
SEEN_TEETH = (0.3, 0.8)
ROWS_ALONG = 2.0  # grid columns over which how much of a row of teeth shows is smoothed
LIP_HUES_APART = 10.0  # degrees between two lips' colours past which their hues are not alike


def mouth_axes(points: np.ndarray) -> PartAxes:
    """A mouth's axes: u along its inner-lip corners, v across, down positive."""
    return PartAxes.of(points, topo.INNER_LIP_UPPER[0], topo.INNER_LIP_UPPER[-1])


@dataclass(frozen=True)
class MouthFrame:
    """Pixel positions in mouth coordinates (mouth_axes), with the lips' curves at each u."""

    u: np.ndarray  # (h, w)
    v: np.ndarray
    upper: np.ndarray  # v of the upper inner lip at each pixel's u
    lower: np.ndarray
    axes: PartAxes
    # The drawn interior's shading by what is drawn (shading()): a set's photos share one
    # placement of the mouth (MouthInterior.apply), and most draw the same.
    _shadings: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def width(self) -> float:  # corner to corner, pixels
        return self.axes.width

    @property
    def gap(self) -> np.ndarray:
        """The lips' gap at each pixel's u, pixels (at least a thousandth of one)."""
        return np.maximum(self.lower - self.upper, 1e-3)

    @property
    def depth(self) -> np.ndarray:
        """Each pixel's way from the upper lip (0) to the lower (1), clipped to them."""
        return np.clip((self.v - self.upper) / self.gap, 0, 1)

    def shading(self, rows: tuple[bool, bool], own_opening: float,
                teeth_shown: float) -> "Shading":
        """The drawn interior's weight maps here (_shading), worked out once per frame."""
        key = (rows, own_opening, teeth_shown)
        if key not in self._shadings:
            self._shadings[key] = _shading(self, rows, own_opening, teeth_shown)
        return self._shadings[key]

    @staticmethod
    def of(axes: PartAxes, xs: np.ndarray, ys: np.ndarray) -> "MouthFrame":
        """The pixels of a grid (xs, ys as from np.meshgrid) in a mouth's `axes`."""
        u, v = axes.to_uv(xs, ys)
        u = u.astype(np.float32)
        return MouthFrame(u, v.astype(np.float32), axes.curve(topo.INNER_LIP_UPPER, u),
                          axes.curve(topo.INNER_LIP_LOWER, u), axes)

    def meeting_line(self, feather: float) -> np.ndarray:
        """Soft mask of the lips' meeting line: the opening between them, at least
        SEAM_THICKNESS of the mouth's width thick about their middle."""
        half = np.maximum(self.lower - self.upper, SEAM_THICKNESS * self.width) / 2
        across = half - np.abs(self.v - (self.upper + self.lower) / 2)
        along = (1.0 - np.abs(self.u)) * self.width / 2
        return np.clip(np.minimum(across, along) / feather + 0.5, 0.0, 1.0)

    def inside(self, feather: float, grow: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
        """Soft mask of the opening between the lips, inside the corners; `grow` pixels past
        the upper lip and past the lower."""
        across = np.minimum(self.v - self.upper + grow[0], self.lower - self.v + grow[1])
        along = (1.0 - np.abs(self.u)) * self.width / 2
        return np.clip(np.minimum(across, along) / feather + 0.5, 0.0, 1.0)


@dataclass(frozen=True)
class SeenInside:
    """A driver's mouth interior as its camera sees it (MouthInterior.seen_inside), on a grid
    in mouth coordinates: columns along the mouth (u from -1 to 1), rows from the upper inner
    lip to the lower."""

    pixels: np.ndarray  # (rows, columns, 3) float32 RGB
    lip: np.ndarray  # the driver's lips' colour (3,)
    teeth: np.ndarray  # the driver's teeth as its light renders them (3,)
    opening: float  # the driver's inner-lip gap over its mouth width
    share: float = 1.0  # how much of the drawn inside it may replace (voice taking over: less)


class MouthInterior:
    def __init__(self, image: np.ndarray, landmarks: np.ndarray):
        self.rest_opening = topo.mouth_opening_ratio(landmarks)
        self._rest_width = _mouth_width(landmarks)
        self._landmarks = landmarks
        self._lip = _lip_colour(image, landmarks)
        self._cavity = np.clip(self._lip * [0.30, 0.18, 0.18], 0, 255).astype(np.float32)
        skin = skin_pixels(image, landmarks)
        self._teeth = _teeth_colour(skin)
        self._real = self._real_interior(image) if self.rest_opening >= REAL_INTERIOR_MIN else None
        # The rows of teeth the portrait shows are carried with its lips (_real_layers); the
        # others are drawn. A smile shows only its upper row: opened wider, the lower row is
        # drawn in the colour of its own teeth rather than the skin's guess.
        if self._real is None:
            self._drawn_rows, self._drawn_teeth = (True, True), _drawn_teeth_colour(skin)
        else:
            self._drawn_rows = (False, self.rest_opening < BOTH_ROWS_FROM)
            self._drawn_teeth = self._real.teeth_colour
        # Teeth in full light: a driver's seen ones are recoloured to these (_seen).
        self._lit_teeth = self._teeth if self._real is None else self._real.teeth_colour

    def seen_inside(self, frame: np.ndarray, landmarks: np.ndarray) -> SeenInside | None:
        """This face's mouth interior in another `frame` of the same person (its `landmarks`),
        coloured as this face's lips and teeth are: what a driver's camera sees inside its
        mouth, for a portrait to draw (apply). None while the lips are (nearly) shut, or
        where the mouth runs off the frame (its inside would be the frame's edge smeared)."""
        opening = topo.mouth_opening_ratio(landmarks)
        lips = landmarks[topo.OUTER_LIP_RING, :2]
        if (opening < SEEN_FROM[0] or (lips < 0).any()
                or (lips >= [frame.shape[1], frame.shape[0]]).any()):
            return None
        axes = mouth_axes(landmarks)
        upper = axes.curve(topo.INNER_LIP_UPPER, _SEEN_U)
        xs, ys = axes.to_xy(_SEEN_U, upper + _SEEN_DEPTH
                            * (axes.curve(topo.INNER_LIP_LOWER, _SEEN_U) - upper))
        pixels = cv2.remap(frame, xs.astype(np.float32), ys.astype(np.float32),
                           cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return SeenInside(pixels.astype(np.float32), self._lip, self._teeth, opening)

    @property
    def uses_real_interior(self) -> bool:
        return self._real is not None

    @property
    def _own_opening(self) -> float:
        """The opening the portrait's own teeth fill (none when it shows none)."""
        return self.rest_opening if self._real is not None else 0.0

    def strength(self, target_out: np.ndarray, seen_weight: float = 0.0) -> float:
        """How opaque the painted interior is for this target. `seen_weight`: how much of it
        is the driver's own (_seen_weight), which fades in as early as a photo's own inside
        does: what the camera sees is no guess that reads too dark too early."""
        extra = topo.mouth_opening_ratio(target_out) - self.rest_opening
        real = 1.0 if self._real is not None else seen_weight
        fade_in = (real * smoothstep(extra, *REAL_FADE_IN)
                   + (1.0 - real) * smoothstep(extra, *DRAWN_FADE_IN))
        return float(fade_in * (MAX_ALPHA + (1.0 - MAX_ALPHA) * smoothstep(extra, *OPAQUE_FROM)))

    def _shut(self, opening: float) -> float:
        """How much of the portrait's own opening a target `opening` (gap over width) shuts:
        0 at the photo's, 1 closed, negative opened wider."""
        return 1.0 - opening / self.rest_opening

    def closing(self, target_out: np.ndarray) -> float:
        """How far an open portrait mouth is shut by the target, as the seam's opacity."""
        if self._real is None:
            return 0.0
        opening = topo.mouth_opening_ratio(target_out)
        return float(smoothstep(self._shut(opening), *CLOSING_FADE)
                     * (1.0 - smoothstep(opening, *SEAM_OPENING)))

    def cover_teeth(self, image: np.ndarray, target_out: np.ndarray, warp: "CoarseWarp") -> None:
        """A portrait's open mouth closing: paint the lips' colour, in place, over its own
        opening where `warp` (output to portrait pixels) carries it outside the target's
        inner lips (TEETH_COVER)."""
        if self._real is None:
            return
        strength = float(smoothstep(self._shut(topo.mouth_opening_ratio(target_out)),
                                    *TEETH_COVER))
        if strength <= 0.0:
            return
        axes = mouth_axes(target_out)
        box = part_box(target_out, image.shape, int(np.ceil(axes.width * TEETH_REACH)) + 2,
                       topo.OUTER_LIP_RING)
        if box is None:
            return
        (x0, y0, x1, y1), xs, ys = box
        field = warp.expand((slice(y0, y1), slice(x0, x1)))
        real = self._real
        opening = cv2.remap(real.opening, field.map_x - real.origin[0],
                            field.map_y - real.origin[1], cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        outside = 1.0 - MouthFrame.of(axes, xs, ys).inside(_feather(axes.width, SEAM_FEATHER))
        lips = np.zeros(outside.shape, np.float32)
        cv2.fillPoly(lips, [np.round((target_out[topo.OUTER_LIP_RING, :2] - [x0, y0]) * 16)
                            .astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
        blend(image, (x0, y0, x1, y1), strength * opening * outside,
              self._lips_about(image[y0:y1, x0:x1], lips * outside * (1.0 - opening),
                               axes.width))

    def _lips_about(self, pixels: np.ndarray, lips: np.ndarray, width: float) -> np.ndarray:
        """The lips' colour about each pixel of `pixels` (a box about a mouth `width` pixels
        wide): the lip pixels (weights `lips`) spread by a normalised blur; the portrait's lip
        colour where none are near. One flat colour over what the warp carries onto the lips
        showed as a patch with a hard edge on a shaded lip."""
        spread, total = normalised_blur(pixels.astype(np.float32), lips, LIPS_SPREAD * width)
        near = np.clip(total / 0.05, 0.0, 1.0)[..., None]  # a twentieth of a lip pixel's weight
        return near * spread + (1.0 - near) * self._lip

    def apply(self, image: np.ndarray, target_out: np.ndarray, placed: Placement | None = None,
              seen: SeenInside | None = None) -> Placement | None:
        """Paint the interior into `image` (output pixels) in place: a mouth opened wider
        than the portrait's shows a cavity (and teeth), a portrait's open mouth closing shows
        the lips meeting. `placed`: where the mouth lies in an image of this size for this
        target, if already found (as returned by an earlier call: a set's photos share it).
        `seen`: the driver's own interior this frame, drawn in place of the guess (_seen)."""
        seen_weight = _seen_weight(seen, topo.mouth_opening_ratio(target_out))
        alpha, closing = self.strength(target_out, seen_weight), self.closing(target_out)
        if alpha <= 0.0 and closing <= 0.0:
            return placed
        placed = placed or place(target_out, image.shape)
        if placed is None:
            return None
        (x0, y0, x1, y1), frame = placed
        if alpha <= 0.0:  # closing: the lips' meeting line over what was between them
            alpha = closing
            mask = frame.meeting_line(feather=_feather(frame.width, SEAM_SOFTNESS))
            interior = np.broadcast_to(self._lip * SEAM_SHADE, mask.shape + (3,))
        else:
            mask = frame.inside(feather=_feather(frame.width, INTERIOR_FEATHER))
            interior = self._drawn(frame, float(smoothstep(
                _mouth_width(target_out) / self._rest_width, *PURSED)))
            if seen_weight > 0.0:
                interior = self._seen(frame, seen, interior, seen_weight)
            if self._real is not None:
                # The portrait's own rows of teeth show as far as the driver's do where its
                # inside is seen: a smile's teeth carried into every open mouth covered the
                # dark inside and tongue of a speaking one (its upper lip hides its teeth).
                shown = _rows_shown(seen, frame) if seen_weight > 0.0 else (1.0, 1.0)
                for layer, row in zip(self._real_layers(frame), shown):
                    cover = layer[..., 3] * (1.0 - seen_weight * (1.0 - row))
                    cover = cv2.merge([cover] * 3)
                    interior = interior + cover * (layer[..., :3] - interior)
        blend(image, (x0, y0, x1, y1), alpha * mask, interior)
        return placed

    def _drawn(self, f: MouthFrame, teeth_shown: float) -> np.ndarray:
        """Cavity, tongue and (where the portrait shows none of its own) teeth, in pixels of f;
        the teeth at `teeth_shown` of their height (PURSED).
        Every layer is a flat colour times a shade, so the picture is the lips', the cavity's
        and the teeth's colours each times one weight map (worked out as single-channel
        planes: NumPy broadcasts slowly along an axis of three)."""
        s = f.shading(self._drawn_rows, self._own_opening, teeth_shown)
        flat = [s.lip * self._lip[c] + s.cavity * self._cavity[c]
                + s.upper_teeth * self._drawn_teeth[c] for c in range(3)]
        own = (self._real.lower_row(f, s.lower_depth)
               if self._real is not None and self._drawn_rows[1] else None)
        if own is None:  # drawn: the teeth's colour, with the gaps between them drawn too
            lower = s.lower_teeth * s.lower_gaps
            planes = [flat[c] + lower * self._drawn_teeth[c] for c in range(3)]
        else:  # the portrait's own upper teeth, turned over: their own gaps
            planes = [flat[c] + s.lower_teeth * own[..., c] for c in range(3)]
        return cv2.merge([plane.astype(np.float32) for plane in planes])

    def _seen(self, f: MouthFrame, seen: SeenInside, drawn: np.ndarray,
              weight: float) -> np.ndarray:
        """The `drawn` interior (pixels of f) with the driver's `seen` one over it by `weight`,
        each pixel read at its place along the mouth and between the lips and recoloured: the
        driver's lips' hue becomes this portrait's lips', its teeth this portrait's, each as
        bright relative to them as the driver's."""
        columns, rows = SEEN_GRID
        pixels = cv2.remap(seen.pixels, (f.u + 1) * ((columns - 1) / 2), f.depth * (rows - 1),
                           cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        teeth = smoothstep(_toward_teeth(pixels, seen.lip, seen.teeth), *SEEN_TEETH)[..., None]
        # Channel by channel where the two lips' hues agree (the same face: its inside as the
        # camera sees it), by brightness as they part: the ratio of a coral-lipped driver's
        # lips to a paler portrait's, channel by channel, turned its pink tongue lilac.
        by_channel = pixels * (self._lip / np.maximum(seen.lip, 1.0))
        by_brightness = ((pixels @ LUMA)[..., None]
                         * (self._lip / max(float(seen.lip @ LUMA), 1.0)))
        alike = max(1.0 - _hue_angle(self._lip, seen.lip) / LIP_HUES_APART, 0.0)
        as_lips = by_brightness + alike * (by_channel - by_brightness)
        as_teeth = ((pixels @ LUMA)[..., None]
                    * (self._lit_teeth / max(float(seen.teeth @ LUMA), 1.0)))
        recoloured = as_lips + teeth * (as_teeth - as_lips)
        return np.clip(drawn + weight * (recoloured - drawn), 0, 255).astype(np.float32)

    def _real_interior(self, image: np.ndarray) -> "_RealInterior | None":
        ring = self._landmarks[topo.INNER_LIP_RING, 0]
        box = part_box(self._landmarks, image.shape, int(np.ceil(np.ptp(ring) * TEETH_REACH)) + 2,
                       topo.INNER_LIP_RING)
        if box is None:
            return None
        (x0, y0, x1, y1), xs, ys = box
        f = MouthFrame.of(mouth_axes(self._landmarks), xs, ys)
        rgb = image[y0:y1, x0:x1].astype(np.float32)
        # Teeth anywhere within the lips: mediapipe's inner lip often lies on the teeth.
        lips = cv2.GaussianBlur(_ring_mask(image.shape, self._landmarks, topo.OUTER_LIP_RING)
                                [y0:y1, x0:x1].astype(np.float32), (0, 0), 0.7)
        teeth = lips * self._teethness(rgb)
        if teeth.sum() < REAL_TEETH_MIN * f.width ** 2:
            return None  # an open mouth that shows no teeth (or landmarks that miss them)
        # A smile shows upper teeth, which ride with the upper lip; a wide-open mouth shows both
        # rows, split half-way between the lips.
        edge = max(f.width * 0.02, 0.7)
        both_rows = self.rest_opening >= BOTH_ROWS_FROM
        if both_rows:
            upper = np.clip(((f.upper + f.lower) / 2 - f.v) / edge + 0.5, 0, 1)
        else:
            # Nothing below the lower lip's inner edge rides with the upper lip: bright there
            # is the lower lip's sheen, not teeth.
            teeth *= np.clip((f.lower - f.v) / edge + 0.5, 0, 1)
            upper = _down_to_row_edge(teeth, f.width, edge)
        # What is carried is the whole inside between the lips (teeth, the gaps and shadow
        # between them) and the teeth past its edge: colour alone missed teeth in shade,
        # which then came out as fragments floating in the drawn cavity.
        own_teeth = np.median(rgb[teeth > 0.5], 0) if (teeth > 0.5).any() else self._teeth
        # The lips' colour to tell the opening by is the lower lip's: the band above the upper
        # inner lip can be teeth (the inner lip often lies on them), or dark lipstick.
        below = (lips > 0.5) & (f.v > f.lower)
        lower_lip = np.median(rgb[below], 0) if below.any() else self._lip
        opening = lips * _unlike_lips(rgb, lower_lip, self._teeth)
        # Whole up to the edge of the lip each part hangs from, and a feather past it: a soft
        # edge there let the drawn cavity show through as a dark line along the lip. (A single
        # row's lower edge is the photo's lower lip: carried whole, it hung inside the opened
        # mouth as a pink band under the teeth.)
        feather = _feather(f.width, SEAM_FEATHER)
        grow = (feather, feather if both_rows else 0.0)
        carried = np.maximum(teeth, f.inside(feather, grow))
        return _RealInterior(np.array([x0, y0], np.float32),
                             np.dstack([rgb, carried * upper]),
                             np.dstack([rgb, carried * (1 - upper)]),
                             own_teeth.astype(np.float32), f.axes, opening.astype(np.float32),
                             _teeth_region(teeth, f.width), rgb)

    def _teethness(self, rgb: np.ndarray) -> np.ndarray:
        """How much each pixel looks like teeth: its place on the way from the lips' colour to
        the whites'. Mediapipe's inner lip often runs over the lips, which must not be carried
        as teeth; colour tells them apart where brightness alone does not."""
        t = _toward_teeth(rgb, self._lip, self._teeth)
        return cv2.GaussianBlur(smoothstep(t, 0.45, 0.8), (0, 0), 0.7)

    def _real_layers(self, f: MouthFrame):
        """The portrait's lower then upper interior, each hanging from its own lip, in pixels
        of `f`: (h, w, 4) images, RGB and coverage. Each pixel keeps its distance from the lip
        (in mouth widths, stretched as below) at its place along the mouth, so the teeth follow
        a lip that bends as it opens; a rigid carry left a crescent of cavity between the upper
        lip and teeth."""
        real = self._real
        photo, scale = real.axes, real.axes.width / f.width
        # Opened a little wider than the photo, its inside stretches with the lips (as the
        # skin does): a gap opening between the photo's rows at once drew a dark band where
        # a speaking mouth shows larger teeth. Past REAL_STRETCH the drawn inside shows.
        lower, upper = (photo.curve(lip, f.u)
                        for lip in (topo.INNER_LIP_LOWER, topo.INNER_LIP_UPPER))
        stretch = np.clip((f.lower - f.upper) * scale / np.maximum(lower - upper, 1e-3),
                          1.0, REAL_STRETCH)
        for photo_lip, at, patch in ((lower, f.lower, real.lower), (upper, f.upper, real.upper)):
            xs, ys = photo.to_xy(f.u, photo_lip + (f.v - at) * scale / stretch)
            yield cv2.remap(patch, xs - real.origin[0], ys - real.origin[1], cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)


@dataclass(frozen=True)
class _RealInterior:
    origin: np.ndarray  # portrait pixel of the patches' top-left
    upper: np.ndarray  # (h, w, 4) float32: RGB, coverage of the upper half of the opening
    lower: np.ndarray
    teeth_colour: np.ndarray  # (3,) the median of its teeth, as lit in the photo
    axes: PartAxes  # the photo's mouth
    opening: np.ndarray  # (h, w) float32: how much each pixel of the patches is the opening's
    teeth: np.ndarray  # (h, w) float32: how much each pixel lies among its teeth (gaps too)
    photo: np.ndarray  # (h, w, 3) float32: the patches' pixels (RGB), for lower_row

    def lower_row(self, f: MouthFrame, depth: np.ndarray) -> np.ndarray:
        """A lower row of teeth for the pixels of `f`, from the photo's own upper row turned
        over: each pixel `depth` of the way from the lower lip to the row's edge shows the
        photo's teeth as far from the upper lip, toward their edge, at its place along the
        mouth; where the photo shows no teeth there, their median colour. (h, w, 3)."""
        photo = self.axes
        upper, lower = (photo.curve(lip, f.u) for lip in (topo.INNER_LIP_UPPER,
                                                           topo.INNER_LIP_LOWER))
        reach = np.maximum(lower - upper, 0.0) * OWN_TEETH_REACH
        xs, ys = photo.to_xy(f.u, upper + depth * reach)
        xs, ys = xs - self.origin[0], ys - self.origin[1]
        rgb = cv2.remap(self.photo, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        among = cv2.remap(self.teeth, xs, ys, cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)[..., None]
        return rgb * among + self.teeth_colour * (1.0 - among)


@dataclass(frozen=True)
class Shading:
    """The drawn interior's weight maps (MouthInterior._drawn): each colour times its map."""

    lip: np.ndarray  # the lips' colour: the walls and the tongue
    cavity: np.ndarray  # the throat's
    upper_teeth: np.ndarray | float = 0.0  # the teeth's
    lower_teeth: np.ndarray | float = 0.0
    lower_gaps: np.ndarray | float = 1.0  # drawn gaps between lower teeth (1: none)
    lower_depth: np.ndarray | float = 0.0  # the way from the lower lip to the row's edge, 0-1


def _shading(f: MouthFrame, rows: tuple[bool, bool], own_opening: float,
             teeth_shown: float) -> Shading:
    """The drawn interior's weight maps in pixels of f, drawing the teeth `rows` (upper,
    lower) at `teeth_shown` of their height over an opening the portrait's own teeth fill up
    to `own_opening`."""
    gap, depth = f.gap, f.depth
    centre = np.sqrt(np.clip(1 - f.u ** 2, 0, 1))  # 1 mid-mouth, 0 at the corners
    opening = gap / f.width
    # The inside of the lips and cheeks is lit through the opening, in the lips' own hue:
    # a slit is in shadow, a wide mouth lets the light in; the throat behind the middle
    # stays dark. A soft fall-off, never a flat hole.
    wall = INNER_WALL[0] + (INNER_WALL[1] - INNER_WALL[0]) * smoothstep(opening, *LIT_FROM)
    reach = np.sqrt(f.u ** 2 + ((depth - THROAT_AT) / 0.5) ** 2)
    throat = ((1 - smoothstep(reach, *THROAT_FALLOFF))
              * smoothstep(opening, *THROAT_FROM) * THROAT_DEPTH)
    # The tongue fills the bottom of the mouth, lit from the front.
    tongue_shape = 1 - ((f.u / 0.65) ** 2 + ((depth - 1.0) / 0.5) ** 2)
    tongue = TONGUE_ALPHA * np.clip(tongue_shape * 3, 0, 1) * smoothstep(opening, 0.08, 0.3)
    lip = (wall * (1 - throat) * (1 - tongue)
           + TONGUE_SHADE * (0.8 + 0.2 * centre) * tongue)
    cavity = throat * (1 - tongue)
    if not any(rows):  # (rows the portrait shows are carried: MouthInterior._real_layers)
        return Shading(lip, cavity)
    return _teeth_shading(f, gap, centre, Shading(lip, cavity), *rows, own_opening, teeth_shown)


def _teeth_shading(f: MouthFrame, gap: np.ndarray, centre: np.ndarray, behind: Shading,
                   upper_row: bool, lower_row: bool, own_opening: float,
                   teeth_shown: float) -> Shading:
    """The drawn teeth (the rows asked for) over what is `behind` them (its lips' and
    cavity's weights)."""
    profile = np.sqrt(np.clip(1 - (f.u / DENTAL_ARCH) ** 2, 0, 1))  # the arch's height
    edge = max(f.width * 0.01, 0.5)
    below_upper = f.v - f.upper
    # Sized to the mouth: at most TEETH_OF_GAP of the opening, so a small opening keeps a
    # shadowed line under the teeth, never a grey band from lip to lip.
    upper_height = (np.minimum(UPPER_TEETH * f.width * profile, TEETH_OF_GAP * gap)
                    * upper_row * teeth_shown)
    upper = np.clip((upper_height - below_upper) / edge, 0, 1)
    above_lower = f.lower - f.v
    # ...from an opening past the portrait's own (a smile's is taken by its upper row)
    lower_height = (LOWER_TEETH * f.width * profile * lower_row * teeth_shown
                    * smoothstep(gap / f.width - own_opening, *LOWER_TEETH_FROM))
    lower = np.clip((lower_height - above_lower) / edge, 0, 1)
    # Gaps between teeth: faint dark lines, one per tooth along the arch seen from the front
    # (the front teeth widest, narrowing toward the corners), the first between the two front
    # teeth, showing toward the teeth's free edges (where they narrow), hardly at the gums.
    # Evenly spaced and as dark from lip to edge, they read as a grille.
    along = np.arcsin(np.clip(f.u / DENTAL_ARCH, -1, 1)) / TOOTH_ARC
    gaps = TOOTH_GAP_SHADE * np.exp(-((along - np.round(along)) * TOOTH_ARC * DENTAL_ARCH
                                      * f.width / 2 / edge) ** 2)
    upper_gaps = 1 - gaps * np.clip(below_upper / np.maximum(upper_height, 1e-3), 0, 1) ** 2
    lower_gaps = 1 - gaps * np.clip(above_lower / np.maximum(lower_height, 1e-3), 0, 1) ** 2
    # Teeth darken toward the corners and just under the upper lip (its shadow); the lower
    # row is in the upper jaw's shadow. The upper row is drawn over the lower.
    shade = 0.45 + 0.55 * centre
    lip_shadow = 1 - 0.35 * np.exp(-below_upper / (f.width * 0.025))
    covered = (1 - lower) * (1 - upper)
    return Shading(behind.lip * covered, behind.cavity * covered,
                   shade * upper_gaps * lip_shadow * upper, shade * 0.75 * lower * (1 - upper),
                   lower_gaps, np.clip(above_lower / np.maximum(lower_height, 1e-3), 0, 1))


Placement = tuple[tuple[int, int, int, int], MouthFrame]  # (x0, y0, x1, y1) and its pixels


def place(target_out: np.ndarray, shape: tuple[int, ...]) -> Placement | None:
    """Where the mouth of `target_out` lies in an image of `shape`: its box and the box's
    pixels in mouth coordinates; None if it is off the image."""
    # Nothing is painted past the feather's reach (the mask is 0 there: MouthFrame.inside).
    axes = mouth_axes(target_out)
    box = part_box(target_out, shape, int(np.ceil(_feather(axes.width, INTERIOR_FEATHER))) + 2,
                   topo.INNER_LIP_RING)
    if box is None:
        return None
    corners, xs, ys = box
    return corners, MouthFrame.of(axes, xs, ys)


def moved_placement(placed: Placement | None, left: int, top: int,
                    shape: tuple[int, ...]) -> Placement | None:
    """`placed` (an image's) in a crop of that image from (`left`, `top`) of `shape`: the
    same pixels in mouth coordinates, its box moved; None if it is not all in the crop."""
    if placed is None:
        return None
    (x0, y0, x1, y1), frame = placed
    x0, y0, x1, y1 = x0 - left, y0 - top, x1 - left, y1 - top
    if x0 < 0 or y0 < 0 or x1 > shape[1] or y1 > shape[0]:
        return None
    return (x0, y0, x1, y1), frame


def _seen_weight(seen: SeenInside | None, opening: float) -> float:
    """How much of the inside of a target mouth `opening` (gap over width) the driver's `seen`
    one replaces: none while the driver's lips are nearly shut, or once the target opens
    much wider than the driver's (SEEN_FROM, SEEN_STRETCH)."""
    if seen is None:
        return 0.0
    return seen.share * float(smoothstep(seen.opening, *SEEN_FROM)
                              * (1.0 - smoothstep(opening / seen.opening, *SEEN_STRETCH)))


def _rows_shown(seen: SeenInside, f: MouthFrame) -> tuple[np.ndarray, np.ndarray]:
    """How much of its lower and of its upper row of teeth (MouthInterior._real_layers'
    order) the driver shows (0 to 1) at each pixel of `f`'s place along the mouth: the most
    teeth-like of its seen pixels in the lower and in the upper half between its lips,
    smoothed along the mouth."""
    teeth = smoothstep(_toward_teeth(seen.pixels, seen.lip, seen.teeth), *SEEN_TEETH)
    half = SEEN_GRID[1] // 2
    along = np.linspace(-1.0, 1.0, SEEN_GRID[0])
    rows = []
    for part in (teeth[half:], teeth[:half]):
        shown = cv2.GaussianBlur(part.max(0).astype(np.float32)[None], (0, 0), ROWS_ALONG)[0]
        rows.append(np.interp(f.u, along, shown).astype(np.float32))
    return rows[0], rows[1]


def _teeth_region(teeth: np.ndarray, width: float) -> np.ndarray:
    """Where a photo's teeth are, the dark gaps between them included: its teeth mask
    (`teeth`, 0-1) spread by TEETH_SPREAD of the mouth's `width` and made whole again."""
    spread = cv2.GaussianBlur(teeth.astype(np.float32), (0, 0), max(TEETH_SPREAD * width, 0.7))
    return np.clip(2.0 * spread, 0.0, 1.0)


def _down_to_row_edge(teeth: np.ndarray, width: float, edge: float) -> np.ndarray:
    """How much each pixel lies above the free edge of a single row of teeth (`teeth`, 0-1)
    in its column, the edge softened by `edge` pixels. Mediapipe's lower inner lip often lies
    on the lower lip, under a smile's teeth: the strip of lip between the teeth's edge and
    it belongs to the lower lip, and carried with the upper teeth it hung under them as a
    pink band once the mouth opened."""
    rows = np.arange(teeth.shape[0], dtype=np.float32)[:, None]
    found = teeth > 0.5
    if not found.any():
        return np.ones_like(teeth)
    bottom = np.where(found, rows, -1.0).max(0)
    # The gaps between teeth end higher than the teeth beside them: the row's edge runs
    # along its longest teeth (about a tooth's width).
    bottom = maximum_filter1d(bottom, max(int(round(TOOTH_ARC * DENTAL_ARCH * width / 2)), 1))
    found_at = np.flatnonzero(bottom >= 0)
    bottom = np.interp(np.arange(teeth.shape[1]), found_at, bottom[found_at])
    return np.clip((bottom[None, :] + 0.5 - rows) / edge + 0.5, 0, 1)


def _feather(width: float, share: float) -> float:
    """A soft edge of `share` of a mouth `width` pixels wide, in pixels (at least 0.8)."""
    return max(width * share, 0.8)


def _hue_angle(a: np.ndarray, b: np.ndarray) -> float:
    """The angle (degrees) between two RGB colours: 0 for one hue at any brightness."""
    cosine = float(a @ b) / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-6)
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


def _toward_teeth(rgb: np.ndarray, lip: np.ndarray, teeth: np.ndarray) -> np.ndarray:
    """Each pixel's place on the way from the lips' colour (0) to the teeth's (1), unclipped."""
    axis = teeth - lip
    return (rgb - lip) @ axis / max(float(axis @ axis), 1.0)


def _unlike_lips(rgb: np.ndarray, lip: np.ndarray, teeth: np.ndarray) -> np.ndarray:
    """How much each pixel is a mouth's opening rather than its lips (colour `lip`): far from
    the lips' colour and less red (teeth, and the greys between them). Lips in shade or under
    dark lipstick are far from the lower lip's colour too, but as red."""
    def redness(c):
        return (c[..., 0] - 0.5 * (c[..., 1] + c[..., 2])) / np.maximum(c.max(-1), 1.0)
    reach = max(float(np.linalg.norm(teeth - lip)), 1.0)
    far = smoothstep(np.linalg.norm(rgb - lip, axis=2) / reach, *UNLIKE_LIPS)
    less_red = 1.0 - redness(rgb) / max(float(redness(lip)), 1e-3)
    return cv2.GaussianBlur(far * smoothstep(less_red, *LESS_RED_THAN_LIPS), (0, 0), 0.7)


def _ring_mask(shape: tuple[int, ...], landmarks: np.ndarray, *rings: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    for ring in rings:
        cv2.fillPoly(mask, [np.round(landmarks[ring, :2]).astype(np.int32)], 1)
    return mask


def _mouth_width(landmarks: np.ndarray) -> float:
    """Corner to corner over the inter-ocular distance."""
    return topo.mouth_width(landmarks) / topo.interocular(landmarks)


def _lip_colour(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Median colour between the outer and inner lip contours: the lips, never the teeth."""
    lips = _ring_mask(image.shape, landmarks, topo.OUTER_LIP_RING)
    lips[_ring_mask(image.shape, landmarks, topo.INNER_LIP_RING) == 1] = 0
    pixels = image[lips == 1]
    return np.median(pixels, 0).astype(np.float32) if len(pixels) else np.array([120.0, 60, 60], np.float32)


def skin_pixels(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(n, 3) float pixels of the face inside its oval, without lips and eyes."""
    face = _ring_mask(image.shape, landmarks, topo.FACE_OVAL)
    face[_ring_mask(image.shape, landmarks, topo.OUTER_LIP_RING, topo.RIGHT_EYE_RING,
                    topo.LEFT_EYE_RING) == 1] = 0
    return image[face == 1].astype(np.float32)


def _desaturated(colour: np.ndarray) -> np.ndarray:
    return (colour + float(colour @ LUMA)) / 2


def _teeth_colour(skin: np.ndarray) -> np.ndarray:
    """Lit teeth as the portrait's light renders them (the reference for finding its own):
    about as bright as the skin's highlights, and half as saturated. (Eye whites would be the
    natural reference, but narrowed eyes, glasses and lashes make them unreliable; highlights
    are always there.)"""
    if len(skin) < 20:
        return np.array([200.0, 190, 175], np.float32)
    luma = skin @ LUMA
    return _desaturated(np.median(skin[luma >= np.percentile(luma, 95)], 0))


def _drawn_teeth_colour(skin: np.ndarray) -> np.ndarray:
    """Teeth drawn inside an opening mouth are in its shade: nearer the skin's median than
    its highlights (SHADED_TEETH of the way), half as saturated. Highlight-white teeth looked
    pasted on, and on the GRID clips were further from the real ones."""
    if len(skin) < 20:
        return np.array([170.0, 160, 150], np.float32)
    lit = _teeth_colour(skin)
    return lit + SHADED_TEETH * (_desaturated(np.median(skin, 0)) - lit)
