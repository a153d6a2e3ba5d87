"""Navigator: the whole image small, with the visible area outlined; click or drag to move."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

from muralstudio.gui.canvas import Canvas


class Navigator(QWidget):
    def __init__(self, canvas: Canvas, parent=None):
        super().__init__(parent)
        self.canvas = canvas
        self.overview: QImage | None = None
        self.setMinimumSize(160, 120)
        canvas.view_changed.connect(self.update)
        canvas.zoom_changed.connect(lambda *_: self.update())
        canvas.tile_arrived.connect(self._arrived)

    def sizeHint(self) -> QSize:
        return QSize(260, 180)

    #: the overview is read from the coarsest level at hand no larger than this (a TIFF up to
    #: 4096 px has no pyramid file; its quarter-size level is read from the image directly)
    MAX_OVERVIEW_SIDE = 2048

    def refresh(self) -> None:
        """Reload the overview from the coarsest level available (the pyramid's, or one decoded
        from the image when no pyramid was built), on the canvas's tile pool: decoding a
        4096-px TIFF for it must not hold up the window."""
        doc = self.canvas.doc
        self.overview = None
        if doc is not None:
            sizes = doc.pyramid().sizes
            for level in range(self.canvas.levels - 1, -1, -1):
                w, h = sizes[level]
                if max(w, h) > self.MAX_OVERVIEW_SIDE:
                    break
                if self.canvas.level_available(level):
                    self.canvas.request_region(("overview", id(doc), level), level, 0, 0, w, h)
                    break
        self.update()

    def _arrived(self, doc, key, image) -> None:
        if key[0] == "overview" and doc is self.canvas.doc and image is not None:
            self.overview = image
            self.update()

    def _image_rect(self) -> QRectF:
        doc = self.canvas.doc
        scale = min(self.width() / doc.width, self.height() / doc.height)
        w, h = doc.width * scale, doc.height * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(48, 48, 48))
        if self.canvas.doc is None:
            return
        target = self._image_rect()
        if self.overview is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(target, self.overview)
        else:
            painter.fillRect(target, QColor(90, 90, 90))
        scale = target.width() / self.canvas.doc.width
        visible = self.canvas.visible_image_rect()
        box = QRectF(target.left() + visible.left() * scale, target.top() + visible.top() * scale,
                     visible.width() * scale, visible.height() * scale).intersected(target)
        pen = QPen(QColor(255, 60, 60))
        pen.setWidth(2)
        painter.setPen(pen)
        painter.drawRect(box)

    def _centre_on(self, pos: QPointF) -> None:
        if self.canvas.doc is None:
            return
        target = self._image_rect()
        scale = target.width() / self.canvas.doc.width
        self.canvas.centerOn((pos.x() - target.left()) / scale, (pos.y() - target.top()) / scale)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._centre_on(event.position())

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._centre_on(event.position())
