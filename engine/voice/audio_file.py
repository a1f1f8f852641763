"""Speech from a file (any audio PyAV reads, or a video's sound track), as voice features."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import SourceError
from .features import SAMPLE_RATE, FeatureExtractor
from .mouth import MouthShape, VoiceMouth


def read_audio(path: str | Path) -> np.ndarray:
    """Mono float32 samples at SAMPLE_RATE."""
    import av

    path = Path(path)
    if not path.is_file():
        raise SourceError(f"audio file {path} not found: check the path")
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise SourceError(f"{path} has no sound track: give a WAV, MP3 or a video "
                                  "with sound")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            chunks = [out.to_ndarray().ravel() for frame in container.decode(audio=0)
                      for out in resampler.resample(frame)]
            chunks += [out.to_ndarray().ravel() for out in resampler.resample(None)]
    except av.FFmpegError as error:
        raise SourceError(f"cannot read the audio in {path} ({error}): convert it to WAV "
                          "or MP3") from None
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    if len(samples) < SAMPLE_RATE // 10:
        raise SourceError(f"{path} holds less than 0.1 s of sound")
    return samples.astype(np.float32)


def mouth_shapes(samples: np.ndarray) -> list[MouthShape]:
    """The mouth for every 10 ms of `samples`, computed causally (as live)."""
    mouth = VoiceMouth()
    return [mouth(frame) for frame in FeatureExtractor().push(samples)]


def shape_at(shapes: list[MouthShape], times: np.ndarray, t: float) -> MouthShape | None:
    """The latest shape at or before `t` (`times`: the shapes' times, sorted)."""
    i = int(np.searchsorted(times, t, side="right")) - 1
    return shapes[i] if i >= 0 else None
