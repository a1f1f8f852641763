"""The voice controls: what drives the portrait (camera, voice, or automatic), the microphone
with its level meter, how lively the head is under the voice, and the user's learned motion
(can be cleared). Presentation only: it emits the user's choices."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QMessageBox, QProgressBar, QPushButton, QSlider, QWidget)

from engine.voice.microphone import list_microphones
from engine.voice.personal_bank import MIN_TO_USE

MODE_LABELS = {
    "auto": "Automatic: voice when your face is lost",
    "camera": "Camera only",
    "voice": "Voice only",
}
DEFAULT_MICROPHONE = "System default"
LIVELINESS_STEPS = 100


class MicrophoneChoice(QComboBox):
    """The input devices, listed afresh each time the list opens (devices come and go)."""

    def __init__(self, chosen: str):
        super().__init__()
        self._fill(chosen)

    def chosen(self) -> str:
        """The device's name; "" for the system's default input."""
        return self.currentData() or ""

    def _fill(self, chosen: str) -> None:
        self.blockSignals(True)
        self.clear()
        self.addItem(DEFAULT_MICROPHONE, "")
        for microphone in list_microphones():
            if self.findData(microphone.name) < 0:
                self.addItem(microphone.name, microphone.name)
        if chosen and self.findData(chosen) < 0:  # remembered, but not connected now
            self.addItem(f"{chosen} (not connected)", chosen)
        self.setCurrentIndex(self.findData(chosen))
        self.blockSignals(False)

    def showPopup(self) -> None:  # noqa: N802 - Qt's name
        self._fill(self.chosen())
        super().showPopup()


class VoicePanel(QGroupBox):
    mode_changed = Signal(str)
    microphone_changed = Signal(str)  # a device name, "" for the system's default
    liveliness_changed = Signal(float)
    clear_requested = Signal()

    def __init__(self, mode: str, microphone: str, liveliness: float):
        super().__init__("Voice")
        self.mode = QComboBox()
        for name, label in MODE_LABELS.items():
            self.mode.addItem(label, name)
        self.mode.setCurrentIndex(self.mode.findData(mode))
        self.mode.setToolTip("what drives the portrait; in automatic mode your voice takes over "
                             "when your face has been out of view for a second")
        self.mode.activated.connect(lambda: self.mode_changed.emit(self.mode.currentData()))
        self.microphone = MicrophoneChoice(microphone)
        self.microphone.activated.connect(
            lambda: self.microphone_changed.emit(self.microphone.chosen()))
        self.level = QProgressBar()
        self.level.setRange(0, 100)
        self.level.setTextVisible(False)
        self.level.setFixedHeight(12)
        self.level.setAccessibleName("Microphone level")
        self.listening = QLabel()
        self.listening.setWordWrap(True)
        self.liveliness = QSlider(Qt.Orientation.Horizontal)
        self.liveliness.setRange(0, LIVELINESS_STEPS)
        self.liveliness.setValue(round(liveliness * LIVELINESS_STEPS))
        self.liveliness.setToolTip("how much the head moves while your voice drives: "
                                   "still (left) to animated (right)")
        self.liveliness.valueChanged.connect(
            lambda value: self.liveliness_changed.emit(value / LIVELINESS_STEPS))
        self.motion = QLabel()
        self.motion.setWordWrap(True)
        self.clear = QPushButton("Clear my motion")
        self.clear.setToolTip("forget the head motion learned from your camera sessions")
        self.clear.clicked.connect(self._ask_to_clear)
        motion_row = QHBoxLayout()
        motion_row.addWidget(self.motion, 1)
        motion_row.addWidget(self.clear)
        form = QFormLayout(self)
        form.addRow("Driven by", self.mode)
        form.addRow("Microphone", self.microphone)
        form.addRow("Level", self.level)
        form.addRow("", self.listening)
        form.addRow("Liveliness", self.liveliness)
        form.addRow(self._wrapped(motion_row))

    @staticmethod
    def _wrapped(layout: QHBoxLayout) -> QWidget:
        widget = QWidget()
        layout.setContentsMargins(0, 0, 0, 0)
        widget.setLayout(layout)
        return widget

    def show_listening(self, mode: str, level: float, problem: str | None) -> None:
        """The meter and a line on what the microphone is doing."""
        self.level.setValue(round(100 * level))
        listening = mode != "camera" and problem is None
        self.level.setEnabled(listening)
        self.microphone.setEnabled(mode != "camera")
        if mode == "camera":
            text = "Microphone off (camera only)"
        elif problem is not None:
            text = problem[0].upper() + problem[1:]
        else:
            text = "Listening"
        if text != self.listening.text():  # 20 times a second: restyle only on a change
            self.listening.setText(text)
            self.listening.setStyleSheet("" if problem is None or mode == "camera"
                                         else "color: #d60;")

    def show_motion(self, clips: int) -> None:
        """How much of the user's own motion has been learned."""
        if clips == 0:
            text = "Your motion: none learned yet (it is learned while the camera sees you)"
        elif clips < MIN_TO_USE:
            text = f"Your motion: {clips} of {MIN_TO_USE} clips needed"
        else:
            text = f"Your motion: {clips} clips, in use"
        self.motion.setText(text)
        self.clear.setEnabled(clips > 0)

    def _ask_to_clear(self) -> None:
        answer = QMessageBox.question(
            self, "Clear my motion",
            "Forget the head motion learned from your camera sessions? Voice mode goes back to "
            "its built-in motion until it learns yours again.")
        if answer == QMessageBox.StandardButton.Yes:
            self.clear_requested.emit()
