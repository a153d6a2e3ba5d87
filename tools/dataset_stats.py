"""Figures of a dataset made with `muralstudio annotate` (datasets/mural-elements, mural-damage):
crops per split and class, medians of clicks per element and seconds per crop, and optionally a
contact sheet of the label maps over their images for review.

    python tools/dataset_stats.py datasets/mural-elements [--write] [--sheet OUT.png] [--examples OUT.png]
      [--murals ../shared/datasets/murals]

--write puts the table into DATASET/STATS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def load(dataset: Path) -> list[dict]:
    records = []
    for path in sorted((dataset / "records").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        record["label_path"] = dataset / "labels" / f"{record['name']}.png"
        records.append(record)
    return records


def stats(records: list[dict]) -> str:
    from muralstudio.core import imageio

    classes = records[0]["classes"] if records else []
    lines = [f"{len(records)} crops; annotators: {', '.join(sorted({r['annotator'] for r in records}))}", ""]
    lines += ["| split | crops | caves | " + " | ".join(f"crops with {c}" for c in classes[1:]) + " | "
              + " | ".join(f"px share {c}" for c in classes) + " |",
              "|---|" + "---:|" * (2 + 2 * len(classes) - 1)]
    for split in ("train", "val"):
        part = [r for r in records if r["split"] == split]
        counts = np.zeros(len(classes), np.int64)
        present = np.zeros(len(classes), np.int64)
        for r in part:
            labels = imageio.read_label_map(r["label_path"])
            hist = np.bincount(labels.ravel(), minlength=len(classes))[:len(classes)]
            counts += hist
            present += hist > 0
        share = counts / max(1, counts.sum())
        lines.append(f"| {split} | {len(part)} | {len({r['cave'] for r in part})} | "
                     + " | ".join(str(int(p)) for p in present[1:]) + " | "
                     + " | ".join(f"{s:.3f}" for s in share) + " |")
    elements = [len(i["clicks"]) for r in records for i in r["items"] if i["kind"] == "element"]
    strokes = [sum(1 for i in r["items"] if i["kind"] != "element") for r in records]
    seconds = [r["seconds"] for r in records]
    commands = [r["commands"] for r in records]
    polygons_only = sum(1 for r in records if not any(i["kind"] == "element" for i in r["items"]))
    if records:
        lines += ["", f"- clicks per clicked element: median {statistics.median(elements) if elements else 0:g} "
                  f"({len(elements)} elements)",
                  f"- brush strokes and polygons per crop: median {statistics.median(strokes):g}",
                  f"- commands per crop: median {statistics.median(commands):g}",
                  f"- seconds per crop (session start to save): median {statistics.median(seconds):.0f}, "
                  f"quartiles {np.percentile(seconds, 25):.0f}–{np.percentile(seconds, 75):.0f}",
                  f"- crops labelled without any click (strokes/polygons only): {polygons_only}"]
        # the first pass's own: the record's active seconds less its revisions' (recorded since
        # 2026-12-07; pauses between commands over 3 min count as 3 min)
        active = [r["active_seconds"] - sum(v.get("active_seconds") or 0 for v in r.get("revisions") or [])
                  for r in records if "active_seconds" in r]
        if active:
            lines.append(f"- active seconds per crop, first pass (pauses between commands over 3 min counted as "
                         f"3 min; {len(active)} crops recorded so): median {statistics.median(active):.0f}, "
                         f"quartiles {np.percentile(active, 25):.0f}–{np.percentile(active, 75):.0f}")
        revised = [r for r in records if r.get("revisions")]
        if revised:  # a second annotator's completion (annotate revise); its seconds are counted above
            reviewers = sorted({v["annotator"] for r in revised for v in r["revisions"]})
            added = [len(v["items"]) for r in revised for v in r["revisions"]]
            lines.append(f"- revised by a second annotator ({', '.join(reviewers)}): {len(revised)} crops, "
                         f"items added per crop median {statistics.median(added):g}, seconds per revision "
                         f"median {statistics.median(v['seconds'] for r in revised for v in r['revisions']):.0f}")
            reviews = [v["active_seconds"] for r in revised for v in r["revisions"] if "active_seconds" in v]
            if reviews:
                lines.append(f"- active seconds per revision ({len(reviews)} recorded so): median "
                             f"{statistics.median(reviews):.0f}")
    return "\n".join(lines)


def sheet(records: list[dict], murals: Path, out: Path, tile: int = 256) -> None:
    import cv2

    from muralstudio.core import imageio
    from muralstudio.ops.annotate import DAMAGE_PALETTE, PALETTE

    index = {p.stem: p for p in murals.rglob("*.jpg")}
    tiles = []
    for r in records:
        x, y, w, h = r["box"]
        rgb = imageio.to_rgb8(imageio.read_region(index[r["image"]], x, y, w, h))
        labels = imageio.read_label_map(r["label_path"])
        palette = np.array(DAMAGE_PALETTE if len(r["classes"]) == 4 else PALETTE, np.float32)
        shown = labels > 0 if len(r["classes"]) == 4 else np.ones_like(labels, bool)
        mixed = rgb.astype(np.float32)
        mixed[shown] = 0.5 * mixed[shown] + 0.5 * palette[labels][shown]
        pair = np.concatenate([rgb, mixed.astype(np.uint8)], axis=1)
        f = min(2 * tile / pair.shape[1], tile / pair.shape[0])
        pair = cv2.resize(pair, (int(pair.shape[1] * f), int(pair.shape[0] * f)), interpolation=cv2.INTER_AREA)
        canvas = np.full((tile + 16, 2 * tile, 3), 255, np.uint8)
        canvas[:pair.shape[0], :pair.shape[1]] = pair
        cv2.putText(canvas, r["name"][:34], (2, tile + 12), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 0), 1)
        tiles.append(canvas)
    cols = 3
    rows = [np.concatenate(tiles[i:i + cols] + [np.full_like(tiles[0], 255)] * (cols - len(tiles[i:i + cols])), axis=1)
            for i in range(0, len(tiles), cols)]
    imageio.write_png(out, np.concatenate(rows, axis=0))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--sheet", type=Path)
    parser.add_argument("--examples", type=Path, help="a sheet of 6 crops spread over the set (for its README)")
    parser.add_argument("--murals", type=Path, default=ROOT.parent / "shared" / "datasets" / "murals")
    args = parser.parse_args()
    records = load(args.dataset)
    text = stats(records)
    print(text)
    if args.write:
        (args.dataset / "STATS.md").write_text(f"# {args.dataset.name}: figures\n\n{text}\n", encoding="utf-8")
    if args.sheet:
        sheet(records, args.murals, args.sheet)
    if args.examples and records:
        sheet(records[:: max(1, len(records) // 6)][:6], args.murals, args.examples, tile=200)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
