"""`standin bench --soak N`: a long call without a window. `standin run`'s pipeline (the camera
a video file played in a loop, voice in automatic mode, the virtual camera on the recording
backend) for N output frames, printing every REPORT_EVERY frames the output rate, the work per
frame and the resident memory; then the first against the last COMPARE frames, and the memory
growth after the first COMPARE frames (the warm-up)."""
from __future__ import annotations

import io
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .headless import run_headless
from .live import LiveFrame
from .portrait_set import PortraitSet
from .render import Choice
from .virtual_camera import VirtualCameraSettings
from .voice.listening import Listening
from .voice.personal_bank import PersonalBank

REPORT_EVERY = 1000
COMPARE = 2000  # first and last frames compared for a slowdown (a fifth of a shorter run)
VIRTUAL_CAMERA_FPS = 30.0


def resident_mb() -> float:
    """This process's resident memory now (Linux); elsewhere its peak so far."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


@dataclass
class SoakMeter:
    """Watches output frames (on the pipeline's thread) until `frames` were made."""

    frames: int
    out: object = sys.stdout
    compare: int = 0  # set from `frames`: COMPARE, or a fifth of a shorter run
    times: list[float] = field(default_factory=list)
    work_ms: list[float] = field(default_factory=list)  # tracking + motion + rendering
    memory: dict[int, float] = field(default_factory=dict)  # frame count -> resident MB

    def __post_init__(self) -> None:
        self.compare = min(COMPARE, self.frames // 5)

    def __call__(self, frame: LiveFrame) -> bool:
        if len(self.times) >= self.frames:  # one already on its way when the run was stopped
            return True
        self.times.append(time.perf_counter())
        self.work_ms.append(sum(frame.timings_ms.values()))
        n = len(self.times)
        if n % REPORT_EVERY == 0 or n in (self.compare, self.frames):
            self.memory[n] = resident_mb()
        if n % REPORT_EVERY == 0:
            recent = self.times[-REPORT_EVERY:]
            print(f"{n:7d} frames {self.times[-1] - self.times[0]:8.1f} s "
                  f"{(REPORT_EVERY - 1) / (recent[-1] - recent[0]):6.1f} FPS "
                  f"{np.mean(self.work_ms[-REPORT_EVERY:]):6.1f} ms work "
                  f"{self.memory[n]:8.1f} MB", file=self.out, flush=True)
        return n >= self.frames

    def summary(self) -> list[str]:
        n, k = len(self.times), self.compare
        if k < 2:
            return [f"only {n} frames: too few to compare"]

        def rate(times: list[float]) -> float:
            return (len(times) - 1) / (times[-1] - times[0])

        first, last = rate(self.times[:k]), rate(self.times[-k:])
        work_first, work_last = float(np.mean(self.work_ms[:k])), float(np.mean(self.work_ms[-k:]))
        settled, end = self.memory[k], self.memory[max(self.memory)]
        return [f"output rate: first {k} frames {first:.1f} FPS, last {k} {last:.1f} FPS "
                f"(last/first {last / first:.3f})",
                f"work per frame: first {k} {work_first:.1f} ms, last {k} {work_last:.1f} ms "
                f"(last/first {work_last / work_first:.3f})",
                f"resident memory: {settled:.1f} MB after {k} frames (warm-up), {end:.1f} MB "
                f"after {n}: {end - settled:+.1f} MB"]


def run_soak(portrait: PortraitSet, camera: str, size: tuple[int, int], frames: int,
             backend: Choice, out=sys.stdout) -> SoakMeter:
    meter = SoakMeter(frames, out)
    print(f"soak: {frames} frames of {camera} at {size[0]}x{size[1]}, {backend.backend} "
          f"renderer, voice automatic, virtual camera 'recording' at {VIRTUAL_CAMERA_FPS:g} "
          "FPS", file=out, flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:  # what it learns is not the user's motion
        voice = Listening("auto", bank=PersonalBank(Path(folder) / "motion_bank.npz"))
        run_headless(portrait, camera, size, VIRTUAL_CAMERA_FPS,
                     VirtualCameraSettings(size, VIRTUAL_CAMERA_FPS, backend="recording"), None,
                     backend=backend, out=io.StringIO(), voice=voice, watch=meter)
    for line in meter.summary():
        print(line, file=out)
    print(f"took {time.perf_counter() - started:.0f} s", file=out, flush=True)
    return meter
