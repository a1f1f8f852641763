"""Video output: H.264 MP4/MOV/MKV, lossless FFV1 AVI, or a folder of PNG frames."""

from __future__ import annotations

import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import cv2
import numpy as np

from engine.errors import OutputError
from engine.image_io import write_image

H264_SUFFIXES = (".mp4", ".mov", ".mkv")
FFV1_SUFFIXES = (".avi",)
_FRAME_NAME = "frame_{:06d}.png"
_FRAME_FILE = re.compile(r"frame_\d+\.png")

# AVCOL_* value 6 = SMPTE 170M (BT.601): swscale converts RGB to YUV with BT.601 limited range,
# and tagging it stops players from guessing BT.709 for HD sizes and shifting the colours.
_BT601 = 6
_LIMITED_RANGE = 1


def _is_folder(path: str | os.PathLike[str]) -> bool:
    """A trailing slash or no suffix means a folder of PNG frames; the suffix alone decides."""
    text = os.fspath(path)
    return text.endswith(("/", os.sep)) or Path(text).suffix == ""


def check_output_path(path: str | os.PathLike[str], overwrite: bool = False) -> None:
    """Raise OutputError unless `path` can be written; call it before any rendering starts."""
    text = os.fspath(path)
    target = Path(text)
    folder_output = _is_folder(text)
    if not folder_output and target.suffix.lower() not in H264_SUFFIXES + FFV1_SUFFIXES:
        raise OutputError(
            f"cannot write {text}: '{target.suffix}' is not a video type this app writes; "
            "use .mp4, .mkv, .avi or a folder name"
        )
    parent = target.absolute().parent
    if not parent.is_dir():
        raise OutputError(
            f"cannot write {text}: the folder {target.parent} does not exist; "
            "create it or choose another path"
        )
    # A real probe file catches read-only mounts and ACLs that os.access misses.
    try:
        with tempfile.NamedTemporaryFile(dir=parent):
            pass
    except OSError as err:
        raise OutputError(
            f"cannot write {text}: the folder {target.parent} is not writable ({err.strerror}); "
            "choose another folder"
        ) from None
    if folder_output:
        if target.exists() and not target.is_dir():
            raise OutputError(
                f"cannot write frames to {text}: it is a file, not a folder; choose another name"
            )
        if (
            not overwrite
            and target.is_dir()
            and any(_FRAME_FILE.fullmatch(p.name) for p in target.iterdir())
        ):
            raise OutputError(
                f"{text} already holds frames: choose another folder or pass --overwrite "
                "(nothing was overwritten)"
            )
    elif target.is_dir():
        raise OutputError(f"cannot write {text}: a folder has that name; choose another file name")
    elif target.exists() and not overwrite:
        raise OutputError(
            f"{text} already exists: choose another name or pass --overwrite "
            "(nothing was overwritten)"
        )


class VideoSink(ABC):
    """Writes RGB uint8 frames of one size; use as a context manager or call close()."""

    def __init__(self, path: Path, size: tuple[int, int]) -> None:
        self.path = path
        self.size = size
        self.frames_written = 0

    def write(self, rgb: np.ndarray) -> None:
        """Append one (height, width, 3) RGB uint8 frame."""
        width, height = self.size
        if rgb.shape != (height, width, 3) or rgb.dtype != np.uint8:
            raise ValueError(
                f"expected a ({height}, {width}, 3) uint8 frame, got {rgb.shape} {rgb.dtype}"
            )
        self._write(rgb)
        self.frames_written += 1

    @abstractmethod
    def _write(self, rgb: np.ndarray) -> None: ...

    def close(self) -> None:  # noqa: B027 - the PNG folder has nothing to finish
        """Finish the file; safe to call twice."""

    def __enter__(self) -> VideoSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _FolderSink(VideoSink):
    """One PNG per frame, frame_000000.png upwards; the frame rate is not stored."""

    def __init__(self, path: Path, size: tuple[int, int], overwrite: bool) -> None:
        super().__init__(path, size)
        path.mkdir(exist_ok=True)
        if overwrite:
            # Stale frames from a longer earlier run would otherwise trail the new ones.
            for old in path.iterdir():
                if _FRAME_FILE.fullmatch(old.name):
                    old.unlink()

    def _write(self, rgb: np.ndarray) -> None:
        write_image(self.path / _FRAME_NAME.format(self.frames_written), rgb)


class _AVSink(VideoSink):
    """Encodes with PyAV (FFmpeg); container and codec follow the file's suffix."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int], lossless: bool) -> None:
        super().__init__(path, size)
        suffix = path.suffix.lower()
        rate = Fraction(fps).limit_denominator(1001)
        options: dict[str, str] = {}
        if suffix in (".mp4", ".mov"):
            # Fragments of about one GOP (1 s) are complete on disk as soon as they are written, so
            # a crash or kill leaves a playable file; flush_packets pushes them past the IO buffer.
            options = {
                "movflags": "frag_keyframe+empty_moov+default_base_moof",
                "flush_packets": "1",
            }
        # No file is touched until the first packet, so I/O errors surface in write() and close().
        self._container = av.open(str(path), "w", options=options)
        if suffix in FFV1_SUFFIXES:
            self._stream = self._container.add_stream("ffv1", rate=rate)
            self._stream.pix_fmt = "bgr0"
        elif lossless:
            self._stream = self._container.add_stream(
                "libx264rgb", rate=rate, options={"qp": "0", "preset": "veryfast"}
            )
            self._stream.pix_fmt = "rgb24"
        else:
            self._stream = self._container.add_stream(
                "libx264", rate=rate, options={"crf": "18", "preset": "veryfast"}
            )
            self._stream.pix_fmt = "yuv420p"
            ctx = self._stream.codec_context
            ctx.colorspace = ctx.color_primaries = ctx.color_trc = _BT601
            ctx.color_range = _LIMITED_RANGE
        width, height = size
        # 4:2:0 chroma needs even sides, so odd frames get one replicated row/column.
        self._pad = (height % 2, width % 2) if self._stream.pix_fmt == "yuv420p" else (0, 0)
        self._stream.width = width + self._pad[1]
        self._stream.height = height + self._pad[0]
        self._stream.codec_context.gop_size = max(1, round(fps))
        self._time_base = 1 / rate
        self._closed = False

    @contextmanager
    def _io_errors(self) -> Iterator[None]:
        try:
            yield
        except (OSError, av.FFmpegError) as err:
            # Nothing more can be written: release the file now, so close() has nothing to report.
            self._closed = True
            with suppress(OSError, av.FFmpegError):
                self._container.close()
            reason = getattr(err, "strerror", None) or err
            raise OutputError(
                f"cannot write {self.path}: {reason}; free disk space or choose another path"
            ) from None

    def _write(self, rgb: np.ndarray) -> None:
        if any(self._pad):
            rgb = cv2.copyMakeBorder(rgb, 0, self._pad[0], 0, self._pad[1], cv2.BORDER_REPLICATE)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = self.frames_written
        frame.time_base = self._time_base
        with self._io_errors():
            self._container.mux(self._stream.encode(frame))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._io_errors():
            try:
                self._container.mux(self._stream.encode(None))  # drain the frames the encoder holds
            finally:
                self._container.close()


def open_video_sink(
    path: str | os.PathLike[str],
    fps: float,
    size: tuple[int, int],
    lossless: bool = False,
    overwrite: bool = False,
) -> VideoSink:
    """Open an output for frames of `size` (width, height) at `fps`, chosen by the path.

    .mp4/.mov/.mkv: H.264 yuv420p CRF 18 (lossless=True: RGB H.264, bit-exact). MP4/MOV are
    fragmented: a killed run loses only the last GOP (1 s) plus x264's ~11-frame lookahead.
    yuv420p needs even sides, so odd sizes gain one replicated row/column (not in lossless mode).
    .avi: lossless FFV1.
    A path without suffix or ending in '/': a folder of PNG frames (the fps is not stored).
    The rate is stored as a fraction with denominator <= 1001 (25, 2997/100, 30000/1001), so
    readers see the same fps.
    """
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    check_output_path(path, overwrite)
    if _is_folder(path):
        return _FolderSink(Path(path), size, overwrite)
    return _AVSink(Path(path), fps, size, lossless)
