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
from muralstudio.engines.nets.fleckvet import FEATURES, FleckVetter, candidate_regions
from muralstudio.engines.weights import save_weights
from muralstudio.train import common

log = logging.getLogger(__name__)

LOSS_VALUE, CONFUSABLE_VALUE = 1, 3
#: thresholds tried in the cross-validation
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.71, 0.05))


def crop_examples(crop: np.ndarray, labels: np.ndarray, radius: int, contrast: float) -> dict:
    regions, table = candidate_regions(crop, radius, contrast)
    near_loss = cv2.dilate((labels == LOSS_VALUE).astype(np.uint8), np.ones((3, 3), np.uint8)).ravel() > 0
    flat = regions.ravel()
    count = np.bincount(flat, minlength=len(table) + 1)[1:]
    on_loss = np.bincount(flat, weights=near_loss, minlength=len(table) + 1)[1:]
    return {"regions": regions, "features": table, "labels": labels,
            "target": (on_loss >= 0.5 * np.maximum(count, 1)).astype(np.float32)}


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


def score(examples: list[dict], probabilities: list[np.ndarray], threshold: float) -> dict:
    """Pooled paint-loss scores of the specks whose probability reaches ``threshold``:
    pixel-exact, within 2 px, region level, and false alarms on confusable paint."""
    exact, near, regions, flagged, confusable = [], [], [], 0, 0
    for e, p in zip(examples, probabilities):
        predicted, truth = np.concatenate([[False], p >= threshold])[e["regions"]], e["labels"] == LOSS_VALUE
        exact.append(exact_counts(truth, predicted))
        near.append(tolerant_scores(truth, predicted, 2))
        regions.append(region_counts(truth, predicted, 2))
        flagged += int(predicted[e["labels"] == CONFUSABLE_VALUE].sum())
        confusable += int((e["labels"] == CONFUSABLE_VALUE).sum())
    e, n, r = pool_tolerant(exact), pool_tolerant(near), pool_tolerant(regions)
    return {"f1": e["f1"], "precision": e["precision"], "recall": e["recall"], "f1_tol": n["f1"],
            "region_recall": r["recall"], "region_precision": r["precision"],
            "region_f1": r["f1"], "regions_proposed": sum(c["pred"] for c in regions),
            "false_alarm": flagged / confusable if confusable else 0.0}


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
        fitted = fit([e for e, c in zip(examples, caves) if c not in held], args.epochs, args.width,
                     args.lr, args.seed)
        for i, (e, c) in enumerate(zip(examples, caves)):
            if c in held:
                out[i] = fitted.probabilities(e["features"])
        log.info("fold %d of %d: %d caves held out", k + 1, folds, len(held))
    return out


def train(args) -> Path:
    clock = common.Stopwatch()
    torch.set_num_threads(max(1, args.threads))
    examples, caves = [], []
    for name, crop, labels, _record in annotated_crops(args.data, args.murals, "train"):
        if args.limit and len(examples) >= args.limit:
            break
        examples.append(crop_examples(crop, labels, args.radius, args.contrast))
        caves.append(cave_of(name))
    if not examples:
        raise ValueError(f"{args.data}: no training crops of {args.murals} found")
    n_regions = sum(len(e["target"]) for e in examples)
    n_loss = int(sum(e["target"].sum() for e in examples))
    log.info("%d crops, %d candidate specks (%d paint loss), %d caves", len(examples), n_regions,
             n_loss, len(set(caves)))
    held_out = out_of_fold(examples, caves, args.folds, args)
    cv = {t: score(examples, held_out, t) for t in THRESHOLDS}
    threshold = max(THRESHOLDS, key=lambda t: (cv[t]["region_f1"], -t))
    model = fit(examples, args.epochs, args.width, args.lr, args.seed)
    fitted = score(examples, [model.probabilities(e["features"]) for e in examples], threshold)
    out = Path(args.out)
    weights = out.with_suffix(".safetensors")
    config = {"architecture": "fleckvet", "features": len(FEATURES), "width": args.width,
              "radius": args.radius, "contrast": args.contrast}
    extra = {"thresholds": {"paint loss": threshold}, "cv": {str(t): v for t, v in cv.items()},
             "regions": n_regions, "loss_regions": n_loss, "crops": len(examples), "epochs": args.epochs}
    save_weights(model, weights, config, extra)
    table = "\n".join(f"| {t:.2f} | {v['precision']:.3f} / {v['recall']:.3f} / **{v['f1']:.3f}** | "
                      f"{v['f1_tol']:.3f} | {v['region_recall']:.3f} / {v['region_precision']:.3f} "
                      f"({v['regions_proposed']}) | **{v['region_f1']:.3f}** | {100 * v['false_alarm']:.1f} % |" for t, v in cv.items())
    common.write_card(out.with_suffix(".md"), f"{out.name} — fleck vetter of the flecks-vetted detector", {
        "What": f"Candidate pale specks (white top-hat of the Lab lightness, radius {args.radius} px, "
                f"at least {args.contrast:g} lighter than the paint around) described by "
                f"{len(FEATURES)} measures ({', '.join(FEATURES)}); a multilayer perceptron "
                f"({len(FEATURES)} → {args.width} → {args.width} → 1, engines/nets/fleckvet.py) says "
                "which are paint loss. It finds no cracks and no losses larger than the radius.",
        "Data": f"{args.data}, training caves only ({len(examples)} crops, {len(set(caves))} caves, "
                f"{n_regions} candidate specks of which {n_loss} paint loss) on {args.murals}.",
        "Command": common.command_text(args, "flecks"),
        "Training": f"Adam {args.lr}, {args.epochs} epochs of batches of 1024 specks, "
                    f"{common.hardware()}; {clock.seconds():.0f} s including the cross-validation.",
        "Threshold": f"{threshold:.2f}: where the regions found and the regions right balance best "
                     "(their F1) on the training caves scored out of fold — each crop's specks judged by "
                     f"a network fitted without its cave ({args.folds} folds of caves), pooled over the "
                     "crops. A reviewer accepts or rejects whole specks, so that is the balance the "
                     "default should strike; pixel F1 only grows as the threshold falls, because most "
                     "training-cave loss is larger than a speck and never a candidate.\n\n"
                     "| threshold | P / R / F1 exact | F1 within 2 px | regions found / right (proposed) "
                     "| region F1 | false alarms on confusable paint |\n|---:|---|---:|---|---:|---:|\n" + table,
        "Fit": f"On its own training crops at {threshold:.2f}: F1 {fitted['f1']:.3f} (within 2 px "
               f"{fitted['f1_tol']:.3f}); the validation caves' figures are measured by "
               "`muralstudio bench detect --real`.",
    })
    log.info("threshold %.2f (out of fold: region F1 %.3f, pixel F1 %.3f); weights %s", threshold,
             cv[threshold]["region_f1"], cv[threshold]["f1"], weights)
    return weights


def add_arguments(parser) -> None:
    parser.add_argument("--data", default="datasets/mural-damage",
                        help="a real-damage set made with 'muralstudio annotate'")
    parser.add_argument("--murals", required=True, help="the murals it refers to (../shared/datasets/murals)")
    parser.add_argument("--out", required=True, help="models/NAME (writes NAME.safetensors and NAME.md)")
    parser.add_argument("--radius", type=int, default=4, help="largest fleck radius in px")
    parser.add_argument("--contrast", type=float, default=40.0,
                        help="how much lighter than the paint around a candidate must be (Lab L, 0–255)")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--folds", type=int, default=3, help="cross-validation folds of training caves")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit", type=int, help="use at most N crops (quick runs)")
