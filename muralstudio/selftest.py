"""``muralstudio --selftest``: a headless check that an installation works end to end.

Loads every model whose weights ship with this installation, opens the demo document, runs a
click segmentation, an inpainting, a damage detection and an element labeling (where a labeler
is installed), exports a TIFF and reads it back, builds the window offscreen, checks each
result against what the generated demo is known to contain, prints a short report and returns
0 (all passed) or 1.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np


class Report:
    def __init__(self, out=sys.stdout):
        self.rows: list[tuple[str, str, str, float]] = []
        self.out = out

    def check(self, name: str, fn) -> object:
        start = time.perf_counter()
        try:
            detail = fn()
            status = "SKIP" if isinstance(detail, str) and detail.startswith("skipped") else "ok"
        except Exception as exc:  # noqa: BLE001 - every failure is reported, then the next check runs
            detail, status = f"{type(exc).__name__}: {exc}", "FAIL"
            if os.environ.get("MURALSTUDIO_SELFTEST_TRACE"):
                traceback.print_exc()
        seconds = time.perf_counter() - start
        self.rows.append((name, status, str(detail), seconds))
        print(f"  {status:<4} {name:<22} {seconds:6.2f} s  {detail}", file=self.out, flush=True)
        return detail

    @property
    def failed(self) -> bool:
        return any(status == "FAIL" for _, status, _, _ in self.rows)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def run(out=sys.stdout) -> int:
    from muralstudio import __version__
    from muralstudio.core import export, imageio, maskops, metrics, synth
    from muralstudio.core.document import Document
    from muralstudio.core.imageio import read_image
    from muralstudio.engines import catalogue, detection, inpainting, registry, segmentation

    print(f"MuralStudio {__version__} self-test ({sys.executable}"
          f"{', frozen' if getattr(sys, 'frozen', False) else ''})", file=out)
    report = Report(out)
    state: dict = {}

    def models():
        rows = catalogue.list_engines()
        missing = [r["name"] for r in rows if not r["present"]]
        _require(not missing, f"weights missing for {', '.join(missing)}")
        for row in rows:
            if row["weights"] and row["present"]:  # building the engine loads (and strictly checks) its weights
                registry.get(row["kind"], row["name"])()
        shipped = [r["name"] for r in rows if r["weights"]]
        return f"{len(rows)} engines, weights loaded for {', '.join(shipped) or 'none'}"

    def demo():
        damaged, clean, masks, labels = synth.demo_document_pixels(800, 560)
        doc = Document.from_array(damaged, name="self-test demo")
        state.update(doc=doc, clean=clean, masks=masks, labels=labels, damaged=damaged)
        _require(damaged.dtype == np.uint16 and masks["loss"].any(), "demo document is wrong")
        return f"{doc.width}×{doc.height} 16-bit, {masks['loss'].mean():.1%} paint loss"

    def segment():
        truth = maskops.largest_region(state["masks"]["loss"])  # the largest paint loss
        results = []
        # the engines artists click with (grabcut is the benchmark's baseline)
        for name in [n for n in ("classic", "clicknet") if n in registry.available("segmenter")]:
            session = segmentation.create(name).session(state["doc"].source)
            score = [s for s, _ in segmentation.simulate_clicks(session, truth, max_clicks=3)][-1]
            _require(score > 0.7, f"{name}: IoU {score:.2f} after 3 clicks")
            results.append(f"{name} IoU {score:.2f}")
        return ", ".join(results) + " (3 clicks)"

    def inpaint():
        doc, hole = state["doc"], state["masks"]["loss"]
        result = inpainting.inpaint(doc.source, hole, inpainting.InpaintOptions(engine="telea"))
        doc.add_restoration(result.patches, result.record)
        doc.apply_restoration(doc.layers[-1])
        restored = doc.restored_image()
        _require(np.array_equal(restored[~hole], state["damaged"][~hole]), "pixels outside the mask changed")
        before = metrics.psnr(state["clean"], state["damaged"])
        after = metrics.psnr(state["clean"], restored)
        _require(after > before + 1.0, f"PSNR {before:.1f} → {after:.1f} dB")
        state["restored"] = restored
        return f"telea, PSNR {before:.1f} → {after:.1f} dB, {len(result.patches)} regions"

    def neural_inpaint():
        from muralstudio.engines.weights import find_weights

        shipped = [n for n in ("edgeconnect", "pconv", "fourier")
                   if find_weights(registry.get("inpainter", n).weights_name) is not None]
        if not shipped:
            return "skipped: no network inpainter weights installed"
        hole = state["masks"]["loss"][:256, :256]
        clean, damaged = state["clean"][:256, :256], state["damaged"][:256, :256]
        results = []
        for name in shipped:
            result = inpainting.inpaint(damaged, hole, inpainting.InpaintOptions(engine=name))
            restored = inpainting.apply_patches(damaged, result.patches)
            _require(np.array_equal(restored[~hole], damaged[~hole]), f"{name} changed pixels outside the mask")
            # inside the hole only: the demo's fading and cracks elsewhere are not this test's
            before, after = metrics.psnr(clean[hole], damaged[hole]), metrics.psnr(clean[hole], restored[hole])
            _require(after > before + 3.0, f"{name}: PSNR in the hole {before:.1f} → {after:.1f} dB")
            results.append(f"{name} {before:.1f} → {after:.1f} dB in the hole")
        return ", ".join(results)

    def detect():
        names = registry.available("detector")
        if not names:
            return "skipped: no detector installed"
        results = []
        if detection.DEFAULT_DETECTOR in names:  # the default, on flakes of ground in a dark robe
            rgb, loss = synth.flakes_in_dark_paint()
            found = detection.detect(rgb, detection.create(detection.DEFAULT_DETECTOR)).mask("paint loss")
            share, spill = (found & loss).sum() / loss.sum(), (found & ~loss).sum() / (~loss).sum()
            _require(share > 0.8 and spill < 0.01, f"{detection.DEFAULT_DETECTOR}: {share:.0%} of the flakes "
                                                   f"found, {spill:.1%} of the intact paint flagged")
            results.append(f"{detection.DEFAULT_DETECTOR}, {share:.0%} of the flakes in a dark robe found")
        if "resunet" in names or not results:  # the synthetic damage of the demo
            name = "resunet" if "resunet" in names else names[0]
            result = detection.detect(state["damaged"], detection.create(name))
            score = metrics.iou(state["masks"]["loss"], result.mask("paint loss", min_area=16))
            _require(score > 0.5, f"{name}: paint-loss IoU {score:.2f}")
            results.append(f"{name}, paint-loss IoU {score:.2f} on the demo")
        return "; ".join(results)

    def label():
        names = registry.available("labeler")
        if not names:
            return "skipped: no labeler engine is installed in this version"
        from muralstudio.engines import labeling

        labeler = labeling.create(names[0])
        image = imageio.to_rgb8(state["damaged"])
        result = labeling.label(image, labeler)
        _require(result.labels.shape == image.shape[:2] and result.labels.max() < len(labeler.classes),
                 "label map has the wrong size or values")
        # six overlapping windows instead of one: stitching must hold (the network sees less
        # context per window, so a few percent of pixels may change)
        windowed = labeling.label(image, labeler, window=256)
        agreement = float((windowed.labels == result.labels).mean())
        _require(agreement > 0.85, f"windowed and whole-image labels agree on {agreement:.0%} only")
        elements = labeling.elements_of(result, image, labeler, min_area=64)
        _require(all(abs(np.linalg.norm(e.embedding) - 1) < 1e-3 for e in elements),
                 "element embeddings are not unit vectors")
        present = [labeler.classes[i][0] for i in np.unique(result.labels)]
        return (f"{names[0]}, classes {', '.join(present)}, {len(elements)} elements, "
                f"windows agree {agreement:.1%}")

    def export_tiff():
        with tempfile.TemporaryDirectory(prefix="muralstudio-selftest-") as folder:
            path = export.export_restored(state["doc"], Path(folder) / "restored.tif")
            back = read_image(path)
            _require(back.info.bit_depth == 16, f"exported {back.info.bit_depth}-bit")
            _require(np.array_equal(back.pixels, state["restored"]), "exported pixels differ")
            return f"{path.stat().st_size / 1e6:.1f} MB 16-bit TIFF, pixels identical"

    def window():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QtMsgType, qInstallMessageHandler
        from PySide6.QtWidgets import QApplication

        def quiet_offscreen(kind, context, message):  # the offscreen plugin's notes are not faults
            if "propagateSizeHints" not in message and kind != QtMsgType.QtDebugMsg:
                print(message, file=sys.stderr)

        qInstallMessageHandler(quiet_offscreen)

        from muralstudio.gui.main_window import MainWindow, demo_document

        app = QApplication.instance() or QApplication(["muralstudio-selftest"])
        win = MainWindow()
        win.set_document(demo_document())
        win.resize(900, 600)
        win.show()
        app.processEvents()
        win.doc.mark_clean()
        win.close()
        app.processEvents()
        return f"window built offscreen ({app.platformName()})"

    for name, fn in (("models", models), ("demo document", demo), ("click segmentation", segment),
                     ("inpainting", inpaint), ("network inpainting", neural_inpaint),
                     ("damage detection", detect), ("element labeling", label),
                     ("TIFF export", export_tiff), ("window", window)):
        if name not in ("models", "demo document", "window") and "doc" not in state:
            report.rows.append((name, "FAIL", "no demo document", 0.0))
            continue
        report.check(name, fn)
    total = sum(r[3] for r in report.rows)
    verdict = "FAILED" if report.failed else "passed"
    print(f"self-test {verdict} in {total:.1f} s", file=out)
    return 1 if report.failed else 0
