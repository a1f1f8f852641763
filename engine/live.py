"""Live animation: capture, analysis (tracking, motion) and rendering each on their own
thread, each handing on only its newest result (queues of one), so a slow stage drops frames
instead of building up latency, and tracking the next frame overlaps rendering this one.
No Qt here: the app and the headless runner both drive it through callbacks."""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from .editing import Edits
from .errors import StandinError
from .portrait import Portrait
from .portrait_set import PortraitSet
from .render import Choice
from .session import Analysis, Session, Settings
from .sources import FrameSource
from .voice.mode import Drive, VoiceMode

RETRY_SECONDS = 2.0  # a camera that cannot be opened, or went away, is tried again this often
NO_PICTURE_FPS = 30.0  # without a camera picture the output goes on at this rate
DARK_BELOW = 40  # mean grey level of the camera picture under which it is too dark to track
FPS_WINDOW = 1.0  # seconds of output frames the shown FPS is counted over
RENDER_TIME_BLEND = 0.2  # how much of each frame's render time its running estimate takes in

T = TypeVar("T")


@dataclass(frozen=True)
class LiveFrame:
    """What the live pipeline shows, once per output frame."""

    output: np.ndarray  # RGB, the animated portrait
    camera: np.ndarray | None  # RGB, the driving frame it was made from; None: no picture
    landmarks: np.ndarray | None  # the driver's face in `camera` pixels
    face_found: bool
    guidance: str | None  # what the user should do when no face is found
    captured_at: float  # time.perf_counter() when the driving frame was captured
    latency_ms: float  # from the frame's capture to its output being ready
    fps: float  # output frames per second
    timings_ms: dict[str, float]
    backend: str
    mode: str = "camera"  # what drove this frame: "camera" or "voice"
    camera_note: str | None = None  # why there is no camera picture ("No camera", ...)
    turn_shown: float = 1.0  # the share of the head's turn shown (FrameResult.turn_shown)


class Newest(Generic[T]):
    """A hand-off of one item: put() replaces what was not yet taken."""

    def __init__(self) -> None:
        self._item: T | None = None
        self._closed = False
        self._ready = threading.Condition()

    def put(self, item: T) -> None:
        with self._ready:
            self._item = item
            self._ready.notify()

    def take(self) -> T | None:
        """The newest item, waiting for one; None once closed."""
        with self._ready:
            while self._item is None and not self._closed:
                self._ready.wait()
            item, self._item = self._item, None
            self._ready.notify_all()  # a producer may be waiting for the taking
            return item

    def wait_taken(self) -> bool:
        """Wait until what was put has been taken; False once closed."""
        with self._ready:
            while self._item is not None and not self._closed:
                self._ready.wait()
            return not self._closed

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()


@dataclass(frozen=True)
class _Captured:
    frame: np.ndarray | None  # None: no picture (no camera chosen, or the camera is lost)
    captured_at: float  # time.perf_counter()
    live: bool  # a webcam: the user's own motion
    note: str | None = None  # with no picture: why (for the camera view)


@dataclass(frozen=True)
class _Analysed:
    captured: _Captured
    session: Session
    drive: Drive


NO_CAMERA_NOTE = "No camera"  # the camera view's note when none is chosen
CAMERA_LOST = "Camera lost: trying again"
# What to do, beside the camera view, for each note
GUIDANCE = {
    NO_CAMERA_NOTE: "No camera: choose one, or let your voice drive (voice or automatic mode)",
    CAMERA_LOST: "Camera lost: reconnect it, or choose another camera; trying again every "
                 f"{RETRY_SECONDS:g} s",
}


def _guidance(captured: _Captured) -> str:
    return GUIDANCE[captured.note] if captured.frame is None else guidance_for(captured.frame)


def guidance_for(frame: np.ndarray) -> str:
    """What to tell a user whose face is not found in `frame`."""
    if float(frame.mean()) < DARK_BELOW:
        return "Too dark to see your face: add light in front of you"
    return "No face found: move into view of the camera, facing it"


class LivePipeline:
    """Animates `portrait` from frames of `open_source()` until stop().

    `open_source` is called again when the source ends (a video file loops) or fails (a
    camera that went away is retried every RETRY_SECONDS). `on_frame(LiveFrame)` and
    `on_message(str)` are called from the pipeline's threads: hand them on to a UI thread.
    """

    def __init__(self, open_source: Callable[[], FrameSource], portrait: Portrait | PortraitSet,
                 output_size: tuple[int, int], on_frame: Callable[[LiveFrame], None],
                 on_message: Callable[[str], None] = lambda message: None,
                 settings: Settings = Settings(), backend: Choice = Choice("cpu", "default"),
                 voice: VoiceMode | None = None):
        """`voice`: voice and automatic modes (engine/voice/mode.py); None: camera only."""
        self._open_source = open_source
        self._backend = backend
        self.voice = voice
        self._output_size = output_size
        self._on_frame = on_frame
        self._on_message = on_message
        self._settings = settings
        self._edits = Edits()
        self._session = self._new_session(portrait, settings)
        self._pending_session: Session | None = None
        self._pending_settings: Settings | None = None
        self._recentre = False
        self._frozen: np.ndarray | None = None
        self.freeze = False
        self._captured: Newest[_Captured] = Newest()
        self._analysed: Newest[_Analysed] = Newest()
        self._running = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._output_times: deque[float] = deque()
        # When the renderer took its frame, and how long a frame takes it (smoothed): the
        # analysis of the next frame is timed to be ready as the renderer is.
        self._render_started = 0.0
        self._render_seconds = 0.0

    # Controls: each takes effect on the next frame; safe to call from any thread.
    @property
    def edits(self) -> Edits:
        return self._edits

    @edits.setter
    def edits(self, edits: Edits) -> None:
        self._edits = edits
        self._session.edits = edits

    @property
    def settings(self) -> Settings:
        return self._settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        with self._lock:
            self._settings = self._pending_settings = settings

    def recentre(self) -> None:
        self._recentre = True

    def set_portrait(self, portrait: Portrait | PortraitSet) -> None:
        """Animate `portrait` (a photo or a set) from the next frame on. Slow (the portrait's mesh and maps are
        prepared here): call it off the UI thread."""
        session = self._new_session(portrait, self._settings)
        session.edits = self._edits
        with self._lock:
            if self._pending_session is not None:
                self._pending_session.close()
            self._pending_session = session

    def _new_session(self, portrait: Portrait | PortraitSet, settings: Settings) -> Session:
        return Session(portrait, self._output_size, settings, self._backend,
                       say=self._on_message)

    @property
    def portrait(self) -> Portrait:
        """The main photo of the portrait (set) being animated."""
        return self._session.portrait

    # Running
    def start(self) -> None:
        self._running.set()
        self._threads = [threading.Thread(target=run, name=f"standin-{run.__name__[1:]}",
                                          daemon=True)
                         for run in (self._capture, self._analyse, self._render)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._running.clear()
        self._captured.close()
        self._analysed.close()
        for thread in self._threads:
            thread.join(timeout=5.0)
        self._threads = []
        self._session.close()
        if self._pending_session is not None:
            self._pending_session.close()

    @property
    def running(self) -> bool:
        return self._running.is_set()

    def _capture(self) -> None:
        """Frames from the source, at its own rate for a file. While there is no source (it
        cannot be opened, or failed) it is retried every RETRY_SECONDS, and frames without a
        picture keep the output going (still, or moved by the voice)."""
        source: FrameSource | None = None
        next_due = retry_at = 0.0
        while self._running.is_set():
            if source is None and time.perf_counter() >= retry_at:
                source = self._opened()
                retry_at = time.perf_counter() + RETRY_SECONDS
                next_due = time.perf_counter()
            if source is None:
                self._captured.put(_Captured(None, time.perf_counter(), False, CAMERA_LOST))
                self._pause(1.0 / NO_PICTURE_FPS)
                continue
            try:
                frame = source.read()
            except StandinError as err:
                self._on_message(f"{err}; trying again")
                source.close()
                source, retry_at = None, 0.0  # at once: a glitch may be over
                continue
            if frame is None:  # a video file ended: play it again
                source.close()
                source, retry_at = None, 0.0
                continue
            picture = None if source.blank else frame
            self._captured.put(_Captured(picture, time.perf_counter(), source.live,
                                          NO_CAMERA_NOTE if source.blank else None))
            if not source.live:  # files play at their own frame rate
                next_due += 1.0 / source.fps
                time.sleep(max(0.0, next_due - time.perf_counter()))
        if source is not None:
            source.close()

    def _pause(self, seconds: float) -> None:
        deadline = time.perf_counter() + seconds
        while self._running.is_set() and time.perf_counter() < deadline:
            time.sleep(min(0.05, max(0.0, deadline - time.perf_counter())))

    def _opened(self) -> FrameSource | None:
        try:
            return self._open_source()
        except StandinError as err:
            self._on_message(f"{err} (trying again every {RETRY_SECONDS:g} s)")
            return None

    def _analyse(self) -> None:
        """Tracks and measures the newest captured frame, one frame ahead of the renderer: a
        frame is analysed only once the renderer has taken the last one, and no sooner than
        it will be needed. Analysing every frame a fast camera sends, most of them for
        nothing, took the second core from the renderer (at 1080p it drew 1.8 times slower)."""
        while (captured := self._captured.take()) is not None:
            started = time.perf_counter()
            with self._lock:
                if self._pending_session is not None:
                    self._session.close()
                    self._session, self._pending_session = self._pending_session, None
                    self._session.edits = self._edits
                if self._pending_settings is not None:
                    self._session.apply_settings(self._pending_settings)
                    self._pending_settings = None
            if self._recentre:
                self._recentre = False
                self._session.recentre()
            session = self._session
            if captured.frame is None or (self.voice is not None and self.voice.mode == "voice"):
                analysis = Analysis(captured.captured_at, False, None, None,
                                    {"track": 0.0, "motion": 0.0})
            else:
                analysis = session.analyse(captured.frame, captured.captured_at)
            drive = Drive(analysis, None, 0.0) if self.voice is None else \
                self.voice.drive(session, analysis, learn=captured.live)
            self._analysed.put(_Analysed(captured, session, drive))
            if not self._analysed.wait_taken():
                return
            analysis_seconds = time.perf_counter() - started
            self._pause(self._render_started + self._render_seconds - analysis_seconds
                        - time.perf_counter())

    def _render(self) -> None:
        while (item := self._analysed.take()) is not None:
            self._render_started = time.perf_counter()
            turn_shown = 1.0
            if self.freeze and self._frozen is not None:
                output, timings = self._frozen, {}
            else:
                drive = item.drive
                result = item.session.render(drive.camera, drive.voice, drive.voice_weight)
                output, timings, turn_shown = result.image, result.timings_ms, result.turn_shown
                self._frozen = output
            now = time.perf_counter()
            self._render_seconds += RENDER_TIME_BLEND * (now - self._render_started
                                                         - self._render_seconds)
            self._output_times.append(now)
            while self._output_times[0] < now - FPS_WINDOW:
                self._output_times.popleft()
            captured, analysis = item.captured, item.drive.camera
            self._on_frame(LiveFrame(
                output=output, camera=captured.frame, landmarks=analysis.landmarks,
                face_found=analysis.face_found,
                guidance=None if analysis.face_found or item.drive.voice_weight == 1.0
                else _guidance(captured),
                captured_at=captured.captured_at,
                latency_ms=(now - captured.captured_at) * 1000.0,
                fps=(len(self._output_times) - 1) / FPS_WINDOW,
                timings_ms=timings, backend=item.session.backend, mode=item.drive.mode,
                camera_note=captured.note, turn_shown=turn_shown))
