"""Speech for machines without a voice or a microphone: a made utterance, and a microphone that
speaks it. The microphone is an ALSA `file` capture device (DESIGN §1) reading a named pipe
that a thread fills at the real sample rate, so PortAudio and sounddevice capture it exactly
as they would a microphone, paced like one."""
from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path

import numpy as np

from engine.voice.features import HOP, SAMPLE_RATE


def utterance(seconds: float, syllables_per_s: float = 3.3) -> tuple[np.ndarray, np.ndarray]:
    """A made voice: a 140 Hz buzz with harmonics, opened and closed at syllable rate, with a
    pause every 2 s; and its loudness envelope (per sample)."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    envelope = np.clip(np.sin(2 * np.pi * syllables_per_s * t), 0, None) ** 1.5 * (t % 2 < 1.6)
    buzz = sum(np.sin(2 * np.pi * k * 140 * t) / k for k in range(1, 12))
    return (0.2 * buzz * envelope).astype(np.float32), envelope


def capture_device_reading(infile: Path) -> str:
    """ALSA configuration making the default capture device read raw 16-bit samples from
    `infile` (a file, or a named pipe)."""
    return ('pcm.!default {\n  type file\n  slave.pcm "null"\n  file "/dev/null"\n'
            f'  infile "{infile}"\n  format "raw"\n}}\n')


class SpeakingMicrophone:
    """While entered, the default capture device of this process plays `speech` (16 kHz,
    -1 to 1) in a loop, in real time, each time it is opened. While `paused` is set it sends
    nothing, as a device that was unplugged or hangs."""

    def __init__(self, folder: Path, speech: np.ndarray):
        self._pipe = folder / "speech.fifo"
        self._config = folder / "asound.conf"
        self._bytes = (np.clip(speech, -1, 1) * 32767).astype("<i2").tobytes()
        self._stop = threading.Event()
        self.paused = threading.Event()
        self._thread = threading.Thread(target=self._speak, name="speaking-microphone",
                                        daemon=True)
        self._saved_path: str | None = None

    def __enter__(self) -> "SpeakingMicrophone":
        os.mkfifo(self._pipe)
        self._config.write_text(capture_device_reading(self._pipe))
        self._thread.start()  # before PortAudio looks: listing devices opens the pipe
        self._saved_path = os.environ.get("ALSA_CONFIG_PATH")
        # A new path list makes ALSA read its configuration again (a changed ~/.asoundrc
        # would not be noticed by a process that has read it once).
        os.environ["ALSA_CONFIG_PATH"] = f"/usr/share/alsa/alsa.conf:{self._config}"
        _reload_portaudio()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._saved_path is None:
            os.environ.pop("ALSA_CONFIG_PATH", None)
        else:
            os.environ["ALSA_CONFIG_PATH"] = self._saved_path
        _reload_portaudio()
        self._thread.join(timeout=5)

    def _speak(self) -> None:
        # 100 ms per write: through ALSA's file plugin, 10 ms writes came out at twice the
        # sample rate (measured); 100 ms writes come out at the real rate.
        chunk = 2 * 10 * HOP
        while not self._stop.is_set():
            try:  # non-blocking, so stopping never waits for a reader that never comes
                pipe = os.open(self._pipe, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as error:
                if error.errno != errno.ENXIO:  # ENXIO: nobody is reading yet
                    raise
                time.sleep(0.01)
                continue
            os.set_blocking(pipe, True)
            start, sent = time.perf_counter(), 0
            try:
                while not self._stop.is_set():
                    if self.paused.is_set():
                        time.sleep(0.01)
                        start = time.perf_counter() - sent / (2 * SAMPLE_RATE)
                        continue
                    at = sent % len(self._bytes)
                    os.write(pipe, self._bytes[at:at + chunk])
                    sent += min(chunk, len(self._bytes) - at)
                    time.sleep(max(0.0, start + sent / (2 * SAMPLE_RATE) - time.perf_counter()))
            except BrokenPipeError:  # the device was closed: wait for the next opening
                pass
            finally:
                os.close(pipe)


def _reload_portaudio() -> None:
    """PortAudio lists devices once, at start: make it look again."""
    import sounddevice

    sounddevice._terminate()
    sounddevice._initialize()
