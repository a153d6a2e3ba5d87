"""How long the window stops answering while a conservator edits a very large image.

Generates a damaged 16-bit RGB tiled TIFF (12000×9000 = 108 Mpx by default), opens it in the
real window (offscreen unless a display is set) and does what a restoration artist does: a brush
stroke, Detect, walking and deciding proposals, a lasso, undo/redo, re-thresholding, Accept all,
a restoration and its apply, saving and an autosave. A 20-ms timer on the window's thread
measures each action's longest gap (the freeze a user feels). The baseline, in the same run, is
the action's whole duration until the window and its threads are idle again: the freeze a window
doing that work on its own thread would show. ``ratio`` = baseline / longest gap.

    python bench/gui_stalls.py [--size 12000x9000] [--workdir DIR] [--engine flecks]

The Measurements dock is shown, so every edit is also measured (its worst case).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchutil import peak_rss_mib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_damaged_image(path: Path, width: int, height: int) -> None:
    """A 16-bit damaged mural written tile by tile: a 2048² generated motif with synthetic
    craquelure and paint loss, mirrored across the canvas, with noise in the low bits."""
    import tifffile

    from muralstudio.core import synth

    tile = 256
    motif, _ = synth.generate_mural(2048, 2048, seed=11, bit_depth=16)
    motif, _ = synth.apply_damage(motif, kinds=("cracks", "loss"), seed=3)
    rng = np.random.default_rng(0)

    def tiles():
        for y in range(0, height, tile):
            for x in range(0, width, tile):
                my, mx = y % 2048, x % 2048
                block = motif[my:my + tile, mx:mx + tile]
                if (y // 2048) % 2:
                    block = block[::-1]
                if (x // 2048) % 2:
                    block = block[:, ::-1]
                block = np.pad(block, ((0, tile - block.shape[0]), (0, tile - block.shape[1]), (0, 0)))
                yield block + rng.integers(0, 64, block.shape, dtype=np.uint16)

    tifffile.imwrite(path, tiles(), shape=(height, width, 3), dtype=np.uint16, tile=(tile, tile),
                     photometric="rgb", compression="zlib", compressionargs={"level": 1},
                     bigtiff=True, metadata=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="12000x9000", help="WIDTHxHEIGHT of the generated TIFF")
    parser.add_argument("--workdir", type=Path, help="where the image and project go (kept)")
    parser.add_argument("--engine", default="flecks", help="detector (flecks: no weights needed)")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="gui-stalls-"))
    workdir.mkdir(parents=True, exist_ok=True)
    image = workdir / f"damaged_{width}x{height}.tif"
    if not image.exists():
        t0 = time.perf_counter()
        make_damaged_image(image, width, height)
        print(f"generated {image} in {time.perf_counter() - t0:.0f} s", flush=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["MURALSTUDIO_CACHE"] = str(workdir / "cache")
    os.environ["XDG_CONFIG_HOME"] = str(workdir / "config")  # default settings, no recent files
    run(image, workdir, args.engine)


def run(image: Path, workdir: Path, engine: str) -> None:
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QMessageBox

    from muralstudio.gui.app import create_app
    from muralstudio.gui.main_window import MainWindow

    app = create_app()  # noqa: F841 — kept alive
    QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    window = MainWindow()
    errors = []
    window.show_error = errors.append  # a message box would block the script
    window.resize(1500, 950)
    window.show()
    ticks: list[float] = []
    heartbeat = QTimer(interval=20, timeout=lambda: ticks.append(time.perf_counter()))
    heartbeat.start()

    def pump(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            QCoreApplication.processEvents()
            time.sleep(0.002)

    pools = (window.measurements_dock._pool, window.detect_dock._walk_pool)  # one worker each

    def busy() -> bool:
        return (any(r.current is not None or r.queue for r in (window.jobs, window.file_jobs))
                or window.measurements_dock._timer.isActive() or window.detect_dock._rethreshold.isActive())

    def idle_since() -> float:
        """When the window's jobs and its docks' threads finished the work queued so far (a
        no-op queued behind it has run), confirmed by 100 ms without new work."""
        while True:
            markers = None
            while True:
                QCoreApplication.processEvents()
                if busy():
                    markers = None
                elif markers is None:
                    markers = [pool.submit(lambda: None) for pool in pools]
                elif all(marker.done() for marker in markers):
                    break
                time.sleep(0.002)
            end = time.perf_counter()
            pump(0.1)  # results posted back to the window's thread
            # asked without blocking: waiting here on a busy pool stopped the window's thread
            # and was counted as the action's gap (0.6 s after a restore)
            markers = [pool.submit(lambda: None) for pool in pools]
            pump(0.02)
            if not busy() and all(marker.done() for marker in markers):
                return end

    rows = []

    def act(name: str, action) -> None:
        pump(0.3)
        ticks.clear()
        t0 = time.perf_counter()
        action()
        t1 = idle_since()
        gaps = np.diff([t0] + [t for t in ticks if t <= t1] + [t1]) * 1000
        stall, total = float(gaps.max()), (t1 - t0) * 1000
        rows.append((name, stall, total))
        print(f"  {name}: longest gap {stall:.0f} ms of {total:.0f} ms", flush=True)

    def wait_job(job) -> None:
        while job is not None and job.state not in ("done", "failed", "cancelled"):
            QCoreApplication.processEvents()
            time.sleep(0.002)

    act("open (until overview built)", lambda: window.open_path(image))
    doc, view = window.doc, window.view
    window.measurements_dock.show()
    window.measurements_dock.raise_()
    view.set_zoom(1.0)
    view.centerOn(doc.width / 2, doc.height / 2)

    def stroke():
        window.tool_actions["brush"].trigger()
        x0, y0 = doc.width // 2 - 200, doc.height // 2 - 100
        window._stroke_started(x0, y0)
        for i in range(1, 60):
            window._stroke_moved(x0 + i * 6, y0 + (i % 7) * 3)
            QCoreApplication.processEvents()
        window._stroke_finished()

    act("brush stroke", stroke)
    detect = window.detect_dock
    detect.engine.setCurrentIndex(detect.engine.findData(engine))
    act("Detect (job to done)", lambda: wait_job(detect.run()))
    act("Next region (first walk)", lambda: detect.step_region(1))
    act("accept (Enter)", lambda: detect.decide_shown(True))
    act("Next region", lambda: detect.step_region(1))
    act("reject (Backspace)", lambda: detect.decide_shown(False))
    cx, cy, side = doc.width // 2, doc.height // 2, min(doc.width, doc.height) // 3
    lasso = [(cx - side // 2, cy - side // 2), (cx + side // 2, cy - side // 2),
             (cx + side // 2, cy + side // 2), (cx - side // 2, cy + side // 2)]
    act(f"lasso {side}² accept", lambda: detect.review_lasso(lasso, True))
    act("undo", doc.undo)
    act("redo", doc.redo)
    act("sensitivity +5 (re-threshold)", lambda: detect.sensitivity.setValue(detect.sensitivity.value() + 5))
    act("Accept all", detect.accept_all_asked)
    act("undo (Accept all)", doc.undo)
    act("redo (Accept all)", doc.redo)
    inpaint = window.inpaint_dock
    inpaint.engine.setCurrentIndex(inpaint.engine.findData("telea"))
    act("restore, telea (job to done)", lambda: wait_job(inpaint.run()))
    act("apply", inpaint.apply)
    act("save project", lambda: window._save_to(workdir / f"{image.stem}.mural"))
    stroke()  # something to recover: a clean document is not autosaved
    act("autosave (recovery copy)", window.autosave)

    print(f"\n{image.name}: {doc.width}×{doc.height}, 16-bit RGB; peak RSS {peak_rss_mib():.0f} MiB;"
          f" 2 cores. Longest gap of a 20-ms timer on the window's thread (what the user feels),"
          f" against the action's whole duration (a window doing the work on its own thread).\n")
    print("| action | longest gap (ms) | baseline: whole action (ms) | ratio |")
    print("|---|---:|---:|---:|")
    for name, stall, total in rows:
        print(f"| {name} | {stall:,.0f} | {total:,.0f} | {total / max(stall, 1):.1f}× |")
    if errors:
        print("\nerrors shown:", *errors, sep="\n  ")
    doc.mark_clean()
    window.close()
    os._exit(0)


if __name__ == "__main__":
    main()
