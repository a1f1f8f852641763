"""`standin bench`: per-stage milliseconds and end-to-end FPS (medians; warm-up excluded)."""
from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import numpy as np

from .portrait import load_portrait
from .session import STAGES, Session

WARMUP = 30


def run_bench(portrait_path: str | Path | None, driving: str | Path | None,
              sizes: list[tuple[int, int]], frames: int = 300) -> dict[tuple[int, int], dict]:
    """Print one table per output size; returns the medians."""
    from .demo_driver import DemoDriver
    from .sources import open_source

    portrait = load_portrait(portrait_path)
    source = open_source(driving) if driving else DemoDriver()
    clip = [f for _, f in zip(range(250), source)]
    source.close()
    clip += clip[-2:0:-1]  # play forth and back: an endless clip with no jump
    print(f"portrait {portrait.name} {portrait.size[0]}x{portrait.size[1]}; driving "
          f"{source.name} {clip[0].shape[1]}x{clip[0].shape[0]}; renderer cpu; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    results = {}
    for size in sizes:
        with Session(portrait, size) as session:
            stage_ms: dict[str, list[float]] = {s: [] for s in STAGES + ("total",)}
            wall = []
            for i in range(WARMUP + frames):
                start = time.perf_counter()
                result = session.process(clip[i % len(clip)], i / 25.0)
                elapsed = time.perf_counter() - start
                if i >= WARMUP:
                    wall.append(elapsed)
                    for s in stage_ms:
                        stage_ms[s].append(result.timings_ms[s])
        medians = {s: float(np.median(v)) for s, v in stage_ms.items()}
        fps = 1.0 / float(np.median(wall))
        results[size] = {**medians, "fps": fps}
        print(f"{size[0]}x{size[1]}: " + "  ".join(f"{s} {medians[s]:.2f} ms" for s in stage_ms)
              + f"  | end-to-end {fps:.1f} FPS (median of {frames} frames)")
    return results
