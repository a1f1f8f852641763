"""`standin bench`: per-stage milliseconds and end-to-end FPS (medians; warm-up excluded)."""
from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import numpy as np

from .portrait import Portrait
from .portrait_set import PortraitSet
from .render import Choice
from .session import STAGES, Session

WARMUP = 30
CAMERA_FPS = 100.0  # the live pipeline's bench camera: faster than any stage
LIVE_SECONDS = 6.0  # how long the live pipeline is timed, after a second of warm-up


def _driving_clip(driving: str | Path | None) -> tuple[list[np.ndarray], str]:
    """250 frames of the driving video (default: the demo driver), played forth and back."""
    from .demo_driver import DemoDriver
    from .sources import open_source

    source = open_source(driving) if driving else DemoDriver()
    clip = [f for _, f in zip(range(250), source)]
    source.close()
    return clip + clip[-2:0:-1], source.name  # an endless clip with no jump


def run_latency_bench(portrait: PortraitSet, driving: str | Path | None,
                      size: tuple[int, int], backend: Choice = Choice("cpu", "default"),
                      seconds: float = 10.0,
                      fps: float = 30.0) -> tuple[float, float]:
    """Capture to virtual-camera hand-off, through the live pipeline: median and 95th
    percentile, printed."""
    from .live import LivePipeline
    from .sources import ArraySource
    from .virtual_camera import VirtualCamera, VirtualCameraSettings

    clip, name = _driving_clip(driving)
    vcam = VirtualCamera(VirtualCameraSettings(size, fps, backend="recording"))
    pipeline = LivePipeline(lambda: ArraySource(clip, fps), portrait, size,
                            lambda frame: vcam.submit(frame.output, frame.captured_at),
                            backend=backend)
    vcam.start()
    pipeline.start()
    time.sleep(2.0)  # warm-up
    vcam.reset_latency()
    start_sent = vcam.frames_sent
    time.sleep(seconds)
    median, p95 = vcam.latency_ms()
    sent = vcam.frames_sent - start_sent
    pipeline.stop()
    vcam.stop()
    print(f"capture -> virtual camera at {size[0]}x{size[1]}, {fps:g} FPS camera ({name}), "
          f"renderer {backend.backend}, {os.cpu_count()} cores, {seconds:g} s: latency median {median:.1f} ms, "
          f"95th percentile {p95:.1f} ms; {sent / seconds:.1f} frames sent per second "
          "(goal: median <= 50 ms)")
    return median, p95


def run_bench(portrait: PortraitSet, driving: str | Path | None,
              sizes: list[tuple[int, int]], backend: Choice = Choice("cpu", "default"),
              frames: int = 300) -> dict[tuple[int, int], dict]:
    """Print one table per output size; returns the medians. A set of several photos is
    timed against its main photo alone too."""
    clip, name = _driving_clip(driving)
    main = portrait.main
    photos = f" (a set of {len(portrait)} photos)" if len(portrait) > 1 else ""
    print(f"portrait {portrait.name} {main.size[0]}x{main.size[1]}{photos}; driving "
          f"{name} {clip[0].shape[1]}x{clip[0].shape[0]}; renderer {backend.backend} "
          f"({backend.why}); "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    results = {}
    for size in sizes:
        if len(portrait) > 1:  # timed side by side, so the machine's ups and downs hit both
            (alone, _), (medians, fps) = _stage_medians([main, portrait], clip, size, backend,
                                                        frames)
            print(f"{size[0]}x{size[1]}, main photo alone: " + _stage_line(alone))
        else:
            ((medians, fps),) = _stage_medians([portrait], clip, size, backend, frames)
        live_fps, latency = _live(portrait, clip, size, backend)
        results[size] = {**medians, "fps": fps, "live_fps": live_fps, "latency_ms": latency}
        print(f"{size[0]}x{size[1]}: " + _stage_line(medians)
              + f"  | end-to-end {fps:.1f} FPS (median of {frames} frames, one thread)"
              + f"  | live {live_fps:.1f} FPS, latency {latency:.1f} ms (median; tracking the"
              " next frame while rendering this one)")
        if len(portrait) > 1:
            extra = 100.0 * (medians["total"] / alone["total"] - 1.0)
            print(f"{size[0]}x{size[1]}: the set of {len(portrait)} costs {extra:+.1f}% per frame "
                  "over its main photo alone (median total; each frame timed with both, in turn)")
            results[size]["set_extra_percent"] = extra
    return results


def _stage_medians(portraits: list[Portrait | PortraitSet], clip: list[np.ndarray],
                   size: tuple[int, int], backend: Choice, frames: int
                   ) -> list[tuple[dict[str, float], float]]:
    """For each portrait, the median milliseconds of each stage (and total) over `frames`
    frames after a warm-up, and the end-to-end FPS. Each frame goes through every portrait's
    session in turn."""
    sessions = [Session(portrait, size, backend=backend) for portrait in portraits]
    stage_ms = [{s: [] for s in STAGES + ("total",)} for _ in sessions]
    times: list[list[float]] = [[] for _ in sessions]
    try:
        for i in range(WARMUP + frames):
            for session, stages, elapsed in zip(sessions, stage_ms, times):
                start = time.perf_counter()
                result = session.process(clip[i % len(clip)], i / 25.0)
                if i >= WARMUP:
                    elapsed.append(time.perf_counter() - start)
                    for s in stages:
                        stages[s].append(result.timings_ms[s])
    finally:
        for session in sessions:
            session.close()
    return [({s: float(np.median(v)) for s, v in stages.items()}, 1.0 / float(np.median(elapsed)))
            for stages, elapsed in zip(stage_ms, times)]


def _stage_line(medians: dict[str, float]) -> str:
    return "  ".join(f"{s} {ms:.2f} ms" for s, ms in medians.items())


def _live(portrait, clip: list[np.ndarray], size: tuple[int, int],
          backend: Choice) -> tuple[float, float]:
    """Output FPS and median capture-to-output latency of the live pipeline (engine/live.py)
    fed by a camera faster than it can take frames (CAMERA_FPS)."""
    from .live import LivePipeline
    from .sources import ArraySource

    done: list = []
    pipeline = LivePipeline(lambda: ArraySource(clip, CAMERA_FPS), portrait, size,
                            lambda frame: done.append((time.perf_counter(), frame.latency_ms)),
                            backend=backend)
    pipeline.start()
    time.sleep(1.0 + LIVE_SECONDS)
    pipeline.stop()
    timed = [(t, latency) for t, latency in done if t >= done[0][0] + 1.0]
    fps = (len(timed) - 1) / (timed[-1][0] - timed[0][0])
    return fps, float(np.median([latency for _, latency in timed]))
