"""Colour swatches for class lists and legends, outlined so that a near-white class (cloud,
background) is still seen on a light window."""

from __future__ import annotations

import base64

from PySide6.QtCore import QBuffer
from PySide6.QtGui import QColor, QPainter, QPixmap

OUTLINE = QColor(96, 96, 96)


def swatch_pixmap(colour, size: int = 14) -> QPixmap:
    """A ``size``² square of ``colour`` (RGB) with a grey outline."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(*colour[:3]))
    painter = QPainter(pixmap)
    painter.setPen(OUTLINE)
    painter.drawRect(0, 0, size - 1, size - 1)
    painter.end()
    return pixmap


def swatch_html(colour, size: int = 12) -> str:
    """The swatch as an inline image for rich text (a QLabel's legend)."""
    buffer = QBuffer()
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    swatch_pixmap(colour, size).save(buffer, "PNG")
    data = base64.b64encode(bytes(buffer.data())).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" width="{size}" height="{size}" style="vertical-align: middle">'
