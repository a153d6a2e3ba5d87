"""``muralstudio train backbone``: pre-train PSP-M's MobileNetV2 backbone without labels.

No ImageNet weights exist for the project and the hand-labelled murals are few, so the backbone
learns first from unlabelled images, with pretext tasks on shared features:

- dynasty classification of mural crops (the dynasty is in the file name: ``beiwei-257-a`` is
  Northern Wei) — learns the painting styles, pigments and figure types of the murals;
- rotation prediction (0/90/180/270°) on murals and natural photographs alike — a
  self-supervised task that needs the network to recognise upright figures, buildings and
  clouds, the shapes the labeler separates;
- colourisation (``colour``): the network sees the crop in grey and names the colour of every
  16th pixel (one of 16 × 16 bins of Lab a*/b*; ``--colour-mix`` below 1 makes rare colours
  weigh more, as in Zhang et al.'s colourisation). Unlike the two image-level tasks it trains
  every position of the feature map, as segmentation needs: to colour a mural the network has
  to tell skin, robes, scarves, halos and cloud scrolls from the wall behind them.

Only murals of the training caves are used (``cave_split``), so the caves that validate the
labeler stay unseen. The backbone runs at output stride 32 here (16 with colourisation, for a
denser colour map; dilation changes no weight shapes, so the weights load into PSP-M at stride 8
or 16).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from muralstudio.core.datasets import cave_split, list_images
from muralstudio.engines.nets.pspnet import MobileNetV2Backbone
from muralstudio.train import common

log = logging.getLogger(__name__)

DYNASTIES = ("beiliang", "beiwei", "xiwei", "beizhou", "sui")
_DYNASTY = re.compile(r"^([a-z]+?)z?-\d+")


def dynasty_of(path) -> int:
    """Index in :data:`DYNASTIES` of a mural crop, from its file name; −1 when unknown."""
    match = _DYNASTY.match(Path(path).stem.lower())
    return DYNASTIES.index(match.group(1)) if match and match.group(1) in DYNASTIES else -1


TASK_TEXT = {
    "dynasty": "dynasty classification of murals from their file names",
    "rotation": "rotation prediction (0/90/180/270°) on murals and natural photographs",
    "colour": "colourisation of grey crops of murals and photographs (16 × 16 Lab a*/b* classes "
              "per 16-px cell)",
}
COLOUR_BINS = 16  # per Lab axis (a*, b*): 256 colour classes
COLOUR_STRIDE = 16


def colour_classes(rgb: np.ndarray) -> np.ndarray:
    """The colour class (a* bin × 16 + b* bin) of each 16 × 16 cell of a uint8 RGB image whose
    sides are multiples of 16 (cells averaged first)."""
    h, w = rgb.shape[0] // COLOUR_STRIDE, rgb.shape[1] // COLOUR_STRIDE
    small = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.int64)  # a*, b* stored + 128
    step = 256 // COLOUR_BINS
    return (lab[..., 1] // step) * COLOUR_BINS + lab[..., 2] // step


def colour_weights(images, mix: float) -> np.ndarray:
    """Class rebalancing of the colourisation loss (Zhang et al. 2016): weight ∝ 1 / ((1 − mix)
    · p + mix / Q) with p the share of each colour class in ``images`` smoothed over
    neighbouring colours and Q the number of classes it reaches; mean weight 1 under p;
    ``mix`` (0–1) = 1 weighs all colours alike (plain cross-entropy). Murals are mostly wall colours,
    so rebalancing shifts the task towards the colours of the figures painted on them."""
    counts = np.zeros(COLOUR_BINS ** 2)
    for image in images:
        h, w = image.shape[0] // COLOUR_STRIDE * COLOUR_STRIDE, image.shape[1] // COLOUR_STRIDE * COLOUR_STRIDE
        if h and w:
            counts += np.bincount(colour_classes(image[:h, :w]).ravel(), minlength=COLOUR_BINS ** 2)
    grid = cv2.GaussianBlur(counts.reshape(COLOUR_BINS, COLOUR_BINS), (0, 0), 1.0).ravel()
    share = grid / max(grid.sum(), 1e-12)
    seen = max(int((share > 1e-6).sum()), 1)  # Q: the colours within reach of those seen
    weights = 1 / ((1 - mix) * share + mix / seen)
    return (weights / (share * weights).sum()).astype(np.float32)


def grey(rgb: np.ndarray) -> np.ndarray:
    """A uint8 RGB crop in grey, as three equal channels so the backbone's RGB stem takes it."""
    return np.repeat(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)


class BackbonePretrainer(nn.Module):
    def __init__(self, width: float = 0.5, colour: bool = False):
        super().__init__()
        self.config = {"architecture": "pspm-backbone", "width": width, "dynasties": list(DYNASTIES),
                       "colour": colour}
        self.backbone = MobileNetV2Backbone(output_stride=COLOUR_STRIDE if colour else 32, width=width)
        channels = self.backbone.out_channels
        self.dynasty_head = nn.Linear(channels, len(DYNASTIES))
        self.rotation_head = nn.Linear(channels, 4)
        mid = self.backbone.aux_channels
        self.colour_head = nn.Sequential(
            nn.Conv2d(channels + mid, 128, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(inplace=True),
            nn.Conv2d(128, COLOUR_BINS ** 2, 1)) if colour else None

    def forward(self, x):
        aux, deep = self.backbone(x)
        pooled = F.adaptive_avg_pool2d(deep, 1).flatten(1)
        colour = self.colour_head(torch.cat([deep, aux], 1)) if self.colour_head is not None else None
        return self.dynasty_head(pooled), self.rotation_head(pooled), colour


def _load_scaled(path, longest: int = 640) -> np.ndarray:
    image = common.load_rgb8(path)
    scale = longest / max(image.shape[:2])
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return image


def sample(image: np.ndarray, dynasty: int, size: int, rng) -> tuple[np.ndarray, int, int]:
    """A random rescaled crop (the scales the labeler works at), flipped, colour-jittered, and
    rotated by k × 90°: (crop, dynasty, k)."""
    scale = rng.uniform(0.45, 0.9)
    image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    crop = common.random_crop([image], size, rng)[0]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    crop = common.photometric(np.ascontiguousarray(crop), rng, sharpen=False)
    k = int(rng.integers(0, 4))
    return np.ascontiguousarray(np.rot90(crop, k)), dynasty, k


def batch_tensors(samples, colour: bool, device):
    """(input, dynasty, rotation, colour classes or None) of a list of :func:`sample` results;
    with colourisation the network sees the crops in grey."""
    crops = [s[0] for s in samples]
    x = common.to_tensor([grey(c) for c in crops] if colour else crops).to(device)
    dynasty = torch.tensor([s[1] for s in samples], device=device)
    rotation = torch.tensor([s[2] for s in samples], device=device)
    target = (torch.from_numpy(np.stack([colour_classes(c) for c in crops])).to(device)
              if colour else None)
    return x, dynasty, rotation, target


def evaluate(model, batch, tasks) -> dict:
    """Validation accuracy of each trained task on ``batch`` (:func:`batch_tensors`)."""
    x, dynasty, rotation, target = batch
    model.eval()
    with torch.inference_mode():
        dynasty_logits, rotation_logits, colour_logits = model(x)
    model.train()
    scores = {}
    if "dynasty" in tasks:
        known = dynasty >= 0
        scores["val_dynasty_acc"] = float((dynasty_logits.argmax(1) == dynasty)[known].float().mean())
    if "rotation" in tasks:
        scores["val_rotation_acc"] = float((rotation_logits.argmax(1) == rotation).float().mean())
    if "colour" in tasks:
        scores["val_colour_acc"] = float((colour_logits.argmax(1) == target).float().mean())
    return scores


def train(args) -> Path:
    tasks = set(args.tasks.split(","))  # checked before any image is read
    if not tasks or not tasks <= set(TASK_TEXT):
        raise ValueError(f"--tasks must name rotation, dynasty and/or colour, not {args.tasks!r}")
    colour = "colour" in tasks
    if colour and args.size % COLOUR_STRIDE:
        raise ValueError(f"--size must be a multiple of {COLOUR_STRIDE} for colourisation, not {args.size}")
    if not 0 <= args.colour_mix <= 1:
        raise ValueError(f"--colour-mix must be between 0 and 1, not {args.colour_mix}")
    device, out, ckpt_path, log_path = common.start_run(args)
    mural_paths = list_images(args.murals) if args.murals else []
    natural_paths = list_images(args.natural) if args.natural else []
    if args.limit:
        mural_paths, natural_paths = mural_paths[:args.limit], natural_paths[:args.limit]
    train_murals = cave_split(mural_paths, "train")
    val_murals = cave_split(mural_paths, "val") or train_murals[:8]
    items = [(_load_scaled(p), dynasty_of(p)) for p in train_murals]
    items += [(_load_scaled(p), -1) for p in natural_paths]
    if not items:
        raise ValueError("no training images: give --murals and/or --natural folders")
    log.info("pre-training on %d murals (training caves) and %d natural images",
             len(train_murals), len(natural_paths))
    val_rng = np.random.default_rng(99)
    val = [sample(_load_scaled(p), dynasty_of(p), args.size, val_rng)
           for p in val_murals for _ in range(2)][:args.val_samples]
    val_batch = batch_tensors(val, colour, device)  # the same crops at every validation

    model = BackbonePretrainer(args.width, colour).to(device)
    balance = None  # plain cross-entropy unless rebalanced
    if colour and args.colour_mix < 1:
        balance = torch.from_numpy(colour_weights([image for image, _ in items], args.colour_mix)).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    run = common.Run(args, model, opt, out, ckpt_path, log_path, [f"val_{t}_acc" for t in sorted(tasks)])
    rng = np.random.default_rng(args.seed + run.step)
    model.train()
    while not run.done:
        lr = common.cosine_lr(run.step, args.steps, args.lr, args.lr * 0.01, warmup=50)
        common.set_lr(opt, lr)
        batch = [sample(*items[int(rng.integers(len(items)))], args.size, rng) for _ in range(args.batch)]
        x, dynasty, rotation, target = batch_tensors(batch, colour, device)
        dynasty_logits, rotation_logits, colour_logits = model(x)
        loss = F.cross_entropy(rotation_logits, rotation) if "rotation" in tasks else x.new_zeros(())
        if "dynasty" in tasks and (dynasty >= 0).any():
            loss = loss + F.cross_entropy(dynasty_logits, dynasty, ignore_index=-1)
        if colour:
            loss = loss + F.cross_entropy(colour_logits, target, weight=balance)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        run.after_step(loss.item(), lr, lambda: evaluate(model, val_batch, tasks),
                       lambda row: sum(row[f"val_{task}_acc"] for task in tasks))
    weights = run.final_weights()
    common.write_card(out.with_suffix(".md"), f"{out.name} — PSP-M backbone pre-training", {
        "What": f"MobileNetV2 backbone (width {args.width}) of PSP-M, pre-trained without labels "
                f"on: {'; '.join(TASK_TEXT[t] for t in sorted(tasks))}. Load it with "
                "`muralstudio train label --init-backbone`.",
        "Data": f"- murals (training caves only): {len(train_murals)} from {args.murals}\n"
                f"- natural photographs: {len(natural_paths)} from {args.natural}",
        "Command": common.command_text(args, "backbone"),
        "Training": f"{run.step} steps, batch {args.batch}, {args.size}² crops, AdamW cosine "
                    f"{args.lr}; {common.hardware()}; {run.clock.seconds() / 60:.1f} min this run. "
                    f"Best validation (held-out caves) {' + '.join(sorted(tasks))} accuracy {run.best:.3f}.",
    })
    return weights


def add_arguments(parser) -> None:
    parser.add_argument("--murals", help="comma-separated folders of mural crops (dynasty in the name)")
    parser.add_argument("--natural", help="comma-separated folders of other photographs")
    parser.add_argument("--out", required=True, help="models/NAME (.safetensors, .md, .log.csv, .loss.png)")
    parser.add_argument("--width", type=float, default=0.5, help="MobileNetV2 width multiplier")
    parser.add_argument("--tasks", default="rotation,dynasty",
                        help="pretext tasks, comma-separated: rotation (all images), dynasty "
                             "(murals), colour (colourisation of grey crops, all images)")
    parser.add_argument("--colour-mix", type=float, default=1.0,
                        help="colourisation class rebalancing: weight ∝ 1/((1−mix)·p + mix/Q); "
                             "1 = plain cross-entropy, 0.5 = Zhang et al.'s rebalancing")
    parser.add_argument("--size", type=int, default=160)
    parser.add_argument("--val-samples", type=int, default=192)
    parser.add_argument("--limit", type=int, help="use at most N images per kind (quick runs)")
    common.add_run_arguments(parser, steps=1500, batch=24, lr=2e-3, eval_every=100,
                             log_every=25)
