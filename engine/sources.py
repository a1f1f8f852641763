"""Driving sources: video file, webcam, still image or in-memory frames, all yielding RGB uint8."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np

from engine.errors import PortraitError, SourceError
from engine.image_io import read_image

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
DEFAULT_VIDEO_FPS = 25.0
DEFAULT_CAMERA_FPS = 30.0
NO_CAMERA = "none"  # the live pipeline's spec for no camera at all (the voice alone drives)


class FrameSource(ABC):
    """A stream of RGB uint8 frames; iterate it or call read() until it returns None."""

    fps: float  # frames per second
    frame_count: int | None  # None when unknown or live
    size: tuple[int, int]  # (width, height)
    name: str  # how messages refer to the source
    live = False  # a camera (frames come when they come) rather than a file (paced by fps)
    blank = False  # no picture at all (no camera chosen): nothing to track

    @abstractmethod
    def read(self) -> np.ndarray | None:
        """The next frame, or None at the end."""

    def close(self) -> None:  # noqa: B027 - sources without a device or file keep this no-op
        """Release the device or file; safe to call twice."""

    def __iter__(self) -> Iterator[np.ndarray]:
        while (frame := self.read()) is not None:
            yield frame

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _require_file(path: Path, name: str) -> None:
    if not path.exists():
        raise SourceError(f"{name} does not exist: check the path")
    if path.is_dir():
        raise SourceError(f"{name} is a folder: choose a video or image file")


class _CaptureSource(FrameSource):
    """OpenCV VideoCapture whose first frame is decoded at once, so broken input fails at open."""

    def __init__(self, capture: cv2.VideoCapture, first: np.ndarray, fps: float, name: str) -> None:
        self._capture = capture
        self._pending: np.ndarray | None = first
        self.fps = fps
        self.size = (first.shape[1], first.shape[0])
        self.name = name

    def _next_bgr(self) -> np.ndarray | None:
        ok, frame = self._capture.read()
        return frame if ok else None

    def read(self) -> np.ndarray | None:
        frame, self._pending = self._pending, None
        if frame is None:
            frame = self._next_bgr()
        return None if frame is None else cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        self._capture.release()


class VideoFileSource(_CaptureSource):
    """A video file decoded by OpenCV's FFmpeg backend; fps falls back to 25 when not stored."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        name = os.fspath(path)
        _require_file(Path(name), name)
        capture = cv2.VideoCapture(name, cv2.CAP_FFMPEG)
        ok, first = capture.read() if capture.isOpened() else (False, None)
        if not ok:
            capture.release()
            raise SourceError(
                f"cannot read video {name}: it is not a video this app can decode "
                "(or it is damaged); choose an MP4/AVI/MPG file"
            )
        fps = capture.get(cv2.CAP_PROP_FPS)
        super().__init__(capture, first, fps if fps > 0 else DEFAULT_VIDEO_FPS, name)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frame_count = count if count > 0 else None


class WebcamSource(_CaptureSource):
    """A live camera; fps is the driver's report, or 30 when it reports none."""

    live = True

    def __init__(self, index: int) -> None:
        capture = cv2.VideoCapture(index)
        if not capture.isOpened():
            raise SourceError(
                f"no camera at index {index}: connect a camera or choose another index "
                "(0 is usually the built-in one)"
            )
        ok, first = capture.read()
        if not ok:
            capture.release()
            raise SourceError(
                f"camera {index} sent no picture: close other apps that use it and try again"
            )
        fps = capture.get(cv2.CAP_PROP_FPS)
        super().__init__(capture, first, fps if fps > 0 else DEFAULT_CAMERA_FPS, f"camera {index}")
        self.frame_count = None

    def _next_bgr(self) -> np.ndarray:
        frame = super()._next_bgr()
        if frame is None:  # a live camera has no end: a failed grab means it went away
            raise SourceError(
                f"{self.name} stopped sending pictures: check that it is still connected"
            )
        return frame


class StillImageSource(FrameSource):
    """One image repeated: `frame_count` times, or forever when None."""

    def __init__(
        self,
        image: str | os.PathLike[str] | np.ndarray,
        fps: float = DEFAULT_VIDEO_FPS,
        frame_count: int | None = None,
    ) -> None:
        if isinstance(image, np.ndarray):
            self._image = image
            self.name = "still image"
        else:
            self.name = os.fspath(image)
            try:
                self._image = read_image(image)
            except (
                PortraitError
            ) as err:  # same checks as a portrait, reported as a driving-source error
                raise SourceError(str(err)) from None
        self.fps = fps
        self.frame_count = frame_count
        self.size = (self._image.shape[1], self._image.shape[0])
        self._served = 0

    def read(self) -> np.ndarray | None:
        if self.frame_count is not None and self._served >= self.frame_count:
            return None
        self._served += 1
        return self._image.copy()  # callers may draw on their frame; the original must stay clean


class BlankSource(FrameSource):
    """No camera: a dark frame at `fps`, forever, so the live pipeline runs on the voice alone
    (never a file's driver: it has no end)."""

    blank = True

    def __init__(self, fps: float = DEFAULT_CAMERA_FPS, size: tuple[int, int] = (640, 480)):
        self.fps = fps
        self.size = size
        self.frame_count = None
        self.name = "no camera"
        self._frame = np.full((size[1], size[0], 3), 24, np.uint8)

    def read(self) -> np.ndarray:
        return self._frame


class ArraySource(FrameSource):
    """Frames already in memory (tests, evaluation); read() returns them as given, not copied."""

    def __init__(self, frames: Sequence[np.ndarray], fps: float, name: str = "frames") -> None:
        if not frames:
            raise SourceError(f"{name} holds no frames: give at least one")
        self._frames = frames
        self._next = 0
        self.fps = fps
        self.frame_count = len(frames)
        self.size = (frames[0].shape[1], frames[0].shape[0])
        self.name = name

    def read(self) -> np.ndarray | None:
        if self._next >= len(self._frames):
            return None
        self._next += 1
        return self._frames[self._next - 1]


def open_source(
    spec: str | int | os.PathLike[str],
    still_fps: float = DEFAULT_VIDEO_FPS,
    still_frame_count: int | None = None,
) -> FrameSource:
    """A camera for an int or all-digit string, a still image by suffix, else a video file."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return WebcamSource(int(spec))
    path = Path(spec)
    _require_file(path, os.fspath(spec))
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return StillImageSource(path, fps=still_fps, frame_count=still_frame_count)
    return VideoFileSource(path)


def read_all_frames(path: str | os.PathLike[str]) -> tuple[list[np.ndarray], float]:
    """Every frame of a video file and its fps."""
    with VideoFileSource(path) as source:
        return list(source), source.fps
