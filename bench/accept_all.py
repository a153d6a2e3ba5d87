"""Accept all at 108 Mpx, without the window: every proposed speck of a proposals layer moved into
the damage layer as one undo step (``maskops.review_all``, what the Detect dock runs on the
window's thread), against the baseline of the same move written as whole-layer boxes
(``Document.write_pixels`` with a full-size value array and a box copy for undo: how
``review_pixels`` wrote it until 2026-12-07), same process, same proposals.

    python bench/accept_all.py [--size 12000x9000] [--specks 3000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="12000x9000")
    parser.add_argument("--specks", type=int, default=3000)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    from muralstudio.core import maskops
    from muralstudio.core.document import Document

    def document():
        doc = Document.from_array(np.zeros((height, width, 3), np.uint8), name="bench")
        proposals = doc.new_mask_layer("paint loss (proposed)", proposed=True)
        rng = np.random.default_rng(0)
        for _ in range(args.specks):  # 6×6 specks: flakes as flecks-vetted proposes them
            y, x = rng.integers(0, height - 6), rng.integers(0, width - 6)
            proposals.data[y:y + 6, x:x + 6] = 255
        return doc, proposals, doc.new_mask_layer("paint loss")

    def boxes(doc, proposals, target):  # the baseline
        region = proposals.data >= 128
        with doc.action("Accept all"):
            doc.write_pixels(target, 0, 0, np.full(region.shape, maskops.ON, np.uint8), where=region)
            doc.write_pixels(proposals, 0, 0, np.zeros(region.shape, np.uint8), where=region)

    def specks(doc, proposals, target):
        maskops.review_all(doc, proposals, True, target)

    rows, results = [], {}
    for name, move in (("baseline: whole-layer boxes", boxes), ("speck by speck (review_all)", specks)):
        doc, proposals, target = document()
        before = doc.history.nbytes
        start = time.perf_counter()
        move(doc, proposals, target)
        seconds = time.perf_counter() - start
        stored = (doc.history.nbytes - before) / 2**20
        start = time.perf_counter()
        doc.undo()
        undo = time.perf_counter() - start
        doc.redo()
        results[name] = target.data.copy()
        rows.append((name, seconds, undo, stored))
        del doc, proposals, target
    first, second = results.values()
    assert np.array_equal(first, second), "the two moves differ"
    print(f"\nAccept all on {width}×{height} ({width * height / 1e6:.0f} Mpx), {args.specks} specks of 6×6 px\n")
    print("| method | seconds | undo (s) | kept for undo (MiB) | speed-up vs baseline |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds, undo, stored in rows:
        print(f"| {name} | {seconds:.2f} | {undo:.3f} | {stored:.1f} | {rows[0][1] / seconds:.1f}× |")


if __name__ == "__main__":
    main()
