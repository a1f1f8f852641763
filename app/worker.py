"""Slow work (loading portraits, starting and stopping the pipeline) on one background
thread, in the order asked; results come back to the UI thread through Qt signals."""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.errors import StandinError


class Worker(QObject):
    _finished = Signal(object, object)  # callback, result
    _failed = Signal(object, str)  # callback, message

    def __init__(self) -> None:
        super().__init__()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="standin-worker")
        self._finished.connect(self._on_finished)
        self._failed.connect(self._on_failed)
        self.pending = 0  # jobs submitted and not yet answered (counted on the UI thread)
        self._shut = False

    def submit(self, job: Callable[[], Any], done: Callable[[Any], None],
               failed: Callable[[str], None]) -> None:
        """Run `job` in the background; then `done(result)`, or `failed(message)` if it
        raised a StandinError, on the UI thread. After shutdown() (the window closed before a
        queued start reached the worker) nothing runs."""
        if self._shut:
            return
        self.pending += 1

        def run() -> None:
            try:
                result = job()
            except StandinError as err:
                self._failed.emit(failed, str(err))
                return
            except Exception as err:  # a bug: say so, keep the app alive
                self._failed.emit(failed, f"Something went wrong ({type(err).__name__}: {err}). "
                                          "Please report it.")
                return
            self._finished.emit(done, result)
        self._pool.submit(run)

    def _on_finished(self, done: Callable[[Any], None], result: Any) -> None:
        self.pending -= 1
        done(result)

    def _on_failed(self, failed: Callable[[str], None], message: str) -> None:
        self.pending -= 1
        failed(message)

    def shutdown(self) -> None:
        self._shut = True
        self._pool.shutdown(wait=True)
