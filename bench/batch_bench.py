"""Archive batches on Dask: throughput with 1 and 2 local workers, the scheduler's overhead per
image against a plain loop over the same ops calls, and the peak memory of a worker on a large
tiled TIFF.

    python bench/batch_bench.py [--images 8] [--side 2048] [--large-mpx 200] [--steps detect,label]
                                [--engines detect=resunet]   (default: the batch runner's engines)

Prints three tables; ratios are against the baselines run in the same process (one worker;
the plain loop). Images are generated (16-bit TIFFs of procedural murals); nothing is
downloaded.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchutil import peak_rss_mib  # noqa: E402


def make_images(folder: Path, count: int, side: int) -> list[Path]:
    from muralstudio.core import imageio, synth

    folder.mkdir(parents=True, exist_ok=True)
    tile = synth.generate_mural(512, 512, seed=0)[0]
    paths = []
    for i in range(count):
        reps = (side + 511) // 512
        pixels = np.tile(np.roll(tile, 37 * i, axis=1), (reps, reps, 1))[:side, :side]
        path = folder / f"image-{i:03d}.tif"
        imageio.write_tiff(path, pixels.astype(np.uint16) * 257)
        paths.append(path)
    return paths


def make_large_tiff(path: Path, megapixels: int) -> Path:
    """A tiled 8-bit RGB TIFF of about ``megapixels``, written tile by tile (never whole in memory)."""
    import tifffile

    from muralstudio.core import synth

    side = int(np.sqrt(megapixels * 1e6)) // 256 * 256
    tile = synth.generate_mural(256, 256, seed=5)[0]

    def tiles():
        for y in range(side // 256):
            for x in range(side // 256):
                yield np.roll(tile, (x * 13 + y * 7) % 256, axis=1)

    tifffile.imwrite(path, tiles(), shape=(side, side, 3), dtype=np.uint8, tile=(256, 256),
                     photometric="rgb", compression="zlib")
    return path


def throughput(folder: Path, out: Path, steps, workers: int, engines: dict) -> float:
    from muralstudio.ops import batch

    request = batch.BatchRequest(inputs=[str(folder)], out=out, steps=steps, workers=workers, engines=engines)
    client = batch.open_client(request)
    try:
        start = time.perf_counter()
        result = batch.run_batch(request, client)
        seconds = time.perf_counter() - start
    finally:
        client.close()
        client.cluster.close()
    assert result.failed == 0, "images failed"
    return result.done / seconds * 60


def warm_up() -> None:
    """Imports and first model loads, paid once per process, not per image."""
    from muralstudio.core import imageio, synth
    from muralstudio.ops import batch

    folder = Path(tempfile.mkdtemp())
    imageio.write_tiff(folder / "warm.tif", synth.generate_mural(128, 128, seed=9)[0])
    batch.process_image(batch.ImageTask(image=folder / "warm.tif", out_dir=folder / "out", device="cpu"))


def plain_loop(paths, out: Path, steps, engines: dict) -> float:
    from muralstudio.ops import batch

    warm_up()
    start = time.perf_counter()
    for path in paths:
        summary = batch.process_image(batch.ImageTask(image=path, out_dir=out / path.stem, steps=steps,
                                                      engines=engines, device="cpu"))
        assert summary["status"] == "done", summary["error"]
    return (time.perf_counter() - start) / len(paths)


def worker_peak(path: Path, out: Path, steps, engines: dict) -> tuple[float, float, float]:
    """(seconds, peak RSS MiB of the worker process, its RSS before the task)."""
    from muralstudio.ops import batch

    request = batch.BatchRequest(inputs=[str(path)], out=out, steps=steps, workers=1, engines=engines)
    client = batch.open_client(request)
    try:
        before = list(client.run(peak_rss_mib).values())[0]
        start = time.perf_counter()
        result = batch.run_batch(request, client)
        seconds = time.perf_counter() - start
        peak = list(client.run(peak_rss_mib).values())[0]
    finally:
        client.close()
        client.cluster.close()
    assert result.failed == 0, "the large image failed"
    return seconds, peak, before


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--side", type=int, default=2048, help="side of the generated images (px)")
    parser.add_argument("--overhead-mpx", type=float, default=20, help="image size of the overhead test")
    parser.add_argument("--large-mpx", type=int, default=200)
    parser.add_argument("--steps", default="detect,label")
    parser.add_argument("--skip", default="", help="comma-separated: throughput, overhead, memory")
    parser.add_argument("--engines", default="", help="STEP=ENGINE,... instead of the batch runner's defaults")
    args = parser.parse_args()
    engines = dict(pair.split("=", 1) for pair in args.engines.split(",") if pair)
    from muralstudio.ops.batch import DEFAULT_ENGINES

    print("engines:", ", ".join(f"{step} {({**DEFAULT_ENGINES, **engines})[step]}" for step in args.steps.split(",")))
    steps = args.steps.split(",")
    skip = set(args.skip.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if "throughput" not in skip:
            make_images(tmp / "in", args.images, args.side)
            rates = {n: throughput(tmp / "in", tmp / f"out-{n}", steps, n, engines) for n in (1, 2)}
            print(f"\nThroughput ({args.images} images of {args.side}² px, steps {args.steps})")
            print("| workers | images/min | ratio |\n|---:|---:|---:|")
            for n, rate in rates.items():
                print(f"| {n} | {rate:.2f} | {rate / rates[1]:.2f}× |")
        if "overhead" not in skip:
            side = int(np.sqrt(args.overhead_mpx * 1e6))
            paths = make_images(tmp / "big", 3, side)
            direct = plain_loop(paths, tmp / "plain", steps, engines)
            from muralstudio.ops import batch

            request = batch.BatchRequest(inputs=[str(tmp / "big")], out=tmp / "dask-big", steps=steps, workers=1,
                                         engines=engines)
            client = batch.open_client(request)
            try:
                client.run(warm_up)
                throughput_warm = time.perf_counter()
                result = batch.run_batch(request, client)
                dask_each = (time.perf_counter() - throughput_warm) / result.done
            finally:
                client.close()
                client.cluster.close()
            print(f"\nScheduler overhead ({len(paths)} images of {args.overhead_mpx:g} Mpx, one worker, "
                  f"cluster already started)")
            print("| run | s per image | ratio |\n|---|---:|---:|")
            print(f"| plain loop over ops (baseline) | {direct:.2f} | 1.00× |")
            print(f"| muralstudio batch on Dask | {dask_each:.2f} | {dask_each / direct:.3f}× |")
            print(f"overhead: {(dask_each - direct) / direct * 100:+.1f} % of an image's time")
        if "memory" not in skip:
            large = make_large_tiff(tmp / "large.tif", args.large_mpx)
            seconds, peak, before = worker_peak(large, tmp / "out-large", steps, engines)
            print(f"\nPeak memory of one worker on a {args.large_mpx}-Mpx tiled TIFF ({large.stat().st_size >> 20} MiB "
                  f"on disk; steps {args.steps})")
            print("| worker | RSS MiB | ratio |\n|---|---:|---:|")
            print(f"| idle, models not loaded (baseline) | {before:.0f} | 1.00× |")
            print(f"| peak over the image ({seconds:.0f} s) | {peak:.0f} | {peak / before:.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
