"""The portrait library: the bundled default plus the user's own portraits, as thumbnails. A
portrait is a photo or a set folder (a main photo plus extra photos of the same person). Add by
file dialog or drag-and-drop; remove takes a portrait out of the library (the files stay)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImageReader, QPixmap
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QListView, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from engine.errors import PortraitError
from engine.portrait import DEFAULT_PORTRAIT
from engine.portrait_set import set_photos
from engine.sources import IMAGE_SUFFIXES

THUMB = 96
PATH_ROLE = Qt.ItemDataRole.UserRole
IMAGE_FILTER = "Images (" + " ".join(f"*{s}" for s in IMAGE_SUFFIXES) + ")"


def thumbnail(path: Path | None) -> QIcon:
    """A small icon read at thumbnail size (a huge photo is never decoded whole)."""
    if path is None:
        return QIcon()
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return QIcon(QPixmap.fromImage(image)) if not image.isNull() else QIcon()


def describe(path: Path) -> tuple[Path | None, str]:
    """The photo a library entry shows as its thumbnail, and its label: a set shows its main
    photo and how many photos it holds."""
    if not path.is_dir():
        return path, path.stem
    try:
        main, extras = set_photos(path)
    except PortraitError:  # an empty folder: choosing it says what is wrong
        return None, path.name
    return main, f"{path.name} ({1 + len(extras)} photos)"


class PortraitLibrary(QWidget):
    chosen = Signal(str)  # a portrait path ("" for the bundled default)
    changed = Signal(object)  # list[str]: the user's portraits
    extras_chosen = Signal(str, object)  # a portrait path, list[str]: photos to add to it
    capture_requested = Signal()  # "Make a portrait set of yourself…"

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
        self.list.setToolTip("Click a portrait to use it; drop photos (or a folder of photos "
                             "of one person: a portrait set) here to add them")
        self.list.itemClicked.connect(lambda item: self.chosen.emit(item.data(PATH_ROLE)))
        self.setAcceptDrops(True)
        add = QPushButton("Add portrait… (Ctrl+O)")
        add.clicked.connect(self.ask_for_portraits)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("take the selected portrait out of the library (its files "
                                      "are kept)")
        self.remove_button.clicked.connect(self.remove_selected)
        self.extras_button = QPushButton("Add photos to this portrait…")
        self.extras_button.setToolTip("more photos of the same person (smiling with teeth, mouth "
                                      "open, eyes closed, head turned): the portrait uses them "
                                      "where its photo shows too little. Your files are copied, "
                                      "never changed")
        self.extras_button.clicked.connect(self.ask_for_extra_photos)
        capture = QPushButton("Make a portrait set of yourself… (Ctrl+M)")
        capture.setToolTip("the camera takes the photos while you follow a few prompts "
                           "(about 20 seconds)")
        capture.clicked.connect(self.capture_requested)
        buttons = QHBoxLayout()
        for button in (add, self.remove_button, self.extras_button, capture):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self._add_item(DEFAULT_PORTRAIT, "Default", key="")
        for path in paths:
            if Path(path).exists():
                self._add_item(*describe(Path(path)), key=path)

    def paths(self) -> list[str]:
        return [self.list.item(i).data(PATH_ROLE) for i in range(1, self.list.count())]

    def add(self, path: str) -> None:
        """Add a photo or set folder (once) and select it; the app then loads it (and removes
        it again if it holds no usable face)."""
        path = str(Path(path).resolve())
        if self._row(path) is None:
            self._add_item(*describe(Path(path)), key=path)
            self.changed.emit(self.paths())
        self.select(path)
        self.chosen.emit(path)

    def replace(self, old: str, new: str) -> None:
        """Put the set folder `new` where the entry `old` was (the bundled default stays: the
        set goes after it), shown afresh, and choose it."""
        row = self._row(old)
        if old and row is not None:
            self.list.takeItem(row)
        self._add_item(*describe(Path(new)), key=new, row=row if old else None)
        self.changed.emit(self.paths())
        self.select(new)
        self.chosen.emit(new)

    def selected(self) -> str:
        """The selected entry's path ("" for the bundled default, also when none is)."""
        item = self.list.currentItem()
        return item.data(PATH_ROLE) if item is not None else ""

    def _row(self, path: str) -> int | None:
        rows = [i for i in range(self.list.count()) if self.list.item(i).data(PATH_ROLE) == path]
        return rows[0] if rows else None

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

    def ask_for_extra_photos(self) -> None:
        """Ask for photos of the selected portrait's person; the app copies them into a set."""
        files, _ = QFileDialog.getOpenFileNames(self, "Add photos of the same person",
                                                str(Path.home()), IMAGE_FILTER)
        if files:
            self.extras_chosen.emit(self.selected(), files)

    def _add_item(self, photo: Path | None, label: str, key: str, row: int | None = None) -> None:
        item = QListWidgetItem(thumbnail(photo), label)
        item.setData(PATH_ROLE, key)
        item.setToolTip(key or str(photo))
        self.list.insertItem(self.list.count() if row is None else row, item)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if _dropped_portraits(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        for path in _dropped_portraits(event):
            self.add(path)
        event.acceptProposedAction()


def _dropped_portraits(event) -> list[str]:
    """The photos and folders (portrait sets) dropped."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    paths = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
    return [str(p) for p in paths if p.is_dir() or p.suffix.lower() in IMAGE_SUFFIXES]
