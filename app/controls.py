"""The control panel: pose offsets, gains, expression controls, smoothing, follow distance,
locks, re-centre, freeze, reset and presets. Presentation only: it emits ControlValues."""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QInputDialog, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget)

from engine.editing import CONTROLS

from .store import ControlValues

STEPS = 100  # slider positions per unit (degrees use one position per degree)
LABELS = {
    "yaw": "Turn (yaw)", "pitch": "Nod (pitch)", "roll": "Tilt (roll)", "smile": "Smile",
    "mouth_open": "Mouth open", "brow": "Brows", "eye_open": "Eyes open", "gaze_x": "Look left/right",
    "gaze_y": "Look up/down", "pose_gain": "Head motion", "expression_gain": "Expression",
    "smoothing": "Smoothing", "follow_distance": "Follow distance",
}
DEGREES = ("yaw", "pitch", "roll")
# (name, low, high, tooltip) of the panel's own sliders, beyond the engine's edits
EXTRA = (("smoothing", 0.0, 1.0, "steadier (right) or quicker (left) motion"),
         ("follow_distance", 0.0, 1.0, "0: keep the portrait's size when you lean in; 1: follow"))


class LabelledSlider(QWidget):
    moved = Signal()

    def __init__(self, name: str, low: float, high: float, tip: str):
        super().__init__()
        self.name = name
        self._unit = 1 if name in DEGREES else STEPS
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(round(low * self._unit), round(high * self._unit))
        self.slider.setToolTip(tip)
        self.slider.setAccessibleName(LABELS[name])
        self._value = QLabel()
        self._value.setMinimumWidth(40)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self._value)
        self.slider.valueChanged.connect(self._on_change)

    def value(self) -> float:
        return self.slider.value() / self._unit

    def set_value(self, value: float) -> None:
        self.slider.setValue(round(value * self._unit))
        self._show()

    def _on_change(self) -> None:
        self._show()
        self.moved.emit()

    def _show(self) -> None:
        self._value.setText(f"{self.value():+.0f}°" if self._unit == 1 else f"{self.value():.2f}")


class ControlPanel(QWidget):
    changed = Signal(object)  # ControlValues
    recentre_requested = Signal()
    freeze_toggled = Signal(bool)
    presets_changed = Signal(object)  # dict[str, ControlValues]

    def __init__(self, values: ControlValues, presets: dict[str, ControlValues]):
        super().__init__()
        self._presets = dict(presets)
        self.sliders: dict[str, LabelledSlider] = {}
        layout = QVBoxLayout(self)
        groups = (("Head pose offset", DEGREES), ("Motion", ("pose_gain", "expression_gain",
                                                                 "smoothing", "follow_distance")),
                  ("Expression", ("smile", "mouth_open", "brow", "eye_open", "gaze_x", "gaze_y")))
        ranges = {c.name: (c.low, c.high, c.help) for c in CONTROLS}
        ranges.update({name: (low, high, tip) for name, low, high, tip in EXTRA})
        for title, names in groups:
            box = QGroupBox(title)
            form = QFormLayout(box)
            for name in names:
                slider = LabelledSlider(name, *ranges[name])
                slider.moved.connect(self._emit)
                self.sliders[name] = slider
                form.addRow(LABELS[name], slider)
            layout.addWidget(box)
        self.lock_pose = QCheckBox("Lock pose (P)")
        self.lock_expression = QCheckBox("Lock expression (E)")
        for box in (self.lock_pose, self.lock_expression):
            box.toggled.connect(self._emit)
        locks = QHBoxLayout()
        locks.addWidget(self.lock_pose)
        locks.addWidget(self.lock_expression)
        layout.addLayout(locks)
        self.recentre = QPushButton("Re-centre (R)")
        self.recentre.setToolTip("take your face as it is now as the neutral, straight-ahead pose")
        self.recentre.clicked.connect(self.recentre_requested)
        self.freeze = QPushButton("Freeze (F)")
        self.freeze.setCheckable(True)
        self.freeze.setToolTip("hold the output still (the camera keeps running)")
        self.freeze.toggled.connect(self.freeze_toggled)
        self.reset = QPushButton("Reset all")
        self.reset.clicked.connect(self.reset_all)
        buttons = QHBoxLayout()
        for button in (self.recentre, self.freeze, self.reset):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        layout.addWidget(self._preset_row())
        layout.addStretch(1)
        self.set_values(values)

    def _preset_row(self) -> QWidget:
        box = QGroupBox("Presets")
        row = QHBoxLayout(box)
        self.preset_list = QComboBox()
        self.preset_list.setPlaceholderText("(none saved)")
        self.preset_list.addItems(sorted(self._presets))
        self.preset_list.textActivated.connect(self.load_preset)
        save = QPushButton("Save…")
        save.clicked.connect(self._ask_preset_name)
        delete = QPushButton("Delete")
        delete.clicked.connect(lambda: self.delete_preset(self.preset_list.currentText()))
        row.addWidget(self.preset_list, 1)
        row.addWidget(save)
        row.addWidget(delete)
        return box

    def values(self) -> ControlValues:
        kept = {name: slider.value() for name, slider in self.sliders.items()}
        return ControlValues(**kept, lock_pose=self.lock_pose.isChecked(),
                             lock_expression=self.lock_expression.isChecked())

    def set_values(self, values: ControlValues) -> None:
        """Show `values` (emitting one change, not one per control)."""
        widgets = [*self.sliders.values(), self.lock_pose, self.lock_expression]
        for widget in widgets:
            widget.blockSignals(True)
        for name, slider in self.sliders.items():
            slider.set_value(getattr(values, name))
        self.lock_pose.setChecked(values.lock_pose)
        self.lock_expression.setChecked(values.lock_expression)
        for widget in widgets:
            widget.blockSignals(False)
        self._emit()

    def set_value(self, name: str, value: float | bool) -> None:
        """One control, as if the user had moved it."""
        self.set_values(replace(self.values(), **{name: value}))

    def reset_all(self) -> None:
        self.freeze.setChecked(False)
        self.set_values(ControlValues())

    def save_preset(self, name: str) -> None:
        self._presets[name] = self.values()
        self._refresh_presets(name)

    def load_preset(self, name: str) -> None:
        if name in self._presets:
            self.set_values(self._presets[name])

    def delete_preset(self, name: str) -> None:
        if self._presets.pop(name, None) is not None:
            self._refresh_presets("")

    def _ask_preset_name(self) -> None:
        name, ok = QInputDialog.getText(self, "Save preset", "Name of the preset:")
        if ok and name.strip():
            self.save_preset(name.strip())

    def _refresh_presets(self, current: str) -> None:
        self.preset_list.clear()
        self.preset_list.addItems(sorted(self._presets))
        self.preset_list.setCurrentText(current)
        self.presets_changed.emit(dict(self._presets))

    def _emit(self) -> None:
        self.changed.emit(self.values())

