"""``muralstudio bench clicks``: the standard NoC protocol for interactive segmentation.

For each image and ground-truth mask: the first click at the object's interior point farthest
from its boundary; each next click at the interior point of the largest error region (positive
in a missed region, negative in a false one); the previous mask is fed back. Reported per
engine: NoC@85 and NoC@90 (max clicks when never reached), mean IoU after 1, 3 and 5 clicks,
and median / p95 milliseconds per click; the JSON also holds each image's NoC@90.
"""

from __future__ import annotations


import numpy as np

from muralstudio.core import imageio
from muralstudio.core.datasets import list_images, pairs_with_masks
from muralstudio.engines import segmentation


def run(images, masks, engines=("classic",), max_clicks: int = 20, limit: int | None = None,
        log=print) -> dict:
    paths = list_images(images)
    if limit:
        paths = paths[:: max(1, len(paths) // limit)][:limit]
    pairs = pairs_with_masks(paths, masks)
    if not pairs:
        raise ValueError(f"no image/mask pairs with the same stem in {images} and {masks}")
    segmenters = {name: segmentation.create_from_spec(name) for name in engines}
    report = {"engines": {}, "n_images": len(pairs), "max_clicks": max_clicks}
    for name, segmenter in segmenters.items():
        noc85, noc90, ious, times = [], [], {1: [], 3: [], 5: []}, []
        for i, (image_path, mask_path) in enumerate(pairs):
            image = imageio.read_image(image_path).pixels
            truth = imageio.read_mask(mask_path) > 127
            session = segmenter.session(image)
            reached85, reached90, score = max_clicks, max_clicks, 0.0
            for n, (score, milliseconds) in enumerate(
                    segmentation.simulate_clicks(session, truth, max_clicks, stop_at=0.90), start=1):
                times.append(milliseconds)
                if n in ious:
                    ious[n].append(score)
                if score >= 0.85 and reached85 == max_clicks:
                    reached85 = n
                if score >= 0.90:
                    reached90 = n
            for n in ious:  # stopped early (IoU ≥ 0.9): later IoUs are the final one
                if len(ious[n]) < i + 1:
                    ious[n].append(score)
            noc85.append(min(reached85, reached90))
            noc90.append(reached90)
        times.sort()
        report["engines"][name] = {
            "noc85": float(np.mean(noc85)), "noc90": float(np.mean(noc90)),
            "iou_at_1": float(np.mean(ious[1])), "iou_at_3": float(np.mean(ious[3])),
            "iou_at_5": float(np.mean(ious[5])),
            "ms_per_click_p50": float(times[len(times) // 2]),
            "ms_per_click_p95": float(times[min(len(times) - 1, int(len(times) * 0.95))]),
            # which images cost the clicks: image stem → NoC@90
            "noc90_per_image": {image_path.stem: n for (image_path, _), n in zip(pairs, noc90)},
        }
        if log:
            log(f"  {name}: done")
    return report


def format_table(report: dict) -> str:
    width = max(10, *(len(name) + 1 for name in report["engines"]))
    lines = [f"click segmentation benchmark: {report['n_images']} images, max {report['max_clicks']} clicks",
             f"{'engine':<{width}}{'NoC@85':>8}{'NoC@90':>8}{'IoU@1':>8}{'IoU@3':>8}{'IoU@5':>8}"
             f"{'ms p50':>9}{'ms p95':>9}"]
    for name, r in report["engines"].items():
        lines.append(f"{name:<{width}}{r['noc85']:>8.2f}{r['noc90']:>8.2f}{r['iou_at_1']:>8.3f}"
                     f"{r['iou_at_3']:>8.3f}{r['iou_at_5']:>8.3f}{r['ms_per_click_p50']:>9.0f}"
                     f"{r['ms_per_click_p95']:>9.0f}")
    return "\n".join(lines)
