"""Window benchmark on a generated 30000×30000 16-bit RGB tiled TIFF.

Prints: time from launch (QApplication + window) to the first paint of the image, peak memory
(VmHWM) while panning across it, and frame times of 100 scripted pans (median, p95), with a
baseline in the same run: decoding the whole image as a viewer without tiles must.

    python bench/gui_bench.py [--size 30000] [--workdir DIR]

Runs offscreen (QT_QPA_PLATFORM=offscreen) unless a display is set. The overview pyramid is
built in the background as in real use, so pans compete with it for the 2 cores.
Targets: first paint < 3 s, peak RSS < 1.5 GB, median pan frame < 16 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchutil import peak_rss_mib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_image(path: Path, size: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from io_bench import make_test_image

    make_test_image(path, size)


def measure(path: Path, cache: Path) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["MURALSTUDIO_CACHE"] = str(cache)
    start = time.perf_counter()
    from PySide6.QtCore import QCoreApplication

    from muralstudio.gui.app import create_app
    from muralstudio.gui.main_window import MainWindow

    app = create_app()
    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    window.open_path(path)
    QCoreApplication.processEvents()
    window.view.viewport().repaint()  # requests the visible tiles
    window.view.wait_for_tiles()
    window.view.viewport().repaint()  # the first frame with the image
    first_paint = time.perf_counter() - start
    frames, tiles_ms = [], []
    bar_h, bar_v = window.view.horizontalScrollBar(), window.view.verticalScrollBar()
    for i in range(100):
        QCoreApplication.processEvents()
        t0 = time.perf_counter()
        bar_h.setValue(bar_h.value() + (300 if (i // 25) % 2 == 0 else -300))
        bar_v.setValue(bar_v.value() + 120)
        window.view.viewport().repaint()  # the frame: cached tiles, coarser stand-ins for new ones
        frames.append((time.perf_counter() - t0) * 1000)
        tiles_ms.append(_settle(window))
    window.view.fit()  # the zoomed-out view, from whatever pyramid levels exist yet
    t0 = time.perf_counter()
    window.view.viewport().repaint()
    fit_ms = (time.perf_counter() - t0) * 1000
    window.jobs.shutdown()
    window.doc.mark_clean()
    window.close()
    app.processEvents()
    frames.sort()
    return {"first_paint_s": first_paint, "peak_mib": peak_rss_mib(),
            "pan_median_ms": frames[len(frames) // 2], "pan_p95_ms": frames[int(len(frames) * 0.95)],
            "tiles_median_ms": sorted(tiles_ms)[len(tiles_ms) // 2],
            "fit_frame_ms": fit_ms}


def _settle(window) -> float:
    """Milliseconds until the tiles a pan revealed have arrived (sharp image again)."""
    t0 = time.perf_counter()
    window.view.wait_for_tiles()
    return (time.perf_counter() - t0) * 1000


def baseline(path: Path) -> dict:
    import tifffile

    start = time.perf_counter()
    tifffile.imread(path, maxworkers=1)
    return {"seconds": time.perf_counter() - start, "peak_mib": peak_rss_mib()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=30000)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "muralstudio-bench")
    parser.add_argument("--child", choices=("window", "baseline"))
    args = parser.parse_args()
    path = args.workdir / f"mural-{args.size}.tif"
    if args.child:
        result = measure(path, args.workdir / "gui-cache") if args.child == "window" else baseline(path)
        print(json.dumps(result))
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        print(f"writing {path} …", flush=True)
        make_image(path, args.size)
    results = {}
    for child in ("window", "baseline"):
        out = subprocess.run([sys.executable, __file__, "--child", child, "--size", str(args.size),
                              "--workdir", str(args.workdir)], capture_output=True, text=True)
        if out.returncode:
            print(out.stderr[-3000:], file=sys.stderr)
            return 1
        results[child] = json.loads(out.stdout.strip().splitlines()[-1])
    w, b = results["window"], results["baseline"]
    print(f"\nwindow benchmark: {args.size}×{args.size} 16-bit RGB tiled TIFF "
          f"({path.stat().st_size / 2**30:.1f} GiB), window 1600×1000")
    print(f"{'measure':<40}{'value':>12}  target")
    print(f"{'launch to first paint':<40}{w['first_paint_s']:>10.2f} s  < 3 s")
    print(f"{'peak RSS (open + 100 pans)':<40}{w['peak_mib']:>8.0f} MiB  < 1536 MiB")
    print(f"{'pan frame, median':<40}{w['pan_median_ms']:>9.1f} ms  < 16 ms")
    print(f"{'pan frame, p95':<40}{w['pan_p95_ms']:>9.1f} ms")
    print(f"{'new tiles sharp after a pan, median':<40}{w['tiles_median_ms']:>9.1f} ms")
    print(f"{'fit-to-window frame (overview building)':<40}{w['fit_frame_ms']:>9.1f} ms")
    print(f"{'baseline: decode whole image':<40}{b['seconds']:>10.2f} s  ({b['peak_mib']:.0f} MiB) "
          f"-> first paint {b['seconds'] / w['first_paint_s']:.1f}× sooner")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
