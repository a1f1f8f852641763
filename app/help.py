"""The help dialog: what the app does, the keyboard shortcuts (one list, used by the window
too), and `standin doctor`'s report of this machine, with a button that copies it for a bug
report."""
from __future__ import annotations

import threading

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)

from . import doctor

SHORTCUTS = (
    ("Space", "Start or stop"),
    ("R", "Re-centre: your face as it is now is the neutral pose"),
    ("F", "Freeze the output (toggle)"),
    ("P", "Lock pose (toggle)"),
    ("E", "Lock expression (toggle)"),
    ("L", "Show the landmarks on the camera view (toggle)"),
    ("V", "Virtual camera on or off"),
    ("Ctrl+R", "Record the output (toggle)"),
    ("Ctrl+O", "Add portraits"),
    ("Ctrl+M", "Make a portrait set of yourself (the camera takes the photos)"),
    ("Ctrl+Shift+R", "Reset all controls"),
    ("F1", "This help"),
    ("Ctrl+Q", "Quit"),
)


class HelpDialog(QDialog):
    _checked = Signal(str)  # the doctor's report, from its thread

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Stand-in: help")
        rows = "".join(f"<tr><td><b>{key}</b>&nbsp;&nbsp;</td><td>{what}</td></tr>"
                       for key, what in SHORTCUTS)
        text = QLabel(
            "<h3>Stand-in</h3><p>Pick a portrait below the output; your camera's face drives "
            "it. The controls on the right edit pose and expression on top of your motion. "
            "Look straight at the camera and press <b>R</b> if the portrait's rest pose "
            "looks off.</p><p>A portrait can be a <b>set</b>: its photo plus photos of the same "
            "person smiling with teeth, mouth open, eyes closed, head turned. The portrait "
            "uses them where its photo shows too little. Add photos to a portrait, or let "
            "the camera take a set of you (<b>Ctrl+M</b>).</p>"
            "<h4>Keyboard shortcuts</h4><table>" + rows + "</table>")
        text.setWordWrap(True)
        self.report = QPlainTextEdit("Checking this machine (a few seconds)...")
        self.report.setReadOnly(True)
        self.report.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.report.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.copy_button = QPushButton("Copy the report")
        self.copy_button.setToolTip("For a bug report: paste it with what went wrong")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_report)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(QLabel("<h4>This machine (<tt>standin doctor</tt>)</h4>"))
        layout.addWidget(self.report, 1)
        layout.addWidget(buttons)
        self.resize(760, 640)
        self._checked.connect(self._show_report)
        threading.Thread(target=self._check, name="standin-doctor", daemon=True).start()

    def _check(self) -> None:
        try:
            text = doctor.format_report(doctor.run_checks())
        except Exception as error:  # a bug in a check: the report says so, the app goes on
            text = f"The check itself failed ({type(error).__name__}: {error}). Please report it."
        try:
            self._checked.emit(text)
        except RuntimeError:  # the dialog is gone
            pass

    def _show_report(self, text: str) -> None:
        self.report.setPlainText(text)
        self.copy_button.setEnabled(True)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report.toPlainText())
        self.copy_button.setText("Copied")
