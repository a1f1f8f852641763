"""Guided capture of a portrait set: the user follows prompts in front of the camera (look
straight, smile showing teeth, open the mouth, close the eyes, turn left, turn right, look up)
and each step keeps its best frame: sharp, well lit, framed as the straight photo, and in the
asked state, measured against the straight photo. No Qt: the app's dialog feeds it frames.

Each step's clock runs on the frames' own times, so a video file gives the same picks at any
playback speed. The straight photo (the set's main photo) is required: its step goes on until
it has one."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from . import face_topology as topo
from .metrics import face_box
from .mouth import MouthInterior
from .portrait_set import FaceState
from .tracking import FaceTracker

STEP_SECONDS = 2.8  # each prompt's time: seven steps take about 20 s
SHARP_SIDE = 128  # face crops are scaled to this width before their sharpness is measured
SHARP_MIN = 0.4  # of the straight photo's sharpness: below it a frame is blurred (motion)
DARK, WASHED_OUT = 50.0, 215.0  # the face's mean grey level must lie between these
CLIPPED_MAX = 0.05  # share of the face's pixels at full white above which it is washed out
MOVED_MAX = 0.3  # face centre from the straight photo's, in face sizes
SIZE_RANGE = (0.8, 1.25)  # face size over the straight photo's
EYES_OPEN_MIN = 0.15  # lid gap over eye width: below it the straight photo caught a blink
FRONTAL_MAX = 10.0  # degrees: expressions are taken facing the camera, as the straight photo
SMILE_WIDER = 1.08  # a smile's mouth is this much wider than the straight photo's at least
OPEN_MORE = 0.2  # an open mouth's gap over width exceeds the straight photo's by this
EYES_SHUT = 0.4  # closed eyes: each lid gap at most this share of the straight photo's
TURN_MIN = 12.0  # degrees of yaw for a turned head
LOOK_UP_MIN = 10.0  # degrees of pitch for a raised head
STRENGTH_CAP = 2.0  # past twice its threshold a state is no better: sharpness decides


@dataclass(frozen=True)
class Look:
    """One frame with a face, measured (on the face's bounding box)."""

    image: np.ndarray  # RGB
    landmarks: np.ndarray  # (478, 3) pixels
    time: float  # seconds, the frame's own clock
    centre: np.ndarray  # (2,) the face box's centre, pixels
    size: float  # the face box's geometric mean side, pixels
    sharpness: float  # variance of the Laplacian of the face at SHARP_SIDE wide
    brightness: float  # mean grey level of the face
    clipped: float  # share of the face's pixels at full white

    @staticmethod
    def of(image: np.ndarray, landmarks: np.ndarray, time: float) -> "Look | None":
        """None where the face is hardly in the picture (its box, clipped, is a sliver)."""
        rows, cols = face_box(landmarks, image.shape)
        h, w = rows.stop - rows.start, cols.stop - cols.start
        if min(h, w) < 8:
            return None
        grey = cv2.cvtColor(np.ascontiguousarray(image[rows, cols]), cv2.COLOR_RGB2GRAY)
        scaled = cv2.resize(grey, (SHARP_SIDE, max(1, round(h * SHARP_SIDE / w))),
                            interpolation=cv2.INTER_AREA)
        return Look(image, landmarks, time,
                    np.array([(cols.start + cols.stop) / 2, (rows.start + rows.stop) / 2]),
                    float(np.sqrt(h * w)), float(cv2.Laplacian(scaled, cv2.CV_32F).var()),
                    float(grey.mean()), float((grey >= 250).mean()))


Strength = Callable[[Look, FaceState, FaceState], float]


@dataclass(frozen=True)
class Step:
    """One prompt. `strength(look, state, straight)` says how far the frame is into the asked
    state (`state`: its FaceState from the straight photo; `straight`: the straight photo's
    own): 1 at the threshold, more beyond; below 1 the frame does not qualify."""

    name: str  # the photo's name in the set folder
    title: str  # short, for the review
    prompt: str  # what the user is asked, in large text
    missed: str  # why no frame qualified
    strength: Strength


def _frontal(state: FaceState) -> bool:
    return abs(state.yaw) <= FRONTAL_MAX and abs(state.pitch) <= FRONTAL_MAX


def _straight(look: Look, state: FaceState, straight: FaceState) -> float:
    return 1.0 if min(state.eye_open) >= EYES_OPEN_MIN else 0.0


def _smile(look: Look, state: FaceState, straight: FaceState) -> float:
    wider = (state.mouth_width / straight.mouth_width - 1.0) / (SMILE_WIDER - 1.0)
    if wider < 1.0 or not _frontal(state):
        return 0.0
    # Teeth last: finding them costs the most.
    return wider if MouthInterior(look.image, look.landmarks).uses_real_interior else 0.0


def _mouth_open(look: Look, state: FaceState, straight: FaceState) -> float:
    return (state.mouth_open - straight.mouth_open) / OPEN_MORE if _frontal(state) else 0.0


def _eyes_closed(look: Look, state: FaceState, straight: FaceState) -> float:
    shut = max(e / max(s, 1e-6) for e, s in zip(state.eye_open, straight.eye_open))
    return (1.0 - shut) / (1.0 - EYES_SHUT) if _frontal(state) else 0.0


STEPS = (
    Step("main", "Looking straight", "Look straight at the camera",
         "no frame with your face looking at the camera, eyes open", _straight),
    Step("smile", "Smiling with teeth", "Smile, showing your teeth",
         "no frame with a smile showing your teeth", _smile),
    Step("mouth_open", "Mouth open", "Open your mouth wide",
         "no frame with your mouth open wide", _mouth_open),
    Step("eyes_closed", "Eyes closed", "Close your eyes (keep facing the camera)",
         "no frame with your eyes closed", _eyes_closed),
    # Yaw and pitch as metrics.head_rotation_deg measures them: negative yaw turns the face
    # to the person's own left, negative pitch raises the chin.
    Step("turn_left", "Head turned left", "Turn your head to your left",
         f"no frame with your head turned left by {TURN_MIN:g}° or more",
         lambda look, state, straight: -state.yaw / TURN_MIN),
    Step("turn_right", "Head turned right", "Turn your head to your right",
         f"no frame with your head turned right by {TURN_MIN:g}° or more",
         lambda look, state, straight: state.yaw / TURN_MIN),
    Step("look_up", "Looking up", "Look up (raise your chin)",
         f"no frame with your head raised by {LOOK_UP_MIN:g}° or more",
         lambda look, state, straight: -state.pitch / LOOK_UP_MIN),
)
MAIN = STEPS[0]

# Why a frame did not qualify, check by check in the order they are made; shown live and, for
# a missed step, the furthest check any of its frames got to (the most useful thing to fix).
NO_FACE = "no face found: face the camera, in good light"
TOO_DARK = "too dark: add light in front of you"
WASHED_OUT_FACE = "your face is washed out: dim the light on it, or move away from a window"
MOVED = ("moved from where you were for the straight photo: stay in the same place, at the "
         "same distance")
BLURRED = "blurred: hold the pose still for a moment"
IN_STATE = 4  # the check of the asked state: live, the prompt itself says what to do


@dataclass(frozen=True)
class _Verdict:
    """A frame weighed for a step: the check it stopped at (0 = the first) and why, or, past
    every check, its look and score (the state's strength, capped, times sharpness)."""

    check: int
    reason: str | None
    look: Look | None = None
    score: float = 0.0


def _weigh(step: Step, straight: Look | None, image: np.ndarray,
           landmarks: np.ndarray | None, time: float) -> _Verdict:
    """`straight`: the straight photo to measure against; None while taking it."""
    look = None if landmarks is None else Look.of(image, landmarks, time)
    if look is None:
        return _Verdict(0, NO_FACE)
    if look.brightness < DARK:
        return _Verdict(1, TOO_DARK)
    if look.brightness > WASHED_OUT or look.clipped > CLIPPED_MAX:
        return _Verdict(2, WASHED_OUT_FACE)
    if straight is not None and not _framed_as(look, straight):
        return _Verdict(3, MOVED)
    reference = straight or look
    rigid = topo.rigid_points(reference.landmarks)
    strength = step.strength(look, FaceState.of(look.landmarks, reference.landmarks, rigid),
                             FaceState.of(reference.landmarks, reference.landmarks, rigid))
    if strength < 1.0:
        return _Verdict(IN_STATE, step.missed)
    if straight is not None and look.sharpness < SHARP_MIN * straight.sharpness:
        return _Verdict(5, BLURRED)
    return _Verdict(6, None, look, min(strength, STRENGTH_CAP) * look.sharpness)


def _framed_as(look: Look, straight: Look) -> bool:
    moved = np.linalg.norm(look.centre - straight.centre) / straight.size
    return moved <= MOVED_MAX and SIZE_RANGE[0] <= look.size / straight.size <= SIZE_RANGE[1]


@dataclass
class StepResult:
    """A step's best frame so far, or why it has none."""

    step: Step
    pick: Look | None = None
    score: float = 0.0
    missed: str | None = None  # set when the step ended without a pick
    closest: _Verdict = _Verdict(-1, NO_FACE)  # the failed frame that got furthest


@dataclass(frozen=True)
class Progress:
    """Where the capture is, after a frame (for the live view)."""

    step: Step | None  # the step being taken; None when every step is done
    number: int  # 1-based position of that step among those to take in this run
    count: int  # steps to take in this run
    fraction: float  # of the step's time gone, 0 to 1
    seconds_left: float  # in this step
    hint: str | None  # what stops this frame from qualifying, besides the asked state


class GuidedCapture:
    """Feed frames in time order (feed()) until `done`; then `results` hold each step's pick
    or why it was missed. retake() queues a missed step for another run; finish() ends a run
    early (the video ended)."""

    def __init__(self, steps: tuple[Step, ...] = STEPS, step_seconds: float = STEP_SECONDS):
        self.steps = steps
        self.step_seconds = step_seconds
        self.results = [StepResult(step) for step in steps]
        self._queue = list(range(len(steps)))  # indices of the steps to take, in order
        self._count = len(self._queue)
        self._started: float | None = None  # the current step's start, on the frames' clock
        self._tracker: FaceTracker | None = None

    @property
    def done(self) -> bool:
        return not self._queue

    @property
    def straight(self) -> Look | None:
        return self.results[0].pick

    def feed(self, image: np.ndarray, time: float) -> Progress:
        """Track one frame (RGB; `time` in seconds, increasing within a run) and weigh it for
        the step whose time it falls in."""
        if self._started is None:
            self._started = time
        elif time - self._started >= self.step_seconds:
            self._end_step()
            self._started += self.step_seconds  # on the clock, not this frame: no drift
        if self.done:
            return self._progress(None, 1.0)
        if self._tracker is None:
            self._tracker = FaceTracker(video=True)
        landmarks = self._tracker.track(image).landmarks
        index = self._queue[0]
        result = self.results[index]
        verdict = _weigh(result.step, None if index == 0 else self.straight, image, landmarks,
                         time)
        if verdict.look is not None and verdict.score > result.score:
            result.pick, result.score = verdict.look, verdict.score
        elif verdict.look is None and verdict.check > result.closest.check:
            result.closest = verdict
        hint = None if verdict.check == IN_STATE else verdict.reason
        return self._progress(hint, (time - self._started) / self.step_seconds)

    def _end_step(self) -> None:
        result = self.results[self._queue[0]]
        if result.pick is None and self._queue[0] == 0:
            return  # the straight photo is required: its step goes on until it has one
        if result.pick is None:
            result.missed = result.closest.reason
        self._queue.pop(0)

    def _progress(self, hint: str | None, fraction: float) -> Progress:
        step = self.steps[self._queue[0]] if self._queue else None
        fraction = min(fraction, 1.0)
        return Progress(step, min(self._count - len(self._queue) + 1, self._count), self._count,
                        fraction, (1.0 - fraction) * self.step_seconds, hint)

    def retake(self, name: str) -> None:
        """Take step `name` afresh in the next run (not the straight photo: every other step
        is measured against it)."""
        index = next(i for i, step in enumerate(self.steps) if step.name == name)
        if index == 0:
            raise ValueError("the straight photo cannot be retaken alone: start a new capture")
        self.results[index] = StepResult(self.steps[index])
        self._queue = [i for i in self._queue if i != index] + [index]
        self._count = len(self._queue)
        self._started = None

    def finish(self, reason: str) -> None:
        """End the run now (the video ended): the step under way keeps its pick, and steps
        without one are missed for `reason`. With no straight photo yet, the next run starts
        over."""
        if self.straight is None:
            self.results = [StepResult(step) for step in self.steps]
            self._queue = list(range(len(self.steps)))
        else:
            for index in self._queue:
                if self.results[index].pick is None:
                    self.results[index].missed = reason
            self._queue = []
        self._count = len(self._queue)
        self._started = None

    def photos(self, keep: set[str] | None = None) -> list[tuple[str, np.ndarray]]:
        """(name, image) of the picked frames, the straight one first: every pick, or those
        whose step names are in `keep` (the straight one always)."""
        return [(r.step.name, r.pick.image) for i, r in enumerate(self.results)
                if r.pick is not None and (i == 0 or keep is None or r.step.name in keep)]

    def close(self) -> None:
        if self._tracker is not None:
            self._tracker.close()
            self._tracker = None
