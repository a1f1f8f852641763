"""The microphone, through sounddevice (PortAudio): blocks of samples become mouth shapes on
PortAudio's thread; the newest shape and the input level are read from any thread."""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import SourceError
from .features import HOP, SAMPLE_RATE, FeatureExtractor
from .mouth import MouthShape, VoiceMouth

NO_MICROPHONE_FIX = ("connect one (if one is connected: check the system's sound settings, "
                     "and that PortAudio is installed; Debian/Ubuntu: sudo apt install "
                     "libportaudio2)")
STALL_S = 0.5  # no sound for this long from an open stream: the device stopped (unplugged)
START_GRACE_S = 1.5  # some devices (Bluetooth) take a second to send their first sound
HISTORY_S = 30.0  # mouth shapes kept (for tests and the level meter's peak)


@dataclass(frozen=True)
class Microphone:
    index: int
    name: str


def list_microphones() -> list[Microphone]:
    """The input devices PortAudio sees (none where there is no sound system)."""
    try:
        import sounddevice as sd

        devices = sd.query_devices()
    except (OSError, ImportError):  # no PortAudio library
        return []
    return [Microphone(i, d["name"]) for i, d in enumerate(devices)
            if d["max_input_channels"] > 0]


class MicrophoneInput:
    """`device`: an index from list_microphones, or None for the system's default input.
    Time is counted in samples received, so a device that delivers faster or slower than the
    wall clock still gives each shape its place in the speech."""

    def __init__(self, device: int | None = None,
                 on_shape: Callable[[MouthShape], None] = lambda shape: None):
        self.device = device
        self._on_shape = on_shape
        self._extractor = FeatureExtractor()
        self._mouth = VoiceMouth()
        self._lock = threading.Lock()
        self.history: deque[MouthShape] = deque(maxlen=int(HISTORY_S * SAMPLE_RATE / HOP))
        self._stream = None
        self._last_block = 0.0  # time.perf_counter() of the newest block of samples

    def start(self) -> None:
        if self.device is None and not list_microphones():
            raise SourceError(f"no microphone found: {NO_MICROPHONE_FIX}")
        try:
            import sounddevice as sd

            # 16-bit: what every capture device gives natively
            self._stream = sd.InputStream(device=self.device, channels=1, samplerate=SAMPLE_RATE,
                                          dtype="int16", blocksize=HOP, callback=self._block)
            self._last_block = time.perf_counter() + START_GRACE_S
            self._stream.start()
        except (OSError, ImportError) as error:  # no PortAudio
            raise SourceError(f"no sound input ({error}): install PortAudio "
                              "(Debian/Ubuntu: sudo apt install libportaudio2)") from None
        except Exception as error:  # sounddevice.PortAudioError: no such device, busy, ...
            raise SourceError(f"cannot open the microphone ({error}): choose another input, "
                              "or check that no other program holds it") from None

    def _block(self, indata: np.ndarray, frames: int, time_info, status) -> None:
        self._last_block = time.perf_counter()
        for frame in self._extractor.push(indata[:, 0] / 32768.0):
            shape = self._mouth(frame)
            with self._lock:
                self.history.append(shape)
            self._on_shape(shape)

    @property
    def stalled(self) -> bool:
        """Open, but no sound has come for STALL_S (the device was unplugged, or hangs)."""
        return self._stream is not None and time.perf_counter() - self._last_block > STALL_S

    @property
    def latest(self) -> MouthShape | None:
        """The newest mouth shape; None once the device has stalled (a mouth left open by the
        last sound before an unplugging must close)."""
        if self.stalled:
            return None
        with self._lock:
            return self.history[-1] if self.history else None

    @property
    def level(self) -> float:
        """0 to 1: the newest loudness over the noise floor (for a level meter)."""
        latest = self.latest
        return latest.level if latest else 0.0

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None

    def __enter__(self) -> "MicrophoneInput":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
