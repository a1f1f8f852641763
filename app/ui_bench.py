"""`standin bench --ui`: how long the app's UI thread is ever kept from its event loop while the
live pipeline renders at 512x512 (the window shows every frame it is given)."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

TICK_MS = 2  # the UI thread is asked to wake this often; any longer gap is a stall
WARMUP_S = 3.0
FIRST_FRAME_WITHIN_S = 60.0


def run_ui_bench(seconds: float = 15.0, camera: str | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from .main_window import DEMO, MainWindow
    from .store import Store

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(Store(Path(folder) / "settings.ini"), camera=camera or DEMO,
                            output_size="512x512")
        window.show()
        clock = QElapsedTimer()
        clock.start()
        ticks: list[tuple[float, int]] = []  # (ms, frames shown so far)
        first = {}

        def tick() -> None:
            now = clock.nsecsElapsed() / 1e6
            ticks.append((now, window.frames_shown))
            if window.frames_shown and "at" not in first:
                first["at"] = now
            if now > first.get("at", FIRST_FRAME_WITHIN_S * 1000) + (WARMUP_S + seconds) * 1000:
                app.quit()

        timer = QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.timeout.connect(tick)
        timer.start(TICK_MS)
        app.exec()
        timer.stop()
        window.close()
    if "at" not in first:
        print(f"no frame reached the window within {FIRST_FRAME_WITHIN_S:g} s", file=sys.stderr)
        return 1
    times = np.array([t for t, _ in ticks])
    frames = np.array([f for _, f in ticks])
    timed = times >= first["at"] + WARMUP_S * 1000
    stall = np.diff(times)[timed[1:]] - TICK_MS
    shown = (frames[timed][-1] - frames[timed][0]) / seconds
    print(f"UI thread over {seconds:g} s of live rendering at 512x512 ({shown:.1f} frames shown "
          f"per second): longest stall {stall.max():.1f} ms, 99th percentile "
          f"{np.percentile(stall, 99):.1f} ms, median {np.median(stall):.1f} ms (goal: longest "
          "under 50 ms)")
    return 0
