"""Guided capture of a portrait set: the camera's picture with one prompt at a time in large
text and a countdown, then a review of the photos taken (keep or drop each, retake a missed
one), then Save set into the user's data folder. Presentation only: engine.guided_capture picks
the photos, on a thread of its own here.

The caller frees the camera first (the live view lets go of it) and then calls start()."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import (QCheckBox, QDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                               QProgressBar, QPushButton, QStackedWidget, QVBoxLayout, QWidget)

from engine.errors import StandinError
from engine.guided_capture import MAIN, GuidedCapture, Progress, StepResult
from engine.portrait_set import save_set_folder
from engine.sources import open_source
from engine.user_sets import new_set_folder

from .video_view import VideoView, to_qimage
from .worker import Worker

THUMB = 180
VIDEO_ENDED = "the video ended before this step"
DEFAULT_NAME = "me"


class CaptureDialog(QDialog):
    """`camera`: a camera index or a video file (as the app's camera choice). After Save set,
    `saved_folder` is the new set's folder."""

    _frame = Signal(object, object)  # RGB frame, Progress: from the capture thread
    _ended = Signal(str)  # "" when the run is over, else what went wrong

    def __init__(self, camera: str, worker: Worker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Make a portrait set of yourself")
        self._camera = camera
        self._worker = worker
        self.capture = GuidedCapture()
        self.saved_folder: Path | None = None
        self.keep: dict[str, QCheckBox] = {}  # the review's check boxes, by step name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._frame.connect(self._show_frame)
        self._ended.connect(self._run_ended)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._capture_page())
        self.pages.addWidget(self._review_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.resize(840, 720)

    # Pages
    def _capture_page(self) -> QWidget:
        page = QWidget()
        self.prompt = QLabel("Opening the camera…")
        font = QFont(self.font())
        font.setPointSize(22)
        font.setBold(True)
        self.prompt.setFont(font)
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view = VideoView("Opening the camera…")
        self.view.setMinimumSize(480, 360)
        self.countdown = QProgressBar()
        self.countdown.setRange(0, 1000)
        self.countdown.setTextVisible(True)
        self.steps_done = QLabel()
        self.steps_done.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.steps_done.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setStyleSheet("color: #d60;")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.error = _error_label()
        self.try_again = QPushButton("Try again")
        self.try_again.clicked.connect(self.start)
        self.try_again.hide()
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.try_again)
        buttons.addWidget(cancel)
        column = QVBoxLayout(page)
        column.addWidget(self.prompt)
        column.addWidget(self.view, 1)
        column.addWidget(self.countdown)
        column.addWidget(self.steps_done)
        column.addWidget(self.hint)
        column.addWidget(self.error)
        column.addLayout(buttons)
        return page

    def _review_page(self) -> QWidget:
        page = QWidget()
        intro = QLabel("These photos make your portrait set. Untick any you do not want; retake "
                       "a missed one, or save without it.")
        intro.setWordWrap(True)
        self.cards = QGridLayout()
        self.review_notice = _error_label()
        self.name = QLineEdit(DEFAULT_NAME)
        self.name.setToolTip("the set's name in your library")
        self.save_button = QPushButton("Save set")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("Name:"))
        buttons.addWidget(self.name)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        column = QVBoxLayout(page)
        column.addWidget(intro)
        column.addLayout(self.cards)
        column.addStretch(1)
        column.addWidget(self.review_notice)
        column.addLayout(buttons)
        return page

    @property
    def reviewing(self) -> bool:
        return self.pages.currentIndex() == 1

    # Capturing
    def start(self) -> None:
        """Open the camera and take the steps still to take (all of them at first)."""
        self.pages.setCurrentIndex(0)
        self.error.hide()
        self.try_again.hide()
        self._clear("Opening the camera…")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="standin-capture", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        """The capture thread: camera frames into the capture until it is done, the dialog
        closes or the camera fails. A video file plays at its own rate, as a camera would;
        the steps run on its frames' times."""
        capture = self.capture
        try:
            with open_source(self._camera) as source:
                started, index = time.perf_counter(), 0
                while not self._stop.is_set() and not capture.done:
                    frame = source.read()
                    if frame is None:
                        capture.finish(VIDEO_ENDED)
                        break
                    at = time.perf_counter() - started if source.live else index / source.fps
                    if not source.live:
                        time.sleep(max(0.0, started + at - time.perf_counter()))
                    self._frame.emit(frame, capture.feed(frame, at))
                    index += 1
        except StandinError as err:
            self._ended.emit(str(err))
            return
        except Exception as err:  # a bug: say so, keep the app alive
            self._ended.emit(f"Something went wrong ({type(err).__name__}: {err}). Please "
                             "report it.")
            return
        self._ended.emit("")

    def _show_frame(self, frame: np.ndarray, progress: Progress) -> None:
        if self._stop.is_set():
            return  # a frame still queued from a run that was stopped
        self.view.show_frame(frame)
        if progress.step is not None:
            self.prompt.setText(progress.step.prompt)
            self.countdown.setValue(round(progress.fraction * 1000))
            self.countdown.setFormat(f"Step {progress.number} of {progress.count}: "
                                     f"{progress.seconds_left:.1f} s")
        self.hint.setText(_sentence(progress.hint) if progress.hint else "")
        self.steps_done.setText("   ".join(
            f"{'✓' if r.pick is not None else '✗' if r.missed else '•'} {r.step.title}"
            for r in self.capture.results))

    def _run_ended(self, problem: str) -> None:
        self._thread = None
        if self._stop.is_set():
            return
        if problem:
            self._failed(_sentence(problem))
        elif self.capture.straight is None:  # the video ended before the main photo
            self._failed("The video ended before a photo of you looking straight at the camera "
                         "was taken: choose a video where you face the camera, or your camera, "
                         "under Camera.")
        else:
            self._review()

    def _failed(self, message: str) -> None:
        self._clear("The capture stopped")
        self.error.setText(message)
        self.error.show()
        self.try_again.show()

    def _clear(self, title: str) -> None:
        """No picture, prompt or countdown from a run that is over."""
        self.prompt.setText(title)
        self.view.set_placeholder("")
        self.hint.clear()
        self.countdown.setValue(0)
        self.countdown.setFormat("")

    def _stop_run(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None

    # Review
    def _review(self) -> None:
        while self.cards.count():
            self.cards.takeAt(0).widget().deleteLater()
        self.keep = {}
        for i, result in enumerate(self.capture.results):
            self.cards.addWidget(self._card(result), i // 4, i % 4)
        ended = any(r.missed == VIDEO_ENDED for r in self.capture.results)
        self.review_notice.setText("The video ended before every step was taken: retake the "
                                   "missed ones, or save without them." if ended else "")
        self.review_notice.setVisible(ended)
        self.save_button.setEnabled(True)
        self.pages.setCurrentIndex(1)

    def _card(self, result: StepResult) -> QWidget:
        card = QWidget()
        column = QVBoxLayout(card)
        picture = QLabel()
        picture.setFixedSize(THUMB, THUMB)
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        picture.setStyleSheet("background: #18181c; color: #ccc;")
        picture.setWordWrap(True)
        column.addWidget(picture)
        if result.pick is not None:
            picture.setPixmap(QPixmap.fromImage(to_qimage(result.pick.image)).scaled(
                THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
            keep = self.keep[result.step.name] = QCheckBox(result.step.title)
            keep.setChecked(True)
            if result.step is MAIN:  # every other photo is measured against it
                keep.setEnabled(False)
                keep.setToolTip("the main photo: a set always has it")
            column.addWidget(keep)
        else:
            picture.setText(f"Missed: {result.missed}")
            column.addWidget(QLabel(result.step.title))
            retake = QPushButton("Retake")
            retake.clicked.connect(lambda _=False, name=result.step.name: self.retake(name))
            column.addWidget(retake)
        return card

    def retake(self, name: str) -> None:
        """Take step `name` again, now."""
        self.capture.retake(name)
        self.start()

    def save(self) -> None:
        """Write the kept photos as a new set in the data folder, then close."""
        keep = {name for name, box in self.keep.items() if box.isChecked()}
        photos = self.capture.photos(keep)
        folder = new_set_folder(self.name.text())
        self.save_button.setEnabled(False)
        self.review_notice.setText("Saving…")
        self.review_notice.show()

        def saved(folder: Path) -> None:
            self.saved_folder = folder
            if self.isVisible():  # not cancelled while saving (the set then stays unused)
                self.accept()

        def failed(message: str) -> None:
            self.review_notice.setText(_sentence(message))
            self.save_button.setEnabled(True)
        self._worker.submit(lambda: save_set_folder(folder, photos), saved, failed)

    def done(self, result: int) -> None:  # noqa: D102 - every way the dialog closes
        self._stop_run()
        self.capture.close()
        super().done(result)


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("QLabel { background: #5a3b12; color: white; padding: 6px; }")
    label.hide()
    return label


def _sentence(message: str) -> str:
    """An engine message ("no face found: ...") as a sentence on its own."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
