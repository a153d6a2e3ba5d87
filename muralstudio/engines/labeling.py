"""Element labeling: the labeler contract, sliding-window labeling at a working scale, element
embeddings and "find similar".

A labeler turns an RGB uint8 tile into per-class logits. :func:`label` reads the image in
windows at the labeler's working scale (murals are photographed at far higher resolution than
the elements need), with a stride of half the window, blends the logits of overlapping windows,
and projects the class probabilities back to full resolution for the label map.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from muralstudio.core.document import DEFAULT_LABEL_CLASSES
from muralstudio.core.elements import Element, find_elements
from muralstudio.core.imageio import to_rgb8
from muralstudio.core.messages import Text
from muralstudio.engines import registry
from muralstudio.engines.detection import blend_windows, source_reader


class Labeler:
    name = "labeler"
    version = "1"
    #: (name, colour) per label value; 0 is background
    classes: list[tuple[str, tuple[int, int, int]]] = list(DEFAULT_LABEL_CLASSES)
    weights_path: str | None = None
    weights_sha256: str | None = None
    #: the image is labelled at this fraction of its full resolution
    scale = 0.5
    #: window side at working scale; windows advance by half of it
    window = 512
    #: the network needs sides that are multiples of this
    multiple = 16

    def __init__(self, device: str = "cpu", **params):
        self.device = device
        self.params = params
        if params.get("scale"):
            self.scale = float(params["scale"])

    def logits(self, tile: np.ndarray) -> np.ndarray:
        """(C, H, W) float32 class scores of an (H, W, 3) uint8 tile."""
        raise NotImplementedError

    def embed(self, crop: np.ndarray, region: np.ndarray) -> np.ndarray:
        """Unit-length appearance vector of the ``region`` (bool) of an RGB uint8 ``crop``.
        The default is a colour descriptor (4×4×4 RGB histogram of the region)."""
        pixels = crop[region] if region.any() else crop.reshape(-1, 3)
        bins = (pixels[:, :3] // 64).astype(np.int64)
        hist = np.bincount(bins[:, 0] * 16 + bins[:, 1] * 4 + bins[:, 2], minlength=64).astype(np.float32)
        hist = np.sqrt(hist / max(hist.sum(), 1))
        return hist / max(float(np.linalg.norm(hist)), 1e-12)


def create(name: str, device: str = "cpu", **params) -> Labeler:
    from muralstudio.engines.settings import validate

    factory = registry.get("labeler", name)
    return factory(device=device, **validate(factory, params, name))


def softmax(logits: np.ndarray, axis: int = 0) -> np.ndarray:
    shifted = logits - logits.max(axis=axis, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=axis, keepdims=True)
    return shifted


@dataclass
class LabelResult:
    """The label map (full resolution, uint8 class values) and the class probabilities at the
    working scale (uint8 0–255, C × h × w)."""

    labels: np.ndarray
    probabilities: np.ndarray
    classes: list
    seconds: float
    engine: str
    weights_sha256: str | None
    params: dict = field(default_factory=dict)

    def probability(self, index: int) -> np.ndarray:
        """Full-resolution uint8 probability of one class (the values the label map was made of)."""
        height, width = self.labels.shape
        values = self.probabilities[index:index + 1]
        full = np.empty((height, width), np.uint8)
        for top, bottom, _, per_class in upsampled_bands(values, width, height):
            full[top:bottom] = per_class[0]
        return full

    def pixels_per_class(self) -> dict[str, int]:
        counts = np.bincount(self.labels.ravel(), minlength=len(self.classes))
        return {name: int(counts[i]) for i, (name, _) in enumerate(self.classes)}


def working_size(width: int, height: int, scale: float) -> tuple[int, int]:
    return max(1, round(width * scale)), max(1, round(height * scale))


def scaled_reader(read, width: int, height: int, scale: float):
    """``read(x, y, w, h)`` in working-scale coordinates, reading the matching full-resolution
    region and resizing it (area averaging)."""
    if scale == 1:
        return read

    def read_scaled(x, y, w, h):
        x0, y0 = int(math.floor(x / scale)), int(math.floor(y / scale))
        x1 = min(width, int(math.ceil((x + w) / scale)))
        y1 = min(height, int(math.ceil((y + h) / scale)))
        region = to_rgb8(np.asarray(read(x0, y0, x1 - x0, y1 - y0)))
        return cv2.resize(region, (w, h), interpolation=cv2.INTER_AREA)

    return read_scaled


def upsampled_bands(probabilities: np.ndarray, width: int, height: int, rows: int = 256):
    """The full-resolution label map (argmax of the bilinearly upsampled uint8 probabilities),
    a band of ``rows`` rows at a time: yields ``(top, bottom, labels, per_class)``, the last
    the upsampled uint8 probabilities of the band, one array per class. Every
    pixel's value depends only on its position, so bands join into exactly the whole map."""
    n, h_small, w_small = probabilities.shape
    grid_x = (np.arange(width, dtype=np.float32) + 0.5) * (w_small / width) - 0.5
    for top in range(0, height, rows):
        bottom = min(height, top + rows)
        if (h_small, w_small) == (height, width):
            per_class = probabilities[:, top:bottom]
        else:
            grid_y = (np.arange(top, bottom, dtype=np.float32) + 0.5) * (h_small / height) - 0.5
            map_x, map_y = np.meshgrid(grid_x, grid_y)
            per_class = [cv2.remap(probabilities[index], map_x, map_y, cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_REPLICATE) for index in range(n)]
        best, labels = per_class[0].copy(), np.zeros((bottom - top, width), np.uint8)
        for index in range(1, n):  # ties keep the lower class, as argmax does
            better = per_class[index] > best
            labels[better] = index
            np.maximum(best, per_class[index], out=best)
        yield top, bottom, labels, per_class


def upsample_labels(probabilities: np.ndarray, width: int, height: int) -> np.ndarray:
    """Full-resolution argmax of bilinearly upsampled uint8 probabilities (never C × H × W in
    memory)."""
    labels = np.empty((height, width), np.uint8)
    for top, bottom, band, _ in upsampled_bands(probabilities, width, height):
        labels[top:bottom] = band
    return labels


def working_probabilities(source, labeler: Labeler, scale: float | None = None, window: int | None = None,
                          progress: Callable[[float, str], None] | None = None,
                          cancelled: Callable[[], bool] | None = None) -> tuple[np.ndarray, dict]:
    """The class probabilities (uint8 0–255, C × h × w) of ``source`` at the labeler's working
    scale, and the parameters used (scale, window, stride)."""
    read, width, height = source_reader(source)
    scale = float(scale or labeler.scale)
    if not 0 < scale <= 1:
        raise ValueError(f"labeling scale must be in (0, 1], not {scale}")
    window = int(window or labeler.window)
    small_w, small_h = working_size(width, height, scale)
    n = len(labeler.classes)
    probabilities = np.zeros((n, small_h, small_w), np.uint8)
    for top, bottom, logits in blend_windows(
            scaled_reader(read, width, height, scale), small_w, small_h, labeler.logits, n,
            window, window // 4, labeler.multiple, progress, cancelled, "stage_labeling_window",
            "labeling_cancelled"):
        probabilities[:, top:bottom] = np.clip(softmax(logits) * 255 + 0.5, 0, 255).astype(np.uint8)
    return probabilities, {"scale": scale, "window": window, "stride": window // 2}


def label(source, labeler: Labeler, scale: float | None = None, window: int | None = None,
          progress: Callable[[float, str], None] | None = None,
          cancelled: Callable[[], bool] | None = None) -> LabelResult:
    """Label every pixel of ``source`` (``read_region`` + ``info``, or an array)."""
    start = time.perf_counter()
    _, width, height = source_reader(source)
    probabilities, params = working_probabilities(source, labeler, scale, window, progress, cancelled)
    labels = upsample_labels(probabilities, width, height)
    return LabelResult(labels, probabilities, list(labeler.classes), time.perf_counter() - start,
                       labeler.name, labeler.weights_sha256, params)


def embed_elements(elements: list[Element], source, labels: np.ndarray, labeler: Labeler | None,
                   scale: float | None = None, context: float = 0.15) -> None:
    """Read each element's box from ``source`` (never the whole image): set its mean colour
    and, with a ``labeler``, its embedding — the labeler's descriptor of the element's region
    at the working scale, with a little surrounding context."""
    read, width, height = source_reader(source)
    scale = float(scale or (labeler.scale if labeler else 1.0))
    for element in elements:
        x, y, w, h = element.bbox
        pad = int(round(context * max(w, h)))
        x0, y0 = max(0, x - pad), max(0, y - pad)
        x1, y1 = min(width, x + w + pad), min(height, y + h + pad)
        crop = to_rgb8(np.asarray(read(x0, y0, x1 - x0, y1 - y0)))[..., :3]
        region = np.zeros((y1 - y0, x1 - x0), bool)
        region[y - y0:y - y0 + h, x - x0:x - x0 + w] = element.region(labels)
        element.mean_colour = tuple(int(round(v)) for v in crop[region].mean(0))
        if labeler is None:
            continue
        cw, ch = working_size(x1 - x0, y1 - y0, scale)
        crop = cv2.resize(crop, (cw, ch), interpolation=cv2.INTER_AREA)
        region = cv2.resize(region.astype(np.uint8), (cw, ch), interpolation=cv2.INTER_NEAREST) > 0
        element.embedding = labeler.embed(crop, region).astype(np.float32)


def elements_of(result: LabelResult, source, labeler: Labeler | None = None, min_area: int = 256,
                names: dict | None = None) -> list[Element]:
    """Elements of a labelling result, with mean colours and (when ``labeler`` is given)
    embeddings."""
    elements = find_elements(result.labels, result.classes, None, min_area, names)
    embed_elements(elements, source, result.labels, labeler, result.params.get("scale"))
    return elements


def elements_json(image, engine: str, weights_sha256: str | None, params: dict, seconds: float,
                  classes, pixels_per_class: dict, elements: list[Element]) -> dict:
    """The elements file of an image (``label --elements``, the gallery's cache); each element
    named as the window names it when it labels the image ("people 2"; its name was empty)."""
    from muralstudio.core.elements import display_names

    names = display_names(elements, classes)
    return {"image": str(image), "engine": engine, "weights_sha256": weights_sha256,
            "params": params, "seconds": round(seconds, 3),
            "classes": [{"index": i, "name": n, "color": list(c)} for i, (n, c) in enumerate(classes)],
            "pixels_per_class": pixels_per_class,
            "elements": [{**e.to_json(with_embedding=True), "name": names[e.key]} for e in elements]}


#: the narrowest image the labeler accepts (its windows and pooling need some context)
MIN_LABEL_SIDE = 32


#: images up to this many pixels keep their full label map in memory while labelled from a
#: file (elements read at full resolution); larger ones are streamed, their elements read at
#: the working scale
IN_MEMORY_PIXELS = 40_000_000


def label_file(image, out, engine: str = "pspm", device: str = "cpu", elements_path=None,
               min_area: int = 256, scale: float | None = None, probabilities_dir=None,
               log: Callable[[str], None] | None = None, settings: dict | None = None,
               run_elsewhere: Callable | None = None, summary_extra: dict | None = None) -> dict:
    """Label an image file: write the indexed label PNG (class colours in its palette) and,
    when asked, the elements JSON (class, area, box, colour, embedding per element) and one
    8-bit probability PNG per class (``STEM.CLASS.prob.png``, full resolution). The maps are
    written a band of rows at a time: only the working-scale probabilities are held whole.
    ``run_elsewhere(source, scale, progress) -> (probabilities, params, classes, engine,
    weights_sha256)`` computes the working-scale probabilities instead (a compute server's
    job); the elements' embeddings are then made here, with the labeler loaded here when its
    weights are the server's (else the elements get their colours only). ``summary_extra``
    joins the summary and the elements JSON (the server that ran it)."""
    import contextlib

    from muralstudio.core import imageio
    from muralstudio.core.atomic import distinct_file_parts
    from muralstudio.core.elements import ElementFinder
    from muralstudio.core.pyramid import FileSource

    source = FileSource(image)
    width, height = source.info.width, source.info.height
    if min(width, height) < MIN_LABEL_SIDE:  # checked before any work (a 65535×1 strip once ran 149 s, then failed)
        raise ValueError(f"{image} is {width}×{height} px: too thin to label "
                         f"(at least {MIN_LABEL_SIDE} px each way)")
    if run_elsewhere:  # the model loads there; a wrong name or setting is said before any upload
        if elements_path:
            # the elements' embeddings are a few crops, made here: loaded (and its settings
            # checked) before anything is sent, so missing weights fail at once, not after the
            # server's work
            labeler = create(engine, device="cpu", **(settings or {}))
        else:
            from muralstudio.engines.settings import validate

            validate(registry.get("labeler", engine), dict(settings or {}), engine)
            labeler = None
    else:
        labeler = create(engine, device=device, **(settings or {}))
    last = [0.0]

    def progress(fraction, stage):
        if log and fraction - last[0] >= 0.1:
            last[0] = fraction
            log(f"{fraction:4.0%} {stage}")

    start = time.perf_counter()
    if run_elsewhere:
        probabilities, params, classes, name, weights_sha256 = run_elsewhere(source, scale, progress)
    else:
        probabilities, params = working_probabilities(source, labeler, scale, progress=progress)
        classes, name, weights_sha256 = list(labeler.classes), labeler.name, labeler.weights_sha256
    in_memory = width * height <= IN_MEMORY_PIXELS
    labels = np.empty((height, width), np.uint8) if elements_path and in_memory else None
    finder = ElementFinder(classes, min_area) if elements_path else None
    if finder and not in_memory:
        finder.keep_ids(width, height, probabilities.shape[2], probabilities.shape[1])
    counts = np.zeros(256, np.int64)
    folder = Path(probabilities_dir) if probabilities_dir else None
    with contextlib.ExitStack() as files:
        label_png = files.enter_context(imageio.PngRowWriter(out, width, height, [c for _, c in classes]))
        probability_pngs = []
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
            probability_pngs = [files.enter_context(imageio.PngRowWriter(
                folder / f"{Path(image).stem}.{part}.prob.png", width, height))
                for part in distinct_file_parts([name for name, _ in classes], "class")]
        for top, bottom, band, per_class in upsampled_bands(probabilities, width, height):
            label_png.write(band)
            counts += np.bincount(band.ravel(), minlength=256)
            for writer, values in zip(probability_pngs, per_class):
                writer.write(values)
            if finder:
                finder.add(band)
            if labels is not None:
                labels[top:bottom] = band
    seconds = time.perf_counter() - start
    del probabilities  # the largest array; embeddings read the image again
    pixels_per_class = {name: int(counts[i]) for i, (name, _) in enumerate(classes)}
    summary = {"labels": str(out), "seconds": round(seconds, 3), "pixels_per_class": pixels_per_class,
               **(summary_extra or {})}
    if folder:
        summary["probabilities"] = str(folder)
    if finder:
        written = [Path(out), *(writer.path for writer in probability_pngs)]
        try:
            elements = finder.elements()
            if run_elsewhere and labeler is not None and labeler.weights_sha256 != weights_sha256:
                if log:  # embeddings of other weights could not be compared with the server's
                    log(f"the labeler here ({labeler.weights_sha256}) differs from the server's ({weights_sha256}): "
                        "the elements get colours but no embeddings")
                labeler = None
            if labels is not None:
                embed_elements(elements, source, labels, labeler, params["scale"])
            else:
                embed_elements_at_scale(elements, source, finder.element_ids(), labeler)
            imageio.write_json(Path(elements_path), {**elements_json(
                image, name, weights_sha256, params, seconds, classes, pixels_per_class, elements),
                **(summary_extra or {})})
            summary["elements"] = len(elements)
        except BaseException:
            # interrupted (Ctrl-C) or failed while the elements were made: the maps without
            # their elements would look like a finished set
            for path in written:
                path.unlink(missing_ok=True)
            raise
    return summary


def embed_elements_at_scale(elements: list[Element], source, element_ids: np.ndarray,
                            labeler: Labeler | None, context: float = 0.15, tile: int = 1024) -> None:
    """:func:`embed_elements` for images too large to hold a full-resolution label map: each
    element's mean colour and embedding come from the image at the working scale of
    ``element_ids`` (1 + the element's position in ``elements`` per working pixel), read a
    tile at a time."""
    read, width, height = source_reader(source)
    small_h, small_w = element_ids.shape
    scale = small_w / width
    reader = scaled_reader(read, width, height, scale)
    small = np.zeros((small_h, small_w, 3), np.uint8)
    for y in range(0, small_h, tile):
        for x in range(0, small_w, tile):
            h, w = min(tile, small_h - y), min(tile, small_w - x)
            small[y:y + h, x:x + w] = to_rgb8(np.asarray(reader(x, y, w, h)))[..., :3]
    for position, element in enumerate(elements, start=1):
        x, y, w, h = element.bbox
        pad = context * max(w, h)
        x0, y0 = max(0, int((x - pad) * small_w / width)), max(0, int((y - pad) * small_h / height))
        x1 = min(small_w, int(math.ceil((x + w + pad) * small_w / width)))
        y1 = min(small_h, int(math.ceil((y + h + pad) * small_h / height)))
        crop = small[y0:y1, x0:x1]
        region = element_ids[y0:y1, x0:x1] == position
        if not region.any():  # thinner than a working pixel: its box stands for it
            region = np.zeros(crop.shape[:2], bool)
            region[int(y * small_h / height) - y0:int(math.ceil((y + h) * small_h / height)) - y0,
                   int(x * small_w / width) - x0:int(math.ceil((x + w) * small_w / width)) - x0] = True
        element.mean_colour = tuple(int(round(v)) for v in crop[region].mean(0))
        if labeler is not None:
            element.embedding = labeler.embed(crop, region).astype(np.float32)


def load_elements(path) -> list[Element]:
    import json

    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    elements = [Element.from_json(e) for e in data["elements"]]
    for element in elements:
        element.source = element.source or str(data.get("image", ""))
    return elements


def folder_elements(folder, labeler: Labeler, cache_dir, min_area: int = 256,
                    progress: Callable[[float, str], None] | None = None,
                    cancelled: Callable[[], bool] | None = None,
                    skipped: list | None = None) -> list[Element]:
    """Elements (with embeddings) of every image in ``folder``, each image labelled once per
    labeler weights and minimum area and its elements cached in ``cache_dir`` as JSON. An image
    that cannot be read is left out and, with ``skipped``, listed there as (path, message): one
    damaged file in an archive folder failed the whole search."""
    from muralstudio.core import imageio
    from muralstudio.core.datasets import list_images
    from muralstudio.core.errors import Cancelled, MuralStudioError
    from muralstudio.core.pyramid import FileSource, file_sha256

    paths = list_images([folder])
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    found: list[Element] = []
    for i, path in enumerate(paths):
        if cancelled and cancelled():
            raise Cancelled(Text("labeling_cancelled"))
        if progress:
            progress(i / max(1, len(paths)), Text("stage_labeling_image", index=i + 1, total=len(paths)))
        try:
            key = f"{file_sha256(path)[:24]}-{(labeler.weights_sha256 or labeler.name)[:12]}-{min_area}"
            cached = cache_dir / f"{key}.json"
            if cached.exists():
                elements = load_elements(cached)
            else:
                source = FileSource(path)
                result = label(source, labeler)
                elements = elements_of(result, source, labeler, min_area)
                imageio.write_json(cached, elements_json(path, result.engine, result.weights_sha256, result.params,
                                                         result.seconds, result.classes, result.pixels_per_class(),
                                                         elements))
        except (MuralStudioError, OSError) as exc:
            if isinstance(exc, Cancelled):
                raise
            if skipped is None:
                raise
            skipped.append((path, str(exc)))
            continue
        for element in elements:
            element.source = str(path)
        found += elements
    return found


def default_cache_dir() -> Path:
    from muralstudio.core.pyramid import default_cache_root

    return default_cache_root() / "elements"
