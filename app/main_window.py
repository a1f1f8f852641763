"""The main window: live output, camera view, portrait library, camera picker, controls and
status. Presentation only: the engine's LivePipeline does the work on its own threads."""
from __future__ import annotations

import threading
import time
from dataclasses import fields, replace
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLabel,
                               QMainWindow, QProgressBar, QPushButton, QScrollArea, QSplitter,
                               QVBoxLayout, QWidget)

from engine.cameras import list_cameras
from engine.editing import Edits
from engine.errors import StandinError
from engine.headless import DEMO, open_driver
from engine.live import CAMERA_LOST, LiveFrame, LivePipeline
from engine.portrait_set import PortraitSet, open_portrait
from engine.recorder import Recorder
from engine.render import choose_backend
from engine.session import Settings
from engine.sources import NO_CAMERA
from engine.user_sets import add_photos
from engine.virtual_camera import VirtualCamera, VirtualCameraSettings
from engine.voice.driver import VoiceSettings
from engine.voice.listening import Listening, microphone_index

from .capture_dialog import CaptureDialog
from .controls import ControlPanel
from .help import HelpDialog
from .icon import app_icon
from .library import PortraitLibrary
from .store import OUTPUT_FPS, OUTPUT_SIZES, AppState, ControlValues, Store
from .video_view import VideoView
from .voice_panel import VoicePanel
from .worker import Worker

TITLE = "Stand-in"
LEVEL_EVERY_MS = 50  # the microphone level meter's refresh


def edits_of(values: ControlValues) -> Edits:
    return Edits(**{f.name: getattr(values, f.name) for f in fields(Edits)})


def settings_of(values: ControlValues) -> Settings:
    return Settings(follow_distance=values.follow_distance).smoothed(values.smoothing)


def _new_recording_path() -> Path:
    """A new file in the user's Videos folder (never one that exists)."""
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MoviesLocation)
                  or Path.home())
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"Stand-in {time.strftime('%Y-%m-%d %H-%M-%S')}"
    path, n = folder / f"{stem}.mp4", 1
    while path.exists():
        n += 1
        path = folder / f"{stem} ({n}).mp4"
    return path


class FrameBridge(QObject):
    """Pipeline threads -> UI thread. Only the newest frame is kept: a busy UI skips frames
    instead of queueing them. The virtual camera and the recorder get every frame from the
    pipeline's thread directly, so a busy UI never holds them up."""

    frame_ready = Signal()
    message = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._latest: LiveFrame | None = None
        # Without it, a take() between on_frame's check and its store would leave a frame
        # that no signal announces, and the view would freeze for good.
        self._lock = threading.Lock()
        self.sinks: tuple = ()  # VirtualCamera, Recorder: anything with submit(frame, time)

    def on_frame(self, frame: LiveFrame) -> None:
        for sink in self.sinks:
            sink.submit(frame.output, frame.captured_at)
        with self._lock:
            waiting = self._latest is not None
            self._latest = frame
        if not waiting:
            self.frame_ready.emit()

    def take(self) -> LiveFrame | None:
        with self._lock:
            frame, self._latest = self._latest, None
        return frame


class MainWindow(QMainWindow):
    def __init__(self, store: Store, portrait: str | None = None, camera: str | None = None,
                 output_size: str | None = None, backend: str = "auto"):
        super().__init__()
        self._store = store
        self._backend = backend
        self.state: AppState = store.load()
        if output_size is not None:
            self.state.output_size = output_size
        if portrait is not None:
            self.state.portrait = str(Path(portrait).resolve())
        if camera is not None:
            self.state.camera = camera
        self._worker = Worker()
        self._bridge = FrameBridge()
        self._bridge.frame_ready.connect(self._show_frame, Qt.ConnectionType.QueuedConnection)
        self._bridge.message.connect(self.show_notice)
        self.pipeline: LivePipeline | None = None
        self.virtual_camera: VirtualCamera | None = None
        self.recorder: Recorder | None = None
        self._started: list[LivePipeline] = []  # every pipeline started, to stop at close
        self.portrait: PortraitSet | None = None  # a single photo is a set of one
        self.capture_dialog: CaptureDialog | None = None  # open: it holds the camera
        self.last_frame: LiveFrame | None = None
        self.frames_shown = 0
        self._camera_lost = False  # the camera went away; its notice goes when it is back
        self._want_running = True
        self.listening = Listening(self.state.voice_mode, microphone_index(self.state.microphone),
                                   VoiceSettings(self.state.liveliness))
        self.setWindowTitle(TITLE)
        self.setWindowIcon(app_icon())
        self._build()
        self._shortcuts()
        self.resize(1280, 800)
        if store.notice:
            self.show_notice(store.notice)
        self._fill_cameras()
        self._level_timer = QTimer(self)
        self._level_timer.timeout.connect(self._show_listening)
        self._level_timer.start(LEVEL_EVERY_MS)
        self._show_listening()
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
        self.library.extras_chosen.connect(self.add_photos)
        self.library.capture_requested.connect(self.make_portrait_set)
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
        self.size_choice = QComboBox()
        self.size_choice.addItems(OUTPUT_SIZES)
        self.size_choice.setCurrentText(self.state.output_size)
        self.size_choice.setToolTip("output size: the virtual camera and recordings get this")
        self.fps_choice = QComboBox()
        self.fps_choice.addItems([f"{f} FPS" for f in OUTPUT_FPS])
        self.fps_choice.setCurrentText(f"{self.state.output_fps} FPS")
        for choice in (self.size_choice, self.fps_choice):
            choice.activated.connect(self._output_changed)
        self.virtual_camera_button = QPushButton("Virtual camera (V)")
        self.virtual_camera_button.setCheckable(True)
        self.virtual_camera_button.setToolTip("send the output to the virtual camera that "
                                              "Zoom, Teams, Meet and OBS can choose")
        self.virtual_camera_button.toggled.connect(self.set_virtual_camera)
        self.mirror = QCheckBox("Mirror")
        self.mirror.setChecked(self.state.mirror)
        self.mirror.setToolTip("flip the virtual camera's picture left-right")
        self.mirror.toggled.connect(self._mirror_changed)
        self.record_button = QPushButton("Record (Ctrl+R)")
        self.record_button.setCheckable(True)
        self.record_button.setToolTip("record the output to an MP4 in your Videos folder")
        self.record_button.toggled.connect(self.set_recording)
        outputs = QHBoxLayout()
        outputs.addWidget(QLabel("Output:"))
        outputs.addWidget(self.size_choice)
        outputs.addWidget(self.fps_choice)
        outputs.addWidget(self.virtual_camera_button)
        outputs.addWidget(self.mirror)
        outputs.addWidget(self.record_button)
        outputs.addStretch(1)
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
        column.addLayout(outputs)
        column.addWidget(self.notice)
        column.addLayout(views, 1)
        column.addWidget(self.library)
        self.controls = ControlPanel(self.state.controls, self.state.presets)
        self.controls.changed.connect(self._controls_changed)
        self.controls.recentre_requested.connect(self.recentre)
        self.controls.freeze_toggled.connect(self._freeze)
        self.controls.presets_changed.connect(self._presets_changed)
        self.voice = VoicePanel(self.state.voice_mode, self.state.microphone,
                                self.state.liveliness)
        self.voice.mode_changed.connect(self.set_voice_mode)
        self.voice.microphone_changed.connect(self.set_microphone)
        self.voice.liveliness_changed.connect(self._liveliness_changed)
        self.voice.clear_requested.connect(self.clear_my_motion)
        right = QWidget()
        right_column = QVBoxLayout(right)
        right_column.setContentsMargins(0, 0, 0, 0)
        right_column.addWidget(self.voice)
        right_column.addWidget(self.controls, 1)
        scroll = QScrollArea()
        scroll.setWidget(right)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(360)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 1)
        self.setCentralWidget(splitter)
        self.fps_label, self.latency_label, self.backend_label = QLabel(), QLabel(), QLabel()
        self.sink_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the length of a load is not known
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        for widget in (self.progress, self.sink_label, self.fps_label, self.latency_label,
                       self.backend_label):
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
            "Ctrl+M": self.make_portrait_set,
            "Ctrl+Shift+R": self.controls.reset_all,
            "V": self.virtual_camera_button.toggle,
            "Ctrl+R": self.record_button.toggle,
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
        self.camera_choice.addItem("No camera (your voice drives)", NO_CAMERA)
        wanted = self.state.camera
        if wanted and not wanted.isdigit() and wanted not in (DEMO, NO_CAMERA):
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
        """Load `path` (a photo, a set folder, or "" for the bundled default) in the
        background and animate it."""
        self._busy(f"Loading {Path(path).name if path else 'the default portrait'}…")

        def job() -> tuple[PortraitSet, bool]:
            portrait = open_portrait(path or None)
            pipeline = self.pipeline
            if pipeline is not None:
                pipeline.set_portrait(portrait)  # swapped in at its next frame
            return portrait, pipeline is not None

        def done(loaded: tuple[PortraitSet, bool]) -> None:
            portrait, swapped = loaded
            self._idle()
            self.portrait = portrait
            self.state.portrait = path
            self.library.select(path)
            photos = f" ({len(portrait)} photos)" if len(portrait) > 1 else ""
            self.statusBar().showMessage(f"Portrait: {portrait.name}{photos}", 4000)
            if portrait.notices:
                self.show_notice("\n".join(portrait.notices))
            if self.pipeline is None:
                self.output_view.show_frame(portrait.main.image)
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

    def add_photos(self, portrait: str, photos: list[str]) -> None:
        """Make `portrait` ("" for the bundled default) a set with `photos` (copies) added,
        in the background; it then takes the portrait's place in the library and is used.
        A photo with no usable face stops it, and nothing changes."""
        self._busy(f"Adding {len(photos)} photo{'s' if len(photos) > 1 else ''}…")

        def done(folder: Path) -> None:
            self._idle()
            self.library.replace(portrait, str(folder))

        def failed(message: str) -> None:
            self._idle()
            self.show_notice(f"{message} (nothing was added)")
        self._worker.submit(lambda: add_photos(portrait or None, photos), done, failed)

    def make_portrait_set(self) -> CaptureDialog | None:
        """Open guided capture on the chosen camera. The live view lets go of the camera
        meanwhile and takes it again after."""
        if self.capture_dialog is not None:
            return self.capture_dialog
        if self.state.camera in (DEMO, NO_CAMERA):
            self.show_notice("A portrait set is made with your camera: choose it (or a video "
                             "of you) under Camera, then try again.")
            return None
        dialog = self.capture_dialog = CaptureDialog(self.state.camera, self._worker, self)
        dialog.finished.connect(self._capture_closed)
        self._when_camera_free(lambda: dialog.start() if self.capture_dialog is dialog else None)
        dialog.open()
        return dialog

    def _when_camera_free(self, then) -> None:
        """`then()` once no pipeline holds the camera: the worker runs jobs in order, so
        when this one is answered, every stop asked for before it is done. A start queued
        before the capture began is stopped in turn."""
        self._stop()

        def answered(_) -> None:
            self._idle()
            if self.pipeline is None:
                then()
            else:
                self._when_camera_free(then)
        self._worker.submit(lambda: None, answered, self.show_notice)

    def _capture_closed(self) -> None:
        dialog, self.capture_dialog = self.capture_dialog, None
        dialog.deleteLater()
        if dialog.saved_folder is not None:
            self.library.add(str(dialog.saved_folder))  # loaded, and the live view starts on it
        elif self._want_running:
            self._restart()

    # Running
    def toggle_running(self) -> None:
        self._want_running = not self._want_running
        if self._want_running:
            self._restart()
        else:
            self._stop()

    def _restart(self) -> None:
        if self.portrait is None or self.capture_dialog is not None:
            return  # starts once the portrait is loaded, or the capture has closed
        self._stop()
        portrait, spec, values = self.portrait, self.state.camera, self.controls.values()
        self._busy("Starting…")

        def job() -> LivePipeline:
            pipeline = LivePipeline(lambda: open_driver(spec), portrait, self.output_size,
                                    self._bridge.on_frame, self._bridge.message.emit,
                                    settings_of(values), choose_backend(self._backend),
                                    self.listening.voice_mode())
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
        if frame.camera is None:
            self.camera_view.set_placeholder(frame.camera_note or "")
            self._camera_lost = frame.camera_note == CAMERA_LOST
        else:
            points = frame.landmarks if self.landmarks.isChecked() else None
            self.camera_view.show_frame(frame.camera, points)
            if self._camera_lost:  # it came back: its "trying again" notice is over
                self._camera_lost = False
                self.hide_notice()
                self.statusBar().showMessage("The camera is back", 4000)
        self.fps_label.setText(f"{frame.fps:.0f} FPS")
        self.latency_label.setText(f"latency {frame.latency_ms:.0f} ms")
        self.backend_label.setText(frame.backend)
        self.sink_label.setText(self._sink_status())
        if frame.mode == "voice":
            self.face_status.setText("Your voice is driving the portrait")
            self.face_status.setStyleSheet("color: #38c;")
        elif frame.face_found and frame.turn_shown < 1.0:
            self.face_status.setText(
                f"Face found. Turn eased to {frame.turn_shown:.0%}: the photo does not show "
                "enough of that side of the head")
            self.face_status.setStyleSheet("color: #3a3;")
        elif frame.face_found:
            self.face_status.setText("Face found")
            self.face_status.setStyleSheet("color: #3a3;")
        else:
            self.face_status.setText(frame.guidance or "No face")
            self.face_status.setStyleSheet("color: #d60;")

    # Outputs: virtual camera and recording
    @property
    def output_size(self) -> tuple[int, int]:
        w, h = self.state.output_size.split("x")
        return int(w), int(h)

    def _output_changed(self) -> None:
        self.state.output_size = self.size_choice.currentText()
        self.state.output_fps = int(self.fps_choice.currentText().split()[0])
        if self.virtual_camera is not None:  # reopened at the new size and rate
            self.set_virtual_camera(False)
            self.set_virtual_camera(True)
        if self._want_running:
            self._restart()

    def set_virtual_camera(self, on: bool) -> None:
        """Start or stop sending the output to the virtual camera."""
        if on == (self.virtual_camera is not None):
            return
        if on:
            settings = VirtualCameraSettings(self.output_size, float(self.state.output_fps),
                                             self.mirror.isChecked())
            self.virtual_camera = VirtualCamera(settings, self._bridge.message.emit)
            self.virtual_camera.start()
        else:
            camera, self.virtual_camera = self.virtual_camera, None
            self._worker.submit(camera.stop, lambda _: None, self.show_notice)
        self._update_sinks()

    def set_recording(self, on: bool) -> None:
        """Start recording the output to a new MP4 in the Videos folder, or finish it."""
        if on == (self.recorder is not None):
            return
        if on:
            try:
                self.recorder = Recorder(_new_recording_path(), self.state.output_fps,
                                         self.output_size, self._bridge.message.emit)
            except StandinError as err:
                self.show_notice(str(err))
                self.record_button.setChecked(False)
                return
            self.recorder.start()
            self.statusBar().showMessage(f"Recording to {self.recorder.path}", 5000)
        else:
            recorder, self.recorder = self.recorder, None
            self._worker.submit(recorder.stop, lambda _: self.statusBar().showMessage(
                f"Saved {recorder.path} ({recorder.frames_written} frames)", 8000),
                self.show_notice)
        for choice in (self.size_choice, self.fps_choice):  # one size per recording
            choice.setEnabled(self.recorder is None)
        self._update_sinks()

    def _update_sinks(self) -> None:
        self._bridge.sinks = tuple(s for s in (self.virtual_camera, self.recorder) if s)
        self.virtual_camera_button.setChecked(self.virtual_camera is not None)
        self.record_button.setChecked(self.recorder is not None)

    def _mirror_changed(self, mirror: bool) -> None:
        self.state.mirror = mirror
        if self.virtual_camera is not None:
            self.virtual_camera.settings = replace(self.virtual_camera.settings, mirror=mirror)

    def _sink_status(self) -> str:
        parts = []
        camera = self.virtual_camera
        if camera is not None:
            latency = camera.latency_ms()
            parts.append(f"virtual camera {camera.device or '(waiting)'}"
                         + (f", {latency[0]:.0f} ms from capture" if latency else ""))
        if self.recorder is not None:
            parts.append(f"recording {self.recorder.frames_written / self.recorder.fps:.0f} s")
        return " | ".join(parts)

    # Voice
    def set_voice_mode(self, mode: str) -> None:
        """camera, voice or auto, from the next frame on (cross-faded, no restart)."""
        self.listening.set_mode(mode)
        self.state.voice_mode = mode
        self.voice.mode.setCurrentIndex(self.voice.mode.findData(mode))
        self._show_listening()

    def set_microphone(self, name: str) -> None:
        """Listen to the input device called `name` ("" for the system's default)."""
        self.listening.set_device(microphone_index(name))
        self.state.microphone = name
        self._show_listening()

    def _liveliness_changed(self, liveliness: float) -> None:
        self.listening.set_liveliness(liveliness)
        self.state.liveliness = liveliness

    def clear_my_motion(self) -> None:
        self.listening.bank.clear()
        self.statusBar().showMessage("Your learned motion was cleared", 4000)
        self._show_listening()

    def _show_listening(self) -> None:
        listening = self.listening
        self.voice.show_listening(listening.mode, listening.level, listening.problem)
        self.voice.show_motion(len(listening.bank.clips))

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
        dialog = HelpDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.exec()

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
        if self.capture_dialog is not None:  # it lets go of the camera before the app ends
            self.capture_dialog.reject()
        self.set_recording(False)
        self.set_virtual_camera(False)
        self._stop()
        self._worker.shutdown()
        for pipeline in self._started:  # including one whose start was not yet reported
            if pipeline.running:
                pipeline.stop()
        self._started.clear()
        self._level_timer.stop()
        self.listening.close()
        super().closeEvent(event)
