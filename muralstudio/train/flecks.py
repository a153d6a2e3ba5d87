"""``muralstudio train flecks``: the fleck vetter of the ``flecks-vetted`` detector.

Data: a real-damage set made with ``muralstudio annotate`` (e.g. datasets/mural-damage) and the
murals it refers to. Every candidate pale speck of its training caves' crops
(:func:`~muralstudio.engines.nets.fleckvet.candidate_regions`) is one example, paint loss when
at least half of it lies within a pixel of labelled loss. The validation caves are never read.
The threshold is chosen by cross-validation over the training caves (each crop's specks judged
by a network fitted without its cave's fold): where regions found and regions right balance
best, pooled over all crops;
the shipped network is then fitted on all training caves.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import torch

from muralstudio.core.datasets import annotated_crops, cave_of
from muralstudio.core.metrics import exact_counts, pool_tolerant, region_counts, tolerant_scores
from muralstudio.engines.nets.fleckvet import (FEATURES, FleckVetter, FleckVetters, VetterEnsemble,
                                              candidate_regions, speck_areas)
from muralstudio.engines.weights import save_weights
from muralstudio.train import common

log = logging.getLogger(__name__)

LOSS_VALUE, CONFUSABLE_VALUE = 1, 3
#: thresholds tried in the cross-validation
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.71, 0.05))
#: smallest areas (px) of the first radius's specks tried with them: 1–2 px specks are below
#: what the annotators mark ("flecks down to about 3 px") and mostly grain
FIRST_MIN_AREAS = (0, 2, 3, 4, 5, 6, 8)


def crop_examples(crop: np.ndarray, labels: np.ndarray, radius: int, contrast: float) -> dict:
    regions, table = candidate_regions(crop, radius, contrast)
    near_loss = cv2.dilate((labels == LOSS_VALUE).astype(np.uint8), np.ones((3, 3), np.uint8)).ravel() > 0
    flat = regions.ravel()
    count = np.bincount(flat, minlength=len(table) + 1)[1:]
    on_loss = np.bincount(flat, weights=near_loss, minlength=len(table) + 1)[1:]
    return {"regions": regions, "features": table, "labels": labels,
            "target": (on_loss >= 0.5 * np.maximum(count, 1)).astype(np.float32)}


def fit_members(examples: list[dict], args) -> FleckVetter | VetterEnsemble:
    """``args.members`` networks fitted with seeds ``args.seed``, ``args.seed + 1`` …"""
    nets = [fit(examples, args.epochs, args.width, args.lr, args.seed + k) for k in range(args.members)]
    return nets[0] if len(nets) == 1 else VetterEnsemble(nets).eval()


def fit(examples: list[dict], epochs: int, width: int, lr: float, seed: int) -> FleckVetter:
    torch.manual_seed(seed)
    x = torch.from_numpy(np.concatenate([e["features"] for e in examples]))
    y = torch.from_numpy(np.concatenate([e["target"] for e in examples]))
    model = FleckVetter(len(FEATURES), width)
    model.feature_mean.copy_(x.mean(0))
    model.feature_std.copy_(x.std(0) + 1e-6)
    optimizer = torch.optim.Adam(model.parameters(), lr, weight_decay=1e-4)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), 1024):
            batch = order[start:start + 1024]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


def predicted_masks(examples: list[dict], probabilities: list[np.ndarray], threshold: float,
                    min_area: int = 0) -> list[np.ndarray]:
    """Each crop's specks whose probability reaches ``threshold`` (and whose area ``min_area``)."""
    out = []
    for e, p in zip(examples, probabilities):
        keep = p >= threshold
        if min_area:
            keep &= speck_areas(e["regions"], len(p)) >= min_area
        out.append(np.concatenate([[False], keep])[e["regions"]])
    return out


def score(label_maps: list[np.ndarray], masks: list[np.ndarray]) -> dict:
    """Pooled paint-loss scores of predicted masks: pixel-exact, within 2 px, region level, and
    false alarms on confusable paint."""
    exact, near, regions, flagged, confusable = [], [], [], 0, 0
    for labels, predicted in zip(label_maps, masks):
        truth = labels == LOSS_VALUE
        exact.append(exact_counts(truth, predicted))
        near.append(tolerant_scores(truth, predicted, 2))
        regions.append(region_counts(truth, predicted, 2))
        flagged += int(predicted[labels == CONFUSABLE_VALUE].sum())
        confusable += int((labels == CONFUSABLE_VALUE).sum())
    e, n, r = pool_tolerant(exact), pool_tolerant(near), pool_tolerant(regions)
    return {"f1": e["f1"], "precision": e["precision"], "recall": e["recall"], "f1_tol": n["f1"],
            "region_recall": r["recall"], "region_precision": r["precision"],
            "region_f1": r["f1"], "regions_proposed": sum(c["pred"] for c in regions),
            "false_alarm": flagged / confusable if confusable else 0.0}


def _row(v: dict) -> str:
    return (f"{v['precision']:.3f} / {v['recall']:.3f} / **{v['f1']:.3f}** | {v['f1_tol']:.3f} | "
            f"{v['region_recall']:.3f} / {v['region_precision']:.3f} ({v['regions_proposed']}) | "
            f"**{v['region_f1']:.3f}** | {100 * v['false_alarm']:.1f} % |")


def out_of_fold(examples: list[dict], caves: list[str], folds: int, args) -> list[np.ndarray]:
    """Each crop's speck probabilities from a network fitted without its cave's fold: how the
    shipped network will do on caves it has not seen, measured on the training caves alone."""
    names = sorted(set(caves))
    if folds < 2 or len(names) < 2:
        raise ValueError(f"choosing the threshold needs at least 2 folds of caves (--folds {folds}, "
                         f"{len(names)} training cave(s))")
    folds = min(folds, len(names))
    out: list[np.ndarray | None] = [None] * len(examples)
    for k in range(folds):
        held = set(names[k::folds])
        fitted = fit_members([e for e, c in zip(examples, caves) if c not in held], args)
        for i, (e, c) in enumerate(zip(examples, caves)):
            if c in held:
                out[i] = fitted.probabilities(e["features"])
        log.info("fold %d of %d: %d caves held out", k + 1, folds, len(held))
    return out


#: the wider radii's (threshold, smallest area) tried
EXTRA_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
EXTRA_MIN_AREAS = (10, 20, 40, 80)
#: how much region F1 a wider radius may cost for the pixels it adds
REGION_F1_SLACK = 0.01
#: how much pixel F1 it must add (less is within what another fold split would change)
PIXEL_F1_GAIN = 0.005


def parse_radii(text: str) -> list[int | str]:
    """``4,8,d16,s16`` → [4, 8, -16, "s16"]: pale specks at 4 and 8 px, dark ones (``d``) at 16 px,
    superpixels (``s``) about 16 px across."""
    from muralstudio.engines.nets.fleckvet import superpixel_size

    def one(r: str):
        if r.startswith("s"):
            superpixel_size(r)
            return r
        return -int(r[1:]) if r.startswith("d") else int(r)

    try:
        radii = [one(r.strip()) for r in str(text).split(",") if r.strip()]
    except ValueError:
        radii = []
    if not radii or 0 in radii or not isinstance(radii[0], int) or radii[0] < 0:
        raise ValueError(f"--radii takes radii in px like 4,8,d16,s16 (pale specks first; d: dark specks; "
                         f"s: superpixels of that size), not {text!r}")
    return radii


def radius_name(radius: int | str) -> str:
    if isinstance(radius, str):
        return f"superpixels of about {radius[1:]} px"
    return f"{radius} px" if radius > 0 else f"{-radius} px (dark specks)"


def train(args) -> Path:
    clock = common.Stopwatch()
    torch.set_num_threads(max(1, args.threads))
    radii = parse_radii(args.radii)
    if args.members < 1:
        raise ValueError(f"--members is how many networks per radius (1 or more), not {args.members}")
    crops, caves = [], []
    for name, crop, labels, _record in annotated_crops(args.data, args.murals, "train"):
        if args.limit and len(crops) >= args.limit:
            break
        crops.append((crop, labels))
        caves.append(cave_of(name))
    if not crops:
        raise ValueError(f"{args.data}: no training crops of {args.murals} found")
    label_maps = [labels for _, labels in crops]
    examples = [[crop_examples(crop, labels, radius, args.contrast) for crop, labels in crops] for radius in radii]
    held_out = [out_of_fold(ex, caves, args.folds, args) for ex in examples]
    n_regions = sum(len(e["target"]) for e in examples[0])
    n_loss = int(sum(e["target"].sum() for e in examples[0]))
    log.info("%d crops, %d candidate specks at radius %d (%d paint loss), %d caves", len(crops), n_regions,
             radii[0], n_loss, len(set(caves)))
    # the first radius: the threshold and smallest area that balance regions found and right
    grid = {(t, a): score(label_maps, predicted_masks(examples[0], held_out[0], t, a))
            for t in THRESHOLDS for a in FIRST_MIN_AREAS}
    threshold, first_area = max(grid, key=lambda k: (grid[k]["region_f1"], -k[0], -k[1]))
    cv = {t: grid[(t, first_area)] for t in THRESHOLDS}
    chosen = [(float(threshold), int(first_area))]
    union = predicted_masks(examples[0], held_out[0], threshold, first_area)
    extra_tables = []
    # each wider radius adds its confident larger specks where they raise pixel F1 at (almost) no
    # cost in region F1
    for ex, probs, radius in zip(examples[1:], held_out[1:], radii[1:]):
        base = score(label_maps, union)
        def with_radius(t, area):
            return [a | b for a, b in zip(union, predicted_masks(ex, probs, t, area))]

        rows = {(t, area): score(label_maps, with_radius(t, area)) for t in EXTRA_THRESHOLDS for area in EXTRA_MIN_AREAS}
        allowed = [k for k, v in rows.items() if v["region_f1"] >= base["region_f1"] - REGION_F1_SLACK]
        best = max(allowed, key=lambda k: rows[k]["f1"], default=None)
        if best is None or rows[best]["f1"] < base["f1"] + PIXEL_F1_GAIN:
            best_pick, note = (1.0, 0), (f"none adds {PIXEL_F1_GAIN} to the pixel F1 at (almost) the same region "
                                         "F1: this radius is left out")
        else:
            best_pick, note = (float(best[0]), best[1]), f"threshold {best[0]:.2f}, smallest area {best[1]} px"
            union = with_radius(*best)
        chosen.append(best_pick)
        extra_tables.append(
            f"Radius {radius_name(radius)}: {note}. Out of fold, with the radii before it (alone: {_row(base)[:-2]}):\n\n"
            "| threshold | smallest area | P / R / F1 exact | F1 within 2 px | regions found / right (proposed) "
            "| region F1 | false alarms |\n|---:|---:|---|---:|---|---:|---:|\n"
            + "\n".join(f"| {t:.2f} | {a} | {_row(v)}" for (t, a), v in rows.items()))
    final = score(label_maps, union)
    vetters = FleckVetters(len(radii), len(FEATURES), args.width, args.members)
    for net, ex, (own, _) in zip(vetters.nets, examples, chosen):
        if own < 1:  # a left-out radius keeps an untrained network the detector never runs
            net.load_state_dict(fit_members(ex, args).state_dict())
    out = Path(args.out)
    weights = out.with_suffix(".safetensors")
    config = {"architecture": "fleckvet", "features": len(FEATURES), "width": args.width,
              "radii": radii, "contrast": args.contrast, "members": args.members}
    extra = {"thresholds": {"paint loss": threshold}, "radius_thresholds": [t for t, _ in chosen],
             "min_areas": [a for _, a in chosen], "cv": {str(t): v for t, v in cv.items()}, "cv_all": final,
             "regions": n_regions, "loss_regions": n_loss, "crops": len(crops), "epochs": args.epochs}
    save_weights(vetters, weights, config, extra)
    table = "\n".join(f"| {t:.2f} | {_row(v)}" for t, v in cv.items())
    area_table = "\n".join(f"| {a} | {_row(grid[(threshold, a)])}" for a in FIRST_MIN_AREAS)
    common.write_card(out.with_suffix(".md"), f"{out.name} — fleck vetter of the flecks-vetted detector", {
        "What": f"Candidate specks (top-hats of the Lab lightness at radius {', '.join(map(radius_name, radii))}: "
                f"at least {args.contrast:g} lighter{', or for dark specks darker,' if any(isinstance(r, int) and r < 0 for r in radii) else ''} "
                "than the paint around) described by "
                f"{len(FEATURES)} measures ({', '.join(FEATURES)}); for each radius a multilayer perceptron "
                f"({len(FEATURES)} → {args.width} → {args.width} → 1, engines/nets/fleckvet.py) says "
                "which are paint loss; a pixel takes the highest probability any radius gives it. It "
                f"finds no cracks and no losses wider than about {2 * max(abs(r) for r in radii if isinstance(r, int))} px"
                + (" (superpixel candidates excepted)" if any(isinstance(r, str) for r in radii) else "") + ".",
        "Data": f"{args.data}, training caves only ({len(crops)} crops, {len(set(caves))} caves, "
                f"{n_regions} candidate specks at radius {radii[0]} of which {n_loss} paint loss) on {args.murals}.",
        "Command": common.command_text(args, "flecks"),
        "Training": f"Adam {args.lr}, {args.epochs} epochs of batches of 1024 specks per radius"
                    + (f" and network ({args.members} per radius, seeds {args.seed}–{args.seed + args.members - 1}, "
                       "probabilities averaged, in the cross-validation too)" if args.members > 1 else "") + ", "
                    f"{common.hardware()}; {clock.seconds():.0f} s including the cross-validation.",
        "Threshold": f"{threshold:.2f} and smallest area {first_area} px for radius {radii[0]}: where the regions "
                     "found and the regions right balance best (their F1) on the training caves scored out of "
                     f"fold — each crop's specks judged by a network fitted without its cave ({args.folds} folds "
                     "of caves), pooled over the crops, over thresholds and smallest areas "
                     f"{', '.join(map(str, FIRST_MIN_AREAS))} px. A reviewer accepts or rejects whole specks, so "
                     "that is the balance the default should strike; pixel F1 only grows as the threshold "
                     "falls, because most training-cave loss is larger than a speck and never a candidate."
                     f"\n\nThresholds at smallest area {first_area} px:\n\n"
                     "| threshold | P / R / F1 exact | F1 within 2 px | regions found / right (proposed) "
                     "| region F1 | false alarms on confusable paint |\n|---:|---|---:|---|---:|---:|\n" + table
                     + f"\n\nSmallest areas at threshold {threshold:.2f}:\n\n"
                     "| smallest area (px) | P / R / F1 exact | F1 within 2 px | regions found / right (proposed) "
                     "| region F1 | false alarms on confusable paint |\n|---:|---|---:|---|---:|---:|\n" + area_table
                     + "".join("\n\n" + t for t in extra_tables)
                     + f"\n\nAll radii together, out of fold: {_row(final)[:-2]}. Each wider radius's "
                     "probabilities are rescaled so that its threshold falls on the first's (one threshold, "
                     "one sensitivity slider).",
        "Fit": "The validation caves' figures are measured by `muralstudio bench detect --real`.",
    })
    log.info("threshold %.2f; radii %s thresholds %s smallest areas %s (out of fold: pixel F1 %.3f, region "
             "F1 %.3f); weights %s", threshold, radii, extra["radius_thresholds"], extra["min_areas"],
             final["f1"], final["region_f1"], weights)
    return weights


def add_arguments(parser) -> None:
    parser.add_argument("--data", default="datasets/mural-damage",
                        help="a real-damage set made with 'muralstudio annotate'")
    parser.add_argument("--murals", required=True, help="the murals it refers to (../shared/datasets/murals)")
    parser.add_argument("--out", required=True, help="models/NAME (writes NAME.safetensors and NAME.md)")
    parser.add_argument("--radii", default="4,8", help="candidate radii in px: the first finds the pale flecks, "
                        "each further one adds the larger flakes it is confident of; d16: dark specks of "
                        "16 px (default 4,8)")
    parser.add_argument("--contrast", type=float, default=40.0,
                        help="how much lighter than the paint around a candidate must be (Lab L, 0–255)")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--folds", type=int, default=3, help="cross-validation folds of training caves")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--members", type=int, default=1,
                        help="networks per radius, fitted with seeds SEED, SEED+1, … and averaged")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit", type=int, help="use at most N crops (quick runs)")
