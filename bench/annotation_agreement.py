"""How far two annotators of the same crops agree, beside how far the detectors agree with the
first: the ceiling a detector's score on our real-damage set can be read against.

    python bench/annotation_agreement.py OTHER_SET [OTHER_SET ...] [--reference datasets/mural-damage]
        [--engines flecks,resunet-real] [--tolerance 2]

OTHER_SET: a folder made with ``muralstudio annotate save`` holding crops of the reference set
(same image and box, so the same names) labelled independently. For every crop present in
both, per damage class: pixel-exact F1 and F1 within ``--tolerance`` px (pooled over the
crops), region recall and precision (a region counts as found when the other marks a pixel
within the tolerance of it), and the share of the reference's confusable dark paint the other
marks as damage. Each engine is scored on exactly the same crops against the reference.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CLASSES = {1: "paint loss", 2: "craquelure"}
CONFUSABLE = 3


def scores(pairs, tolerance: float) -> dict:
    """pairs: (reference label map, {class value: predicted mask}) → pooled measures."""
    from muralstudio.core.metrics import exact_counts, pool_tolerant, region_counts, tolerant_scores

    out = {}
    for value, name in CLASSES.items():
        exact = pool_tolerant([exact_counts(ref == value, pred[value]) for ref, pred in pairs])
        near = pool_tolerant([tolerant_scores(ref == value, pred[value], tolerance) for ref, pred in pairs])
        regions = pool_tolerant([region_counts(ref == value, pred[value], tolerance) for ref, pred in pairs])
        out[name] = (exact["f1"], near["f1"], regions["recall"], regions["precision"])
    flagged = sum(int((pred[1] | pred[2])[ref == CONFUSABLE].sum()) for ref, pred in pairs)
    confusable = sum(int((ref == CONFUSABLE).sum()) for ref, _ in pairs)
    out["false alarm"] = flagged / confusable if confusable else float("nan")
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("others", nargs="+", type=Path)
    parser.add_argument("--reference", type=Path, default=ROOT / "datasets" / "mural-damage")
    parser.add_argument("--murals", default=str(ROOT.parent / "shared" / "datasets" / "murals"))
    parser.add_argument("--engines", default="flecks,resunet-real")
    parser.add_argument("--tolerance", type=float, default=2.0)
    args = parser.parse_args()
    from muralstudio.core import imageio
    from muralstudio.core.datasets import annotated_crops
    from muralstudio.engines import detection
    from muralstudio.benchmarks.detect import _create

    reference = {name: (crop, labels) for name, crop, labels, _ in annotated_crops(args.reference, args.murals)}
    rows, common = [], None
    other_maps = {}
    for folder in args.others:
        names = sorted(p.stem for p in (folder / "labels").glob("*.png") if p.stem in reference)
        if not names:
            raise SystemExit(f"{folder}: no crop of {args.reference} in it")
        other_maps[folder] = {n: imageio.read_label_map(folder / "labels" / f"{n}.png") for n in names}
        common = set(names) if common is None else common & set(names)
    names = sorted(set().union(*(m.keys() for m in other_maps.values())))
    for folder, maps in other_maps.items():
        pairs = [(reference[n][1], {v: maps[n] == v for v in CLASSES}) for n in sorted(maps)]
        rows.append((f"annotator: {folder.name} ({len(maps)} crops)", scores(pairs, args.tolerance), sorted(maps)))
    if len(other_maps) > 1:  # every other set's crops pooled: the widest sample of human agreement
        pairs = [(reference[n][1], {v: maps[n] == v for v in CLASSES})
                 for maps in other_maps.values() for n in sorted(maps)]
        rows.append((f"annotators pooled ({len(pairs)} crops)", scores(pairs, args.tolerance), names))
    for engine in [e for e in args.engines.split(",") if e]:
        detector = _create(engine)
        results = {}
        for n in names:
            result = detection.detect(reference[n][0], detector)
            results[n] = {v: result.mask(c, detector.threshold_for(c)) for v, c in CLASSES.items()}
        for folder, maps in other_maps.items():  # the same crops as each annotator
            pairs = [(reference[n][1], results[n]) for n in sorted(maps)]
            rows.append((f"engine: {engine} (crops of {folder.name})", scores(pairs, args.tolerance), sorted(maps)))
        if len(other_maps) > 1:
            pairs = [(reference[n][1], results[n]) for maps in other_maps.values() for n in sorted(maps)]
            rows.append((f"engine: {engine} (pooled, {len(pairs)} crops)", scores(pairs, args.tolerance), names))
    print(f"Agreement with {args.reference.name} (reference), {len(names)} crops; "
          f"F1 exact / within {args.tolerance:g} px; regions found (recall) / right (precision)")
    print(f"{'who':48s} {'loss F1':>8s} {'loss F1tol':>10s} {'loss R-rec':>10s} {'loss R-prec':>11s} "
          f"{'crack F1':>8s} {'crack F1tol':>11s} {'crack R-rec':>11s} {'crack R-prec':>12s} {'FA':>6s}")
    for who, s, _ in rows:
        loss, crack = s["paint loss"], s["craquelure"]
        print(f"{who:48s} {loss[0]:8.3f} {loss[1]:10.3f} {loss[2]:10.3f} {loss[3]:11.3f} "
              f"{crack[0]:8.3f} {crack[1]:11.3f} {crack[2]:11.3f} {crack[3]:12.3f} {s['false alarm']:6.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
