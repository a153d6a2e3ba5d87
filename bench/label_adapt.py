"""Adapting the labeler to a new cave, as an institute does it: label a few crops of its own
murals, fine-tune (the window's Train labeler job: ops.labeler.fine_tune_labeler), relabel.

    python bench/label_adapt.py [--caves 3] [--shots 1,3,5] [--steps 150] [--weights W]

For each of the validation caves of datasets/mural-elements with the most crops: mIoU of the
labeler on that cave's *other* crops before and after fine-tuning on 1, 3 and 5 of its crops,
and the fine-tuning time on this machine. Prints a table with the gain against the same
labeler before fine-tuning (the baseline, in the same process).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def miou(labeler, cases, n) -> float:
    from muralstudio.core.metrics import confusion_matrix, scores_from_confusion
    from muralstudio.engines import labeling

    cm = np.zeros((n, n), np.int64)
    for _, image, truth in cases:
        cm += confusion_matrix(truth, labeling.label(image, labeler).labels, n)
    return scores_from_confusion(cm)["miou"]


def write_training_set(folder: Path, cases) -> Path:
    from muralstudio.core import imageio
    from muralstudio.core.document import DEFAULT_LABEL_CLASSES

    (folder / "images").mkdir(parents=True)
    (folder / "labels").mkdir()
    for name, image, label in cases:
        imageio.write_png(folder / "images" / f"{name}.png", image)
        imageio.write_png(folder / "labels" / f"{name}.png", label)
    (folder / "classes.json").write_text(json.dumps({"classes": [
        {"index": i, "name": n, "color": list(c)} for i, (n, c) in enumerate(DEFAULT_LABEL_CLASSES)]}))
    return folder


def main() -> int:
    from muralstudio.core.datasets import annotated_crops, cave_of
    from muralstudio.engines import labeling
    from muralstudio.ops.labeler import FineTuneRequest, fine_tune_labeler

    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, default=ROOT / "datasets" / "mural-elements")
    parser.add_argument("--murals", type=Path, default=ROOT.parent / "shared" / "datasets" / "murals")
    parser.add_argument("--caves", type=int, default=3)
    parser.add_argument("--shots", default="1,3,5")
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--weights", type=Path, default=None, help="labeler to adapt (default: the shipped one)")
    args = parser.parse_args()
    shots = [int(s) for s in args.shots.split(",")]
    by_cave = defaultdict(list)
    for name, crop, label, record in annotated_crops(args.dataset, args.murals, "val"):
        by_cave[cave_of(record["image"])].append((name, crop, label))
    caves = sorted(by_cave, key=lambda c: -len(by_cave[c]))[:args.caves]
    base = labeling.create("pspm", **({"weights_path": args.weights} if args.weights else {}))
    n = len(base.classes)
    print("| cave | crops | shots | mIoU before | mIoU after | gain | fine-tune s |\n|---|---:|---:|---:|---:|---:|---:|")
    for cave in caves:
        cases = by_cave[cave]
        for k in shots:
            if len(cases) <= k:
                continue
            train_cases, test_cases = cases[:k], cases[k:]
            before = miou(base, test_cases, n)
            with tempfile.TemporaryDirectory() as tmp:
                folder = write_training_set(Path(tmp) / "set", train_cases)
                start = time.perf_counter()
                weights = fine_tune_labeler(FineTuneRequest(training_set=folder, out=Path(tmp) / "adapted",
                                                            steps=args.steps, init=args.weights))
                seconds = time.perf_counter() - start
                after = miou(labeling.create("pspm", weights_path=weights), test_cases, n)
            print(f"| {cave} | {len(cases)} | {k} | {before:.3f} | {after:.3f} | {after - before:+.3f} | {seconds:.0f} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
