"""Finding image files and their masks, and splitting mural crops by cave.

Crops of one cave look alike, so train/validation splits are made by cave, never by crop.
Mural file names carry dynasty and cave: ``beiwei-257-a.jpg``, ``suiz-390-3b.jpg``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

#: the order :func:`mask_for` tries when masks of several formats share an image's stem
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
#: the cave: a Mogao number (``beiwei-257-a``) or one of the western caves, ``xi`` and its number
#: (``beiwei-xi7-d``: cave 7 — its crops once counted as caves of their own, so one wall was in
#: both the training and the validation split). Only these: a photograph's name such as
#: ``sun-hays80-img_001`` is its own "cave", split by its name
_CAVE = re.compile(r"^(?P<dynasty>[a-z]+?)z?-(?P<cave>(?:xi)?\d+)(?:-|$)")

#: Fraction of caves held out for validation by :func:`cave_split`.
VALIDATION_FRACTION = 0.2


def list_images(folders) -> list[Path]:
    """Image files in one or more folders (a list or a comma-separated string), recursively,
    sorted by path. A missing folder raises FileNotFoundError naming it."""
    from muralstudio.core.imageio import READ_SUFFIXES

    if isinstance(folders, (str, Path)):
        folders = [f for f in str(folders).split(",") if f]
    found = []
    for folder in map(Path, folders):
        if not folder.is_dir():
            raise FileNotFoundError(f"image folder {folder} does not exist")
        found += [p for p in folder.rglob("*") if p.suffix.lower() in READ_SUFFIXES and p.is_file()]
    return sorted(found)


def cave_of(path) -> str:
    """Cave identifier of a mural crop (``257``, ``xi7``); the stem if it has none."""
    match = _CAVE.match(Path(path).stem.lower())
    return match.group("cave") if match else Path(path).stem


def cave_split(paths, part: str, fraction: float = VALIDATION_FRACTION) -> list[Path]:
    """``part`` = "train", "val" or "all". A cave goes to validation when a hash of its id
    falls below ``fraction``: stable across machines, runs and added files."""
    if part == "all":
        return list(paths)
    if part not in ("train", "val"):
        raise ValueError(f"split must be train, val or all, not {part!r}")

    def held_out(path) -> bool:
        digest = hashlib.sha256(cave_of(path).encode("utf-8", "surrogateescape")).digest()
        return int.from_bytes(digest[:4], "big") / 2**32 < fraction

    return [p for p in paths if held_out(p) == (part == "val")]


def selection_caves(paths, fraction: float = 0.2) -> tuple[list[Path], list[Path]]:
    """Split *training-side* mural crops by cave into (fit, select), by a salted hash of the
    cave, so model selection never sees the benchmark's validation caves."""
    fit, select = [], []
    for path in paths:
        digest = hashlib.sha256(f"select:{cave_of(path)}".encode("utf-8", "surrogateescape")).digest()
        (select if int.from_bytes(digest[:4], "big") / 2**32 < fraction else fit).append(path)
    return fit, select


def mask_for(image: Path, mask_folder: Path) -> Path | None:
    """The mask in ``mask_folder`` sharing the image's stem (any image suffix), or None."""
    for suffix in IMAGE_SUFFIXES:
        candidate = mask_folder / f"{image.stem}{suffix}"
        if candidate.exists():
            return candidate
    return None


def pairs_with_masks(images, mask_folder) -> list[tuple[Path, Path]]:
    """(image, mask) for each image that has a mask of the same stem in ``mask_folder``."""
    found = [(image, mask_for(image, Path(mask_folder))) for image in images]
    return [(image, mask) for image, mask in found if mask is not None]


def is_annotated_set(folder) -> bool:
    """A dataset made with ``muralstudio annotate``: ``records/`` and ``labels/``."""
    return (Path(folder) / "records").is_dir() and (Path(folder) / "labels").is_dir()


def annotated_crops(dataset, murals, split: str = "all"):
    """(name, RGB uint8 crop, label map, record) of every crop of an annotated dataset in
    ``split`` (its records' cave split), the crop read from the mural of ``murals`` whose stem
    the record names (images are referenced, never copied)."""
    import json

    from muralstudio.core import imageio

    dataset = Path(dataset)
    index = {p.stem: p for p in list_images(murals)}
    for path in sorted((dataset / "records").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if split != "all" and record["split"] != split:
            continue
        image = index.get(record["image"])
        if image is None:
            raise FileNotFoundError(f"{path}: its image {record['image']} is not in {murals}")
        x, y, w, h = record["box"]
        crop = imageio.to_rgb8(imageio.read_region(image, x, y, w, h))
        labels = imageio.read_label_map(dataset / "labels" / f"{path.stem}.png")
        if labels.shape != crop.shape[:2]:
            raise ValueError(f"{path.stem}: label map {labels.shape[::-1]} differs from its crop {w}×{h}")
        yield path.stem, crop, labels, record


def labelled_pairs(images, labels, split: str = "all") -> list:
    """(name, RGB uint8, label map) of every labelled image in ``split``: "train", "val",
    "all", or the training caves' "fit" / "select" parts (:func:`selection_caves`). ``labels``:
    folders (comma-separated) of label maps named like the images, or sets made with
    ``muralstudio annotate`` (crops of the images, by record)."""
    from muralstudio.core import imageio

    wanted = "train" if split in ("fit", "select") else split

    def in_part(path) -> bool:
        if split not in ("fit", "select"):
            return True
        fit, _ = selection_caves([Path(path)])
        return bool(fit) == (split == "fit")

    out = []
    for folder in [Path(f) for f in str(labels).split(",") if f]:
        if is_annotated_set(folder):
            out += [(name, crop, label) for name, crop, label, record in annotated_crops(folder, images, wanted)
                    if in_part(record["image"])]
        else:
            for image_path, label_path in pairs_with_masks(cave_split(list_images(images), wanted), folder):
                if in_part(image_path):
                    out.append((image_path.stem, imageio.to_rgb8(imageio.read_image(image_path).pixels),
                                imageio.read_label_map(label_path)))
    return out
