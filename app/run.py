"""Start the Qt application with the main window."""
from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from .icon import app_icon
from .main_window import TITLE, MainWindow
from .store import Store


def run_app(portrait: str | None = None, camera: str | None = None, backend: str = "auto") -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(TITLE)
    app.setWindowIcon(app_icon())
    window = MainWindow(Store(), portrait=portrait, camera=camera, backend=backend)
    window.show()
    return app.exec()
