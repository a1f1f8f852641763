"""The main window: live output, camera view, portrait library, camera picker, controls and
status. Presentation only: the engine's LivePipeline does the work on its own threads."""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLabel,
                               QMainWindow, QProgressBar, QPushButton, QScrollArea, QSplitter,
                               QVBoxLayout, QWidget)

from engine.cameras import list_cameras
from engine.demo_driver import DemoDriver
from engine.editing import Edits
from engine.live import LiveFrame, LivePipeline
from engine.portrait import Portrait, load_portrait
from engine.session import Settings
from engine.sources import FrameSource, open_source

from .controls import ControlPanel
from .help import HelpDialog
from .icon import app_icon
from .library import PortraitLibrary
from .store import AppState, ControlValues, Store
from .video_view import VideoView
from .worker import Worker

OUTPUT_SIZE = (512, 512)
DEMO = "demo"
TITLE = "Stand-in"


def edits_of(values: ControlValues) -> Edits:
    return Edits(**{name: value for name, value in asdict(values).items()
                    if name not in ("smoothing", "follow_distance")})


def settings_of(values: ControlValues) -> Settings:
    return Settings(follow_distance=values.follow_distance).smoothed(values.smoothing)


def open_camera(spec: str) -> FrameSource:
    """The driving source for a camera choice: "demo", a camera index, or a file."""
    return DemoDriver() if spec == DEMO else open_source(spec)


class FrameBridge(QObject):
    """Pipeline threads -> UI thread. Only the newest frame is kept: a busy UI skips frames
    instead of queueing them."""

    frame_ready = Signal()
    message = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._latest: LiveFrame | None = None

    def on_frame(self, frame: LiveFrame) -> None:
        waiting = self._latest is not None
        self._latest = frame
        if not waiting:
            self.frame_ready.emit()

    def take(self) -> LiveFrame | None:
        frame, self._latest = self._latest, None
        return frame


class MainWindow(QMainWindow):
    def __init__(self, store: Store, portrait: str | None = None, camera: str | None = None):
        super().__init__()
        self._store = store
        self.state: AppState = store.load()
        if portrait is not None:
            self.state.portrait = str(Path(portrait).resolve())
        if camera is not None:
            self.state.camera = camera
        self._worker = Worker()
        self._bridge = FrameBridge()
        self._bridge.frame_ready.connect(self._show_frame, Qt.ConnectionType.QueuedConnection)
        self._bridge.message.connect(self.show_notice)
        self.pipeline: LivePipeline | None = None
        self._started: list[LivePipeline] = []  # every pipeline started, to stop at close
        self.portrait: Portrait | None = None
        self.last_frame: LiveFrame | None = None
        self.frames_shown = 0
        self._want_running = True
        self.setWindowTitle(TITLE)
        self.setWindowIcon(app_icon())
        self._build()
        self._shortcuts()
        self.resize(1280, 800)
        if store.notice:
            self.show_notice(store.notice)
        self._fill_cameras()
        QTimer.singleShot(0, lambda: self.choose_portrait(self.state.portrait))

    # Layout
    def _build(self) -> None:
        self.output_view = VideoView("Loading the portrait…")
        self.output_view.setMinimumSize(480, 480)
        self.camera_view = VideoView("Camera")
        self.camera_view.setFixedSize(240, 180)
        self.library = PortraitLibrary(self.state.library)
        self.library.chosen.connect(self.choose_portrait)
        self.library.changed.connect(self._library_changed)
        self.camera_choice = QComboBox()
        self.camera_choice.setToolTip("what drives the portrait")
        self.camera_choice.activated.connect(self._camera_activated)
        self.start_button = QPushButton("Stop (Space)")
        self.start_button.clicked.connect(self.toggle_running)
        self.landmarks = QCheckBox("Landmarks (L)")
        self.landmarks.setChecked(self.state.show_landmarks)
        help_button = QPushButton("Help (F1)")
        help_button.clicked.connect(self.show_help)
        top = QHBoxLayout()
        top.addWidget(QLabel("Camera:"))
        top.addWidget(self.camera_choice, 1)
        top.addWidget(self.start_button)
        top.addWidget(self.landmarks)
        top.addWidget(help_button)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("QLabel { background: #5a3b12; color: white; padding: 6px; }")
        self.notice.hide()
        side = QVBoxLayout()
        side.addWidget(self.camera_view)
        self.face_status = QLabel()
        self.face_status.setWordWrap(True)
        self.face_status.setFixedWidth(240)
        side.addWidget(self.face_status)
        side.addStretch(1)
        views = QHBoxLayout()
        views.addWidget(self.output_view, 1)
        views.addLayout(side)
        left = QWidget()
        column = QVBoxLayout(left)
        column.addLayout(top)
        column.addWidget(self.notice)
        column.addLayout(views, 1)
        column.addWidget(self.library)
        self.controls = ControlPanel(self.state.controls, self.state.presets)
        self.controls.changed.connect(self._controls_changed)
        self.controls.recentre_requested.connect(self.recentre)
        self.controls.freeze_toggled.connect(self._freeze)
        self.controls.presets_changed.connect(self._presets_changed)
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(360)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 1)
        self.setCentralWidget(splitter)
        self.fps_label, self.latency_label, self.backend_label = QLabel(), QLabel(), QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the length of a load is not known
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        for widget in (self.progress, self.fps_label, self.latency_label, self.backend_label):
            self.statusBar().addPermanentWidget(widget)

    def _shortcuts(self) -> None:
        actions = {
            "Space": self.toggle_running,
            "R": self.recentre,
            "F": self.controls.freeze.toggle,
            "P": self.controls.lock_pose.toggle,
            "E": self.controls.lock_expression.toggle,
            "L": self.landmarks.toggle,
            "Ctrl+O": self.library.ask_for_portraits,
            "Ctrl+Shift+R": self.controls.reset_all,
            "F1": self.show_help,
            "Ctrl+Q": self.close,
        }
        for key, action in actions.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(action)

    # Cameras
    def _fill_cameras(self) -> None:
        self.camera_choice.clear()
        cameras = list_cameras()
        for camera in cameras:
            self.camera_choice.addItem(camera.label, str(camera.index))
        self.camera_choice.addItem("Demo driver (generated talking head)", DEMO)
        wanted = self.state.camera
        if wanted and not wanted.isdigit() and wanted != DEMO:
            self.camera_choice.addItem(f"Video: {Path(wanted).name}", wanted)
        self.camera_choice.addItem("Video file…", None)
        if not wanted:
            wanted = str(cameras[0].index) if cameras else DEMO
            if not cameras:
                self.show_notice("No camera found on this machine: the demo driver is moving "
                                 "the portrait. Connect a camera, or choose a video file, "
                                 "under Camera.")
        if wanted.isdigit() and self.camera_choice.findData(wanted) < 0:
            self.camera_choice.insertItem(0, f"Camera {wanted} (not found)", wanted)
        self.camera_choice.setCurrentIndex(self.camera_choice.findData(wanted))
        self.state.camera = wanted

    def _camera_activated(self, index: int) -> None:
        spec = self.camera_choice.itemData(index)
        if spec is None:  # "Video file…"
            path, _ = QFileDialog.getOpenFileName(self, "Choose a video file as the camera",
                                                  str(Path.home()))
            if not path:
                self.camera_choice.setCurrentIndex(self.camera_choice.findData(self.state.camera))
                return
            spec = path
        self.set_camera(spec)

    def set_camera(self, spec: str) -> None:
        """Drive from `spec` (a camera index, a video file, or "demo") from now on."""
        if self.camera_choice.findData(spec) < 0:
            self.camera_choice.insertItem(self.camera_choice.count() - 1,
                                          f"Video: {Path(spec).name}", spec)
        self.camera_choice.setCurrentIndex(self.camera_choice.findData(spec))
        self.state.camera = spec
        self.hide_notice()
        if self._want_running:
            self._restart()

    # Portraits
    def choose_portrait(self, path: str) -> None:
        """Load `path` ("" for the bundled default) in the background and animate it."""
        self._busy(f"Loading {Path(path).name if path else 'the default portrait'}…")

        def job() -> tuple[Portrait, bool]:
            portrait = load_portrait(path or None)
            pipeline = self.pipeline
            if pipeline is not None:
                pipeline.set_portrait(portrait)  # swapped in at its next frame
            return portrait, pipeline is not None

        def done(loaded: tuple[Portrait, bool]) -> None:
            portrait, swapped = loaded
            self._idle()
            self.portrait = portrait
            self.state.portrait = path
            self.library.select(path)
            self.statusBar().showMessage(f"Portrait: {portrait.name}", 4000)
            if self.pipeline is None:
                self.output_view.show_frame(portrait.image)
            if self._want_running and (self.pipeline is None or not swapped):
                self._restart()

        def failed(message: str) -> None:
            self._idle()
            self.show_notice(message)
            if path:  # a photo that cannot be used leaves the library; the file stays
                self.library.discard(path)
            self.library.select(self.state.portrait if self.portrait else "")
            if self.portrait is None and path:  # nothing loaded yet: fall back to the default
                self.choose_portrait("")
        self._worker.submit(job, done, failed)

    def _library_changed(self, paths: list[str]) -> None:
        self.state.library = paths

    # Running
    def toggle_running(self) -> None:
        self._want_running = not self._want_running
        if self._want_running:
            self._restart()
        else:
            self._stop()

    def _restart(self) -> None:
        if self.portrait is None:
            return  # starts once the portrait is loaded
        self._stop()
        portrait, spec, values = self.portrait, self.state.camera, self.controls.values()
        self._busy("Starting…")

        def job() -> LivePipeline:
            pipeline = LivePipeline(lambda: open_camera(spec), portrait, OUTPUT_SIZE,
                                    self._bridge.on_frame, self._bridge.message.emit,
                                    settings_of(values))
            pipeline.edits = edits_of(values)
            pipeline.start()
            self._started.append(pipeline)
            return pipeline

        def done(pipeline: LivePipeline) -> None:
            self._idle()
            self.pipeline = pipeline
            pipeline.freeze = self.controls.freeze.isChecked()
            self.start_button.setText("Stop (Space)")
        self._worker.submit(job, done, self._failed_to_start)

    def _failed_to_start(self, message: str) -> None:
        self._idle()
        self.show_notice(message)

    def _stop(self) -> None:
        pipeline, self.pipeline = self.pipeline, None
        self.start_button.setText("Start (Space)")
        if pipeline is not None:
            self._started.remove(pipeline)
            self._worker.submit(pipeline.stop, lambda _: None, self.show_notice)

    def _show_frame(self) -> None:
        frame = self._bridge.take()
        if frame is None or self.pipeline is None:
            return
        self.last_frame = frame
        self.frames_shown += 1
        self.output_view.show_frame(frame.output)
        points = frame.landmarks if self.landmarks.isChecked() else None
        self.camera_view.show_frame(frame.camera, points)
        self.fps_label.setText(f"{frame.fps:.0f} FPS")
        self.latency_label.setText(f"latency {frame.latency_ms:.0f} ms")
        self.backend_label.setText(frame.backend)
        if frame.face_found:
            self.face_status.setText("Face found")
            self.face_status.setStyleSheet("color: #3a3;")
        else:
            self.face_status.setText(frame.guidance or "No face")
            self.face_status.setStyleSheet("color: #d60;")

    # Controls
    def _controls_changed(self, values: ControlValues) -> None:
        self.state.controls = values
        if self.pipeline is not None:
            self.pipeline.edits = edits_of(values)
            self.pipeline.settings = settings_of(values)

    def _presets_changed(self, presets: dict) -> None:
        self.state.presets = presets

    def _freeze(self, frozen: bool) -> None:
        if self.pipeline is not None:
            self.pipeline.freeze = frozen

    def recentre(self) -> None:
        if self.pipeline is not None:
            self.pipeline.recentre()
            self.statusBar().showMessage("Re-centred on your face as it is now", 3000)

    # Feedback
    def show_notice(self, message: str) -> None:
        self.notice.setText(message)
        self.notice.show()

    def hide_notice(self) -> None:
        self.notice.hide()

    def show_help(self) -> None:
        HelpDialog(self).exec()

    def _busy(self, text: str) -> None:
        self.progress.show()
        self.statusBar().showMessage(text)

    def _idle(self) -> None:
        if self._worker.pending == 0:
            self.progress.hide()
        self.statusBar().clearMessage()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.state.show_landmarks = self.landmarks.isChecked()
        self._store.save(self.state)
        self._stop()
        self._worker.shutdown()
        for pipeline in self._started:  # including one whose start was not yet reported
            if pipeline.running:
                pipeline.stop()
        self._started.clear()
        super().closeEvent(event)
