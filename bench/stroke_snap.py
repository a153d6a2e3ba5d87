"""Strokes typed a little off a crack, as `annotate stroke` is used on real murals (coordinates
read off a grid), with and without `--snap PX`: how much of the crack the stroke covers and how
far its centre line lies from the crack.

    python bench/stroke_snap.py [--cracks ../shared/datasets/cracks/deepcrack/test] [--limit 60]

For each image of a crack set with ground-truth masks, the longest path through the skeleton of
its largest crack is "typed" as a polyline with a vertex every 20 px, each vertex moved by a
random offset (σ 2.5 px, at most 4 px, fixed seed), as annotators placed them. Scores per
stroke: crack coverage (share of the path's pixels within 1.5 px of the stroke's centre line)
and mean distance from the centre line to the nearest crack pixel. Ratios are against the typed
strokes (the baseline, same run).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path

ROOT = Path(__file__).resolve().parents[1]


def longest_skeleton_path(mask: np.ndarray) -> np.ndarray:
    """(N, 2) x, y pixels of the longest shortest-path through the largest skeleton component
    (two sweeps: the farthest pixel from any pixel, then the farthest from that)."""
    from skimage.morphology import skeletonize

    skeleton = skeletonize(mask)
    labels, count = ndimage.label(skeleton, structure=np.ones((3, 3)))
    if not count:
        return np.zeros((0, 2), int)
    largest = 1 + int(np.argmax(ndimage.sum(skeleton, labels, range(1, count + 1))))
    ys, xs = np.nonzero(labels == largest)
    index = -np.ones(mask.shape, np.int64)
    index[ys, xs] = np.arange(len(xs))
    rows, cols, weights = [], [], []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        ny, nx = ys + dy, xs + dx
        ok = (ny < mask.shape[0]) & (nx >= 0) & (nx < mask.shape[1])
        ok[ok] = index[ny[ok], nx[ok]] >= 0
        rows.append(index[ys[ok], xs[ok]])
        cols.append(index[ny[ok], nx[ok]])
        weights.append(np.full(ok.sum(), np.hypot(dy, dx)))
    graph = coo_matrix((np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))),
                       shape=(len(xs), len(xs))).tocsr()
    distances = shortest_path(graph, directed=False, indices=0)
    start = int(np.argmax(np.where(np.isfinite(distances), distances, -1)))
    distances, previous = shortest_path(graph, directed=False, indices=start, return_predecessors=True)
    end = int(np.argmax(np.where(np.isfinite(distances), distances, -1)))
    path = [end]
    while path[-1] != start:
        path.append(int(previous[path[-1]]))
    return np.stack([xs[path], ys[path]], axis=1)


def centre_line(points, shape) -> np.ndarray:
    line = np.zeros(shape, np.uint8)
    pts = np.round(np.asarray(points, np.float64)).astype(np.int32)
    cv2.polylines(line, [pts], False, 1, thickness=1, lineType=cv2.LINE_8)
    return line > 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cracks", type=Path, default=ROOT.parent / "shared" / "datasets" / "cracks" / "deepcrack" / "test")
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--reach", default="3,5")
    parser.add_argument("--spacing", type=int, default=20)
    parser.add_argument("--sigma", type=float, default=2.5)
    args = parser.parse_args()
    from muralstudio.core import imageio, maskops

    reaches = [None] + [float(r) for r in args.reach.split(",")]
    rng = np.random.default_rng(0)
    scores = {r: [] for r in reaches}
    used = 0
    for image_path in sorted((args.cracks / "images").iterdir()):
        if used >= args.limit:
            break
        mask_paths = list((args.cracks / "masks").glob(image_path.stem + ".*"))
        if not mask_paths:
            continue
        truth = imageio.read_mask(mask_paths[0]) >= 128
        path = longest_skeleton_path(truth)
        if len(path) < 3 * args.spacing:
            continue
        used += 1
        gray = imageio.to_rgb8(imageio.read_image(image_path).pixels).astype(np.float32).mean(axis=2) / 255
        vertices = path[::args.spacing].astype(np.float64)
        if (len(path) - 1) % args.spacing:
            vertices = np.vstack([vertices, path[-1]])
        jitter = np.clip(rng.normal(0, args.sigma, vertices.shape), -4, 4)
        h, w = truth.shape
        typed = np.clip(vertices + jitter, 0, [w - 1, h - 1])
        to_crack = ndimage.distance_transform_edt(~truth)
        path_mask = np.zeros_like(truth)
        path_mask[path[:, 1], path[:, 0]] = True
        for r in reaches:
            stroke = typed if r is None else maskops.snap_to_line(gray, typed, r)
            line = centre_line(stroke, truth.shape)
            near_line = ndimage.distance_transform_edt(~line) <= 1.5
            coverage = (near_line & path_mask).sum() / path_mask.sum()
            scores[r].append((coverage, to_crack[line].mean()))
    print(f"{used} cracks of {args.cracks} typed with a vertex every {args.spacing} px, "
          f"σ {args.sigma} px off (at most 4)")
    print()
    print("| stroke | crack coverage (1.5 px) | ratio | mean distance to crack (px) | ratio |")
    print("|---|---:|---:|---:|---:|")
    base_cov = np.mean([s[0] for s in scores[None]])
    base_dist = np.mean([s[1] for s in scores[None]])
    for r in reaches:
        cov = np.mean([s[0] for s in scores[r]])
        dist = np.mean([s[1] for s in scores[r]])
        name = "typed (baseline)" if r is None else f"--snap {r:g}"
        print(f"| {name} | {cov:.3f} | {cov / base_cov:.2f}× | {dist:.2f} | {dist / base_dist:.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
