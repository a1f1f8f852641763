"""Session: one portrait, one set of settings; turns each driving frame into an output frame."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from .animator import PortraitAnimator
from .ease_turn import TurnEaser
from .editing import Edits, MotionEditor
from .framing import Framing
from .motion import Motion, MotionEstimator, MotionSmoother
from .mouth import MouthInterior, SeenInside
from .portrait import Portrait
from .portrait_set import PortraitSet, as_set
from .ramp import smoothstep
from .render import Choice
from .retarget import Retargeter
from .smoothing import OneEuroSettings
from .tears import TearMeter
from .tracking import FaceTracker
from .warp import CoarseWarp

STAGES = ("track", "motion", "retarget", "warp", "render")


@dataclass(frozen=True)
class Settings:
    """Every option once, with its default (shared by CLI and app)."""

    # Rigid pose: the tracker's pose over many points is steady already; a head (or a camera)
    # that moves fast must not be trailed: measured on real footage, a 4 Hz filter made the
    # landmark error 30% worse on a handheld clip. So only a light filter whose cutoff rises
    # steeply with speed (per radian, or face width, per second), on a quick speed estimate:
    # within 2% of no filter's error. Expression: lips and lids must stay crisp.
    pose_smoothing: OneEuroSettings = OneEuroSettings(min_cutoff=20.0, beta=200.0, d_cutoff=8.0)
    expression_smoothing: OneEuroSettings = OneEuroSettings(min_cutoff=8.0, beta=0.5)
    lid_smoothing: OneEuroSettings = OneEuroSettings(min_cutoff=20.0, beta=0.5)
    hold_seconds: float = 0.5  # face lost: keep the last motion this long...
    ease_seconds: float = 1.0  # ...then ease to the portrait at rest over this long
    # 0: the portrait keeps its size when the driver leans in or out; 1: it follows.
    follow_distance: float = 0.0
    # Turns the portrait cannot show without tearing ease off (ease_turn.py); off: the whole
    # turn, torn where the photo shows too little (a stand-in for a real turned head in tests).
    ease_turns: bool = True

    def smoothed(self, amount: float) -> "Settings":
        """These settings with all motion smoothing set by one `amount` from 0 (least: every
        cutoff x4, crisp but jittery) through 0.5 (these defaults) to 1 (most: cutoffs / 4,
        steady but lagging): the app's smoothing control."""
        if not 0.0 <= amount <= 1.0:
            raise ValueError(f"smoothing {amount} is outside 0 to 1")
        factor = 4.0 ** (1.0 - 2.0 * amount)
        base = Settings()

        def scaled(one: OneEuroSettings) -> OneEuroSettings:
            return replace(one, min_cutoff=one.min_cutoff * factor)
        return replace(self, pose_smoothing=scaled(base.pose_smoothing),
                       expression_smoothing=scaled(base.expression_smoothing),
                       lid_smoothing=scaled(base.lid_smoothing))


@dataclass(frozen=True)
class Analysis:
    """One driving frame, measured (Session.analyse): the driver's face and its motion."""

    timestamp: float
    face_found: bool
    landmarks: np.ndarray | None  # the driver's, in its frame's pixels
    motion: Motion | None  # None: no face seen yet (the portrait at rest)
    timings_ms: dict[str, float]
    seen: SeenInside | None = None  # what the camera sees inside the driver's open mouth


@dataclass
class FrameResult:
    image: np.ndarray  # RGB uint8, output size
    face_found: bool
    timings_ms: dict[str, float] = field(default_factory=dict)
    target: np.ndarray | None = None  # target landmarks in output pixels
    # A portrait set: how much of each photo (columns) each region (set_render.REGIONS) shows.
    set_weights: np.ndarray | None = None
    warp: CoarseWarp | None = None  # the backward map drawn (tears.TearMeter measures it)
    # The share of the head's turn out of the picture plane shown: below 1 where the portrait
    # cannot show all of it without tearing (ease_turn.py).
    turn_shown: float = 1.0


class _Laps:
    """Milliseconds per stage, each from the end of the one before."""

    def __init__(self, times: dict[str, float] | None = None):
        self.times = times or {}
        self._clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.times[stage] = (now - self._clock) * 1000.0
        self._clock = now


def default_output_size(portrait: Portrait, long_side_max: int = 1920) -> tuple[int, int]:
    """The portrait's own size (capped), made even for video encoders."""
    w, h = portrait.size
    f = min(1.0, long_side_max / max(w, h))
    return max(2, int(w * f) // 2 * 2), max(2, int(h * f) // 2 * 2)


class Session:
    def __init__(self, portrait: Portrait | PortraitSet, output_size: tuple[int, int] | None = None,
                 settings: Settings = Settings(), backend: Choice = Choice("cpu", "default"),
                 **renderer_options):
        """`portrait`: one photo or a set (its main photo is `self.portrait`). `backend`:
        render.choose_backend's choice; `renderer_options` go to render.make_renderer (`say`:
        where a slow first build is reported)."""
        self.portrait_set = as_set(portrait)
        portrait = self.portrait = self.portrait_set.main
        self.settings = settings
        self.output_size = output_size or default_output_size(portrait)
        self._animator = PortraitAnimator(self.portrait_set, self.output_size, backend,
                                          **renderer_options)
        self.framing: Framing = self._animator.framing
        # How far a frame's map stretches or folds (for easing turns, and for the eval).
        self.tear_meter = TearMeter(portrait, self.framing, self._animator.person_alpha)
        self._easer = TurnEaser(portrait.landmarks, self.framing, self.tear_meter,
                                self._animator.warp)
        self._last_render: float | None = None
        self._tracker = FaceTracker(video=True)
        self._estimator = MotionEstimator(portrait.landmarks, self._animator.mouth_opening)
        self.apply_settings(settings)
        self.edits = Edits()  # replace it (dataclasses.replace) to edit; the next frame shows it
        self._editor = MotionEditor()
        self._offset_for: tuple[Edits, np.ndarray] | None = None
        self._last_time: float | None = None
        self._last_motion: Motion | None = None
        self._last_seen: float | None = None
        self._driver_mouth: MouthInterior | None = None  # the driver's, at its reference

    @property
    def backend(self) -> str:
        """The renderer's name, as shown to the user."""
        return self._animator.backend

    def apply_settings(self, settings: Settings) -> None:
        """Smoothing and follow distance from the next frame on (the app's controls)."""
        self.settings = settings
        self._smoother = MotionSmoother(settings.pose_smoothing, settings.expression_smoothing,
                                        settings.lid_smoothing)
        self._retargeter = Retargeter(self.portrait.landmarks, settings.follow_distance)

    def recentre(self) -> None:
        """Take the driver's next face frame as its neutral face and reference pose, at once."""
        self._estimator.recentre()

    def process(self, frame: np.ndarray, timestamp: float | None = None) -> FrameResult:
        """Animate the portrait by one driving frame (RGB). `timestamp` in seconds."""
        return self.render(self.analyse(frame, timestamp))

    def analyse(self, frame: np.ndarray, timestamp: float | None = None) -> Analysis:
        """Track the driver's face in `frame` and measure its motion (stages track, motion).
        Frames must come in order; a live pipeline runs this beside render() of the previous
        frame."""
        now = time.perf_counter() if timestamp is None else timestamp
        dt = 0.0 if self._last_time is None else now - self._last_time
        self._last_time = now
        clock = _Laps()
        detection = self._tracker.track(frame)
        if detection.found and self._estimator.needs_reference:
            detection = self._tracker.settle(frame)  # once per reference
            if detection.found:
                self._driver_mouth = MouthInterior(frame, detection.landmarks)
                # Lips apart over visible teeth: a smile, which may be the driver's rest.
                smiling = self._driver_mouth.uses_real_interior
                self._estimator.start(detection.landmarks, smiling)
        clock.lap("track")
        motion = seen = None
        if detection.found:
            motion = self._smoother(self._estimator.measure(detection.landmarks, dt), dt)
            self._last_motion, self._last_seen = motion, now
            if self._driver_mouth is not None:
                seen = self._driver_mouth.seen_inside(frame, detection.landmarks)
        elif self._last_motion is not None:
            motion = self._held_motion(now)
        clock.lap("motion")
        return Analysis(now, detection.found, detection.landmarks, motion, clock.times, seen)

    def render(self, analysis: Analysis, voice: Analysis | None = None,
               voice_weight: float = 0.0) -> FrameResult:
        """The output frame for a measured driving frame, with the edits as they are now
        (stages retarget, warp, render). `voice`: the voice's frame, whose target is blended
        in by `voice_weight` (0 to 1: voice mode taking over from the camera, or handing
        back, without a jump)."""
        clock = _Laps(dict(analysis.timings_ms))
        edits = self.edits
        target = self._target(analysis.motion, edits)
        if voice is not None and voice_weight > 0.0:
            target += voice_weight * (self._target(voice.motion, edits) - target)
        target = edits.turn(target)
        clock.lap("retarget")
        dt = 0.0 if self._last_render is None else analysis.timestamp - self._last_render
        self._last_render = analysis.timestamp
        field_, shown = self._animator.warp(target), 1.0
        if self.settings.ease_turns:
            target, field_, shown = self._easer(target, field_, dt)
        clock.lap("warp")
        seen = analysis.seen
        if seen is not None and voice is not None:  # the voice's mouth is drawn
            seen = replace(seen, share=1.0 - voice_weight)
        image = self._animator.render(field_, target, analysis.timestamp, seen=seen)
        clock.lap("render")
        times = clock.times
        times["total"] = sum(times[stage] for stage in STAGES)
        return FrameResult(image, analysis.face_found, times, self.framing.to_output(target),
                           self._animator.compositor.weights, field_, shown)

    def _target(self, motion: Motion | None, edits: Edits) -> np.ndarray:
        """Target landmarks in portrait pixels for `motion` (None: the portrait at rest)."""
        offset = self._expression_offset(edits)
        if motion is None:
            return self.portrait.landmarks + offset
        return self._retargeter.target(self._editor(motion, edits), offset)

    def _expression_offset(self, edits: Edits) -> np.ndarray:
        """The expression controls' displacements, computed again only when the edits change."""
        if self._offset_for is None or self._offset_for[0] != edits:
            self._offset_for = (edits, edits.expression_offset(self.portrait.landmarks))
        return self._offset_for[1]

    def _held_motion(self, now: float) -> Motion:
        """Face lost: hold the last motion, then ease to the portrait at rest."""
        s = self.settings
        lost_for = now - self._last_seen
        ease = smoothstep(lost_for, s.hold_seconds, s.hold_seconds + s.ease_seconds)
        return self._last_motion.blended_to_rest(float(ease))

    def close(self) -> None:
        self._tracker.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
