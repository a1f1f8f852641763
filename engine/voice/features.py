"""Causal audio features, one set per 10 ms hop over the last 25 ms: level in the speech band,
voicing and spectral centroid. Nothing looks ahead, so the mouth lags the voice by the window
alone."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16000
HOP = 160  # samples: 10 ms
WINDOW = 400  # samples: 25 ms
PITCH_HZ = (70.0, 400.0)  # where voicing is looked for
CENTROID_HZ = (100.0, 5000.0)
# The level is measured here: the first two formants, where the jaw's opening shows. Hum and
# rumble below it and hiss above it follow the lips far less (r 0.54 -> 0.57 on GRID).
LEVEL_HZ = (500.0, 2500.0)
SILENCE_DB = -90.0


@dataclass(frozen=True)
class VoiceFrame:
    time: float  # seconds of audio up to the end of this hop's window
    level_db: float  # RMS in LEVEL_HZ, dB full scale
    voicing: float  # 0 (noise, silence) to 1 (a clear pitch)
    centroid_hz: float  # spectral centroid: high for "ee" and "s", low for "oo"


class FeatureExtractor:
    """Feed it mono float samples in [-1, 1] at SAMPLE_RATE, in blocks of any size."""

    def __init__(self):
        self._buffer = np.zeros(WINDOW, np.float32)
        self._pending = np.zeros(0, np.float32)
        self._samples = 0
        self._hann = np.hanning(WINDOW).astype(np.float32)
        self._freqs = np.fft.rfftfreq(WINDOW, 1.0 / SAMPLE_RATE)
        self._band = (self._freqs >= CENTROID_HZ[0]) & (self._freqs <= CENTROID_HZ[1])
        self._level_band = (self._freqs >= LEVEL_HZ[0]) & (self._freqs <= LEVEL_HZ[1])
        # spectrum power -> mean square of the samples (Parseval, through the window)
        self._power_scale = 2.0 / (float((self._hann ** 2).sum()) * WINDOW)
        self._lags = slice(int(SAMPLE_RATE / PITCH_HZ[1]), int(SAMPLE_RATE / PITCH_HZ[0]))

    def push(self, samples: np.ndarray) -> list[VoiceFrame]:
        # a device that hands over garbage (NaN, inf) must not silence the mouth for good
        block = np.nan_to_num(np.asarray(samples, np.float32).ravel(), nan=0.0, posinf=1.0,
                              neginf=-1.0)
        self._pending = np.concatenate([self._pending, np.clip(block, -1.0, 1.0)])
        frames = []
        while len(self._pending) >= HOP:
            hop, self._pending = self._pending[:HOP], self._pending[HOP:]
            self._buffer = np.concatenate([self._buffer[HOP:], hop])
            self._samples += HOP
            frames.append(self._describe(self._buffer, self._samples / SAMPLE_RATE))
        return frames

    def _describe(self, window: np.ndarray, time: float) -> VoiceFrame:
        spectrum = np.abs(np.fft.rfft(window * self._hann))
        power = float((spectrum[self._level_band] ** 2).sum()) * self._power_scale
        level = 10 * np.log10(power) if power > 0 else SILENCE_DB
        band = spectrum[self._band]
        centroid = float((band * self._freqs[self._band]).sum() / max(band.sum(), 1e-12))
        # Normalised autocorrelation (through the FFT, zero-padded): its highest peak among
        # the pitch lags is how periodic, i.e. voiced, the window is.
        centred = window - window.mean()
        auto = np.fft.irfft(np.abs(np.fft.rfft(centred, 2 * WINDOW)) ** 2)[:WINDOW]
        voicing = float(np.clip(auto[self._lags].max() / auto[0], 0.0, 1.0)) if auto[0] > 0 else 0.0
        return VoiceFrame(time, max(float(level), SILENCE_DB), voicing, centroid)
