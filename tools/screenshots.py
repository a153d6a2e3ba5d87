"""Screenshots for the README, taken from the real window under X (Xvfb when headless).

    python tools/screenshots.py            # writes docs/screenshots/*.png

Needs an X display: it starts `Xvfb :97` itself when DISPLAY is unset (Debian: apt-get install
xvfb libxcb-cursor0 libxkbcommon-x11-0 fonts-noto-cjk; the CJK fonts draw the Chinese UI).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def shoot(language: str) -> None:
    import numpy as np
    from PySide6.QtCore import QCoreApplication

    from muralstudio.engines import inpainting
    from muralstudio.gui.app import create_app, install_translation
    from muralstudio.gui.main_window import MainWindow, demo_document

    app = create_app()
    install_translation(app, language)
    window = MainWindow()
    window.resize(1500, 950)
    doc = demo_document()
    window.set_document(doc)
    window.show()
    hole = doc.layer_by_name("paint loss").data >= 128
    result = inpainting.inpaint(doc.source, hole, inpainting.InpaintOptions(engine="patchmatch"))
    doc.add_restoration(result.patches, result.record)
    doc.set_property(doc.layer_by_name("paint loss"), "visible", False)

    def settle():
        for _ in range(20):
            QCoreApplication.processEvents()
            window.view.viewport().repaint()
            window.view.wait_for_tiles()
            time.sleep(0.05)

    window.view.fit()
    settle()
    OUT.mkdir(parents=True, exist_ok=True)
    if language == "en":
        window.grab().save(str(OUT / "main-window.png"))
        window.set_compare("split")
        window.view.split_fraction = 0.5
        settle()
        window.grab().save(str(OUT / "compare-split.png"))
        window.set_compare("difference")
        settle()
        window.grab().save(str(OUT / "compare-difference.png"))
        window.set_compare("off")
        shoot_tools(window, doc, settle)
    else:
        window.grab().save(str(OUT / f"{language}.png"))
        window.resize(1280, 720)  # a laptop screen: everything must stay on it
        settle()
        window.grab().save(str(OUT / f"{language}-1280x720.png"))
    doc.mark_clean()
    window.close()
    del np


def wait(condition, timeout=120.0):
    from PySide6.QtCore import QCoreApplication

    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.02)


def shoot_tools(window, doc, settle) -> None:
    """The click tool with one click on a paint loss, the Detect dock's result, then the
    Elements dock after labeling."""
    import cv2
    import numpy as np

    from muralstudio.core import maskops
    from muralstudio.engines import segmentation

    for layer in doc.layers:
        if layer.kind == "restoration":
            doc.remove_layer(layer)
    # the benchmark's first click on the largest paint loss
    click = segmentation.next_click(maskops.largest_region(doc.layer_by_name("paint loss").data), None)
    x, y = click.x, click.y
    window.view.actual_size()
    window.view.centerOn(float(x), float(y))
    window.tool_actions["click"].trigger()
    window.click_tool.add_click(float(x), float(y), True)
    wait(lambda: window.click_tool.state == "ready")
    settle()
    window.grab().save(str(OUT / "click-tool.png"))
    window.click_tool.discard()
    window.tool_actions["navigate"].trigger()
    from PySide6.QtWidgets import QDockWidget

    # Detect and review on a photograph of a real wall (a validation cave of our real-damage set:
    # flakes in a black sawtooth band) when ../shared is beside the project, else on the demo
    real = ROOT.parent / "shared" / "datasets" / "murals" / "northern-liang-wei" / "beiwei-xi7-d.jpg"
    if real.exists():
        window.open_path(real)
    else:
        for name in ("cracks", "paint loss"):
            doc.set_property(doc.layer_by_name(name), "visible", False)
    shown = window.doc
    window.findChild(QDockWidget, "detect").raise_()
    job = window.detect_dock.run()
    wait(lambda: job.state in ("done", "failed", "cancelled"))
    window.view.fit()
    settle()
    window.grab().save(str(OUT / "detect.png"))
    # review: accept the two largest proposed paint-loss regions, reject a third, zoomed in on them
    window.tool_actions["review"].trigger()
    layer = window.detect_dock.proposal_layers().get("paint loss")
    if layer is not None and layer.area:
        count, regions, stats, _ = cv2.connectedComponentsWithStats((layer.data >= 128).astype(np.uint8))
        order = 1 + np.argsort(-stats[1:, cv2.CC_STAT_AREA])[:3]
        x, y, w, h = cv2.boundingRect(np.isin(regions, order).astype(np.uint8))
        window.view.show_rect(x, y, w, h, 0.15)
        for k, accept in zip(order, (True, True, False)):
            ys, xs = (regions == k).nonzero()
            window.detect_dock.review_at(float(xs[len(xs) // 2]), float(ys[len(ys) // 2]), accept)
        # then the walk (Next region): the first region left, zoomed in and framed, its confidence shown
        step = window.detect_dock.step_region(1)
        if step is not None:
            bx, by, bw, bh = step[1]
            window._show_cursor(bx + bw // 2, by + bh // 2)  # the detector's confidence in the status bar
    settle()
    window.grab().save(str(OUT / "review.png"))
    if real.exists():
        shown.mark_clean()
        window.set_document(doc)
    window.tool_actions["navigate"].trigger()
    # the Elements dock: PSP-M labels, the gallery, and "find similar" for the first element
    for layer in list(doc.layers):
        if layer.kind == "mask":
            doc.set_property(layer, "visible", False)
    window.findChild(QDockWidget, "elements").raise_()
    job = window.elements_dock.run()
    wait(lambda: job.state in ("done", "failed", "cancelled"))
    gallery = window.elements_dock.gallery
    if gallery.count():
        gallery.item(0).setSelected(True)
        job = window.elements_dock.find_similar()
        wait(lambda: job.state in ("done", "failed", "cancelled"))
    settle()
    window.grab().save(str(OUT / "elements.png"))


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--language":
        shoot(sys.argv[2])
        return 0
    env = dict(os.environ)
    xvfb = None
    if not env.get("DISPLAY"):
        xvfb = subprocess.Popen(["Xvfb", ":97", "-screen", "0", "1600x1000x24"])
        env["DISPLAY"] = ":97"
        time.sleep(2)
    env.pop("QT_QPA_PLATFORM", None)
    try:
        for language in ("en", "zh_CN"):
            subprocess.run([sys.executable, __file__, "--language", language], env=env, check=True)
    finally:
        if xvfb:
            xvfb.terminate()
    print(f"screenshots in {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
