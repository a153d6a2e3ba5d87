"""``muralstudio train label``: the PSP-M element labeler on image/label pairs.

``--images`` and ``--labels`` hold pairs with the same stem (label values are class indices,
255 = unlabelled) — ../shared/datasets/mural-labels, or a set written by MuralStudio's
"Export training set" (its ``classes.json`` names the classes) with no conversion. Validation
images are whole caves held out (``--val-split cave``), or the training images themselves
(``--val-split none``, for fine-tuning on a handful of an institute's own labels).

Recipe (the paper's): cross-entropy with class weights + Dice, an auxiliary head on block 13,
Adam with ReduceLROnPlateau (factor 0.5, patience 3 validations) and early stopping;
augmentation by rescaling, rotation, horizontal flips, noise, darkening and colour jitter.
The backbone starts from ``--init-backbone`` (see ``muralstudio train backbone``), from a
whole trained model (``--init``, fine-tuning), or from nothing.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from muralstudio.core.document import DEFAULT_LABEL_CLASSES
from muralstudio.core.messages import Text
from muralstudio.core.metrics import confusion_matrix
from muralstudio.engines.nets.pspnet import PSPM
from muralstudio.engines.nets.resunet import dice_loss
from muralstudio.engines.weights import load_into, load_weights, read_checkpoint
from muralstudio.train import common

log = logging.getLogger(__name__)

IGNORE = 255


def read_classes(labels_folder) -> list[tuple[str, tuple[int, int, int]]]:
    """Classes of a training set: ``classes.json`` beside or inside the labels folder (written
    by "Export training set"), else the six PSP-M classes."""
    first = Path(str(labels_folder).split(",")[0])
    for candidate in (first / "classes.json", first.parent / "classes.json"):
        if candidate.exists():
            entries = json.loads(candidate.read_text(encoding="utf-8"))["classes"]
            entries = sorted(entries, key=lambda e: e["index"])
            return [(e["name"], tuple(int(v) for v in e["color"])) for e in entries]
    return list(DEFAULT_LABEL_CLASSES)


def load_pairs(images, labels, split: str, n_classes: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """:func:`labelled_pairs` checked: sizes agree and values are classes (or 255 = unlabelled).
    Checkpoints are chosen on the training caves' "select" part, never on the benchmark's "val"."""
    from muralstudio.core.datasets import labelled_pairs

    out = []
    for name, image, label in labelled_pairs(images, labels, split):
        if image.shape[:2] != label.shape:
            raise ValueError(f"{name}: label map is {label.shape[1]}×{label.shape[0]} but its image "
                             f"is {image.shape[1]}×{image.shape[0]}")
        bad = (label >= n_classes) & (label != IGNORE)
        if bad.any():
            raise ValueError(f"{name} has label values {sorted(int(v) for v in np.unique(label[bad]))} "
                             f"but only {n_classes} classes are defined")
        out.append((name, image, label))
    return out


def sample(image: np.ndarray, label: np.ndarray, size: int, scale: float, rng):
    """One augmented crop at the working scale (× 0.75–1.33): rotation (±15°, half the time),
    horizontal flip, darkening, colour jitter and noise. Pixels brought in from outside the
    image are unlabelled (255)."""
    s = scale * float(np.exp(rng.uniform(np.log(0.75), np.log(1.33))))
    h, w = label.shape
    matrix = cv2.getRotationMatrix2D((w * s / 2, h * s / 2), 0, 1.0)
    matrix[:, :2] *= s
    out_w, out_h = max(size, round(w * s)), max(size, round(h * s))
    if rng.random() < 0.5:
        angle = rng.uniform(-15, 15)
        rotation = cv2.getRotationMatrix2D((out_w / 2, out_h / 2), angle, 1.0)
        matrix = rotation @ np.vstack([matrix, [0, 0, 1]])
    image = cv2.warpAffine(image, matrix, (out_w, out_h), flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REFLECT)
    label = cv2.warpAffine(label, matrix, (out_w, out_h), flags=cv2.INTER_NEAREST,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=IGNORE)
    y, x = int(rng.integers(0, out_h - size + 1)), int(rng.integers(0, out_w - size + 1))
    image, label = image[y:y + size, x:x + size], label[y:y + size, x:x + size]
    if rng.random() < 0.5:
        image, label = image[:, ::-1], label[:, ::-1]
    image = np.ascontiguousarray(image)
    if rng.random() < 0.3:  # darkening (murals darkened by smoke and age)
        image = (image.astype(np.float32) * rng.uniform(0.55, 0.9)).astype(np.uint8)
    image = common.photometric(image, rng, sharpen=False)
    return image, np.ascontiguousarray(label)


def class_weights(pairs, n_classes: int) -> np.ndarray:
    """Square root of median-frequency balancing over the classes present (absent classes
    weigh 1): full balancing made the rare classes (a single Buddha, a few clouds) swallow the
    background in validation."""
    counts = np.zeros(n_classes)
    for _, _, label in pairs:
        counts += np.bincount(label[label != IGNORE].ravel(), minlength=n_classes)[:n_classes]
    freq = counts / max(counts.sum(), 1)
    present = freq > 0
    weights = np.ones(n_classes)
    weights[present] = np.sqrt(np.median(freq[present]) / freq[present])
    return np.clip(weights, 0.3, 3.0)


def evaluate(model, pairs, extra: dict) -> dict:
    """Whole validation images labelled as the engine labels them; PA, mPA and mIoU over the
    classes present in the ground truth (pooled pixels)."""
    from muralstudio.core.metrics import scores_from_confusion
    from muralstudio.engines.label_pspm import PSPMLabeler
    from muralstudio.engines.labeling import label

    labeler = PSPMLabeler(network=(model, extra))
    classes = labeler.classes
    model.eval()
    cm = np.zeros((len(classes), len(classes)), np.int64)
    for _, image, truth in pairs:
        cm += confusion_matrix(truth, label(image, labeler).labels, len(classes))
    model.train()
    scores = scores_from_confusion(cm)
    return {"val_pa": scores["pa"], "val_mpa": scores["mpa"], "val_miou": scores["miou"]}


def build_model(args, n_classes: int) -> PSPM:
    if args.init:  # fine-tuning keeps the network's shape and working scale
        from muralstudio.engines.weights import read_metadata

        meta = read_metadata(args.init)
        if meta.get("config", {}).get("architecture") != "pspm":
            raise ValueError(f"--init {args.init} is not PSP-M weights")
        args.width = meta["config"].get("width", 1.0)
        args.output_stride = meta["config"].get("output_stride", 16)
        args.pooling = meta["config"].get("pooling", "max")
        args.scale = meta.get("extra", {}).get("scale", args.scale)
    model = PSPM(n_classes, args.output_stride, args.pooling, aux=True, width=args.width)
    if args.init:
        state, config = load_weights(args.init)
        if config.get("n_classes") != n_classes:  # new classes: keep all but the classifiers
            fresh = model.state_dict()
            fresh.update({k: v for k, v in state.items()
                          if not k.startswith(("master_branch.1.", "auxiliary_branch.4."))})
            load_into(model, fresh, args.init)
        else:
            load_into(model, state, args.init)
    elif args.init_backbone:
        state = read_checkpoint(args.init_backbone)
        # our pre-training writes backbone.features.*; a torchvision-layout MobileNetV2 features.*
        state = {k.removeprefix("backbone."): v for k, v in state.items()
                 if k.startswith(("backbone.features.", "features."))}
        state = {k: v for k, v in state.items() if int(k.split(".")[1]) < 18}
        load_into(model.backbone, state, args.init_backbone)
    return model


def train(args, progress=None, cancelled=None) -> Path:
    """Train (or resume) as ``args`` say; ``progress(fraction, stage)`` and ``cancelled()``
    let the window run it on the job runner (a cancelled run keeps its checkpoint)."""
    from muralstudio.core.errors import Cancelled

    if args.backbone_lr < 0:  # checked before any image is read
        raise ValueError(f"--backbone-lr must not be negative, not {args.backbone_lr}")
    device, out, ckpt_path, log_path = common.start_run(args)
    classes = read_classes(args.labels)
    n = len(classes)
    if args.val_split == "cave":  # checkpoints chosen on held-out training caves, not the benchmark's
        train_pairs = load_pairs(args.images, args.labels, "fit", n)
        val_pairs = load_pairs(args.images, args.labels, "select", n)
    else:
        train_pairs = val_pairs = load_pairs(args.images, args.labels, "all", n)
    if not train_pairs:
        raise ValueError(f"no image/label pairs (same stem) in {args.images} and {args.labels}")
    if not val_pairs:  # too few caves to hold one out
        val_pairs = train_pairs
        log.warning("no held-out cave among %d pairs; validating on the training pairs", len(train_pairs))
    log.info("%d training pairs, %d validation pairs, classes %s", len(train_pairs), len(val_pairs),
             ", ".join(c[0] for c in classes))

    model = build_model(args, n).to(device)
    frozen = args.freeze_backbone
    for p in model.backbone.parameters():
        p.requires_grad_(not frozen)
    # a pre-trained backbone may learn slower than the new head (--backbone-lr), so that a
    # handful of labelled crops adjusts its features instead of overwriting them
    head = [p for name, p in model.named_parameters() if not name.startswith("backbone.")]
    groups = [{"params": head}]
    if not frozen:
        groups.append({"params": list(model.backbone.parameters()), "lr": args.lr * args.backbone_lr})
    opt = torch.optim.Adam(groups, lr=args.lr, weight_decay=1e-5)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=3)
    weight = torch.tensor(class_weights(train_pairs, n), dtype=torch.float32, device=device)
    extra = {"classes": [[c[0], list(c[1])] for c in classes], "scale": args.scale,
             "init_backbone": Path(args.init_backbone).name if args.init_backbone else None,
             "frozen_backbone": frozen, "class_weights": [round(float(v), 4) for v in weight.cpu()]}
    run = common.Run(args, model, opt, out, ckpt_path, log_path, ["val_pa", "val_miou"])
    rng = np.random.default_rng(args.seed + run.step)
    model.train()
    stale, best_seen = 0, run.best
    while not run.done:
        if frozen:  # every step: validation switches the whole model back to training mode
            model.backbone.eval()  # random or pre-trained statistics stay as they are
        if cancelled and cancelled():
            raise Cancelled(Text("training_cancelled"))
        if progress:
            progress(run.step / args.steps, Text("stage_training_step", index=run.step + 1, total=args.steps))
        batch = [sample(*train_pairs[int(rng.integers(len(train_pairs)))][1:], args.size, args.scale, rng)
                 for _ in range(args.batch)]
        x = common.to_tensor([b[0] for b in batch]).to(device)
        y = torch.from_numpy(np.stack([b[1] for b in batch]).astype(np.int64)).to(device)
        out_main, out_aux = model(x)
        loss = (F.cross_entropy(out_main, y, weight=weight, ignore_index=IGNORE)
                + dice_loss(out_main, y, ignore_index=IGNORE)
                + args.aux_weight * F.cross_entropy(out_aux, y, weight=weight, ignore_index=IGNORE))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        lr = opt.param_groups[0]["lr"]
        run.after_step(loss.item(), lr, lambda: evaluate(model, val_pairs, extra),
                       lambda row: row["val_miou"], extra)
        if run.step % args.eval_every == 0 and run.trainlog.rows and "val_miou" in run.trainlog.rows[-1]:
            value = run.trainlog.rows[-1]["val_miou"]
            plateau.step(value)
            stale = 0 if value > best_seen else stale + 1
            best_seen = max(best_seen, value)
            if args.early_stop and stale >= args.early_stop:
                log.info("early stop: no better validation mIoU in %d validations", stale)
                break
    weights = run.final_weights()
    common.write_card(out.with_suffix(".md"), f"{out.name} — PSP-M element labeler", {
        "What": f"PSP-M: MobileNetV2 (width {args.width}, output stride {args.output_stride}) + "
                f"pyramid pooling (bins 1, 2, 3, 6, {args.pooling} pooling), auxiliary head. "
                f"Classes: {', '.join(c[0] for c in classes)}. Input RGB 0–1 at {args.scale} of "
                f"the image's resolution, 512² windows with stride 256.",
        "Data": f"- {len(train_pairs)} training pairs from {args.images} / {args.labels}\n"
                f"- validation: {len(val_pairs)} pairs ({'held-out caves' if args.val_split == 'cave' else 'the training pairs'})\n"
                f"- backbone start: {extra['init_backbone'] or ('weights of ' + Path(args.init).name if args.init else 'random')}"
                f"{' (frozen)' if frozen else ''}",
        "Command": common.command_text(args, "label"),
        "Training": f"{run.step} steps, batch {args.batch}, {args.size}² crops, CE (class weights "
                    f"{[round(float(v), 2) for v in weight.cpu()]}) + Dice + {args.aux_weight}·aux CE, "
                    f"Adam {args.lr} with ReduceLROnPlateau (0.5, patience 3), early stop after "
                    f"{args.early_stop} validations without gain; {common.hardware()}; "
                    f"{run.clock.seconds() / 60:.1f} min this run. Best validation mIoU {run.best:.3f}.",
    })
    return weights


def fine_tune(training_set, out, init=None, steps: int = 300, device: str = "cpu",
              progress=None, cancelled=None) -> Path:
    """Fine-tune PSP-M on a set written by "Export training set" (``images/``, ``labels/``,
    ``classes.json``), starting from ``init`` (default: the shipped weights), validating on the
    set itself. The window's Train button runs this on the job runner."""
    import argparse

    from muralstudio.engines.weights import find_weights

    init = init or find_weights("label-pspm")
    if init is None:
        raise FileNotFoundError("no PSP-M weights to start from (models/label-pspm.safetensors)")
    training_set = Path(training_set)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    words = ["--images", str(training_set / "images"), "--labels", str(training_set / "labels"),
             "--val-split", "none", "--out", str(out), "--init", str(init), "--steps", str(steps),
             "--device", device, "--lr", "3e-4", "--eval-every", str(max(25, steps // 6))]
    args = parser.parse_args(words)
    args.command_line = ["muralstudio", "train", "label", *words]
    return train(args, progress, cancelled)


def add_arguments(parser) -> None:
    parser.add_argument("--images", required=True, help="folder of images")
    parser.add_argument("--labels", required=True, help="folder of label maps (same stems)")
    parser.add_argument("--val-split", choices=("cave", "none"), default="cave",
                        help="cave: validate on held-out caves; none: on the training pairs")
    parser.add_argument("--out", required=True, help="models/NAME (.safetensors, .md, .log.csv, .loss.png)")
    parser.add_argument("--init-backbone", help="pre-trained backbone (muralstudio train backbone, "
                                                "or a MobileNetV2 state dict in the common layout)")
    parser.add_argument("--init", help="a trained PSP-M to fine-tune (classifiers are reset when "
                                       "the number of classes differs)")
    parser.add_argument("--freeze-backbone", action="store_true",
                        help="train the pyramid head only (baseline: head on an untrained backbone)")
    parser.add_argument("--backbone-lr", type=float, default=1.0,
                        help="the backbone's learning rate as a fraction of --lr")
    parser.add_argument("--width", type=float, default=0.5, help="MobileNetV2 width multiplier")
    parser.add_argument("--output-stride", type=int, default=16, choices=(8, 16))
    parser.add_argument("--pooling", default="max", choices=("max", "avg"))
    parser.add_argument("--scale", type=float, default=0.5, help="working scale of the images")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--aux-weight", type=float, default=0.4)
    parser.add_argument("--early-stop", type=int, default=8,
                        help="stop after this many validations without a better mIoU (0: never)")
    common.add_run_arguments(parser, steps=1500, batch=8, lr=1e-3, eval_every=50,
                             log_every=25)
