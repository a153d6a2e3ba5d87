"""Hostile input, generated here: truncated and byte-flipped images, decompression-bomb
headers, hostile project manifests and zips, bad safetensors. Each case runs in a worker
process with a memory cap and a time limit (bench/fuzz.py); every one must end clean — read,
or refused with the project's own error naming the file — and no input file may change."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import fuzz  # noqa: E402


@pytest.mark.parametrize("kind,count", [("image", 90), ("project", 45), ("weights", 30)])
def test_seeded_hostile_inputs_end_clean(tmp_path, kind, count):
    if kind == "weights":
        pytest.importorskip("torch")
    cases = fuzz.make_cases(tmp_path, count, seed=7, kinds=[kind])
    assert len(cases) >= count - 3
    results = fuzz.run_cases(cases, case_seconds=5.0)
    failures = [f"{r['status']} {Path(r['path']).name}: {r['detail']}" for r in results if r["status"] != "clean"]
    assert not failures, "\n".join(failures[:20])


def test_the_harness_itself_can_fail(tmp_path):
    """A campaign that cannot report failure proves nothing: an unexpected exception is a
    crash, a case over its time limit a hang, and the table counts them."""
    image = tmp_path / "ok.png"
    from muralstudio.core import imageio

    imageio.write_png(image, __import__("numpy").zeros((8, 8), "uint8"))
    crash = fuzz.run_cases([{"kind": "no_such_reader", "path": str(image)}])
    assert crash[0]["status"] == "crash" and "KeyError" in crash[0]["detail"]
    hang = fuzz.run_cases([{"kind": "image", "path": str(image)}], case_seconds=1e-4)
    assert hang[0]["status"] == "hang"
    table = fuzz.table(crash + hang)
    assert "| all | 2 | 0 | 1 | 1 | 0 |" in table
