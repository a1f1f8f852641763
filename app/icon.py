"""The app icon, drawn (no image file to lose): a portrait frame with a face in it."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap


def app_icon() -> QIcon:
    icon = QIcon()
    for size in (16, 32, 64, 128, 256):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = size / 64
        p.setBrush(QColor(46, 92, 168))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawRoundedRect(QRectF(2 * s, 2 * s, 60 * s, 60 * s), 12 * s, 12 * s)
        p.setBrush(QColor(250, 214, 170))
        p.drawEllipse(QRectF(18 * s, 10 * s, 28 * s, 34 * s))  # face
        p.drawRoundedRect(QRectF(10 * s, 46 * s, 44 * s, 20 * s), 10 * s, 10 * s)  # shoulders
        p.setBrush(QColor(40, 40, 40))
        p.drawEllipse(QRectF(25 * s, 22 * s, 4 * s, 4 * s))
        p.drawEllipse(QRectF(35 * s, 22 * s, 4 * s, 4 * s))
        p.setPen(QPen(QColor(160, 60, 60), max(1.0, 2 * s)))
        p.setBrush(Qt.BrushStyle.NoBrush)
        smile = QPainterPath()
        smile.moveTo(25 * s, 33 * s)
        smile.quadTo(32 * s, 39 * s, 39 * s, 33 * s)
        p.drawPath(smile)
        p.end()
        icon.addPixmap(pixmap)
    return icon
