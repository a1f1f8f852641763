"""The portrait library: the bundled default plus the user's own photos, as thumbnails. Add by
file dialog or drag-and-drop; remove takes a photo out of the library (the file stays)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImageReader, QPixmap
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QListView, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from engine.portrait import DEFAULT_PORTRAIT
from engine.sources import IMAGE_SUFFIXES

THUMB = 96
PATH_ROLE = Qt.ItemDataRole.UserRole
IMAGE_FILTER = "Images (" + " ".join(f"*{s}" for s in IMAGE_SUFFIXES) + ")"


def thumbnail(path: Path) -> QIcon:
    """A small icon read at thumbnail size (a huge photo is never decoded whole)."""
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return QIcon(QPixmap.fromImage(image)) if not image.isNull() else QIcon()


class PortraitLibrary(QWidget):
    chosen = Signal(str)  # a portrait path ("" for the bundled default)
    changed = Signal(object)  # list[str]: the user's portraits

    def __init__(self, paths: list[str]):
        super().__init__()
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setWrapping(False)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setFixedHeight(THUMB + 48)
        self.list.setToolTip("Click a portrait to use it; drop photos here to add them")
        self.list.itemClicked.connect(lambda item: self.chosen.emit(item.data(PATH_ROLE)))
        self.setAcceptDrops(True)
        add = QPushButton("Add portrait… (Ctrl+O)")
        add.clicked.connect(self.ask_for_portraits)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("take the selected photo out of the library (the file is kept)")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self._add_item(DEFAULT_PORTRAIT, "", "Default")
        for path in paths:
            if Path(path).is_file():
                self._add_item(Path(path), path, Path(path).stem)

    def paths(self) -> list[str]:
        return [self.list.item(i).data(PATH_ROLE) for i in range(1, self.list.count())]

    def add(self, path: str) -> None:
        """Add a photo (once) and select it; the app then loads it (and removes it again
        if it holds no usable face)."""
        path = str(Path(path).resolve())
        existing = [i for i in range(self.list.count()) if self.list.item(i).data(PATH_ROLE) == path]
        if not existing:
            self._add_item(Path(path), path, Path(path).stem)
            self.changed.emit(self.paths())
        self.select(path)
        self.chosen.emit(path)

    def select(self, path: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(PATH_ROLE) == path:
                self.list.setCurrentRow(i)

    def discard(self, path: str) -> None:
        for i in range(1, self.list.count()):
            if self.list.item(i).data(PATH_ROLE) == path:
                self.list.takeItem(i)
                self.changed.emit(self.paths())
                return

    def remove_selected(self) -> None:
        item = self.list.currentItem()
        if item is None or not item.data(PATH_ROLE):
            return  # the bundled default stays
        self.discard(item.data(PATH_ROLE))
        self.list.setCurrentRow(0)
        self.chosen.emit("")

    def ask_for_portraits(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add portraits", str(Path.home()),
                                                IMAGE_FILTER)
        for path in files:
            self.add(path)

    def _add_item(self, path: Path, key: str, label: str) -> None:
        item = QListWidgetItem(thumbnail(path), label)
        item.setData(PATH_ROLE, key)
        item.setToolTip(str(path))
        self.list.addItem(item)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if _dropped_images(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        for path in _dropped_images(event):
            self.add(path)
        event.acceptProposedAction()


def _dropped_images(event) -> list[str]:
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    return [u.toLocalFile() for u in urls
            if u.isLocalFile() and Path(u.toLocalFile()).suffix.lower() in IMAGE_SUFFIXES]
