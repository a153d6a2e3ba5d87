"""Hostile-input campaign: mutated images, projects and weights files thrown at MuralStudio's
public readers, each case in a worker process with a memory cap and a time limit.

    python bench/fuzz.py --count 2000 [--seed 1] [--kinds image,project,weights]

Every case must end *clean*: the reader succeeds, or raises one of the project's own errors
(MuralStudioError) whose message names the file. Anything else is counted:
crash (another exception type, or the worker died), hang (over the time limit), memory (over
the cap). The original file's SHA-256 is checked after every case (no reader may write it).
Prints a table of tried / clean / crash / hang / memory per kind, and the first failures.
``tests/test_fuzz.py`` runs a seeded subset of the same cases.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import select
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASE_SECONDS = 5.0
MEMORY_BYTES = 3 << 30  # address space of a worker (numpy's own needs fit well under it)


# --- making the hostile files -------------------------------------------------------------------


def base_images(folder: Path) -> dict[str, Path]:
    """Small valid files of each format the readers take."""
    import numpy as np
    import tifffile

    from muralstudio.core import imageio, synth

    folder.mkdir(parents=True, exist_ok=True)
    pixels16 = synth.generate_mural(96, 80, seed=1, bit_depth=16)[0]
    pixels8 = (pixels16 >> 8).astype(np.uint8)
    files = {"tiled16.tif": folder / "tiled16.tif", "strip8.tif": folder / "strip8.tif",
             "png16.png": folder / "png16.png", "png8.png": folder / "png8.png",
             "jpeg.jpg": folder / "jpeg.jpg"}
    tifffile.imwrite(files["tiled16.tif"], pixels16, tile=(32, 32), photometric="rgb", compression="zlib")
    tifffile.imwrite(files["strip8.tif"], pixels8, photometric="rgb", rowsperstrip=8)
    imageio.write_png(files["png16.png"], pixels16)
    imageio.write_png(files["png8.png"], pixels8)
    from PIL import Image

    Image.fromarray(pixels8).save(files["jpeg.jpg"], quality=90)
    return files


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def crafted_images() -> dict[str, bytes]:
    """Headers that promise far more pixels than the file holds (decompression bombs)."""
    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 16, 6, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(b"\0" * 4096)) \
        + _png_chunk(b"IEND", b"")
    # a baseline JPEG whose SOF0 says 30000×30000, then almost nothing
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, 30000, 30000, 3) + b"\x01\x22\x00\x02\x11\x00\x03\x11\x00"
    jpeg = b"\xff\xd8" + sof + b"\xff\xda\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00" + b"\x00" * 64 + b"\xff\xd9"
    # a TIFF header saying 31000×31000 RGBA 16-bit, one tiny strip
    entries = [(256, 4, 1, 31000), (257, 4, 1, 31000), (258, 3, 4, 0), (259, 3, 1, 1), (262, 3, 1, 2),
               (273, 4, 1, 200), (277, 3, 1, 4), (278, 4, 1, 31000), (279, 4, 1, 16)]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        if tag == 258:
            ifd += struct.pack("<HHII", tag, kind, count, 180)
        else:
            ifd += struct.pack("<HHII", tag, kind, count, value)
    ifd += struct.pack("<I", 0)
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd
    tiff = tiff.ljust(180, b"\0") + struct.pack("<HHHH", 16, 16, 16, 16)
    tiff = tiff.ljust(200, b"\0") + b"\0" * 16
    return {"bomb.png": png, "bomb.jpg": jpeg, "bomb.tif": tiff}


def mutations(data: bytes, rng, count: int) -> list[bytes]:
    """Truncations at spread offsets and random byte flips."""
    out = []
    for i in range(count):
        if i % 2 == 0:
            out.append(data[: int(rng.integers(0, len(data)))])
        else:
            mutated = bytearray(data)
            for _ in range(int(rng.integers(1, 9))):
                mutated[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
            out.append(bytes(mutated))
    return out


def image_cases(folder: Path, count: int, seed: int) -> list[dict]:
    import numpy as np

    rng = np.random.default_rng(seed)
    bases = base_images(folder / "bases")
    cases = []
    for name, data in crafted_images().items():
        path = folder / f"crafted-{name}"
        path.write_bytes(data)
        cases.append({"kind": "image", "path": str(path)})
    per_base = max(1, (count - len(cases)) // len(bases))
    for name, base in bases.items():
        for i, data in enumerate(mutations(base.read_bytes(), rng, per_base)):
            path = folder / f"{i:04d}-{name}"
            path.write_bytes(data)
            cases.append({"kind": "image", "path": str(path)})
    return cases[:count]


def project_cases(folder: Path, count: int, seed: int) -> list[dict]:
    import zipfile

    import numpy as np

    from muralstudio.core import project
    from muralstudio.core.document import Document

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    doc = Document.from_array(np.zeros((40, 50, 3), np.uint16), name="fuzz")
    doc.new_mask_layer("damage").data[5:10, 5:10] = 255
    base = project.save_project(doc, folder / "base.mural")
    with zipfile.ZipFile(base) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(entries["manifest.json"])
    hostile = [[256, 0, 0], [-1, 0, 0], "red", None, 1e309, -5, {"a": 1}, [], "../x", 10 ** 12, True]
    cases = []
    for i in range(count):
        mode = i % 3
        path = folder / f"{i:04d}.mural"
        if mode == 0:  # a byte-level mutation of the zip
            path.write_bytes(mutations(base.read_bytes(), rng, 2)[int(rng.integers(0, 2))])
        else:  # a manifest field set to a hostile value
            changed = json.loads(json.dumps(manifest))
            target = changed["layers"][0] if mode == 1 else changed.get("source", changed)
            key = list(target)[int(rng.integers(0, len(target)))]
            target[key] = hostile[int(rng.integers(0, len(hostile)))]
            text = json.dumps(changed, allow_nan=True).replace("Infinity", "1e309")
            with zipfile.ZipFile(path, "w") as zf:
                for name, content in entries.items():
                    zf.writestr(name, text if name == "manifest.json" else content)
        cases.append({"kind": "project", "path": str(path)})
    return cases


def weights_cases(folder: Path, count: int, seed: int) -> list[dict]:
    import numpy as np

    from muralstudio.engines.nets.pconv import PConvUNet
    from muralstudio.engines.weights import save_weights

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    net = PConvUNet(layer_size=4, width=4)  # a network every version has (before/after tables)
    base = save_weights(net, folder / "base.safetensors", net.config)
    data = base.read_bytes()
    header_len = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + header_len])
    configs = [[1, 2], {"architecture": "pconv", "layer_size": 4, "width": "abc"},
               {"architecture": "pconv", "layer_size": 10 ** 6, "width": 10 ** 7}, "not json {",
               {"architecture": "pconv", "layer_size": 4, "width": -3}, None,
               {"architecture": "pconv", "layer_size": 2, "width": 4}]
    cases = []
    for i in range(count):
        path = folder / f"{i:04d}.safetensors"
        if i % 3 == 0:
            path.write_bytes(mutations(data, rng, 2)[int(rng.integers(0, 2))])
        else:
            changed = json.loads(json.dumps(header))
            meta = changed.setdefault("__metadata__", {})
            config = configs[int(rng.integers(0, len(configs)))]
            meta["config"] = config if isinstance(config, str) else json.dumps(config)
            if i % 3 == 2:  # a tensor of another dtype
                name = next(k for k in changed if k != "__metadata__")
                changed[name]["dtype"] = ["F16", "F64", "I64", "BOOL"][int(rng.integers(0, 4))]
            blob = json.dumps(changed).encode()
            path.write_bytes(struct.pack("<Q", len(blob)) + blob + data[8 + header_len:])
        cases.append({"kind": "weights", "path": str(path)})
    return cases


# --- running them -------------------------------------------------------------------------------


WORKER = r"""
import json, resource, sys, traceback
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
from muralstudio.core.errors import MuralStudioError

def image(path):
    from muralstudio.core import imageio
    from muralstudio.core.pyramid import FileSource
    imageio.read_header(path)
    source = FileSource(path)
    source.read_region(0, 0, min(64, source.info.width), min(64, source.info.height))
    imageio.read_image(path)

def project(path):
    from muralstudio.core.project import load_project
    load_project(path)

def weights(path):
    from muralstudio.engines.weights import load_network
    from muralstudio.engines.nets.pconv import PConvUNet
    load_network(path, "pconv", "pconv",
                 lambda c: PConvUNet(c.get("layer_size", 7), 3, c.get("width", 64)), "cpu", "fuzz", None)

for line in sys.stdin:
    case = json.loads(line)
    print(json.dumps({{"start": case["index"]}}), flush=True)
    try:
        globals()[case["kind"]](case["path"])
        outcome = {{"status": "clean", "detail": "read"}}
    except MuralStudioError as exc:
        named = case["path"].split("/")[-1] in str(exc)
        outcome = {{"status": "clean" if named else "crash",
                   "detail": ("" if named else "error without the file name: ") + str(exc)[:200]}}
    except MemoryError as exc:
        outcome = {{"status": "memory", "detail": "MemoryError"}}
    except BaseException as exc:
        outcome = {{"status": "crash", "detail": f"{{type(exc).__name__}}: {{str(exc)[:200]}}"}}
    outcome["index"] = case["index"]
    print(json.dumps(outcome), flush=True)
"""


def run_cases(cases: list[dict], case_seconds: float = CASE_SECONDS, memory: int = MEMORY_BYTES,
              code: Path = ROOT) -> list[dict]:
    """Each case's outcome (status clean / crash / hang / memory, detail), in order. One worker
    runs cases one after the other; a worker that dies or overruns is replaced."""
    results: dict[int, dict] = {}
    for i, case in enumerate(cases):
        case["index"] = i
        case["sha256"] = hashlib.sha256(Path(case["path"]).read_bytes()).hexdigest()
    pending = list(cases)
    env = dict(os.environ, PYTHONPATH=str(code), OMP_NUM_THREADS="1")
    while pending:
        # the cases come from a file, not a pipe: writing them all while the worker's answers
        # fill the other pipe would deadlock both
        with tempfile.TemporaryFile("w+") as queue:
            for case in pending:
                queue.write(json.dumps({k: case[k] for k in ("kind", "path", "index")}) + "\n")
            queue.seek(0)
            worker = subprocess.Popen([sys.executable, "-c", WORKER.format(memory=memory)], stdin=queue,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
                                      cwd=str(code))  # python -c puts the cwd first on sys.path
        started = None
        deadline = time.monotonic() + 60  # imports
        while True:
            ready, _, _ = select.select([worker.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:  # overran: the current case hangs
                worker.kill()
                if started is not None:
                    results[started] = {"status": "hang", "detail": f"over {case_seconds:g} s"}
                break
            line = worker.stdout.readline()
            if not line:  # the worker died inside a case
                worker.wait()
                if started is not None and started not in results:
                    code = worker.returncode
                    status = "memory" if code in (-9,) else "crash"
                    results[started] = {"status": status, "detail": f"worker died (exit {code})"}
                break
            message = json.loads(line)
            if "start" in message:
                started = message["start"]
                deadline = time.monotonic() + case_seconds
            else:
                results[message["index"]] = message
                started = None
                deadline = time.monotonic() + case_seconds
        worker.wait()
        before = len(pending)
        pending = [c for c in cases if c["index"] not in results]
        if len(pending) == before:  # a worker that could not even start: report, do not loop
            break
    for case in cases:
        result = results.setdefault(case["index"], {"status": "crash", "detail": "never ran"})
        result.update(kind=case["kind"], path=case["path"])
        if hashlib.sha256(Path(case["path"]).read_bytes()).hexdigest() != case["sha256"]:
            result.update(status="crash", detail="the input file was written to")
    return [results[c["index"]] for c in cases]


def make_cases(folder: Path, count: int, seed: int, kinds) -> list[dict]:
    makers = {"image": image_cases, "project": project_cases, "weights": weights_cases}
    share = max(1, count // len(kinds))
    cases = []
    for kind in kinds:
        cases += makers[kind](folder / kind, share, seed)
    return cases


def table(results: list[dict]) -> str:
    kinds = sorted({r["kind"] for r in results})
    lines = ["| input | tried | clean | crash | hang | memory |", "|---|---:|---:|---:|---:|---:|"]
    for kind in kinds + ["all"]:
        rows = [r for r in results if kind in ("all", r["kind"])]
        counts = {s: sum(r["status"] == s for r in rows) for s in ("clean", "crash", "hang", "memory")}
        lines.append(f"| {kind} | {len(rows)} | {counts['clean']} | {counts['crash']} | {counts['hang']} | "
                     f"{counts['memory']} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", default="image,project,weights")
    parser.add_argument("--show", type=int, default=15, help="failures to list")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="the MuralStudio checkout whose readers are attacked (e.g. an older "
                             "commit's worktree, for a before/after table)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="muralstudio-fuzz-") as folder:
        cases = make_cases(Path(folder), args.count, args.seed, args.kinds.split(","))
        start = time.perf_counter()
        results = run_cases(cases, code=args.code)
        print(table(results))
        print(f"({time.perf_counter() - start:.0f} s, seed {args.seed})")
        failures = [r for r in results if r["status"] != "clean"]
        for r in failures[: args.show]:
            print(f"  {r['status']:<7} {Path(r['path']).name}: {r['detail']}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
