"""Keyboard shortcuts (one list, used by the window and shown in the help dialog)."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
