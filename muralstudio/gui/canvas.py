"""The tiled canvas: draws only the visible tiles, from the pyramid level that matches the zoom.

Scene coordinates are source-image pixels. Three kinds of items sit in the scene:
- :class:`ImageTilesItem`: the source image, tile by tile (256² at each level), from the source
  at 100 % and closer, from the cached pyramid levels when zoomed out;
- :class:`MaskTilesItem`: one translucent overlay per mask layer, also tiled and strided from
  the layer's array, refreshed only where a stroke changed it;
- :class:`RestorationItem`: the patches of a restoration layer (small, drawn whole).
Tiles are kept in a byte-capped LRU cache, so memory stays bounded however big the image.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from typing import Callable

import cv2
import numpy as np
import qimage2ndarray
from PySide6.QtCore import QObject, QPointF, QRectF, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPixmapItem, QGraphicsScene, QGraphicsView

from muralstudio.core.document import Document, LabelLayer, MaskLayer, RestorationLayer
from muralstudio.core.imageio import to_rgb8
from muralstudio.core.pyramid import TILE

MIN_ZOOM, MAX_ZOOM = 0.01, 32.0
GRID_ZOOM = 8.0  # pixel grid from 800 %


class TileCache:
    """LRU cache of QImages, capped by bytes."""

    def __init__(self, max_bytes: int = 256 << 20):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict = OrderedDict()

    def get(self, key):
        image = self._items.get(key)
        if image is not None:
            self._items.move_to_end(key)
        return image

    def put(self, key, image: QImage) -> None:
        if key in self._items:
            self.bytes -= self._items.pop(key).sizeInBytes()
        self._items[key] = image
        self.bytes += image.sizeInBytes()
        while self.bytes > self.max_bytes and len(self._items) > 1:
            _, old = self._items.popitem(last=False)
            self.bytes -= old.sizeInBytes()

    def drop(self, predicate: Callable) -> None:
        for key in [k for k in self._items if predicate(k)]:
            self.bytes -= self._items.pop(key).sizeInBytes()

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0


def _visible_tiles(exposed: QRectF, level: int, width: int, height: int):
    """(tx, ty, x, y, w, h) of level-``level`` tiles meeting ``exposed`` (scene = level 0)."""
    scale = 2 ** level
    lw, lh = math.ceil(width / scale), math.ceil(height / scale)
    x0 = max(0, int(exposed.left() / scale) // TILE)
    y0 = max(0, int(exposed.top() / scale) // TILE)
    x1 = min((lw - 1) // TILE, int(exposed.right() / scale) // TILE)
    y1 = min((lh - 1) // TILE, int(exposed.bottom() / scale) // TILE)
    for ty in range(y0, y1 + 1):
        for tx in range(x0, x1 + 1):
            x, y = tx * TILE, ty * TILE
            yield tx, ty, x, y, min(TILE, lw - x), min(TILE, lh - y)


class _TiledItem(QGraphicsItem):
    def __init__(self, canvas: "Canvas"):
        super().__init__()
        self.canvas = canvas
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    def boundingRect(self) -> QRectF:
        doc = self.canvas.doc
        return QRectF(0, 0, doc.width, doc.height) if doc else QRectF()

    def _scale(self, painter: QPainter) -> float:
        return painter.worldTransform().m11()


class ImageTilesItem(_TiledItem):
    """The source image, drawn tile by tile from the level matching the zoom. Tiles not loaded
    yet are requested from worker threads; meanwhile a coarser cached tile stands in."""

    def paint(self, painter: QPainter, option, widget=None) -> None:
        doc = self.canvas.doc
        scale = self._scale(painter)
        wanted = doc.pyramid().best_level(scale)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1)
        for tx, ty, x, y, w, h in _visible_tiles(option.exposedRect, wanted, doc.width, doc.height):
            s = 2 ** wanted
            target = QRectF(x * s, y * s, w * s, h * s)
            image = self.canvas.image_tile(wanted, tx, ty, x, y, w, h)
            if image is not None:
                painter.drawImage(target, image)
            elif not self._draw_coarser(painter, wanted, target):
                painter.fillRect(target, QColor(90, 90, 90))
                if not self.canvas.level_available(wanted):
                    painter.setPen(QColor(200, 200, 200))
                    painter.drawText(target, Qt.AlignmentFlag.AlignCenter, self.canvas.tr("building overview…"))
        if self.canvas.compare == "difference":
            painter.fillRect(option.exposedRect, QColor(0, 0, 0, 215))  # unchanged = dark

    def _draw_coarser(self, painter: QPainter, level: int, target: QRectF) -> bool:
        """Draw ``target`` from an already cached tile of a coarser level, if there is one."""
        for coarse in range(level + 1, self.canvas.levels):
            span = TILE * 2 ** coarse
            tx, ty = int(target.left() // span), int(target.top() // span)
            image = self.canvas.cache.get(("image", coarse, tx, ty))
            if image is None:
                continue
            scale = 2 ** coarse
            source = QRectF(target.left() / scale - tx * TILE, target.top() / scale - ty * TILE,
                            target.width() / scale, target.height() / scale)
            painter.drawImage(target, image, source)
            return True
        return False


def patch_image(rgba: np.ndarray) -> QImage:
    """A restored patch's 8-bit RGBA as the image the canvas draws (made on the job's thread
    too: QImage needs no window)."""
    return qimage2ndarray.array2qimage(rgba, normalize=False)


#: a label layer's element edges drawn in the class colour at this per cent of its brightness
LABEL_EDGE_SHADE = 45


class MaskTilesItem(_TiledItem):
    """A mask layer as a translucent coloured overlay, tiled; label layers in class colours
    (background, class 0, left clear)."""

    def __init__(self, canvas: "Canvas", layer: MaskLayer | LabelLayer):
        super().__init__(canvas)
        self.layer = layer
        self.setZValue(2)
        self.restyle()

    def restyle(self) -> None:
        """Rebuild the colour table after the layer's colour or classes changed."""
        layer = self.layer
        if isinstance(layer, LabelLayer):
            lut = np.zeros((256, 4), np.uint8)
            for value, (_, colour) in enumerate(layer.classes[:256]):
                lut[value, :3] = colour
                lut[value, 3] = 0 if value == 0 else 140
            self.lut = lut
            # each element's edge in its colour darkened: a near-white class (cloud) tinted
            # over pale plaster could not be seen at all
            self.edge_lut = lut.copy()
            self.edge_lut[:, :3] = (lut[:, :3].astype(np.uint16) * LABEL_EDGE_SHADE // 100).astype(np.uint8)
            self.edge_lut[1:, 3] = 230
        else:
            self.lut = self.edge_lut = None

    def _rgba(self, data: np.ndarray, outline: bool = False) -> np.ndarray:
        """Colour overlay of a tile; ``outline`` draws only a line just outside the mask, so
        what it covers stays visible — a restoration proposal under the mask, or the pixels of a
        3-px flake a reviewer must judge."""
        if self.lut is not None:
            data = np.ascontiguousarray(data)  # a zoomed-out level's strided view
            rgba = self.lut[data]
            kernel = np.ones((3, 3), np.uint8)
            edge = (data > 0) & ((cv2.erode(data, kernel) != data) | (cv2.dilate(data, kernel) != data))
            rgba[edge] = self.edge_lut[data[edge]]
            return rgba
        rgba = np.zeros(data.shape + (4,), np.uint8)
        rgba[..., :3] = self.layer.color
        if outline:
            inside = (data >= 128).astype(np.uint8)
            ring = cv2.dilate(inside, np.ones((3, 3), np.uint8)) & (1 - inside)
            rgba[..., 3] = ring * 230
        else:
            rgba[..., 3] = (data.astype(np.uint16) * 150 // 255).astype(np.uint8)
        return rgba

    @property
    def outlined(self) -> bool:
        # while reviewing, detections are judged by the pixels under them
        return self.lut is None and (self.canvas.mask_outlines or self.canvas.tool == "review")

    @property
    def _bordered(self) -> bool:
        """Whether a tile's lines need the pixels just beyond it (outlines, element edges)."""
        return self.outlined or self.lut is not None

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.canvas.show_masks:  # comparing before and after: the image alone
            return
        doc = self.canvas.doc
        scale = self._scale(painter)
        level = doc.pyramid().best_level(scale)
        painter.setOpacity(self.layer.opacity)
        for tx, ty, x, y, w, h in _visible_tiles(option.exposedRect, level, doc.width, doc.height):
            key = ("mask", self.layer.uid, level, tx, ty, self.outlined)
            image = self.canvas.cache.get(key)
            if image is None:
                s = 2 ** level
                if self._bordered:  # with a pixel of the tiles around: the line outside a flake at the edge
                    top, left = min(y, 1), min(x, 1)
                    data = self.layer.data[(y - top) * s:(y + h + 1) * s:s, (x - left) * s:(x + w + 1) * s:s]
                else:
                    top = left = 0
                    data = self.layer.data[y * s:(y + h) * s:s, x * s:(x + w) * s:s]
                if not data.any():
                    image = QImage()  # empty tile: cached as null, drawn as nothing
                else:
                    rgba = self._rgba(data, self.outlined)[top:top + h, left:left + w]
                    image = qimage2ndarray.array2qimage(np.ascontiguousarray(rgba), normalize=False)
                self.canvas.cache.put(key, image)
            if not image.isNull():
                s = 2 ** level
                painter.drawImage(QRectF(x * s, y * s, w * s, h * s), image)


class RestorationItem(QGraphicsItem):
    """A restoration layer's patches, drawn where their mask is set. In compare modes it is
    clipped to the left of the split divider, hidden (showing the original), or replaced by
    the amplified difference to the original."""

    def __init__(self, canvas: "Canvas", layer: RestorationLayer):
        super().__init__()
        self.canvas = canvas
        self.layer = layer
        self.setZValue(1)
        self._images, self._differences = None, None

    @property
    def images(self):
        """The patches' images, made at the first paint (a canvas that never shows
        restorations — the side-by-side original — never makes them)."""
        if self._images is None:
            self._images = [(patch.bbox, patch.take_display(patch_image)) for patch in self.layer.patches]
        return self._images

    def differences(self):
        """|restored − original| per patch (max over channels, ×4, in red), made on first use."""
        if self._differences is None:
            self._differences = []
            for patch in self.layer.patches:
                x, y, w, h = patch.bbox
                original = to_rgb8(self.canvas.doc.source.read_region(x, y, w, h)).astype(np.int16)
                restored = to_rgb8(patch.pixels).astype(np.int16)
                diff = np.abs(restored - original).max(axis=2) * patch.mask
                rgba = np.zeros((h, w, 4), np.uint8)
                rgba[..., 0] = np.clip(diff * 4, 0, 255)
                rgba[..., 1] = np.clip(diff * 4 - 255, 0, 255)
                rgba[..., 3] = np.where(patch.mask, 255, 0)
                self._differences.append((patch.bbox, qimage2ndarray.array2qimage(rgba, normalize=False)))
        return self._differences

    def boundingRect(self) -> QRectF:
        x, y, w, h = self.layer.bbox
        return QRectF(x, y, w, h)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        canvas = self.canvas
        if not canvas.show_restorations:
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, painter.worldTransform().m11() < 1)
        images = self.images
        if canvas.compare == "split":
            # the item's own box left of the divider: a clip rectangle reaching far outside it
            # overflows Qt's device coordinates once zoomed in, and then clips everything away
            bx, by, bw, bh = self.layer.bbox
            width = min(canvas.split_scene_x() - bx, bw)
            if width <= 0:
                return
            painter.setClipRect(QRectF(bx, by, width, bh))
        elif canvas.compare == "difference":
            images = self.differences()
        for (x, y, w, h), image in images:
            painter.drawImage(QRectF(x, y, w, h), image)


class _TileBridge(QObject):
    """Carries loaded tiles from worker threads to the GUI thread (queued signal)."""

    loaded = Signal(object, object, object)  # document, key, QImage or None
    failed = Signal(object, object)  # document, the error (a damaged or truncated file)


class _TileLoader(QRunnable):
    def __init__(self, canvas: "Canvas", doc, key, args):
        super().__init__()
        self.bridge, self.load, self.doc, self.key, self.args = canvas._bridge, canvas._load_tile, doc, key, args

    def run(self) -> None:
        try:
            image = self.load(self.doc, *self.args)
        except Exception as exc:  # noqa: BLE001 - a damaged tile shows as a placeholder, logged
            logging.getLogger(__name__).exception("tile %s could not be read", self.key)
            self.bridge.failed.emit(self.doc, exc)
            image = None
        self.bridge.loaded.emit(self.doc, self.key, image)


class Canvas(QGraphicsView):
    """Zoom 1 %–3200 % around the cursor (wheel, Ctrl +/−), fit, 100 %; pan with the middle
    button, Space+drag or the Navigate tool; pixel grid from 800 %. Tools: "brush" and
    "eraser" emit strokes in image coordinates; "polygon" collects clicks, finished by a
    double-click or Enter; "click" emits positive (left) and negative (right or Alt+left)
    segmentation clicks, Backspace / Enter / Shift+Enter / Esc for undo-click / add / subtract /
    discard, and shows click markers and the preview region. "review": a left (right) click
    accepts (rejects) the proposed region under it; a drag draws a lasso that decides every
    region it reaches into at once."""

    cursor_moved = Signal(int, int)
    unreadable = Signal(object)  # the first error reading the document's pixels (once per document)
    zoom_changed = Signal(float)
    view_changed = Signal()
    stroke_started = Signal(float, float)
    stroke_moved = Signal(float, float)
    stroke_finished = Signal()
    polygon_finished = Signal(list)
    scale_line_drawn = Signal(float, float, float, float)  # a line over a known length (scale tool)
    click_added = Signal(float, float, bool)
    review_clicked = Signal(float, float, bool)  # x, y, accept (left) or reject (right)
    review_lassoed = Signal(list, bool)  # lasso [(x, y)] in image px, accept (left drag) or reject (right)
    review_stepped = Signal(int)  # show the next (1, period) or previous (-1, comma) proposed region
    review_decided = Signal(bool)  # accept (Enter) or reject (Backspace) the region shown
    click_removed = Signal()
    click_committed = Signal(bool)  # True = subtract from the mask
    click_discarded = Signal()

    def __init__(self, parent=None, cache_bytes: int = 256 << 20):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setMouseTracking(True)
        self.setBackgroundBrush(QColor(48, 48, 48))
        self.cache = TileCache(cache_bytes)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._pending: set = set()
        self._bridge = _TileBridge(self)
        self._bridge.loaded.connect(self._tile_loaded)
        self._bridge.failed.connect(self._tile_failed)
        self._unreadable_reported = None
        self.synchronous_tiles = False
        self.doc: Document | None = None
        self.levels = 1
        self.image_item: ImageTilesItem | None = None
        self.mask_items: dict[str, MaskTilesItem] = {}
        self.restoration_items: dict[str, RestorationItem] = {}
        self.tool = "navigate"
        self.polygon: list[tuple[float, float]] = []
        self.click_markers: list[tuple[float, float, bool]] = []
        self.click_preview: QGraphicsPixmapItem | None = None
        self._stroking = False
        self._review_press: tuple[QPointF, bool] | None = None  # where a review click or lasso began
        self.highlight: tuple[int, int, int, int] | None = None  # a framed image rectangle (x, y, w, h)
        self._panning: QPointF | None = None
        self._space = False
        self.compare = "off"  # off, split, difference
        self.show_restorations = True
        self.mask_outlines = False  # masks drawn as outlines while a proposal is shown
        self.show_masks = True  # mask and label overlays drawn (not while comparing)
        self.corner_label = ""  # side by side: which view is which
        self.drawn_labels: list[str] = []
        self.split_fraction = 0.5
        self._dragging_split = False
        self.set_tool("navigate")
        self.horizontalScrollBar().valueChanged.connect(self.view_changed)
        self.verticalScrollBar().valueChanged.connect(self.view_changed)

    # document ------------------------------------------------------------------------------
    def set_document(self, doc: Document) -> None:
        self.click_markers = []
        self.highlight = None
        self.click_preview = None  # the scene is cleared below
        self._pool.clear()
        self._pending.clear()
        self.scene().clear()
        self.cache.clear()
        self.mask_items.clear()
        self.restoration_items.clear()
        self.doc = doc
        self.levels = doc.pyramid().levels
        self.image_item = ImageTilesItem(self)
        self.scene().addItem(self.image_item)
        self.scene().setSceneRect(0, 0, doc.width, doc.height)
        self.sync_layers()

    def sync_layers(self) -> None:
        """Create, drop and restack overlay items to match the document's layers."""
        present = set()
        for z, layer in enumerate(self.doc.layers):
            present.add(layer.uid)
            if isinstance(layer, (MaskLayer, LabelLayer)):
                item = self.mask_items.get(layer.uid)
                if item is None:
                    item = self.mask_items[layer.uid] = MaskTilesItem(self, layer)
                    self.scene().addItem(item)
                item.setZValue(2 + z)
                item.setVisible(layer.visible)
                item.update()
            elif isinstance(layer, RestorationLayer):
                item = self.restoration_items.get(layer.uid)
                if item is None:
                    item = self.restoration_items[layer.uid] = RestorationItem(self, layer)
                    self.scene().addItem(item)
                item.setZValue(1 + z / 1000)
                item.setVisible(layer.visible)
        for items in (self.mask_items, self.restoration_items):
            for uid in [u for u in items if u not in present]:
                self.scene().removeItem(items.pop(uid))
                self.cache.drop(lambda key, uid=uid: key[0] == "mask" and key[1] == uid)
        outlines = self.show_restorations and any(
            isinstance(l, RestorationLayer) and l.pending and l.visible for l in self.doc.layers)
        if outlines != self.mask_outlines:
            self.mask_outlines = outlines
            for item in self.mask_items.values():
                item.update()

    def layer_style_changed(self, layer) -> None:
        """A mask colour or the label classes changed: re-colour its overlay tiles."""
        item = self.mask_items.get(layer.uid)
        if item is not None:
            item.restyle()
            self.cache.drop(lambda key, uid=layer.uid: key[0] == "mask" and key[1] == uid)
            item.update()

    def layer_pixels_changed(self, layer, bbox) -> None:
        """Forget the overlay tiles a stroke touched and repaint just that rectangle (one image
        pixel wider all round: an outlined mask draws its line outside the changed pixels,
        maybe in the next tile)."""
        y0, y1, x0, x1 = bbox
        y0, x0, y1, x1 = y0 - 1, x0 - 1, y1 + 1, x1 + 1

        def touched(key) -> bool:
            if key[0] != "mask" or key[1] != layer.uid:
                return False
            span = TILE * 2 ** key[2]
            tx, ty = key[3], key[4]
            return tx * span < x1 and (tx + 1) * span > x0 and ty * span < y1 and (ty + 1) * span > y0

        self.cache.drop(touched)
        item = self.mask_items.get(layer.uid)
        if item:
            item.update(QRectF(x0, y0, x1 - x0, y1 - y0))

    def level_available(self, level: int) -> bool:
        return level <= 2 or self.doc.pyramid().level_path(level).exists() \
            or getattr(self.doc.source, "_pixels", None) is not None

    def image_tile(self, level: int, tx: int, ty: int, x: int, y: int, w: int, h: int) -> QImage | None:
        """The display tile if cached; otherwise it is requested from a worker thread (the
        canvas repaints when it arrives) and None is returned."""
        key = ("image", level, tx, ty)
        image = self.cache.get(key)
        if image is not None or not self.level_available(level):
            return image
        if self.synchronous_tiles:
            image = self._load_tile(self.doc, level, x, y, w, h)
            self.cache.put(key, image)
            return image
        if key not in self._pending:
            self._pending.add(key)
            self._pool.start(_TileLoader(self, self.doc, key, (level, x, y, w, h)))
        return None

    def _tile_failed(self, doc, error) -> None:
        if doc is self.doc and self._unreadable_reported is not doc:
            self._unreadable_reported = doc  # once: a damaged file fails every tile it shows
            self.unreadable.emit(error)

    def _tile_loaded(self, doc, key, image) -> None:
        self._pending.discard(key)
        if doc is not self.doc or image is None or key[0] != "image":
            return  # other keys (the navigator's overview) are their requester's
        self.cache.put(key, image)
        span = TILE * 2 ** key[1]
        self.scene().update(QRectF(key[2] * span, key[3] * span, span, span))

    def wait_for_tiles(self, timeout_ms: int = 5000) -> bool:
        """Process events until every requested tile has arrived (tests, benchmarks)."""
        from PySide6.QtCore import QCoreApplication, QElapsedTimer

        clock = QElapsedTimer()
        clock.start()
        while self._pending and clock.elapsed() < timeout_ms:
            self._pool.waitForDone(10)
            QCoreApplication.processEvents()
        return not self._pending

    def request_region(self, key, level: int, x: int, y: int, w: int, h: int) -> None:
        """Load a region on the tile pool; it arrives on ``tile_arrived`` with ``key``."""
        self._pool.start(_TileLoader(self, self.doc, key, (level, x, y, w, h)))

    @property
    def tile_arrived(self):
        return self._bridge.loaded

    def _load_tile(self, doc, level: int, x: int, y: int, w: int, h: int) -> QImage:
        """Read (any thread) the display tile from the source, the pyramid, or by averaging
        level 0 when that pyramid level is not built yet."""
        pixels = doc.pyramid().read_region(x, y, w, h, level, compute_missing=True)
        return qimage2ndarray.array2qimage(to_rgb8(pixels))

    def shutdown(self) -> None:
        self._pool.clear()
        self._pool.waitForDone(5000)

    def pyramid_level_ready(self) -> None:
        self.cache.drop(lambda key: key[0] == "image" and key[1] > 0)
        self.viewport().update()

    # zoom ------------------------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        factor = zoom / self.zoom
        if anchor is None:
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.scale(factor, factor)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.zoom_changed.emit(self.zoom)
        self.view_changed.emit()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * 1.25)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / 1.25)

    def fit(self) -> None:
        if self.doc:
            self.fitInView(QRectF(0, 0, self.doc.width, self.doc.height), Qt.AspectRatioMode.KeepAspectRatio)
            if self.zoom < MIN_ZOOM:
                self.set_zoom(MIN_ZOOM)
            self.zoom_changed.emit(self.zoom)
            self.view_changed.emit()

    def show_rect(self, x: int, y: int, w: int, h: int, margin: float = 0.25) -> None:
        """Zoom and scroll so the image rectangle fills the view with a margin around it."""
        pad = margin * max(w, h)
        self.fitInView(QRectF(x - pad, y - pad, w + 2 * pad, h + 2 * pad), Qt.AspectRatioMode.KeepAspectRatio)
        if not MIN_ZOOM <= self.zoom <= MAX_ZOOM:
            self.set_zoom(self.zoom)
        self.zoom_changed.emit(self.zoom)
        self.view_changed.emit()

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def visible_image_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def wheelEvent(self, event) -> None:
        factor = 1.25 if event.angleDelta().y() > 0 else 0.8
        self.set_zoom(self.zoom * factor, anchor=event.position())

    # compare -----------------------------------------------------------------------------------
    def set_compare(self, mode: str) -> None:
        """"off", "split" (restored left of a draggable divider, original right) or
        "difference" (changed pixels bright on a darkened image)."""
        if mode not in ("off", "split", "difference"):
            raise ValueError(f"unknown compare mode {mode!r}")
        self.compare = mode
        self.show_masks = mode == "off"
        self.viewport().update()

    def set_show_restorations(self, show: bool) -> None:
        self.show_restorations = show
        self.viewport().update()

    def split_scene_x(self) -> float:
        return self.mapToScene(int(self.viewport().width() * self.split_fraction), 0).x()

    def _near_divider(self, event) -> bool:
        return self.compare == "split" and \
            abs(event.position().x() - self.viewport().width() * self.split_fraction) < 8

    # tools -----------------------------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        outlines_changed = (tool == "review") != (self.tool == "review")
        self.tool = tool
        if outlines_changed:  # masks are outlined while reviewing
            for item in self.mask_items.values():
                item.update()
        self.polygon = []
        self._review_press = None  # a tool change (a walk key while the button is down) ends a lasso
        if tool != "review":  # the frame of the region under review goes with the tool
            self.highlight = None
            self.viewport().update()
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag if tool == "navigate"
                         else QGraphicsView.DragMode.NoDrag)
        self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if tool == "navigate"
                                  else Qt.CursorShape.CrossCursor)

    def _image_pos(self, event) -> tuple[float, float]:
        pos = self.mapToScene(event.position().toPoint())
        return pos.x(), pos.y()

    def _start_pan(self, event) -> None:
        self._panning = event.position()
        self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)

    def mousePressEvent(self, event) -> None:
        button = event.button()
        if button == Qt.MouseButton.LeftButton and self._near_divider(event):
            self._dragging_split = True
            return
        if button == Qt.MouseButton.MiddleButton or (self._space and button == Qt.MouseButton.LeftButton):
            self._start_pan(event)
            return
        if button == Qt.MouseButton.LeftButton and self.tool in ("brush", "eraser"):
            self._stroking = True
            self.stroke_started.emit(*self._image_pos(event))
            return
        if self.tool == "click" and button in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            negative = button == Qt.MouseButton.RightButton or \
                bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
            self.click_added.emit(*self._image_pos(event), not negative)
            return
        if self.tool == "review" and button in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            # a click or the start of a lasso: told apart on release by how far the mouse went
            self._review_press = (event.position(), button == Qt.MouseButton.LeftButton)
            self.polygon = [self._image_pos(event)]
            return
        if button == Qt.MouseButton.LeftButton and self.tool in ("polygon", "scale"):
            self.polygon.append(self._image_pos(event))
            self.viewport().update()
            if self.tool == "scale" and len(self.polygon) == 2:  # the second click ends the line
                (x0, y0), (x1, y1) = self.polygon
                self.polygon = []
                self.scale_line_drawn.emit(x0, y0, x1, y1)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._dragging_split:
            width = max(1, self.viewport().width())
            self.split_fraction = min(1.0, max(0.0, event.position().x() / width))
            self.viewport().update()
            return
        if self._panning is not None:
            delta = event.position() - self._panning
            self._panning = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            return
        super().mouseMoveEvent(event)
        x, y = self._image_pos(event)
        self.cursor_moved.emit(math.floor(x), math.floor(y))
        if self._review_press is not None and self._is_lasso(event.position()):
            self.polygon.append((x, y))
            self.viewport().update()
        if self._stroking:
            self.stroke_moved.emit(x, y)

    def mouseReleaseEvent(self, event) -> None:
        if self._dragging_split:
            self._dragging_split = False
            return
        if self._panning is not None:
            self._panning = None
            self.set_tool(self.tool)
            return
        if self._stroking and event.button() == Qt.MouseButton.LeftButton:
            self._stroking = False
            self.stroke_finished.emit()
            return
        if self._review_press is not None:
            dragged, accept = self._is_lasso(event.position()), self._review_press[1]
            points, self.polygon, self._review_press = self.polygon, [], None
            self.viewport().update()
            if len(points) >= 3:
                self.review_lassoed.emit(points, accept)
            elif points and not dragged:
                self.review_clicked.emit(*points[0], accept)
            return
        super().mouseReleaseEvent(event)

    def _is_lasso(self, position: QPointF) -> bool:
        """A review press that moved more than a few screen pixels draws a lasso, not a click."""
        start = self._review_press[0] if self._review_press else position
        return (position - start).manhattanLength() > 6

    def mouseDoubleClickEvent(self, event) -> None:
        if self.tool == "polygon":
            self._finish_polygon()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
        elif key == Qt.Key.Key_Backslash and not event.isAutoRepeat():
            self.set_show_restorations(False)  # hold \ to see the original
        elif self.tool == "click" and key == Qt.Key.Key_Backspace:
            self.click_removed.emit()
        elif self.tool == "click" and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.click_committed.emit(bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        elif self.tool == "click" and key == Qt.Key.Key_Escape:
            self.click_discarded.emit()
        elif self.tool == "review" and key in (Qt.Key.Key_Period, Qt.Key.Key_Comma):
            self.review_stepped.emit(1 if key == Qt.Key.Key_Period else -1)
        elif self.tool == "review" and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Backspace,
                                                 Qt.Key.Key_Delete):
            if not event.isAutoRepeat():  # a held key must not decide region after region
                self.review_decided.emit(key in (Qt.Key.Key_Return, Qt.Key.Key_Enter))
        elif self.tool == "polygon" and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._finish_polygon()
        elif self.tool == "polygon" and key == Qt.Key.Key_Escape:
            self.polygon = []
            self.viewport().update()
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
        elif event.key() == Qt.Key.Key_Backslash and not event.isAutoRepeat():
            self.set_show_restorations(True)
        super().keyReleaseEvent(event)

    def contextMenuEvent(self, event) -> None:
        if self.tool not in ("click", "review"):  # the right button is a negative click / a rejection there
            super().contextMenuEvent(event)

    def set_click_state(self, markers, preview=None) -> None:
        """Markers [(x, y, positive)] and the preview (x, y, bool mask) or None."""
        self.click_markers = list(markers)
        if self.click_preview is not None:
            self.scene().removeItem(self.click_preview)
            self.click_preview = None
        if preview is not None:
            x, y, mask = preview
            rgba = np.zeros(mask.shape + (4,), np.uint8)
            rgba[mask] = (60, 255, 120, 130)
            edge = mask & ~np.pad(mask, 1, mode="edge")[2:, 1:-1] | mask & ~np.pad(mask, 1, mode="edge")[1:-1, 2:]
            rgba[edge] = (20, 120, 40, 255)
            item = QGraphicsPixmapItem(QPixmap.fromImage(qimage2ndarray.array2qimage(rgba, normalize=False)))
            item.setPos(x, y)
            item.setZValue(50)
            self.scene().addItem(item)
            self.click_preview = item
        self.viewport().update()

    def set_highlight(self, box) -> None:
        """Frame the image rectangle ``box`` (x, y, w, h), or nothing (None)."""
        self.highlight = tuple(box) if box is not None else None
        self.viewport().update()

    def _finish_polygon(self) -> None:
        points, self.polygon = self.polygon, []
        self.viewport().update()
        if len(points) >= 3:
            self.polygon_finished.emit(points)

    # foreground: pixel grid and the polygon being drawn ---------------------------------------
    def _draw_label(self, painter: QPainter, text: str, x: float, right_aligned: bool = False) -> None:
        """A caption at the top of the viewport (screen coordinates), white on a dark box."""
        painter.save()
        painter.resetTransform()
        metrics = painter.fontMetrics()
        width, height = metrics.horizontalAdvance(text) + 12, metrics.height() + 6
        box = QRectF(x - width if right_aligned else x, 8, width, height)
        painter.fillRect(box, QColor(0, 0, 0, 150))
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()
        self.drawn_labels.append(text)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        self.drawn_labels = []
        if self.zoom >= GRID_ZOOM and self.doc:
            pen = QPen(QColor(0, 0, 0, 70))
            pen.setCosmetic(True)
            painter.setPen(pen)
            x0, x1 = max(0, math.floor(rect.left())), min(self.doc.width, math.ceil(rect.right()))
            y0, y1 = max(0, math.floor(rect.top())), min(self.doc.height, math.ceil(rect.bottom()))
            for x in range(x0, x1 + 1):
                painter.drawLine(QPointF(x, y0), QPointF(x, y1))
            for y in range(y0, y1 + 1):
                painter.drawLine(QPointF(x0, y), QPointF(x1, y))
        if self.compare == "split":
            pen = QPen(QColor(255, 255, 255))
            pen.setCosmetic(True)
            pen.setWidth(2)
            painter.setPen(pen)
            x = self.split_scene_x()
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            divider = self.viewport().width() * self.split_fraction
            self._draw_label(painter, self.tr("restored"), divider - 8, right_aligned=True)
            self._draw_label(painter, self.tr("original"), divider + 8)
        if self.corner_label:
            self._draw_label(painter, self.corner_label, 8)
        if self.click_markers:
            radius = 6 / max(self.zoom, 1e-6)  # constant size on screen
            for x, y, positive in self.click_markers:
                pen = QPen(QColor(255, 255, 255))
                pen.setCosmetic(True)
                pen.setWidth(2)
                painter.setPen(pen)
                painter.setBrush(QColor(40, 200, 70) if positive else QColor(230, 50, 50))
                painter.drawEllipse(QPointF(x, y), radius, radius)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.highlight is not None and self.doc:
            x, y, w, h = self.highlight
            pad = 3 / max(self.zoom, 1e-6)  # a few screen pixels outside the region
            for colour, style in ((QColor(0, 0, 0), Qt.PenStyle.SolidLine), (QColor(255, 255, 255), Qt.PenStyle.DashLine)):
                pen = QPen(colour)
                pen.setCosmetic(True)
                pen.setWidth(2)
                pen.setStyle(style)
                painter.setPen(pen)
                painter.drawRect(QRectF(x - pad, y - pad, w + 2 * pad, h + 2 * pad))
        if self.polygon:
            pen = QPen(QColor(255, 220, 0))
            pen.setCosmetic(True)
            pen.setWidth(2)
            painter.setPen(pen)
            points = [QPointF(x, y) for x, y in self.polygon]
            painter.drawPolyline(points)
