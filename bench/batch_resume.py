"""Adding a step to a finished archive batch: ``--resume`` with ``report`` added after a
``detect,label`` run takes the detection and labels over from each image's folder, against the
baseline of running the whole of ``detect,label,report`` again (what ``--resume`` did before
it kept a key per step), same images, same cluster, same process.

    python bench/batch_resume.py [--images 6] [--side 2048] [--workers 2]

Images are generated (16-bit TIFFs of procedural murals, as bench/batch_bench.py makes them).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from batch_bench import make_images  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=6)
    parser.add_argument("--side", type=int, default=2048)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    from muralstudio.ops import batch

    work = Path(tempfile.mkdtemp(prefix="batch-resume-"))
    make_images(work / "in", args.images, args.side)
    first_steps, more_steps = ["detect", "label"], ["detect", "label", "report"]
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           resources={"image": 1}, dashboard_address=None)
    rows = []
    try:
        with Client(cluster) as client:
            def timed(out, steps, resume):
                start = time.perf_counter()
                result = batch.run_batch(batch.BatchRequest(inputs=[str(work / "in")], out=out, steps=steps,
                                                            resume=resume), client)
                assert result.failed == 0, f"{result.failed} images failed"
                return time.perf_counter() - start, result.done

            timed(work / "warm", ["detect", "label"], False)  # workers import torch and load models
            seconds, _ = timed(work / "out", first_steps, False)
            rows.append(("first run: detect,label", seconds, None))
            baseline_out = work / "baseline"
            shutil.copytree(work / "out", baseline_out)
            for folder in (baseline_out / "images").iterdir():  # as before: the folders' keys unknown
                report = folder / "report.json"
                report.write_text(report.read_text(encoding="utf-8").replace('"step_keys"', '"old_keys"'),
                                  encoding="utf-8")
            baseline, done = timed(baseline_out, more_steps, True)
            rows.append((f"baseline: --resume adding report, everything run again ({done} images)", baseline, 1.0))
            seconds, done = timed(work / "out", more_steps, True)
            rows.append((f"--resume adding report, detection and labels taken over ({done} images)", seconds,
                         baseline / seconds))
    finally:
        cluster.close()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{args.images} images of {args.side}² (16-bit), {args.workers} local workers\n")
    print("| run | seconds | speed-up vs baseline |")
    print("|---|---:|---:|")
    for name, seconds, ratio in rows:
        print(f"| {name} | {seconds:.1f} | {'' if ratio is None else f'{ratio:.1f}×'} |")


if __name__ == "__main__":
    main()
