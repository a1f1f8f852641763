"""The virtual camera: the animated portrait as a camera that Zoom, Teams, Meet and OBS can
select (pyvirtualcam: v4l2loopback on Linux, OBS Virtual Camera on Windows and macOS, Unity
Capture on Windows). Frames go out at a constant rate (constant_rate.py); a device that is
missing, busy or goes away is reported with its fix and tried again, never fatal."""
from __future__ import annotations

import platform
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from . import recording_backend
from .constant_rate import ConstantRate
from .errors import StandinError

RETRY_SECONDS = 2.0
NATIVE_BACKENDS = {"Linux": ["v4l2loopback"], "Darwin": ["obs"], "Windows": ["obs", "unitycapture"]}
LATENCY_WINDOW = 300  # frames whose capture-to-send latency is kept for the statistics


class VirtualCameraError(StandinError):
    """The virtual camera cannot be opened or written."""


@dataclass(frozen=True)
class VirtualCameraSettings:
    size: tuple[int, int] = (1280, 720)  # what meeting apps expect; the output is letterboxed in
    fps: float = 30.0
    mirror: bool = False  # flip left-right (some apps show a self-view mirrored)
    backend: str | None = None  # a pyvirtualcam backend name; None: the system's own
    device: str | None = None  # e.g. /dev/video10; None: the first free one


def has_backend(name: str) -> bool:
    """Whether pyvirtualcam has a backend of this name here. Asked for one it lacks, its
    Camera raises before it is made, and that half-made camera's __del__ prints a traceback
    on the terminal: ask this first."""
    import pyvirtualcam  # imported here: not needed unless a virtual camera is used

    return name in pyvirtualcam.camera.BACKENDS


def setup_hint(system: str | None = None) -> str:
    """How to make a virtual camera available, for the user's OS."""
    system = system or platform.system()
    if system == "Linux":
        return ('load the v4l2loopback module: sudo modprobe v4l2loopback devices=1 video_nr=10 '
                'card_label="Stand-in" exclusive_caps=1 (install it first with: sudo apt install '
                'v4l2loopback-dkms); exclusive_caps=1 is what lets Chrome, Meet, Teams and Zoom '
                'list it')
    if system == "Darwin":
        return ("install OBS Studio 30 or newer (obsproject.com), then in OBS press Start "
                "Virtual Camera once and allow the system extension; quit OBS and start Stand-in")
    return ("install OBS Studio 26 or newer (obsproject.com), which adds the OBS Virtual Camera; "
            "restart Stand-in afterwards")


def _explain(err: Exception, device: str | None) -> str:
    text = str(err).strip()
    lower = text.lower()
    name = device or "the virtual camera"
    if "busy" in lower or "in use" in lower:
        return (f"{name} is busy: another program is sending to it. Close that program (or "
                f"choose another device); Stand-in keeps trying every {RETRY_SECONDS:g} s")
    if "no v4l2 loopback device" in lower or "not installed" in lower or "no backend" in lower \
            or "not found" in lower:
        return f"No virtual camera found: {setup_hint()}. Stand-in keeps trying every " \
               f"{RETRY_SECONDS:g} s"
    return (f"{name} could not be used ({text.splitlines()[0] if text else type(err).__name__}); "
            f"Stand-in keeps trying every {RETRY_SECONDS:g} s")


def fit(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`frame` scaled to fit `size` (width, height), centred on black (letterbox/pillarbox)."""
    w, h = size
    fh, fw = frame.shape[:2]
    if (fw, fh) == (w, h):
        return frame
    scale = min(w / fw, h / fh)
    nw, nh = max(1, round(fw * scale)), max(1, round(fh * scale))
    scaled = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1
                        else cv2.INTER_LINEAR)
    out = np.zeros((h, w, 3), np.uint8)
    x, y = (w - nw) // 2, (h - nh) // 2
    out[y:y + nh, x:x + nw] = scaled
    return out


class VirtualCamera:
    """Sends the newest output frame to a virtual camera `settings.fps` times a second.

    `on_message(str)` hears what went wrong and what to do, from the sending thread."""

    def __init__(self, settings: VirtualCameraSettings = VirtualCameraSettings(),
                 on_message: Callable[[str], None] = lambda message: None):
        self.settings = settings
        self._on_message = on_message
        self._camera = None
        self._retry_at = 0.0
        self._latency: deque[float] = deque(maxlen=LATENCY_WINDOW)
        self._lock = threading.Lock()
        self.frames_sent = 0
        self.device: str | None = None
        self._last_message: str | None = None
        self._rate = ConstantRate(settings.fps, self._send, name="standin-virtual-camera")

    def start(self) -> None:
        self._rate.start()

    def stop(self) -> None:
        self._rate.stop()
        self._close()

    def submit(self, frame: np.ndarray, captured_at: float) -> None:
        """The newest output (RGB) and when its driving frame was captured."""
        self._rate.put(frame, captured_at)

    @property
    def connected(self) -> bool:
        return self._camera is not None

    def reset_latency(self) -> None:
        with self._lock:
            self._latency.clear()

    def latency_ms(self) -> tuple[float, float] | None:
        """Median and 95th percentile of the capture-to-send latency of recent new frames."""
        with self._lock:
            values = list(self._latency)
        if not values:
            return None
        return float(np.median(values)), float(np.percentile(values, 95))

    def _send(self, frame: np.ndarray, captured_at: float, fresh: bool) -> None:
        if self._camera is None and not self._open():
            return
        out = fit(frame, self.settings.size)
        if self.settings.mirror:
            out = out[:, ::-1]
        try:
            self._camera.send(np.ascontiguousarray(out))
        except Exception as err:  # the device went away or failed: say so, reopen later
            self._tell(f"The virtual camera stopped taking frames: {_explain(err, self.device)}")
            self._close()
            self._retry_at = time.perf_counter() + RETRY_SECONDS
            return
        self.frames_sent += 1
        if fresh:
            with self._lock:
                self._latency.append((time.perf_counter() - captured_at) * 1000.0)

    def _open(self) -> bool:
        if time.perf_counter() < self._retry_at:
            return False
        import pyvirtualcam  # imported here: not needed unless a virtual camera is used

        s = self.settings
        if s.backend == recording_backend.NAME:
            recording_backend.register()
        errors = []
        # Only the system's own backends unless one is named: a recording backend registered
        # in this process must never stand in for a missing device.
        for backend in [s.backend] if s.backend else NATIVE_BACKENDS.get(platform.system(), []):
            if not has_backend(backend):
                errors.append(RuntimeError(f"{backend} virtual camera not found"))
                continue
            try:
                self._camera = pyvirtualcam.Camera(s.size[0], s.size[1], s.fps,
                                                   fmt=pyvirtualcam.PixelFormat.RGB,
                                                   device=s.device, backend=backend)
                break
            except Exception as err:
                errors.append(err)
        if self._camera is None:
            self._tell(_explain(errors[0] if errors else RuntimeError("no backend"), s.device))
            self._retry_at = time.perf_counter() + RETRY_SECONDS
            return False
        self.device = self._camera.device
        self._tell(f"Virtual camera on: {self.device} ({s.size[0]}x{s.size[1]} at "
                         f"{s.fps:g} FPS): choose it as the camera in your meeting app")
        return True

    def _tell(self, message: str) -> None:
        """Pass a message on, once: a retry that fails the same way says nothing new."""
        if message != self._last_message:
            self._last_message = message
            self._on_message(message)

    def _close(self) -> None:
        camera, self._camera = self._camera, None
        if camera is not None:
            try:
                camera.close()
            except Exception:  # a device already gone cannot be closed twice; nothing to keep
                pass
