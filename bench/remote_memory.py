"""What a detection sent to the compute server costs the office PC: bytes sent and the client's
peak memory, the image sent as its decoded pixels (the baseline: how jobs travelled before
2026-12-07) against the file itself (``ops.remote.image_payload``).

Generates a 16-bit RGB tiled, deflate-compressed TIFF (6000×4000 by default), starts a Dask
LocalCluster (one worker process) as the server, and runs ``muralstudio detect --server`` on it
in a fresh client process per mode (peak RSS is per process).

    python bench/remote_memory.py [--size 6000x4000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CLIENT = r"""
import json, resource, sys, time
from pathlib import Path
from muralstudio.ops import remote
from muralstudio.ops.detect import DetectRequest, detect_file

image, out, server, mode = sys.argv[1:5]
sent = {}
real = remote.image_payload

def payload(source):
    chosen = {"pixels": source.full()} if mode == "pixels" else real(source)
    sent["bytes"] = chosen["pixels"].nbytes if "pixels" in chosen else len(chosen["file"])
    return chosen

remote.image_payload = payload
start = time.perf_counter()
detect_file(DetectRequest(Path(image), Path(out), server=server))
print(json.dumps({"bytes": sent["bytes"], "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "seconds": time.perf_counter() - start}))
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="6000x4000")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    import numpy as np
    from distributed import LocalCluster

    from muralstudio.core import imageio, synth

    width, height = (int(v) for v in args.size.lower().split("x"))
    work = args.workdir or Path(tempfile.mkdtemp(prefix="remote-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    image = work / "wall.tif"
    if not image.exists():
        tile = synth.generate_mural(1000, 1000, seed=1)[0].astype(np.uint16) * 257
        pixels = np.tile(tile, (height // 1000 + 1, width // 1000 + 1, 1))[:height, :width]
        imageio.write_tiff(image, pixels)
        del pixels
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None)
    rows = {}
    try:
        for mode in ("pixels", "file"):
            done = subprocess.run([sys.executable, "-c", CLIENT, str(image), str(work / f"maps-{mode}"),
                                   cluster.scheduler_address, mode], capture_output=True, text=True, check=True)
            rows[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        cluster.close()
    base = rows["pixels"]
    print(f"detect --server on {width}×{height} 16-bit RGB tiled deflate TIFF ({image.stat().st_size / 2**20:,.0f} MiB file)")
    print("| image sent as | MiB sent | client peak RSS MiB | seconds | sent vs baseline | peak vs baseline |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode, name in (("pixels", "decoded pixels (baseline)"), ("file", "the file (now)")):
        row = rows[mode]
        print(f"| {name} | {row['bytes'] / 2**20:,.0f} | {row['peak_mib']:,.0f} | {row['seconds']:.1f} | "
              f"{row['bytes'] / base['bytes']:.2f}× | {row['peak_mib'] / base['peak_mib']:.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
