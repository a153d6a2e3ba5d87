"""Archive batches: every image of a folder or list through detect / label / inpaint on a Dask
cluster (a LocalCluster by default, an existing scheduler, or SLURM through dask-jobqueue),
resumable from a ledger.

One task per image (never per tile: a scheduler drowns in millions of tile tasks). A task reads
its image window by window through the engines' sliding windows, writes its outputs into
``OUT/images/NAME.partial/``, writes ``done.json`` last and renames the folder to
``OUT/images/NAME`` — so a folder without ``done.json`` is never taken for a result. Pixels
never travel through the scheduler: workers read and write a shared filesystem path and return
a small summary.

Only the process that runs the batch writes the ledger (``OUT/ledger.sqlite``, one committed
transaction per change, so Ctrl-C or a crash leaves it consistent). ``--resume`` processes
what is missing, changed (size, modification time) or was run with other engines or weights,
and of an image whose folder holds part of what is asked (a run with ``report`` added) runs only
the steps missing: detection and labels made with the same engine and weights are taken over;
an image that failed with an error (corrupt, unreadable) is recorded with its message and not
tried again unless ``retry_failed``. A task whose worker dies is rescheduled by Dask up to
``retries`` times.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from muralstudio.ops.requests import Request

STEPS = ("detect", "label", "inpaint", "project", "report")
#: detect: engines.detection.DEFAULT_DETECTOR (spelt out to keep this module light; a test holds them equal)
DEFAULT_ENGINES = {"detect": "flecks-vetted", "label": "pspm", "inpaint": "telea"}


@dataclass
class ImageTask(Request):
    """What a worker needs for one image; serialisable, no pixels."""

    image: Path
    out_dir: Path
    steps: list = field(default_factory=lambda: ["detect", "label"])
    engines: dict = field(default_factory=dict)
    device: str = "auto"  # "auto": cuda on a worker with a GPU resource, else cpu
    #: :func:`step_keys` of the run, kept in the image's report.json: what a later run may take over
    step_keys: dict = field(default_factory=dict)
    #: steps whose outputs in ``out_dir`` (a finished earlier run on the same file) are taken over
    reuse: list = field(default_factory=list)


@dataclass
class BatchRequest(Request):
    inputs: list  # image files, folders and .txt lists of paths
    out: Path
    steps: list = field(default_factory=lambda: ["detect", "label"])
    engines: dict = field(default_factory=dict)
    device: str = "auto"
    workers: int = 1
    threads_per_worker: int = 1
    scheduler: str | None = None
    slurm: dict | None = None  # {"jobs", "cores", "memory", "queue", "walltime"}
    retries: int = 2
    resume: bool = False
    retry_failed: bool = False


# --------------------------------------------------------------------------------------------
# the task (runs on a worker)


def _task_device(requested: str) -> str:
    if requested != "auto":
        return requested
    try:
        from distributed import get_worker

        has_gpu = get_worker().state.total_resources.get("GPU", 0) > 0
    except (ImportError, ValueError, AttributeError):
        has_gpu = False
    if has_gpu:
        import torch

        if torch.cuda.is_available():
            return "cuda"
    return "cpu"


def _damage_areas(detect_json: dict, mm_per_px: float | None) -> dict:
    cm2 = (mm_per_px / 10) ** 2 if mm_per_px else None
    return {name: {"pixels": row["pixels"], "fraction": round(row["fraction"], 6),
                   "area_cm2": round(row["pixels"] * cm2, 4) if cm2 else None}
            for name, row in detect_json["classes"].items()}


def tune_malloc() -> None:
    """Undo what Dask does to a worker's allocator. Its nanny starts workers with
    ``MALLOC_TRIM_THRESHOLD_=65536``; setting any such variable turns off glibc's dynamic mmap
    threshold, so every large array (the engines allocate many per window) is a fresh mmap and
    a page-fault storm: measured 2× slower on the same image (bench/batch_bench.py). Restoring
    large thresholds at run time fixes workers however they were started (LocalCluster,
    ``dask worker``, SLURM). Linux/glibc only; elsewhere nothing to do."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 << 20)
    libc.mallopt(m_trim_threshold, 256 << 20)


def quiet_cancellation() -> None:
    """In a worker: a task cancelled because the run was stopped (Ctrl-C) is expected, not a
    fault; Dask's worker logged it as a WARNING with its coroutine's repr ("Async instruction …
    ended with CancelledError") under the run's own "interrupted" summary."""
    import logging

    logging.getLogger("distributed.worker.state_machine").setLevel(logging.ERROR)


def process_image(task: ImageTask) -> dict:
    """Run the task's steps on one image; never raises for a bad image (the error is returned,
    so the scheduler does not retry a file that will fail again)."""
    from muralstudio.core import imageio
    from muralstudio.core.pyramid import file_sha256

    tune_malloc()
    quiet_cancellation()
    started = time.perf_counter()
    final = Path(task.out_dir)
    partial = final.with_name(final.name + ".partial")
    summary = {"image": str(task.image), "name": final.name, "status": "failed", "error": None,
               "seconds": 0.0, "sha256": None, "worker": _worker_name()}
    try:
        if partial.exists():
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        device = _task_device(task.device)
        import torch

        torch.set_num_threads(max(1, int(os.environ.get("MURALSTUDIO_TASK_THREADS", "1"))))
        info = imageio.read_header(task.image)
        mm_per_px = 25.4 / info.dpi[0] if info.dpi and info.dpi[0] else None
        report = {"image": str(task.image), "sha256": file_sha256(task.image), "width": info.width,
                  "height": info.height, "mm_per_px": mm_per_px, "device": device,
                  "steps": list(task.steps), "engines": {}, "seconds": {}, "records": {},
                  "source": _file_identity(task.image), "step_keys": dict(task.step_keys), "reused": []}
        summary["sha256"] = report["sha256"]
        engines = {**DEFAULT_ENGINES, **task.engines}
        taken = _take_over(final, partial, task.reuse, report)
        if ("detect" in task.steps or "inpaint" in task.steps) and "detect" not in taken:
            from muralstudio.ops.detect import DetectRequest, detect_file

            t = time.perf_counter()
            written = detect_file(DetectRequest(task.image, partial / "damage", engine=engines["detect"],
                                                device=device))
            report["mask_files"] = {key.removesuffix(" mask"): Path(path).name for key, path in written.items()
                                    if key.endswith(" mask")}
            detected = json.loads(Path(written["report"]).read_text(encoding="utf-8"))
            report["seconds"]["detect"] = round(time.perf_counter() - t, 3)
            report["engines"]["detect"] = engines["detect"]
            report["records"]["detect"] = detected
            report["damage"] = _damage_areas(detected, mm_per_px)
        if "label" in task.steps and "label" not in taken:
            from muralstudio.ops.label import LabelRequest, label_file

            t = time.perf_counter()
            labelled = label_file(LabelRequest(task.image, partial / "labels.png", engine=engines["label"],
                                               device=device, elements=partial / "elements.json"))
            elements = json.loads((partial / "elements.json").read_text(encoding="utf-8"))
            counts: dict[str, int] = {}
            for element in elements.get("elements", []):
                counts[element["class_name"]] = counts.get(element["class_name"], 0) + 1
            report["seconds"]["label"] = round(time.perf_counter() - t, 3)
            report["engines"]["label"] = engines["label"]
            report["records"]["label"] = {**labelled, "labels": "labels.png",
                                          "weights_sha256": elements.get("weights_sha256")}
            report["elements"] = counts
            report["label_pixels"] = labelled["pixels_per_class"]
        restoration = None
        if "inpaint" in task.steps:
            report["records"]["inpaint"], restoration = _inpaint_detected(task.image, partial, engines["inpaint"],
                                                                          device, report)
            report["engines"]["inpaint"] = engines["inpaint"]
        if "project" in task.steps or "report" in task.steps:
            t = time.perf_counter()
            doc = _review_document(task.image, partial, report, restoration)
            if "project" in task.steps:
                from muralstudio.core.project import save_project

                path = save_project(doc, partial / f"{final.name}.mural")
                report["records"]["project"] = {"project": path.name, "layers": [layer.name for layer in doc.layers],
                                                "sha256": file_sha256(path)}
                report["seconds"]["project"] = round(time.perf_counter() - t, 3)
            if "report" in task.steps:
                from muralstudio.ops.report import build_report, write_html

                t = time.perf_counter()
                write_html(build_report(doc), partial / "report.html")
                report["records"]["report"] = {"report": "report.html"}
                report["seconds"]["report"] = round(time.perf_counter() - t, 3)
            del doc
        _keep_what_the_user_made(final, partial, report)
        report["seconds"]["total"] = round(time.perf_counter() - started, 3)
        imageio.write_json(partial / "report.json", report)
        imageio.write_json(partial / "done.json", {"finished": time.time(), "sha256": report["sha256"]})
        _replace_folder(partial, final)
        summary.update(status="done", report=_row_values(report))
    except (Exception, MemoryError) as exc:  # noqa: BLE001 — recorded, the batch goes on
        summary["error"] = _failure_text(task.image, exc)
        shutil.rmtree(partial, ignore_errors=True)
    summary["seconds"] = round(time.perf_counter() - started, 3)
    return summary


#: what each step that a later run may take over leaves in the image's folder, and in its report
REUSABLE = {"detect": (("damage",), ("mask_files", "damage")),
            "label": (("labels.png", "elements.json"), ("elements", "label_pixels"))}


def _file_identity(path: Path) -> dict:
    from muralstudio.core.pyramid import file_stamp

    stat = Path(path).stat()
    size, _, inode, ctime = file_stamp(stat)
    # the inode as text: NTFS and ReFS file ids pass SQLite's 64-bit integers
    return {"size": size, "mtime": stat.st_mtime, "inode": f"i{inode}", "ctime": ctime}


def _same_file(recorded: dict, identity: dict, path: Path, sha256: str | None) -> bool:
    """Whether ``path`` (now ``identity``) is the file an earlier run recorded. A copy that kept
    the old size and modification time (`cp -p`) has another status-change time or inode; so
    has the same file after a chmod, or an archive moved to another disk (`rsync -a`), so the
    file is then hashed against the run's SHA-256. Records made before inodes were kept compare
    size and time alone. (On Windows the status-change time is the creation time: a copy over
    the file in place that keeps size and time is not noticed there.)"""
    if any(recorded.get(key) != identity[key] for key in ("size", "mtime")):
        return False
    if recorded.get("inode") in (None, identity["inode"]) and recorded.get("ctime") in (None, identity["ctime"]):
        return True
    from muralstudio.core.pyramid import file_sha256

    try:
        return sha256 is not None and file_sha256(path) == sha256
    except OSError:
        return False


def _take_over(final: Path, partial: Path, steps, report: dict) -> set:
    """Copy the outputs of ``steps`` from an earlier run's folder into ``partial`` with their part
    of its report.json; the steps taken over (one whose files are gone is run again)."""
    taken: set = set()
    if not steps:
        return taken
    try:
        previous = json.loads((final / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return taken
    if previous.get("sha256") != report["sha256"]:
        return taken  # another file under the same name and size: nothing of it is taken
    for step in steps:
        files, fields = REUSABLE[step]
        if not all((final / f).exists() for f in files) or not all(k in previous for k in fields):
            continue
        for f in files:
            if (final / f).is_dir():
                shutil.copytree(final / f, partial / f)
            else:
                shutil.copy2(final / f, partial / f)
        for k in fields:
            report[k] = previous[k]
        for part in ("engines", "records"):
            if step in previous.get(part, {}):
                report[part][step] = previous[part][step]
        if step in previous.get("seconds", {}):  # the earlier run's time: not part of this run's total
            report.setdefault("seconds_reused", {})[step] = previous["seconds"][step]
        report["reused"].append(step)
        taken.add(step)
    return taken


#: what the batch writes in an image's folder (besides NAME.mural and restored.*); anything else
#: there is a user's (an export, notes) and is carried into the folder a rerun makes
BATCH_FILES = frozenset({"damage", "labels.png", "elements.json", "damage-union.mask.png", "report.html",
                         "report.json", "done.json"})


def _keep_what_the_user_made(final: Path, partial: Path, report: dict) -> None:
    """Before a rerun replaces ``final`` with ``partial``: a project a conservator saved since the
    batch wrote it stays ``NAME.mural`` (the new run's goes beside it as ``NAME.new.mural``), and
    files the batch did not write are carried over — a rerun for a new step silently lost a
    review made in the window."""
    from muralstudio.core.pyramid import file_sha256

    if not final.is_dir():
        return
    try:
        previous = json.loads((final / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = {}
    project = final / f"{final.name}.mural"
    if project.is_file():
        made = (previous.get("records") or {}).get("project") or {}
        written = made.get("sha256") if made.get("project") == project.name else None
        if project.name in (previous.get("kept") or []):
            written = ""  # kept as a conservator's by an earlier rerun: theirs, whatever it holds now
        if written is None:  # a batch of before the hash was kept: saved after the batch finished?
            try:
                finished = json.loads((final / "done.json").read_text(encoding="utf-8"))["finished"]
                edited = project.stat().st_mtime > float(finished) + 1
            except (OSError, ValueError, KeyError, TypeError):
                edited = True  # no way to tell: keep it
        else:
            edited = file_sha256(project) != written
        if edited:
            fresh = partial / project.name
            if fresh.exists():
                fresh.rename(partial / f"{final.name}.new.mural")
                if "project" in report["records"]:
                    report["records"]["project"]["project"] = f"{final.name}.new.mural"
            shutil.copy2(project, partial / project.name)
            report["kept"] = [project.name]
    for entry in sorted(final.iterdir()):
        name = entry.name
        if (name in BATCH_FILES or name in (project.name, f"{final.name}.new.mural") or name.startswith("restored.")
                or (partial / name).exists()):
            continue
        if entry.is_dir():
            shutil.copytree(entry, partial / name, symlinks=True)
        else:
            shutil.copy2(entry, partial / name)
        report.setdefault("kept", []).append(name)


def _inpaint_detected(image: Path, folder: Path, engine: str, device: str, report: dict) -> tuple[dict, tuple | None]:
    """Restore what the detector found (every damage class): the archive's first-pass fill.
    Returns the record's summary and the restoration (patches, record) for the project."""
    import numpy as np

    from muralstudio.core import imageio
    from muralstudio.ops.inpaint import InpaintRequest, inpaint_file

    masks = sorted((folder / "damage").glob("*.mask.png"))
    union = None
    for path in masks:
        mask = imageio.read_mask(path) > 0
        union = mask if union is None else union | mask
    if union is None or not union.any():
        return {"skipped": "no damage detected"}, None
    imageio.write_png(folder / "damage-union.mask.png", union.astype(np.uint8) * 255)
    from muralstudio.engines.registry import split_spec

    name, settings = split_spec(engine)
    suffix = ".tif" if Path(image).suffix.lower() in imageio.TIFF_SUFFIXES else ".png"
    t = time.perf_counter()
    result = inpaint_file(InpaintRequest(image=image, mask=folder / "damage-union.mask.png",
                                         out=folder / f"restored{suffix}", engine=name, settings=settings,
                                         device=device))
    report["seconds"]["inpaint"] = round(time.perf_counter() - t, 3)
    return ({"out": result.out.name, "regions": result.regions, "pixels": result.pixels,
             "record": json.loads(result.record_json)}, (result.patches, result.record))


def _review_document(image: Path, folder: Path, report: dict, restoration: tuple | None = None):
    """A document of the image holding what the batch found — the detector's masks as proposals
    to review (region by region, in the window), the labels as a label layer, the detection's
    record for the condition report, and the batch's fill as a restoration *proposed*, not
    applied (it restored unreviewed detections) — so an archive run ends in work a conservator
    reviews, not in masks. Saved as ``NAME.mural`` beside the outputs (step ``project``) and
    reported (step ``report``); the source is referred to, never copied or written."""
    import uuid

    from muralstudio.core import imageio, maskops
    from muralstudio.core.document import Document
    from muralstudio.core.elements import numbered_names

    doc = Document.open(image)
    doc._source_sha256 = report["sha256"]  # hashed once, at the start of the task
    detected = report["records"].get("detect")
    if detected:
        classes = {}
        for cls, facts in detected["classes"].items():
            mask = imageio.read_mask(folder / "damage" / report["mask_files"][cls]) >= 128
            classes[cls] = {"threshold": facts["threshold"], "min_area": detected.get("min_area") or 0,
                            "proposed_regions": maskops.region_count(mask), "proposed_pixels": int(mask.sum())}
            if mask.any():  # as the Detect dock makes them: one proposals layer per class proposed
                doc.new_mask_layer(f"{cls} (proposed)", mask, color=maskops.PROPOSAL_COLORS.get(cls), proposed=True,
                                  damage_class=cls)
            del mask
            probability = folder / "damage" / report["mask_files"][cls].replace(".mask.png", ".prob.png")
            if probability.exists():  # the reviewer sees the detector's confidence, the restore asks
                doc.detection_probabilities[cls] = imageio.read_mask(probability)
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(time.time() - report["seconds"].get("detect", 0)))
        doc.record_detection(uuid.uuid4().hex, detected["engine"], detected.get("weights_sha256"), when, classes,
                             detected.get("settings"))  # the window detects again as the batch did
    if "label" in report["records"]:  # the class indices (not the palette's colours), the labeler's classes
        listing = json.loads((folder / "elements.json").read_text(encoding="utf-8"))
        classes = [(c["name"], tuple(c["color"])) for c in sorted(listing.get("classes", []), key=lambda c: c["index"])]
        labels = imageio.read_label_map(folder / "labels.png")
        doc.new_label_layer("elements", labels, classes=classes or None,
                            element_names=numbered_names(labels, classes or doc.label_classes))
    if restoration is not None:
        patches, record = restoration
        doc.add_restoration(patches, record, name=f"restored by the batch ({record.engine}, unreviewed)")
    return doc


def _failure_text(image: Path, exc: BaseException) -> str:
    """One line naming the image once: our errors already name it and say what is wrong; any
    other exception keeps its type (a bug to report)."""
    from muralstudio.core.errors import MuralStudioError

    text = str(exc)
    if not isinstance(exc, (MuralStudioError, OSError, ValueError)) or not text:
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if str(image) in text else f"{image}: {text}"


def _replace_folder(partial: Path, final: Path) -> None:
    old = final.with_name(final.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    partial.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().name
    except (ImportError, ValueError):
        return "local"


def _row_values(report: dict) -> dict:
    row = {"width": report["width"], "height": report["height"], "seconds": report["seconds"].get("total")}
    for name, area in report.get("damage", {}).items():
        column = name.replace(" ", "-")
        row[f"damage_{column}_px"] = area["pixels"]
        row[f"damage_{column}_cm2"] = area["area_cm2"]
    for name, count in report.get("elements", {}).items():
        row[f"elements_{name}"] = count
    if report.get("kept"):
        row["kept"] = " ".join(report["kept"])
    return row


# --------------------------------------------------------------------------------------------
# inputs and the ledger (the client side)


def list_inputs(inputs, skip: Path | None = None, known: dict[str, str] | None = None) -> list[tuple[str, Path]]:
    """(name, path) of every image: files, images in folders (recursively) and paths listed in
    .txt files. The name is the path relative to its folder with "/" → "__", so images of the
    same stem in different caves do not collide. Images under ``skip`` (the batch's own outputs,
    OUT/images, when they lie inside an input folder) are left out: a rerun would take its own masks
    and restorations for new images. Hidden files and folders (``.Trash``, macOS ``._`` copies,
    Windows' ``$RECYCLE.BIN`` and ``System Volume Information``) are left out. ``known``: the names an earlier run gave to paths (absolute path → name), which
    they keep — a JPEG added beside a TIFF of the same stem, or a run given a subfolder, took
    the TIFF's name and folder."""
    from muralstudio.core.imageio import READ_SUFFIXES

    skip = Path(skip).resolve() if skip is not None else None
    found: list[tuple[str, Path]] = []
    for item in inputs:
        item = Path(item)
        if item.is_dir():
            inside = skip is not None and skip.is_relative_to(item.resolve())  # else none can be
            for path in sorted(item.rglob("*")):
                if inside and path.resolve().is_relative_to(skip):
                    continue
                if any(part.startswith((".", "$")) or part == "System Volume Information"
                       for part in path.relative_to(item).parts):  # hidden, recycle bins
                    continue
                if path.suffix.lower() in READ_SUFFIXES and path.is_file():
                    rel = path.relative_to(item).with_suffix("")
                    found.append(("__".join(rel.parts), path))
        elif item.suffix.lower() == ".txt":
            for line in item.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    path = (item.parent / line) if not Path(line).is_absolute() else Path(line)
                    found.append((path.stem, path))
        elif item.exists():
            found.append((item.stem, item))
        else:
            raise FileNotFoundError(f"{item}: no such file or folder")
    known = known or {}
    # every name of the batch whose image is still where it was, of this run's images or not (an
    # archive moved elsewhere frees its names: its images keep them, found again by content)
    reserved = {name for image, name in known.items() if os.path.exists(image)}
    taken: set[str] = set()
    unique = []
    for name, path in found:  # the same stem listed twice gets a suffix, never overwrites
        earlier = known.get(str(path.absolute()))
        if earlier is None or earlier in taken:  # a new image, or a path listed twice
            earlier, count = name, 1
            while earlier in taken or earlier in reserved:
                count += 1
                earlier = f"{name}~{count}"
        taken.add(earlier)
        unique.append((earlier, path))
    return unique


def names_by_image(rows: dict[str, dict]) -> dict[str, str]:
    """Each image path of the ledger's rows → the name the batch gave it (names stay with files)."""
    return {row["image"]: name for name, row in rows.items() if row.get("image")}


def input_names(request: BatchRequest) -> set[str]:
    """The names the request's images have in its batch (those of its ledger where it has them)."""
    ledger = _existing_ledger(Path(request.out))
    try:
        known = names_by_image(ledger.rows())
    finally:
        ledger.close()
    return {name for name, _ in list_inputs(request.inputs, skip=Path(request.out) / "images", known=known)}


def step_keys(steps, engines: dict) -> dict[str, str]:
    """A key per step the run makes outputs for, which changes when those outputs would: the
    step's engine, its settings or its installed weights — an inpaint's with its detector's, a
    project's or report's with those of every step the run makes (what they hold)."""
    from muralstudio.engines import catalogue

    chosen = {**DEFAULT_ENGINES, **engines}
    rows = catalogue.list_engines()

    def key(**facts) -> str:
        return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]

    def engine_key(step: str) -> str:
        name = chosen[step].split(":")[0]
        weights = {f"{r['kind']}:{r['weights']}": r.get("sha256") for r in rows if r["name"] == name}
        return key(step=step, engine=chosen[step], weights=weights)

    keys = {}
    if "detect" in steps or "inpaint" in steps:  # an inpaint fills what the detector found
        keys["detect"] = engine_key("detect")
    if "label" in steps:
        keys["label"] = engine_key("label")
    if "inpaint" in steps:
        keys["inpaint"] = key(inpaint=engine_key("inpaint"), detect=keys["detect"])
    made = {step: keys[step] for step in ("detect", "label", "inpaint") if step in keys}
    for step in ("project", "report"):
        if step in steps:
            keys[step] = key(step=step, of=made)
    return keys


def _held_steps(folder: Path, path: Path, identity: dict) -> dict:
    """The step keys of what a finished earlier run left in ``folder`` for ``path`` (now
    ``identity``: :func:`_file_identity`); {} when none, or for another version of the file."""
    if not (folder / "done.json").exists():
        return {}
    try:
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not _same_file(report.get("source") or {}, identity, path, report.get("sha256")):
        return {}
    return dict(report.get("step_keys") or {})


class Ledger:
    COLUMNS = ("name", "image", "size", "mtime", "config", "status", "sha256", "seconds", "attempts",
               "error", "worker", "updated", "report", "inode", "ctime")

    def __init__(self, out: Path):
        out.mkdir(parents=True, exist_ok=True)
        self.path = out / "ledger.sqlite"
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None)  # autocommit: one change = one transaction
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS images (name TEXT PRIMARY KEY, image TEXT, size INTEGER, "
                            "mtime REAL, config TEXT, status TEXT, sha256 TEXT, seconds REAL, attempts INTEGER "
                            "DEFAULT 0, error TEXT, worker TEXT, updated REAL, report TEXT)")
            self.db.execute("SELECT name, status, attempts, report FROM images LIMIT 1").fetchall()
            present = {row[1] for row in self.db.execute("PRAGMA table_info(images)")}
            for column, kind in (("inode", "TEXT"), ("ctime", "INTEGER")):  # ledgers written before they were kept
                if column not in present:
                    self.db.execute(f"ALTER TABLE images ADD COLUMN {column} {kind}")
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{self.path} is not a readable batch ledger ({exc}); move it away to start "
                             "a new batch in this folder") from None

    @staticmethod
    def _stored(value):
        """A file name of another encoding than UTF-8 (lone surrogates) is kept as its bytes:
        SQLite's text must be UTF-8."""
        if isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return value.encode("utf-8", "surrogateescape")
        return value

    @staticmethod
    def _read(value):
        return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value

    def rows(self) -> dict[str, dict]:
        cursor = self.db.execute(f"SELECT {', '.join(self.COLUMNS)} FROM images")
        rows = ([self._read(v) for v in row] for row in cursor)
        return {row[0]: dict(zip(self.COLUMNS, row)) for row in rows}

    def attempts(self, name: str) -> int:
        row = self.db.execute("SELECT attempts FROM images WHERE name = ?", (self._stored(name),)).fetchone()
        return int(row[0] or 0) if row else 0

    def counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT status, COUNT(*) FROM images GROUP BY status").fetchall())

    def mark(self, name: str, **values) -> None:
        values["updated"] = time.time()
        keys = ["name", *values]
        self.db.execute(f"INSERT INTO images ({', '.join(keys)}) VALUES ({', '.join('?' * len(keys))}) "
                        f"ON CONFLICT(name) DO UPDATE SET {', '.join(f'{k}=excluded.{k}' for k in values)}",
                        [self._stored(v) for v in (name, *values.values())])

    def close(self) -> None:
        self.db.close()


def check_request(request: BatchRequest) -> None:
    """Refuse a misspelt step or an input that is not there before anything is made (a ledger,
    a cluster)."""
    for step in request.steps:
        if step not in STEPS:
            raise ValueError(f"unknown step {step!r} (choose from {', '.join(STEPS)})")
    if request.scheduler is None and request.slurm is None and request.workers < 1:
        raise ValueError(f"--workers {request.workers}: a local batch needs 1 or more worker processes "
                         "(with none it waited for ever)")
    for item in request.inputs:
        if not Path(item).exists():
            raise FileNotFoundError(f"{item}: no such file or folder")


def check_out_folder(request: BatchRequest) -> None:
    """Refuse, before a cluster starts, a request that cannot run (:func:`check_request`), whose
    output folder cannot be written, or that would mix a new run into an existing one (a run
    another is working on is refused by :func:`run_batch`, which marks the folder before it
    opens a cluster)."""
    check_request(request)
    out = Path(request.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ValueError(f"{out}: cannot write there ({exc.strerror or exc}); choose another --out") from None
    if request.resume or not (out / "ledger.sqlite").exists():
        return
    ledger = Ledger(out)
    try:
        _refuse_a_second_run(request, len(ledger.rows()))
    finally:
        ledger.close()


def _refuse_a_parallel_run(out: Path) -> None:
    """Two runs on one folder processed the same images and failed each other's (one's partial
    folder removed under the other)."""
    if (out / RUN_MARK).exists() and run_is_alive(out):
        try:
            mark = json.loads((out / RUN_MARK).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            mark = {}
        raise ValueError(f"{out}: another batch run is working on it (process {mark.get('pid')} on "
                         f"{mark.get('host')}); wait for it to end or stop it — if that machine is gone, "
                         f"delete {out / RUN_MARK}")


def _refuse_a_second_run(request: BatchRequest, known: int) -> None:
    if known and not request.resume:
        raise ValueError(f"{request.out} already holds a batch ({known} images in its ledger): "
                         f"add --resume to go on with it, or choose another --out")


def plan(request: BatchRequest, ledger: Ledger, keys: dict) -> tuple[list[tuple[str, Path, list]], int]:
    """The images to process now, each with the steps its folder already holds for this run
    (taken over, not run again), and how many were skipped as already done (or failed).
    ``keys``: the run's :func:`step_keys` (the ledger keeps them as the image's configuration)."""
    key = json.dumps(keys, sort_keys=True)
    known = ledger.rows()
    _refuse_a_second_run(request, len(known))
    todo, skipped = [], 0
    for name, path in list_inputs(request.inputs, skip=Path(request.out) / "images", known=names_by_image(known)):
        path = path.absolute()  # workers (and summary.csv) need it whatever their working folder
        try:
            identity = _file_identity(path)
        except OSError:
            identity = {"size": -1, "mtime": -1.0, "inode": None, "ctime": None}
        row = known.get(name)
        folder = Path(request.out) / "images" / name
        same_file = bool(row) and identity["size"] >= 0 and _same_file(row, identity, path, row["sha256"])
        same = same_file and row["config"] == key
        finished = same and row["status"] == "done" and (folder / "done.json").exists()
        held = {} if finished or identity["size"] < 0 else _held_steps(folder, path, identity)
        # a run asking less than the folder holds (or the same under a new name of a step) is done;
        # so is a folder finished as the run was interrupted (its done.json written, the ledger
        # not told): it was redone on resume
        complete = same_file and bool(held) and all(held.get(s) == k for s, k in keys.items())
        if complete and row["status"] != "done" and row["status"] != "failed":
            finished_report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
            ledger.mark(name, status="done", error=None, sha256=finished_report.get("sha256"),
                        report=json.dumps(_row_values(finished_report)))
            row = {**row, "status": "done"}
        finished = finished or (complete and row["status"] == "done")
        if finished or (same and row["status"] == "failed" and not request.retry_failed):
            if any(row[k] != identity[k] for k in identity) or row["image"] != str(path):
                # e.g. after a chmod (not hashed again), or the archive moved (summary.csv's paths)
                ledger.mark(name, image=str(path), **identity)
            skipped += 1
            continue
        # attempts count the tries of this file under this run's steps: a new file or new steps start again
        ledger.mark(name, image=str(path), config=key, status="pending", error=None, **identity,
                    **({} if same else {"attempts": 0}))
        todo.append((name, path, [step for step in REUSABLE if step in keys and held.get(step) == keys[step]]))
    return todo, skipped


# --------------------------------------------------------------------------------------------
# clusters


def open_client(request: BatchRequest):
    """A dask.distributed Client for the request: an existing scheduler, SLURM, or a
    LocalCluster of ``workers`` processes (each runs one image at a time)."""
    import dask
    from distributed import Client, LocalCluster

    # a dead worker's task is rescheduled up to `retries` times, then reported as lost; the
    # scheduler's and workers' routine INFO lines would bury the progress bar
    dask.config.set({"distributed.scheduler.allowed-failures": max(0, request.retries),
                     "logging.distributed": "warning",
                     # thread caps as Dask sets them, without its MALLOC_TRIM_THRESHOLD_ (see tune_malloc)
                     "distributed.nanny.pre-spawn-environ": {
                         name: request.threads_per_worker
                         for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}})
    import logging

    logging.getLogger("distributed").setLevel(logging.WARNING)
    if request.scheduler:
        from muralstudio.ops.remote import tls_missing

        missing = tls_missing(request.scheduler)
        if missing:
            raise ValueError(f"--scheduler {request.scheduler}: {missing}")
        return Client(request.scheduler, timeout="20s")
    if request.slurm is not None:
        try:
            from dask_jobqueue import SLURMCluster
        except ImportError:
            raise ValueError("SLURM needs dask-jobqueue: pip install 'muralstudio[cluster]'") from None
        slurm = request.slurm
        cluster = SLURMCluster(cores=slurm.get("cores", 8), memory=slurm.get("memory", "16GB"),
                               queue=slurm.get("queue"), walltime=slurm.get("walltime", "12:00:00"),
                               processes=1)
        cluster.scale(jobs=slurm.get("jobs", 4))
        return Client(cluster)
    # the worker processes start with Ctrl-C ignored (inherited): it is the console's to handle
    # (the ledger stays consistent); else every worker printed a KeyboardInterrupt traceback
    import signal
    import threading

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        cluster = LocalCluster(n_workers=request.workers, threads_per_worker=request.threads_per_worker,
                               processes=True, resources={"image": 1}, dashboard_address=":0",
                               env={"MURALSTUDIO_TASK_THREADS": str(request.threads_per_worker),
                                    "OMP_NUM_THREADS": str(request.threads_per_worker)})
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
    return Client(cluster)


def dashboard_of(client) -> str:
    try:
        return client.dashboard_link or "not available"
    except Exception:  # noqa: BLE001 — bokeh missing: the batch runs without a dashboard
        return "not available (pip install bokeh for the dashboard)"


# --------------------------------------------------------------------------------------------
# the run


@dataclass
class BatchResult:
    done: int
    failed: int
    skipped: int
    interrupted: int
    seconds: float
    #: Ctrl-C stopped the run (perhaps before any image was sent: while it planned)
    stopped: bool = False


def run_batch(request: BatchRequest, client=None, progress: Callable[[dict], None] | None = None,
              opened: Callable[[object], None] | None = None) -> BatchResult:
    """Process the request's images on ``client`` (opened from the request when None, and only
    when there is work: a resume with nothing to do took half a minute starting a cluster).
    ``progress`` gets {"done", "failed", "remaining", "total", "seconds", "last"} after each image;
    ``opened`` the client it opened."""
    from distributed import as_completed

    out = Path(request.out)
    check_request(request)
    out.mkdir(parents=True, exist_ok=True)
    mark_run(out)  # refuses while another run works on the folder
    try:
        ledger = Ledger(out)
    except BaseException:
        (out / RUN_MARK).unlink(missing_ok=True)
        raise
    started = time.perf_counter()
    own_client = client is None
    futures = {}
    done = failed = 0
    try:
        keys = step_keys(request.steps, request.engines)
        todo, skipped = plan(request, ledger, keys)
        if not todo:
            write_summary(out, ledger)
            return BatchResult(0, 0, skipped, 0, 0.0)
        if own_client:
            client = open_client(request)
            if opened:
                opened(client)
        local = request.scheduler is None and request.slurm is None
        if request.scheduler and not client.scheduler_info().get("workers"):
            import logging  # the run waits for one; say why it does not start (it sat silent)

            logging.getLogger(__name__).warning(
                "the scheduler %s has no worker yet: the images wait for one (start it with 'dask worker %s "
                "--preload muralstudio.ops.remote')", request.scheduler, request.scheduler)
        for name, path, reuse in todo:
            task = ImageTask(image=path.resolve(), out_dir=(out / "images" / name).resolve(),
                             steps=list(request.steps), engines=dict(request.engines), device=request.device,
                             step_keys=keys, reuse=reuse)
            # the scheduler's messages are UTF-8: a name of another encoding goes escaped in the key
            future = client.submit(process_image, task,
                                   key=f"muralstudio-{name.encode('utf-8', 'surrogateescape').decode('utf-8', 'backslashreplace')}-{time.time_ns()}",
                                   pure=False, resources={"image": 1} if local else None)
            futures[future] = name
            ledger.mark(name, status="running")
        for future in as_completed(list(futures)):
            name = futures.pop(future)
            attempts = ledger.attempts(name) + 1
            try:
                summary = future.result()
            except Exception as exc:  # noqa: BLE001 — the worker died `retries` times
                summary = {"status": "failed", "error": f"{name}: lost: {type(exc).__name__}: {exc}",
                           "seconds": None, "sha256": None, "worker": None}
            ledger.mark(name, status=summary["status"], error=summary["error"], seconds=summary["seconds"],
                        sha256=summary["sha256"], worker=summary["worker"], attempts=attempts,
                        report=json.dumps(summary.get("report")) if summary.get("report") else None)
            done += summary["status"] == "done"
            failed += summary["status"] != "done"
            if progress:
                progress({"done": done, "failed": failed, "remaining": len(futures), "total": len(todo),
                          "seconds": time.perf_counter() - started, "last": summary})
        return BatchResult(done, failed, skipped, 0, time.perf_counter() - started)
    except KeyboardInterrupt:
        for future, name in futures.items():
            future.cancel()
            ledger.mark(name, status="interrupted")
        return BatchResult(done, failed, 0, len(futures), time.perf_counter() - started, stopped=True)
    finally:
        write_summary(out, ledger)
        ledger.close()
        (out / RUN_MARK).unlink(missing_ok=True)
        if own_client and client is not None:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()


def write_summary(out: Path, ledger: Ledger) -> Path:
    """OUT/summary.csv, one row per image in the ledger (written whole, atomically)."""
    rows = []
    for name, row in sorted(ledger.rows().items()):
        values = json.loads(row["report"]) if row["report"] else {}
        rows.append({"name": name, "image": row["image"], "status": row["status"], "sha256": row["sha256"],
                     "attempts": row["attempts"], "error": row["error"], **values,
                     "seconds": row["seconds"]})
    columns = ["name", "image", "status", "seconds", "width", "height", "attempts", "sha256", "error"]
    for row in rows:
        columns += [k for k in row if k not in columns]
    from muralstudio.core.atomic import atomic_write

    path = Path(out) / "summary.csv"
    # with a byte-order mark, so Excel reads the (often Chinese) image names right
    with atomic_write(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


RUN_MARK = "run.json"  # the running batch's process, for `status` to tell a run from a crash


def mark_run(out: Path) -> None:
    """Write OUT/run.json for this process, refusing when another live run holds it: created
    exclusively, so two runs started together cannot both pass the check."""
    import socket

    import psutil  # comes with dask.distributed

    mark = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                       "started": psutil.Process().create_time()})
    path = Path(out) / RUN_MARK
    for _ in range(2):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            _refuse_a_parallel_run(Path(out))
            path.unlink(missing_ok=True)  # a run that is gone: its mark is stale
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(mark)
        return
    _refuse_a_parallel_run(Path(out))
    raise ValueError(f"{path}: could not mark the run (another run started at the same moment?)")


def run_is_alive(out: Path) -> bool:
    """Whether the process that marked ``out`` as running still runs: the same process id,
    started at the same time (a number reused after a restart is not the run). Another host's
    run is taken to be alive: it cannot be asked from here. (Not ``os.kill(pid, 0)``: on
    Windows that sends Ctrl-C to the process.)"""
    import socket

    import psutil

    try:
        mark = json.loads((Path(out) / RUN_MARK).read_text(encoding="utf-8"))
        pid, started = int(mark["pid"]), float(mark.get("started", 0))
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if mark.get("host") != socket.gethostname():
        return True
    try:
        return abs(psutil.Process(pid).create_time() - started) < 1.0
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return True


def _existing_ledger(out: Path) -> Ledger:
    """The ledger of the batch in ``out``; a folder without one is said, and nothing is made."""
    if not (Path(out) / "ledger.sqlite").exists():
        raise FileNotFoundError(f"{out}: no batch here (no ledger.sqlite)")
    return Ledger(Path(out))


def status(out: Path) -> dict:
    ledger = _existing_ledger(out)
    try:
        rows = ledger.rows()
        counts = ledger.counts()
        if counts.get("running") and not run_is_alive(out):
            # the run was killed (power cut, kill -9): its images are not running any more
            counts["interrupted"] = counts.get("interrupted", 0) + counts.pop("running")
        failed = [(n, r["error"]) for n, r in sorted(rows.items()) if r["status"] == "failed"]
        seconds = [r["seconds"] for r in rows.values() if r["status"] == "done" and r["seconds"]]
        return {"total": len(rows), "counts": counts, "failed": failed,
                "median_seconds": sorted(seconds)[len(seconds) // 2] if seconds else None}
    finally:
        ledger.close()


def report(out: Path) -> dict:
    """Totals over the finished images: damage area per class (px, cm² where known), element
    counts per class; rewrites summary.csv."""
    ledger = _existing_ledger(out)
    try:
        totals: dict[str, float] = {}
        done = 0
        for row in ledger.rows().values():
            if row["status"] != "done" or not row["report"]:
                continue
            done += 1
            for key, value in json.loads(row["report"]).items():
                if (key.startswith("damage_") or key.startswith("elements_")) and value is not None:
                    totals[key] = totals.get(key, 0) + value
        summary = write_summary(Path(out), ledger)
        return {"images": done, "totals": totals, "summary": str(summary)}
    finally:
        ledger.close()


def console_progress(stream=sys.stderr) -> Callable[[dict], None]:
    """A one-line progress bar: done / failed / remaining, throughput and ETA (rewritten in
    place on a terminal; one line per image into a log file or pipe)."""
    live = hasattr(stream, "isatty") and stream.isatty()

    def show(state: dict) -> None:
        finished = state["done"] + state["failed"]
        rate = finished / state["seconds"] * 60 if state["seconds"] > 0 else 0.0
        eta = state["remaining"] / rate if rate > 0 else float("nan")
        width = 30
        filled = int(width * finished / max(1, state["total"]))
        start, end = ("\r", "") if live else ("", "\n")
        stream.write(f"{start}[{'#' * filled}{'.' * (width - filled)}] done {state['done']} · failed "
                     f"{state['failed']} · remaining {state['remaining']} · {rate:.1f} images/min · "
                     f"ETA {eta:.1f} min {end}")
        if state["last"]["status"] != "done":
            stream.write(f"\n  failed: {state['last']['error']}\n")
        stream.flush()

    return show
