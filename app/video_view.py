"""A widget that shows the newest RGB frame, scaled to fit with its aspect kept."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


def to_qimage(rgb: np.ndarray) -> QImage:
    """A QImage that owns a copy of `rgb` (H, W, 3 uint8)."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class VideoView(QWidget):
    def __init__(self, placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._image: QImage | None = None
        self._points: np.ndarray | None = None
        self._placeholder = placeholder
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def show_frame(self, rgb: np.ndarray, points: np.ndarray | None = None) -> None:
        """Show `rgb`; `points` (N, 2+) in its pixels are drawn over it (landmark overlay)."""
        self._image = to_qimage(rgb)
        self._points = None if points is None else np.asarray(points)[:, :2]
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._image = None
        self._placeholder = text
        self.update()

    @property
    def image(self) -> QImage | None:
        return self._image

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(24, 24, 28))
        if self._image is None:
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._placeholder)
            return
        w, h = self._image.width(), self._image.height()
        scale = min(self.width() / w, self.height() / h)
        target = QRectF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2,
                        w * scale, h * scale)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self._image)
        if self._points is not None:
            painter.setPen(QColor(80, 255, 120))
            for x, y in self._points:
                painter.drawPoint(int(target.x() + x * scale), int(target.y() + y * scale))
