"""Elements dock: label a mural with a labeler (job runner), browse its elements as a gallery
(grouped and filtered by class, sorted by area or position, counts per class), zoom to one,
rename / reclassify / delete elements (undoable), export them, and "find similar" in this
mural or in a folder of murals.

Elements are the connected regions of a label layer (``core.elements``); they are recomputed
whenever the layer changes, so brush edits and the Labels dock show up here too."""

from __future__ import annotations

import html
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
)

from muralstudio.core.errors import os_error_text
from muralstudio.core.messages import Text
from muralstudio.core import elements as core_elements
from muralstudio.core.document import LabelLayer
from muralstudio.core.imageio import to_rgb8
from muralstudio.core.pyramid import FileSource
from muralstudio.engines import labeling, registry
from muralstudio.gui.job_panel import JobPanel
from muralstudio.gui.labels_dock import chosen_label_layer, fill_label_layer_choice
from muralstudio.gui.class_names import class_label, element_label
from muralstudio.gui.swatches import swatch_html
from muralstudio.gui.jobs import Job

THUMB = 96
SORTS = ("area", "position")


def thumbnail(pixels: np.ndarray, region: np.ndarray | None = None, side: int = THUMB) -> QIcon:
    """A square icon of an RGB crop, the element's region outlined."""
    rgb = np.ascontiguousarray(to_rgb8(pixels)[..., :3])
    scale = side / max(rgb.shape[:2])
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    if region is not None:
        small = cv2.resize(region.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
        contours, _ = cv2.findContours(small, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        rgb = np.ascontiguousarray(rgb)
        cv2.drawContours(rgb, contours, -1, (255, 230, 0), 1)
    canvas = np.full((side, side, 3), 40, np.uint8)
    y, x = (side - rgb.shape[0]) // 2, (side - rgb.shape[1]) // 2
    canvas[y:y + rgb.shape[0], x:x + rgb.shape[1]] = rgb
    image = QImage(canvas.data, side, side, 3 * side, QImage.Format.Format_RGB888).copy()
    return QIcon(QPixmap.fromImage(image))


def _gallery() -> QListWidget:
    gallery = QListWidget()
    gallery.setViewMode(QListView.ViewMode.IconMode)
    gallery.setIconSize(QSize(THUMB, THUMB))
    gallery.setResizeMode(QListView.ResizeMode.Adjust)
    gallery.setMovement(QListView.Movement.Static)
    gallery.setSpacing(4)
    gallery.setWordWrap(True)
    gallery.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
    gallery.setMinimumHeight(2 * (THUMB + 32))  # two rows of thumbnails with their names
    return gallery


def _thumbnail_step(element) -> int:
    """Huge elements are read every n-th pixel only."""
    return max(1, max(element.bbox[2], element.bbox[3]) // (4 * THUMB))


def _same_path(a, b) -> bool:
    """Whether two paths name one file (False when either is missing)."""
    try:
        return bool(a) and bool(b) and Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def _thumbnail_pixels(read_region, element) -> np.ndarray:
    step = _thumbnail_step(element)
    return np.asarray(read_region(*element.bbox))[::step, ::step]


class ElementsDock(JobPanel):
    #: label layers larger than this are searched for elements on the job runner
    BACKGROUND_PIXELS = 16_000_000
    #: how many of the most similar elements the ranking gallery shows
    SIMILAR_SHOWN = 50

    def __init__(self, context):
        super().__init__(context)
        self.device = "cpu"
        self.compute_server = ""  # a Dask scheduler address from Settings → Compute, or local
        self._cache = None  # (layer state key, elements)
        self._icons: dict = {}  # thumbnail cache, see _icon
        self._finding = None  # the state key being searched on the job runner
        self._amending = False  # storing the numbers of elements an edit made (refreshes wait)
        self.similar: list[tuple[float, core_elements.Element]] = []
        self.engine = QComboBox()
        for name in registry.available("labeler"):
            self.engine.addItem(name, (name, None))
        self.run_button = QPushButton(self.tr("Label elements"))
        self.layer_choice = QComboBox()
        self.min_area = QSpinBox()
        self.min_area.setRange(1, 10_000_000)
        self.min_area.setValue(core_elements.ELEMENT_MIN_AREA)
        self.min_area.setSuffix(self.tr(" px"))
        self.class_filter = QComboBox()
        self.sort = QComboBox()
        self.sort.addItem(self.tr("largest first"), "area")
        self.sort.addItem(self.tr("by class, largest first"), "class")
        self.sort.addItem(self.tr("top to bottom"), "position")
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.result: labeling.LabelResult | None = None  # the last labelling, for probabilities
        self.result_doc = None
        self.probability_class = QComboBox()
        self.probability_button = QPushButton(self.tr("Show probability as a layer"))
        self.gallery = _gallery()
        self.rename_button = QPushButton(self.tr("Rename…"))
        self.reclassify_button = QPushButton(self.tr("Reclassify…"))
        self.delete_button = QPushButton(self.tr("Delete"))
        self.export_button = QPushButton(self.tr("Export selected…"))
        self.similar_here_button = QPushButton(self.tr("Find similar here"))
        self.similar_folder_button = QPushButton(self.tr("Find similar in folder…"))
        self.similar_title = QLabel()
        self.similar_gallery = _gallery()
        self.similar_gallery.setMaximumHeight(THUMB + 48)
        form = QFormLayout()
        run_row = QHBoxLayout()
        run_row.addWidget(self.engine, 1)
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        form.addRow(self.tr("Labeler"), run_row)
        form.addRow(self.tr("Label layer"), self.layer_choice)
        probability_row = QHBoxLayout()
        probability_row.addWidget(self.probability_class, 1)
        probability_row.addWidget(self.probability_button)
        form.addRow(self.tr("Probability"), probability_row)
        form.addRow(self.tr("Minimum area"), self.min_area)
        view_row = QHBoxLayout()
        view_row.addWidget(self.class_filter, 1)
        view_row.addWidget(self.sort, 1)
        form.addRow(self.tr("Show"), view_row)
        edit_row = QHBoxLayout()
        for button in (self.rename_button, self.reclassify_button, self.delete_button):
            edit_row.addWidget(button)
        find_row = QHBoxLayout()
        find_row.addWidget(self.similar_here_button)
        find_row.addWidget(self.similar_folder_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.stage)
        layout.addWidget(self.legend)
        layout.addWidget(self.counts)
        layout.addWidget(self.gallery, 1)
        layout.addLayout(edit_row)
        layout.addWidget(self.export_button)
        layout.addLayout(find_row)
        layout.addWidget(self.similar_title)
        layout.addWidget(self.similar_gallery)
        self.run_button.clicked.connect(self.run)
        self.probability_button.clicked.connect(lambda: self.show_probability())
        self.layer_choice.currentIndexChanged.connect(lambda _: self.refresh_gallery())
        self.min_area.valueChanged.connect(lambda _: self.refresh_gallery())
        self.class_filter.currentIndexChanged.connect(lambda _: self.refresh_gallery())
        self.sort.currentIndexChanged.connect(lambda _: self.refresh_gallery())
        self.gallery.itemDoubleClicked.connect(lambda item: self.zoom_to(item.data(Qt.ItemDataRole.UserRole)))
        self.gallery.itemSelectionChanged.connect(self.refresh)
        self.similar_gallery.itemDoubleClicked.connect(self._zoom_similar)
        self.rename_button.clicked.connect(lambda: self.rename())
        self.reclassify_button.clicked.connect(lambda: self.reclassify())
        self.delete_button.clicked.connect(lambda: self.delete())
        self.export_button.clicked.connect(lambda: self.export_selected())
        self.similar_here_button.clicked.connect(lambda: self.find_similar())
        self.similar_folder_button.clicked.connect(lambda: self.find_similar_in_folder())
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(300)
        self._refresh_timer.timeout.connect(self.refresh_gallery)
        self.refresh_layers()

    def add_weights(self, path) -> None:
        """Offer PSP-M weights trained in this session (Labels dock → Train) and choose them."""
        self.engine.addItem(f"pspm — {Path(path).name}", ("pspm", str(path)))
        self.engine.setCurrentIndex(self.engine.count() - 1)

    def _create_labeler(self):
        """The chosen engine's name, its settings (the user's own weights) and a factory to be
        called on the worker thread; a server job sends the same settings."""
        (name, weights), device = self.engine.currentData(), self.device
        params = {"weights_path": str(weights)} if weights else {}
        return name, params, lambda: labeling.create(name, device=device, **params)

    # window hooks (gui/dock_registry.py) ----------------------------------------------------
    def on_layers_changed(self) -> None:
        self.refresh_layers()

    def on_layer_pixels(self, layer) -> None:
        if layer.kind == "labels":
            self.schedule_refresh()

    def apply_settings(self, settings) -> None:
        self.device = settings.get("device")
        self.compute_server = settings.get("compute_server")

    def schedule_refresh(self) -> None:
        """Refresh the gallery once a burst of pixel edits (a brush stroke) has ended."""
        self._refresh_timer.start()

    @property
    def doc(self):
        return self.context.doc

    # state -------------------------------------------------------------------------------
    def layer(self) -> LabelLayer | None:
        return chosen_label_layer(self.layer_choice, self.doc)

    def elements(self) -> list[core_elements.Element]:
        """Elements of the chosen label layer, recomputed only after the document changed."""
        layer = self.layer()
        if layer is None:
            return []
        key = (layer.uid, self.doc.history.state(), self.min_area.value())
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        args = (layer.classes, self.min_area.value(), dict(layer.element_names))
        if layer.data.size <= self.BACKGROUND_PIXELS:
            self._cache = (key, core_elements.find_elements(layer.data, args[0], min_area=args[1], names=args[2]))
            return self._cache[1]
        # a huge layer: find its elements on the job runner, keep showing the last ones meanwhile
        if self._finding != key:
            self._finding = key
            labels = layer.data.copy()  # edits during the search must not change what it reads

            def done(found, key=key):
                self._cache = (key, found)
                self._finding = None
                self.refresh_gallery()

            self.runner.submit(Job(self.tr("Find elements"), lambda progress, cancelled: core_elements.find_elements(
                labels, args[0], min_area=args[1], names=args[2]), done))
        return self._cache[1] if self._cache and self._cache[0][0] == layer.uid else []

    def _keep_numbers(self, layer, elements) -> bool:
        """Store the number of every listed element an edit made (a split piece, a figure
        painted in, an element reclassified) with that edit — part of its undo step — so that
        later edits cannot renumber it (a fresh archaeologist's numbers moved after every edit).
        Only for elements of the document as it is now (a huge layer's search may lag)."""
        history = self.doc.history
        # after an edit only: not on merely opening a project (nothing to undo: viewing would
        # make it unsaved), not during or after an undo (the step amended would be an older one)
        current = (layer.uid, history.state(), self.min_area.value())
        if (self._amending or history.replaying or not history.can_undo or history.can_redo
                or self._cache is None or self._cache[0] != current):
            return False
        shown = core_elements.display_names(elements, layer.classes, layer.element_names)
        names = core_elements.with_numbers(elements, layer.data, layer.classes, layer.element_names, shown)
        if names is None:
            return False
        self._amending = True  # the change tells every dock; this one refreshes once, below
        try:
            self.doc.set_property(layer, "element_names", names, amend=True)
        finally:
            self._amending = False
        for element in elements:  # as a search with the stored numbers finds them (a huge layer's
            element.name = shown[element.key]  # search would otherwise run a second time)
        self._cache = ((layer.uid, self.doc.history.state(), self.min_area.value()), elements)
        return True

    def selected(self) -> list[core_elements.Element]:
        return [item.data(Qt.ItemDataRole.UserRole) for item in self.gallery.selectedItems()]

    def refresh(self) -> None:
        running = self.job is not None
        has_doc, has_layer = self.doc is not None, self.layer() is not None
        chosen = len(self.gallery.selectedItems())
        self.run_button.setEnabled(has_doc and not running and self.engine.count() > 0)
        self.cancel_button.setEnabled(running)
        for button in (self.rename_button, self.reclassify_button, self.similar_here_button,
                       self.similar_folder_button):
            button.setEnabled(has_layer and chosen == 1 and not running)
        for button in (self.delete_button, self.export_button):
            button.setEnabled(has_layer and chosen >= 1 and not running)
        self.probability_button.setEnabled(self.result is not None and self.result_doc is self.doc)

    def refresh_layers(self) -> None:
        fill_label_layer_choice(self.layer_choice, self.doc)
        self.refresh_gallery()

    def refresh_gallery(self) -> None:
        if self._amending:  # storing the numbers of new elements: refreshed when that is done
            return
        layer = self.layer()
        chosen = {e.key for e in self.selected()}
        wanted = self.class_filter.currentData()
        self.class_filter.blockSignals(True)
        self.class_filter.clear()
        self.class_filter.addItem(self.tr("all classes"), None)
        for index, (name, _) in enumerate(layer.classes if layer else []):
            if index:
                self.class_filter.addItem(class_label(name), index)
        found = self.class_filter.findData(wanted)
        self.class_filter.setCurrentIndex(max(0, found))
        self.class_filter.blockSignals(False)
        self.gallery.clear()
        elements = self.elements()
        if layer is not None and self._keep_numbers(layer, elements):
            elements = self.elements()  # found again with the numbers now stored
        if layer is None:
            self.counts.setText(self.tr("Label the mural, or make a label layer in the Labels dock."))
            self.refresh()
            return
        self.legend.setText("&nbsp;&nbsp; ".join(
            f"{swatch_html(colour)}&nbsp;{html.escape(class_label(name))}" for name, colour in layer.classes[1:]))
        counts = core_elements.counts_per_class(elements)
        counted = self.tr("1 element: %2") if len(elements) == 1 else self.tr("%1 elements: %2")
        self.counts.setText(counted.replace("%1", str(len(elements))).replace(
            "%2", ", ".join(f"{class_label(name)} {n}" for name, n in counts.items()) or "—"))
        shown = [e for e in elements if wanted is None or e.class_index == wanted]
        if self.sort.currentData() == "position":
            shown.sort(key=lambda e: (e.bbox[1], e.bbox[0]))
        elif self.sort.currentData() == "class":  # grouped by class, largest first within a class
            shown.sort(key=lambda e: (e.class_index, -e.area))
        else:  # largest first, whatever the class (as the measurements list them)
            shown.sort(key=lambda e: -e.area)
        # as the measurements and the report name them
        names = core_elements.display_names(elements, layer.classes, layer.element_names)
        for element in shown:
            item = QListWidgetItem(self._icon(element, layer), element_label(names[element.key], element.class_name))
            item.setData(Qt.ItemDataRole.UserRole, element)
            item.setToolTip(f"{class_label(element.class_name)}, {element.area:,} px, "
                            f"x {element.bbox[0]} y {element.bbox[1]} {element.bbox[2]}×{element.bbox[3]}")
            self.gallery.addItem(item)
            item.setSelected(element.key in chosen)
        self.refresh()

    def _icon(self, element, layer) -> QIcon:
        """The element's thumbnail, made once per element and restored image state (the
        gallery is refreshed after every edit; re-reading every element's pixels is waste)."""
        key = (id(self.doc), layer.uid, element.key, element.bbox, element.area,
               len(self.doc.applied_records()))
        icon = self._icons.get(key)
        if icon is None:
            step = _thumbnail_step(element)
            pixels = _thumbnail_pixels(self.doc.composite_region, element)
            icon = thumbnail(pixels, element.region(layer.data)[::step, ::step])
            if len(self._icons) > 4000:
                self._icons.clear()
            self._icons[key] = icon
        return icon

    # labelling with an engine ------------------------------------------------------------
    def run(self) -> Job | None:
        doc = self.doc
        name, params, create = self._create_labeler()
        server, device = self.compute_server, self.device

        def work(progress, cancelled):
            if server:  # the user's own fine-tuned weights travel with the pixels
                from muralstudio.ops import remote

                payload = remote.image_job(doc.source, name, device, params)
                return remote.run_remote(server, "label", payload, progress, cancelled)
            progress(0.0, Text("stage_loading_model"))
            labeler = create()
            return labeling.label(doc.source, labeler, progress=progress, cancelled=cancelled)

        def numbered(progress, cancelled):  # the elements' numbers, given once, kept with them
            result = work(progress, cancelled)
            return result, core_elements.numbered_names(result.labels, result.classes)

        def done(labelled):
            result, names = labelled
            if self.doc is not doc:
                return
            layer = doc.new_label_layer(f"elements ({name})", result.labels, classes=result.classes,
                                        element_names=names)
            layer.opacity = 0.5
            self.result, self.result_doc = result, doc
            self.probability_class.clear()
            for index, (class_name, _) in enumerate(result.classes):
                self.probability_class.addItem(class_label(class_name), index)
            self.refresh_layers()
            self.layer_choice.setCurrentIndex(self.layer_choice.findData(layer.uid))
            self.stage.setText(self.tr("labelled in %1 s: review the elements below")
                               .replace("%1", f"{result.seconds:.1f}"))

        return self.submit(Job(self.tr("Label elements (%1)").replace("%1", name), numbered, done))

    def show_probability(self, index: int | None = None):
        """The last labelling's probability of one class as a mask layer (0–255 = 0–1), to see
        where the labeler is unsure."""
        if self.result is None or self.result_doc is not self.doc:
            return None
        index = self.probability_class.currentData() if index is None else index
        name = self.result.classes[index][0]
        return self.doc.new_mask_layer(f"P({name})", self.result.probability(index), purpose="probability")

    # browsing and editing ----------------------------------------------------------------
    def zoom_to(self, element) -> None:
        self.context.show_rect(*element.bbox)

    def _zoom_similar(self, item) -> None:
        element = item.data(Qt.ItemDataRole.UserRole)
        if not element.source:
            self.zoom_to(element)
            return
        x, y, _, _ = element.bbox
        self.stage.setText(self.tr("This element is in %1, at x %2, y %3: open that mural to see it.")
                           .replace("%1", element.source).replace("%2", str(x)).replace("%3", str(y)))

    def rename(self, name: str | None = None) -> None:
        (element,), layer = self.selected(), self.layer()
        if name is None:
            name, ok = QInputDialog.getText(self, self.tr("Rename element"), self.tr("Name:"),
                                            text=element.name)
            if not ok:
                return
        names = core_elements.renamed(layer.element_names, element, layer.data, name)
        self.doc.set_property(layer, "element_names", names)
        self.refresh_gallery()

    def reclassify(self, class_index: int | None = None) -> None:
        (element,), layer = self.selected(), self.layer()
        if class_index is None:
            shown = [class_label(n) for n, _ in layer.classes]  # in the window's language
            name, ok = QInputDialog.getItem(self, self.tr("Reclassify element"), self.tr("Class:"),
                                            shown[1:], max(0, element.class_index - 1), False)
            if not ok:
                return
            class_index = shown.index(name, 1)
        self._write(element, class_index, self.tr("Reclassify element as %1")
                    .replace("%1", layer.classes[class_index][0]))

    def delete(self) -> None:
        chosen = self.selected()
        with self.doc.action(self.tr("Delete %1 element(s)").replace("%1", str(len(chosen)))):
            for element in chosen:
                self._write(element, 0, self.tr("Delete element"), refresh=False)
        self.refresh_gallery()

    def _write(self, element, value: int, action: str, refresh: bool = True) -> None:
        layer = self.layer()
        region = element.region(layer.data)
        self.doc.write_pixels(layer, element.bbox[0], element.bbox[1],
                              np.full(region.shape, value, np.uint8), where=region, action=action)
        if refresh:
            self.refresh_gallery()

    def export_selected(self, folder=None) -> dict | None:
        chosen = self.selected()
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, self.tr("Export elements to"))
            if not folder:
                return None
        layer = self.layer()
        image = to_rgb8(self.doc.restored_image())
        try:
            written = core_elements.export_elements(
                chosen, layer.data, image, folder, layer.classes, self.doc.source_name,
                names=core_elements.display_names(self.elements(), layer.classes, layer.element_names),
                mm_per_px=self.doc.mm_per_px)
        except OSError as exc:
            self.context.show_error(os_error_text(exc))
            return None
        self.stage.setText(self.tr("Exported %1 elements to %2")
                           .replace("%1", str(len(chosen))).replace("%2", str(folder)))
        return written

    # find similar ------------------------------------------------------------------------
    def find_similar(self, folder=None) -> Job | None:
        """Rank the elements of this mural (and of ``folder``'s murals) by embedding similarity
        to the selected one, on the job runner."""
        (selected,), layer = self.selected(), self.layer()
        doc, min_area = self.doc, self.min_area.value()
        name, _, create = self._create_labeler()
        here = list(self.elements())
        labels = layer.data
        # the gallery's element may be a copy from before the last edit: embed the current one
        query = next((e for e in here if e.key == selected.key), None)
        if query is None:
            self.stage.setText(self.tr("The selected element has changed since it was shown: select it again."))
            return None

        def work(progress, cancelled):
            progress(0.0, Text("stage_loading_model"))
            labeler = create()
            labeling.embed_elements(here, doc.source, labels, labeler)
            candidates = [e for e in here if e.key != query.key]
            skipped: list = []  # unreadable images of the folder: left out, named
            if folder:
                # the open mural's own file in that folder is this mural: its elements are here already
                candidates += [e for e in labeling.folder_elements(folder, labeler, labeling.default_cache_dir(),
                                                                   min_area, progress, cancelled, skipped)
                               if not _same_path(e.source, doc.source.path)]
            ranking = core_elements.rank_similar(query.embedding, candidates)
            # thumbnails of the other murals' elements are read here, box by box, not on the GUI thread
            crops, sources = {}, {}
            for _, element in ranking[:self.SIMILAR_SHOWN]:
                if element.source:
                    source = sources.setdefault(element.source, FileSource(element.source))
                    crops[id(element)] = _thumbnail_pixels(source.read_region, element)
            return ranking, crops, skipped

        def done(result):
            if self.doc is doc:
                self.show_similar(query, *result)

        return self.submit(Job(self.tr("Find similar (%1)").replace("%1", name), work, done))

    def find_similar_in_folder(self, folder=None) -> Job | None:
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, self.tr("Find similar elements in"))
            if not folder:
                return None
        return self.find_similar(folder)

    def show_similar(self, query, ranking, crops: dict, skipped=()) -> None:
        """Show the best of ``ranking``; ``crops`` holds thumbnail pixels of the elements of
        other murals (by ``id``); ``skipped``: (path, message) of images of the folder that could
        not be read, said after the count."""
        self.similar = ranking[:self.SIMILAR_SHOWN]
        self.similar_gallery.clear()
        layer = self.layer()
        # this mural's elements by the gallery's names (a stored name may be an earlier class's
        # number); another mural's by their class
        names = (core_elements.display_names(self.elements(), layer.classes, layer.element_names)
                 if layer is not None else {})

        def shown(element) -> str:
            name = names.get(element.key) if not element.source else None
            return element_label(name, element.class_name) if name else class_label(element.class_name)

        self.similar_title.setText(self.tr("Most similar to '%1':").replace("%1", shown(query)))
        if not ranking:
            self.stage.setText(self.tr("No other element to compare with: label more of this mural, or "
                                       "search a folder of murals (Find similar in folder…)."))
        else:
            ranked = self.tr("ranked 1 element") if len(ranking) == 1 else self.tr("ranked %1 elements")
            self.stage.setText(ranked.replace("%1", str(len(ranking))))
        if skipped:
            unread = ", ".join(Path(path).name for path, _ in skipped)
            self.stage.setText(self.stage.text() + " — " + self.tr("left out, unreadable: %1").replace("%1", unread))
            self.stage.setToolTip("\n".join(message for _, message in skipped))
        for score, element in self.similar:
            if element.source:
                icon = thumbnail(crops[id(element)])
                where = element.source.replace("\\", "/").rsplit("/", 1)[-1]
            else:
                icon, where = self._icon(element, layer), self.tr("this mural")
            item = QListWidgetItem(icon, f"{score:.2f} {shown(element)}")
            item.setToolTip(self.tr("%1: %2, %3 px, similarity %4").replace("%1", where)
                            .replace("%2", class_label(element.class_name)).replace("%3", f"{element.area:,}")
                            .replace("%4", f"{score:.3f}"))
            item.setData(Qt.ItemDataRole.UserRole, element)
            self.similar_gallery.addItem(item)
        self._show_in_dock(self.similar_gallery)

    def _show_in_dock(self, widget) -> None:
        """Scroll the dock (its scroll area, gui/main_window) to ``widget``: the results of
        "find similar" were below the fold, nothing on screen changing but a count."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            if self.layout() is not None:
                self.layout().activate()  # where the widgets are now, not before the results came
            parent.ensureWidgetVisible(widget)
            if widget is self.similar_gallery:  # and its heading, where the results start
                parent.ensureWidgetVisible(self.similar_title)
