"""The live pipeline's pacing (engine/live.py): tracking stays one frame ahead of rendering."""
from __future__ import annotations

import threading
import time

from engine.demo_driver import DemoDriver
from engine.live import LivePipeline
from engine.session import Session
from engine.sources import ArraySource

RENDER_SLOWER_BY = 0.03  # s: a renderer much slower than tracking (an HD frame on two cores)


def test_a_fast_camera_is_analysed_only_as_often_as_the_renderer_draws(astronaut_portrait,
                                                                      monkeypatch):
    """A 200 FPS camera and a slow renderer: each output frame was analysed once, and not
    many more frames besides (analysing all of them took the second core from the renderer:
    515 analyses for 65 frames drawn before this pacing)."""
    driver = DemoDriver()
    frames = [frame for _, frame in zip(range(60), driver)]
    driver.close()
    counts = {"analysed": 0, "drawn": 0}
    lock = threading.Lock()
    analyse, render = Session.analyse, Session.render

    def counted_analyse(self, *args, **kwargs):
        with lock:
            counts["analysed"] += 1
        return analyse(self, *args, **kwargs)

    def slow_render(self, *args, **kwargs):
        time.sleep(RENDER_SLOWER_BY)
        return render(self, *args, **kwargs)

    monkeypatch.setattr(Session, "analyse", counted_analyse)
    monkeypatch.setattr(Session, "render", slow_render)

    def on_frame(frame):
        with lock:
            counts["drawn"] += 1

    pipeline = LivePipeline(lambda: ArraySource(frames, 200.0), astronaut_portrait, (256, 256),
                            on_frame)
    pipeline.start()
    time.sleep(3.0)
    pipeline.stop()
    assert counts["drawn"] >= 30
    assert counts["analysed"] <= counts["drawn"] + 2, counts
