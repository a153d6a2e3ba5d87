"""``muralstudio train clicks``: the ClickNet click model, trained iteratively (RITM-style).

Objects to segment come from three places, none of them the benchmark's object set:
- murals (folders without sub-folders): synthetic damage — paint loss, flaking and stains —
  rendered on training-cave crops; one damage blob is the object;
- labelled folders (``images/`` + ``labels/`` class maps or ``masks/``): each connected region
  of a class is an object (the hand-labelled mural elements);
- procedural murals from the generator, whose element regions are known (``--procedural``).

Each step simulates clicks: a first positive click inside the object (sometimes with extra
random clicks), then 0–3 rounds in which the current network predicts and the next click is
placed in its largest error (the benchmark's rule), the prediction fed back as previous mask.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import torch

from muralstudio.core import synth
from muralstudio.core.datasets import cave_split, list_images, pairs_with_masks
from muralstudio.core.imageio import read_mask
from muralstudio.core.metrics import iou
from muralstudio.engines.nets.clicknet import ClickNet, click_maps, soft_iou_bce_loss
from muralstudio.engines.segmentation import next_click
from muralstudio.train import common

log = logging.getLogger(__name__)


def context_crop(image, mask, rng, size, scale=(1.3, 3.0)):
    """A square window around the object (its box × a random context factor, jittered),
    resized to ``size``. Returns (rgb uint8, bool mask)."""
    ys, xs = np.nonzero(mask)
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    side = max(xs.max() - xs.min(), ys.max() - ys.min(), 12) * rng.uniform(*scale)
    cx += rng.uniform(-0.15, 0.15) * side
    cy += rng.uniform(-0.15, 0.15) * side
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    s = int(round(side))
    h, w = mask.shape
    pad = [(max(0, -y0), max(0, y0 + s - h)), (max(0, -x0), max(0, x0 + s - w))]
    img = np.pad(image, pad + [(0, 0)], mode="reflect" if min(h, w) > 2 * max(max(p) for p in pad) else "edge")
    msk = np.pad(mask, pad)
    y0p, x0p = y0 + pad[0][0], x0 + pad[1][0]
    img, msk = img[y0p:y0p + s, x0p:x0p + s], msk[y0p:y0p + s, x0p:x0p + s]
    img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA if s > size else cv2.INTER_LINEAR)
    msk = cv2.resize(msk.astype(np.uint8), (size, size), interpolation=cv2.INTER_NEAREST) > 0
    return img, msk


def pick_component(mask: np.ndarray, rng, min_fraction=0.002) -> np.ndarray | None:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    ok = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= min_fraction * mask.size]
    if not ok:
        return None
    return labels == ok[int(rng.integers(len(ok)))]


def damage_object(mural, rng):
    """A mural crop with synthetic paint loss or stains; one blob is the object."""
    side = int(min(rng.integers(200, 640), min(mural.shape[:2])))
    (crop,) = common.random_crop([mural], side, rng)
    h, w = crop.shape[:2]
    if rng.random() < 0.6:
        damaged, labels = synth.render_damage_classes(crop, rng, ("loss",) if rng.random() < 0.6 else ("cracks", "loss"))
        region = labels == synth.LOSS_CLASS
    else:  # stains: translucent brown or dark patches with soft edges
        region = synth.jelly_mask((h, w), (0.03, 0.15), rng)
        colour = np.array([rng.uniform(60, 140), rng.uniform(40, 100), rng.uniform(20, 60)], np.float32)
        alpha = cv2.GaussianBlur(region.astype(np.float32), (0, 0), 1.0)[..., None] * rng.uniform(0.45, 0.85)
        damaged = np.clip(crop * (1 - alpha) + colour * alpha, 0, 255).astype(np.uint8)
    return damaged, pick_component(region, rng)


def class_object(image, labels, rng):
    classes = [c for c in np.unique(labels) if c != 0]
    if not classes:
        return image, None
    cls = classes[int(rng.integers(len(classes)))]
    return image, pick_component(labels == cls, rng, 0.004)


class ClickData:
    def __init__(self, folders, split="train", procedural=200, limit=None, seed=0):
        self.murals, self.labelled = [], []
        for folder in map(Path, folders):
            if (folder / "images").is_dir():
                sub = "labels" if (folder / "labels").is_dir() else "masks"
                paths = cave_split(list_images(folder / "images"), split)[:limit]
                for path, other in pairs_with_masks(paths, folder / sub):
                    self.labelled.append((common.load_rgb8(path), read_mask(other)))
            else:
                self.murals += [common.load_rgb8(p) for p in cave_split(list_images(folder), split)[:limit]]
        rng = np.random.default_rng(seed + (0 if split == "train" else 10_000))
        for i in range(procedural):
            w, h = int(rng.integers(256, 520)), int(rng.integers(256, 520))
            self.labelled.append(synth.generate_mural(w, h, seed=int(rng.integers(1 << 30)))[:2])
        log.info("click data (%s): %d murals for synthetic damage, %d labelled images",
                 split, len(self.murals), len(self.labelled))
        if not self.murals and not self.labelled:
            raise ValueError("no training images for the click model")

    def sample(self, size, rng):
        for _ in range(20):
            if self.murals and (not self.labelled or rng.random() < 0.5):
                image, obj = damage_object(self.murals[int(rng.integers(len(self.murals)))], rng)
            else:
                img, labels = self.labelled[int(rng.integers(len(self.labelled)))]
                image, obj = class_object(img, labels, rng)
            if obj is not None:
                img, msk = context_crop(image, obj, rng, size)
                if msk.sum() > 30:
                    img, msk = common.flip_rotate([img, msk], rng)
                    return common.photometric(img, rng, sharpen=False), msk
        raise RuntimeError("could not draw an object to segment")


def first_clicks(mask, rng):
    dist = cv2.distanceTransform(np.pad(mask, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    ys, xs = np.nonzero(dist >= 0.3 * dist.max())
    i = int(rng.integers(len(ys)))
    clicks = [(float(xs[i]), float(ys[i]), True)]
    if rng.random() < 0.25:  # an extra positive elsewhere inside
        ys, xs = np.nonzero(mask)
        j = int(rng.integers(len(ys)))
        clicks.append((float(xs[j]), float(ys[j]), True))
    if rng.random() < 0.25:  # a negative near the object
        ring = (cv2.dilate(mask.astype(np.uint8), np.ones((25, 25), np.uint8)) > 0) & ~mask
        ys, xs = np.nonzero(ring)
        if len(ys):
            j = int(rng.integers(len(ys)))
            clicks.append((float(xs[j]), float(ys[j]), False))
    return clicks


def predict_batch(model, images, clicks, prevs, device, size):
    maps = torch.from_numpy(np.stack([click_maps(c, size, p) for c, p in zip(clicks, prevs)])).to(device)
    if device.type == "cpu":  # depthwise convolutions run about twice as fast channels-last
        images = images.contiguous(memory_format=torch.channels_last)
        maps = maps.contiguous(memory_format=torch.channels_last)
    return model(images, maps)


def evaluate(model, samples, device, size, max_clicks=5) -> dict:
    """Mean IoU after 1, 3 and 5 simulated clicks (benchmark rule) on fixed samples."""
    model.eval()
    scores = {1: [], 3: [], 5: []}
    with torch.inference_mode():
        images = common.to_tensor([s[0] for s in samples]).to(device)
        truths = [s[1] for s in samples]
        clicks = [[] for _ in samples]
        preds = [None] * len(samples)
        for n in range(1, max_clicks + 1):
            for i, truth in enumerate(truths):
                click = next_click(truth, preds[i])
                if click is not None:
                    clicks[i].append((click.x, click.y, click.positive))
            prevs = [None if p is None else p.astype(np.float32) for p in preds]
            logits = predict_batch(model, images, clicks, prevs, device, size)
            preds = list((logits[:, 0] > 0).cpu().numpy())
            if n in scores:
                scores[n] += [iou(t, p) for t, p in zip(truths, preds)]
    model.train()
    return {f"val_iou_at_{n}": float(np.mean(v)) for n, v in scores.items()}


def train(args) -> Path:
    device, out, ckpt_path, log_path = common.start_run(args)
    folders = [p for p in args.data.split(",") if p]
    data = ClickData(folders, "train", args.procedural, args.limit, args.seed)
    val_data = ClickData(folders, "val", max(8, args.procedural // 10), args.limit or 40, args.seed)
    vrng = np.random.default_rng(99)
    val = [val_data.sample(args.size, vrng) for _ in range(args.val_samples)]
    model = ClickNet(args.width, args.size).to(device)
    if device.type == "cpu":
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    run = common.Run(args, model, opt, out, ckpt_path, log_path,
                     ["val_iou_at_1", "val_iou_at_3", "val_iou_at_5"])
    rng = np.random.default_rng(args.seed + run.step)
    model.train()
    while not run.done:
        lr = common.cosine_lr(run.step, args.steps, args.lr, args.lr * 0.01, args.warmup)
        common.set_lr(opt, lr)
        batch = [data.sample(args.size, rng) for _ in range(args.batch)]
        images = common.to_tensor([b[0] for b in batch]).to(device)
        truths = [b[1] for b in batch]
        clicks = [first_clicks(t, rng) for t in truths]
        prevs = [None] * len(batch)
        rounds = int(rng.integers(0, args.max_iterations + 1))
        if rounds:
            model.eval()
            with torch.no_grad():
                for _ in range(rounds):
                    logits = predict_batch(model, images, clicks, prevs, device, args.size)
                    preds = (logits[:, 0] > 0).cpu().numpy()
                    for i, truth in enumerate(truths):
                        click = next_click(truth, preds[i])
                        if click is not None:
                            clicks[i].append((click.x, click.y, click.positive))
                        prevs[i] = preds[i].astype(np.float32)
            model.train()
        target = torch.from_numpy(np.stack(truths)[:, None].astype(np.float32)).to(device)
        loss = soft_iou_bce_loss(predict_batch(model, images, clicks, prevs, device, args.size), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        run.after_step(loss.item(), lr, lambda: evaluate(model, val, device, args.size),
                       lambda row: row["val_iou_at_1"] + row["val_iou_at_3"] + row["val_iou_at_5"])
    weights = run.final_weights()
    common.write_card(out.with_suffix(".md"), f"{out.name} — ClickNet click segmentation", {
        "What": f"ClickNet (width {args.width}, input {args.size}²): RGB + positive/negative click "
                "disks + previous mask, MobileNetV2-style backbone, U-Net decoder.",
        "Data": "\n".join(f"- {f}" for f in folders) + f"\n- {args.procedural} procedural murals "
                "(muralstudio.core.synth.generate_mural) with their element regions\n\nMural "
                "folders: training caves only; objects = synthetic paint loss / stains "
                "(render_damage_classes, jelly_mask) or labelled regions. The benchmark's object "
                "set is not used for training.",
        "Command": common.command_text(args, "clicks"),
        "Training": f"{run.step} steps, batch {args.batch}, 0–{args.max_iterations} simulated "
                    f"click rounds per step, BCE + soft IoU, Adam cosine {args.lr}; "
                    f"{common.hardware()}; {run.clock.seconds() / 60:.1f} min this run; best val "
                    f"(IoU@1+3+5) = {run.best:.3f}.",
    })
    return weights


def add_arguments(parser) -> None:
    parser.add_argument("--data", required=True, help="comma-separated mural folders and "
                                                      "labelled folders (images/ + labels/ or masks/)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--procedural", type=int, default=200, help="generated murals to add")
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--max-iterations", type=int, default=3)
    parser.add_argument("--val-samples", type=int, default=48)
    parser.add_argument("--limit", type=int)
    common.add_run_arguments(parser, steps=3000, batch=8, lr=1e-3, eval_every=250,
                             log_every=50)
