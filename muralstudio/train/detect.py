"""``muralstudio train detect``: Res-UNet for craquelure and paint loss (Dice + λ·Focal).

Data: every ``--data`` folder that has ``images/`` and ``masks/`` is a labelled crack set
(nonzero mask = craquelure); every other folder holds murals on which craquelure, flaking and
paint loss are rendered with the damage simulators (so paint loss, which no public set labels,
is learned too); a folder made with ``muralstudio annotate`` (``records/`` + ``labels/``, e.g.
datasets/mural-damage) gives crops of real damage from ``--murals``: paint loss and cracks as
labelled, and intact "confusable" dark paint as background weighted ``--confusable-weight``
times in an extra cross-entropy term (what the detector must learn to leave alone). Mural folders
are split by cave; only the training caves are used here, and the real crops of a fifth of them
(a salted hash of the cave) are held out to choose the checkpoint and calibrate thresholds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from muralstudio.core import synth
from muralstudio.core.imageio import read_mask
from muralstudio.core.datasets import cave_split, list_images, pairs_with_masks
from muralstudio.core.metrics import binary_scores
from muralstudio.engines.nets.resunet import CLASSES, INPUTS, LOSSES, ResUNet, input_tensor, segmentation_loss
from muralstudio.engines.weights import load_file_into, load_into, load_weights, read_checkpoint, read_metadata, save_weights
from muralstudio.train import common

log = logging.getLogger(__name__)

CRACK, LOSS = synth.CRACK_CLASS, synth.LOSS_CLASS


# ---------------------------------------------------------------------------------------------
# Synthetic damage on murals


def synthetic_sample(mural: np.ndarray, size: int, rng) -> tuple[np.ndarray, np.ndarray]:
    scale = rng.uniform(0.5, 1.0)
    if scale < 0.98:
        mural = cv2.resize(mural, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    side = int(min(rng.integers(size, 2 * size + 1), max(size, min(mural.shape[:2]))))
    (crop,) = common.random_crop([mural], side, rng)
    roll = rng.random()
    kinds = ("cracks", "loss") if roll < 0.45 else ("cracks",) if roll < 0.7 else \
        ("loss",) if roll < 0.9 else ()
    damaged, labels = synth.render_damage_classes(crop, rng, kinds)
    return common.random_crop([damaged, labels], size, rng)


# ---------------------------------------------------------------------------------------------
# Data


#: annotated real-damage values → (detector class, confusable flag)
REAL_TO_CLASS = np.array([0, LOSS, CRACK, 0], np.uint8)
CONFUSABLE_VALUE = 3


def real_targets(labels: np.ndarray) -> np.ndarray:
    """Annotated values (0 intact, 1 paint loss, 2 crack, 3 confusable) → the detector's classes
    in the low bits, with bit 7 set on confusable pixels (split again by :func:`split_targets`)."""
    out = REAL_TO_CLASS[np.minimum(labels, 3)]
    out[labels == CONFUSABLE_VALUE] |= 0x80
    return out


def split_targets(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (y & 0x7F).astype(np.int64), (y & 0x80) != 0


@dataclass
class DetectData:
    crack_images: list[np.ndarray]
    crack_masks: list[np.ndarray]
    murals: list[np.ndarray]
    real: list = None  # [(RGB crop, targets)] of annotated real damage

    def sample(self, size: int, rng, crack_fraction: float = 0.5, real_fraction: float = 0.0):
        if self.real and rng.random() < real_fraction:
            image, labels = self.real[int(rng.integers(len(self.real)))]
            damaged = np.flatnonzero(((labels & 0x7F) != 0).ravel())
            if damaged.size and rng.random() < 0.5:  # damage is a few % of the pixels: look at it
                cy, cx = np.unravel_index(damaged[int(rng.integers(damaged.size))], labels.shape)
                h, w = labels.shape
                y0 = int(np.clip(cy - size // 2 + rng.integers(-size // 4, size // 4 + 1), 0, max(0, h - size)))
                x0 = int(np.clip(cx - size // 2 + rng.integers(-size // 4, size // 4 + 1), 0, max(0, w - size)))
                image, labels = image[y0:y0 + size, x0:x0 + size], labels[y0:y0 + size, x0:x0 + size]
            image, labels = common.random_crop([image, labels], size, rng)
            image, labels = common.flip_rotate([image, labels], rng)
            return common.photometric(image, rng), labels
        use_cracks = self.crack_images and (not self.murals or rng.random() < crack_fraction)
        if use_cracks:
            i = int(rng.integers(len(self.crack_images)))
            image, mask = common.random_crop([self.crack_images[i], self.crack_masks[i]], size, rng)
            labels = (mask > 0).astype(np.uint8) * CRACK
        else:
            image, labels = synthetic_sample(self.murals[int(rng.integers(len(self.murals)))], size, rng)
        image, labels = common.flip_rotate([image, labels], rng)
        return common.photometric(image, rng), labels


def real_crops(folder: Path, murals: Path, part: str) -> list:
    """Annotated real-damage crops of the training caves: ``part`` "fit" (to train on) or
    "select" (held out to choose checkpoints and thresholds), or "val" (the benchmark's caves)."""
    from muralstudio.core.datasets import annotated_crops
    from muralstudio.core.datasets import selection_caves

    out = []
    for name, crop, labels, record in annotated_crops(folder, murals, "val" if part == "val" else "train"):
        if part != "val":
            fit, _ = selection_caves([Path(record["image"])])
            if bool(fit) != (part == "fit"):
                continue
        out.append((crop, real_targets(labels)))
    return out


def load_data(folders: list[Path], split: str = "train", limit: int | None = None,
              murals: Path | None = None) -> DetectData:
    from muralstudio.core.datasets import is_annotated_set

    crack_images, crack_masks, mural_images, real = [], [], [], []
    for folder in folders:
        if is_annotated_set(folder):
            if murals is None:
                raise ValueError(f"{folder} is an annotated set: give --murals, the folder of its images")
            real += real_crops(folder, murals, "fit" if split == "train" else "select")[:limit]
        elif (folder / "images").is_dir() and (folder / "masks").is_dir():
            for image, mask in pairs_with_masks(list_images(folder / "images"), folder / "masks")[:limit]:
                crack_images.append(common.load_rgb8(image))
                crack_masks.append(read_mask(mask))
        else:
            for path in cave_split(list_images(folder), split)[:limit]:
                mural_images.append(common.load_rgb8(path))
    if not crack_images and not mural_images and not real:
        raise ValueError(f"no training images found in {', '.join(map(str, folders))}")
    log.info("detect data: %d labelled crack images, %d murals (%s caves), %d real-damage crops",
             len(crack_images), len(mural_images), split, len(real))
    return DetectData(crack_images, crack_masks, mural_images, real)


def fixed_validation(data: DetectData, count: int, size: int, seed: int = 7):
    """A fixed set of (image, labels) crops for choosing the best checkpoint."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        if data.crack_images and (i % 2 == 0 or not data.murals):
            k = i // 2 % len(data.crack_images)
            img, mask = common.random_crop([data.crack_images[k], data.crack_masks[k]], size, rng)
            out.append((img, (mask > 0).astype(np.uint8) * CRACK))
        else:
            out.append(synthetic_sample(data.murals[i % len(data.murals)], size, rng))
    return out


def full_probabilities(model, image: np.ndarray, device) -> np.ndarray:
    """(C, H, W) class probabilities of a whole crop (reflect-padded to the network's stride)."""
    h, w = image.shape[:2]
    ph, pw = (-h) % 32, (-w) % 32
    padded = np.pad(image, ((0, ph), (0, pw), (0, 0)), mode="reflect")
    with torch.inference_mode():
        logits = model(input_tensor([padded], model.inputs).to(device))
    return torch.softmax(logits, 1)[0, :, :h, :w].cpu().numpy()


def real_scores(probabilities: list, targets: list, thresholds: dict, tolerance: float = 2.0) -> dict:
    """Paint-loss F1 (exact), crack F1 within ``tolerance`` px and the share of confusable intact
    pixels marked as damage, pooled over the crops."""
    from muralstudio.core.metrics import pool_tolerant, tolerant_scores

    loss_truth, loss_pred, crack_counts, flagged, confusable = [], [], [], 0, 0
    for probs, y in zip(probabilities, targets):
        classes, is_confusable = split_targets(y)
        loss = probs[LOSS] >= thresholds.get("paint loss", 0.5)
        crack = probs[CRACK] >= thresholds.get("craquelure", 0.5)
        loss_truth.append((classes == LOSS).ravel())
        loss_pred.append(loss.ravel())
        crack_counts.append(tolerant_scores(classes == CRACK, crack, tolerance))
        flagged += int(((loss | crack) & is_confusable).sum())
        confusable += int(is_confusable.sum())
    return {"val_f1_loss": binary_scores(np.concatenate(loss_truth), np.concatenate(loss_pred))["f1"],
            "val_f1_crack": pool_tolerant(crack_counts)["f1"],
            "val_false_alarm": flagged / confusable if confusable else 0.0}


def evaluate_real(model, samples, device, thresholds: dict | None = None) -> dict:
    model.eval()
    probabilities = [full_probabilities(model, image, device) for image, _ in samples]
    model.train()
    return real_scores(probabilities, [y for _, y in samples], thresholds or {})


def calibrate_real_thresholds(model, samples, device, grid=np.arange(0.2, 0.91, 0.05),
                              max_false_alarm: float = 0.01) -> dict:
    """Per damage class, the threshold with the best F1 on held-out real crops among those that
    mark at most ``max_false_alarm`` of the confusable intact pixels (the lowest false alarm
    when none does)."""
    model.eval()
    probabilities = [full_probabilities(model, image, device) for image, _ in samples]
    model.train()
    targets = [y for _, y in samples]
    out = {}
    for name, other in (("paint loss", "craquelure"), ("craquelure", "paint loss")):
        rows = []
        for t in grid:
            scores = real_scores(probabilities, targets, {name: float(t), other: 2.0})  # other class off
            rows.append((scores["val_f1_loss" if name == "paint loss" else "val_f1_crack"],
                         scores["val_false_alarm"], float(t)))
        allowed = [r for r in rows if r[1] <= max_false_alarm]
        best = max(allowed, key=lambda r: r[0]) if allowed else min(rows, key=lambda r: r[1])
        out[name] = round(best[2], 2)
    return out


def calibrate_thresholds(model, samples, device, grid=np.arange(0.2, 0.81, 0.05)) -> dict:
    """Per damage class, the probability threshold with the best pooled F1 on ``samples``."""
    model.eval()
    probs, truth = [], []
    with torch.inference_mode():
        for start in range(0, len(samples), 16):
            chunk = samples[start:start + 16]
            probs.append(torch.softmax(model(input_tensor([s[0] for s in chunk], model.inputs).to(device)), 1).cpu().numpy())
            truth.append(np.stack([s[1] for s in chunk]))
    model.train()
    probs, truth = np.concatenate(probs), np.concatenate(truth)
    out = {}
    for index, name in enumerate(CLASSES[1:], start=1):
        if not (truth == index).any():
            continue
        f1s = [binary_scores(truth == index, probs[:, index] >= t)["f1"] for t in grid]
        out[name] = round(float(grid[int(np.argmax(f1s))]), 2)
    return out


def evaluate(model, samples, device) -> dict:
    model.eval()
    truth, pred = [], []
    with torch.inference_mode():
        for start in range(0, len(samples), 16):
            chunk = samples[start:start + 16]
            logits = model(input_tensor([s[0] for s in chunk], model.inputs).to(device))
            pred.append(logits.argmax(1).cpu().numpy())
            truth.append(np.stack([s[1] for s in chunk]))
    model.train()
    truth, pred = np.concatenate(truth), np.concatenate(pred)
    crack = binary_scores(truth == CRACK, pred == CRACK)
    loss = binary_scores(truth == LOSS, pred == LOSS)
    return {"val_f1_crack": crack["f1"], "val_f1_loss": loss["f1"] if (truth == LOSS).any() else float("nan")}


# ---------------------------------------------------------------------------------------------
# Training loop


def init_from(model: ResUNet, path) -> None:
    """Load a trained Res-UNet into ``model``; weights trained on fewer input planes (RGB) start a
    model with more: the extra planes' input weights start at zero, so it begins as the RGB one."""
    state, config = load_weights(path)
    if config.get("inputs", "rgb") == model.inputs:
        load_file_into(model, path)
        return
    own = model.state_dict()
    for key, value in state.items():
        target = own.get(key)
        if target is not None and value.ndim == 4 and target.shape[1] > value.shape[1] \
                and target.shape[0] == value.shape[0] and target.shape[2:] == value.shape[2:]:
            widened = torch.zeros_like(target)
            widened[:, :value.shape[1]] = value
            state[key] = widened
    load_into(model, state, path)


def train(args) -> Path:
    device, out, ckpt_path, log_path = common.start_run(args)
    folders = [Path(p) for p in args.data.split(",") if p]
    data = load_data(folders, "train", args.limit, Path(args.murals) if args.murals else None)
    val_folders = [Path(p) for p in (args.val_data or args.data).split(",") if p]
    murals = Path(args.murals) if args.murals else None
    val_data = load_data(val_folders, "val", args.limit or 64, murals)
    # with annotated real damage, checkpoints and thresholds are chosen on its held-out crops
    real_val = val_data.real
    val = real_val or fixed_validation(val_data, args.val_samples, args.size)

    model = ResUNet(args.encoder, inputs=args.inputs).to(device)
    if device.type == "cpu":
        model = model.to(memory_format=torch.channels_last)
    if args.init:  # fine-tuning: start from a whole trained model
        init_from(model, args.init)
    if args.init_encoder:
        state = read_checkpoint(args.init_encoder)
        enc = {k.removeprefix("resnet."): v for k, v in state.items() if k.startswith("resnet.")}
        load_into(model.resnet, enc, args.init_encoder)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    class_weight = torch.tensor([float(w) for w in args.class_weights.split(",")], device=device)
    run = common.Run(args, model, opt, out, ckpt_path, log_path, ["val_f1_crack", "val_f1_loss"])
    rng = np.random.default_rng(args.seed + run.step)
    model.train()
    while not run.done:
        freeze = bool(args.init_encoder) and run.step < args.freeze_steps
        for p in model.encoder_parameters():
            p.requires_grad_(not freeze)
        lr = common.cosine_lr(run.step, args.steps, args.lr, args.min_lr, args.warmup)
        common.set_lr(opt, lr)
        batch = [data.sample(args.size, rng, args.crack_fraction, args.real_fraction) for _ in range(args.batch)]
        x = input_tensor([b[0] for b in batch], args.inputs).to(device)
        if device.type == "cpu":
            x = x.contiguous(memory_format=torch.channels_last)
        classes, confusable = split_targets(np.stack([b[1] for b in batch]))
        y = torch.from_numpy(classes).to(device)
        logits = model(x)
        loss = segmentation_loss(logits, y, args.loss, args.focal_weight, class_weight)
        if confusable.any():  # intact dark paint: background, and costly to call damage
            weight = 1.0 + (args.confusable_weight - 1.0) * torch.from_numpy(confusable).float().to(device)
            pixel_ce = torch.nn.functional.cross_entropy(logits, y, reduction="none")
            loss = loss + (pixel_ce * weight).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if real_val:
            run.after_step(loss.item(), lr, lambda: evaluate_real(model, val, device),
                           lambda row: np.mean([row["val_f1_crack"], row["val_f1_loss"]]) - row["val_false_alarm"],
                           {"loss": args.loss})
        else:
            run.after_step(loss.item(), lr, lambda: evaluate(model, val, device),
                           lambda row: np.nanmean([row["val_f1_crack"], row["val_f1_loss"]]),
                           {"loss": args.loss})
    weights = run.final_weights()
    # thresholds of the kept (best) weights, chosen on the validation crops
    state, config = load_weights(weights)
    best_model = ResUNet(config["encoder"], config["n_classes"], config.get("inputs", "rgb")).to(device)
    best_model.load_state_dict(state)
    extra = read_metadata(weights).get("extra", {})
    extra["thresholds"] = (calibrate_real_thresholds(best_model, val, device) if real_val
                           else calibrate_thresholds(best_model, val, device))
    save_weights(best_model, weights, config, extra)
    log.info("calibrated thresholds: %s", extra["thresholds"])
    common.write_card(out.with_suffix(".md"), f"{out.name} — Res-UNet damage detector", {
        "What": f"Res-UNet ({args.encoder} encoder), classes {', '.join(CLASSES)}; input "
                f"{'RGB 0–1' if args.inputs == 'rgb' else args.inputs + ' (engines/nets/resunet.py input_planes)'}.",
        "Data": "\n".join(f"- {f}" for f in folders) + "\n\nMural folders: training caves only "
                "(muralstudio.core.datasets.cave_split), synthetic craquelure and paint loss "
                "rendered by muralstudio.core.synth.render_damage_classes.",
        "Command": common.command_text(args, "detect"),
        "Training": f"{run.step} steps, batch {args.batch}, {args.size}×{args.size} crops, loss "
                    f"{args.loss} (λ = {args.focal_weight}), Adam cosine {args.lr} → {args.min_lr}; "
                    f"{common.hardware()}; {run.clock.seconds() / 60:.1f} min this run. Best "
                    f"checkpoint by mean validation F1 = {run.best:.3f} (step {extra.get('step')}); "
                    f"thresholds calibrated on the validation crops: {extra['thresholds']}.",
    })
    return weights


def add_arguments(parser) -> None:
    parser.add_argument("--data", required=True,
                        help="comma-separated folders: labelled crack sets (images/ + masks/) "
                             "and mural folders for synthetic damage")
    parser.add_argument("--out", required=True, help="models/NAME (writes NAME.safetensors, "
                                                     ".md, .log.csv, .loss.png, .ckpt.pt)")
    parser.add_argument("--encoder", default="light", choices=["light", "resnet18", "resnet50"])
    parser.add_argument("--inputs", default="rgb", choices=list(INPUTS),
                        help="network input planes: rgb, or rgb+specks (adds the white and black "
                             "top-hats of the lightness: pale flecks of loss, thin dark cracks)")
    parser.add_argument("--size", type=int, default=128, help="crop side (multiple of 32)")
    parser.add_argument("--min-lr", type=float, default=1e-6)
    parser.add_argument("--warmup", type=int, default=0)
    parser.add_argument("--loss", default="dice+focal", choices=LOSSES)
    parser.add_argument("--focal-weight", type=float, default=1.0, help="λ in Dice + λ·Focal")
    parser.add_argument("--class-weights", default="1,1,1")
    parser.add_argument("--crack-fraction", type=float, default=0.5,
                        help="share of each batch drawn from labelled crack sets")
    parser.add_argument("--murals", help="folder of the murals an annotated --data set refers to "
                        "(e.g. ../shared/datasets/murals)")
    parser.add_argument("--real-fraction", type=float, default=0.5,
                        help="share of crops taken from annotated real damage (when given)")
    parser.add_argument("--confusable-weight", type=float, default=4.0,
                        help="weight of intact 'confusable' pixels in the extra cross-entropy term")
    parser.add_argument("--init", help="safetensors weights of a whole Res-UNet to fine-tune")
    parser.add_argument("--init-encoder", help="checkpoint whose resnet.* weights start the encoder")
    parser.add_argument("--freeze-steps", type=int, default=0,
                        help="steps with the (initialised) encoder frozen")
    parser.add_argument("--val-samples", type=int, default=96)
    parser.add_argument("--val-data", help="folders for choosing the best checkpoint (labelled "
                                           "crack sets, and murals whose held-out caves are used); "
                                           "default: --data")
    parser.add_argument("--limit", type=int, help="use at most N images per folder (quick runs)")
    common.add_run_arguments(parser, steps=2000, batch=8, lr=1e-4, eval_every=200,
                             log_every=50)

