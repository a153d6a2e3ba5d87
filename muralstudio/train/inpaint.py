"""``muralstudio train inpaint --engine pconv``: the partial-convolution U-Net on murals.

Data: every ``--data`` folder gives images; mural folders are split by cave and only training
caves are used (validation crops come from the held-out caves). Holes are drawn per sample
from ``--masks`` (dust: random walks; jelly: dilated, smoothed walks; strokes: thick random
brush strokes), with a hole ratio in ``--ratio``.

Loss (the paper's, naoto0804 weights): valid L1 + 6 × hole L1 + 0.1 × total variation of the
composite, plus perceptual (0.05) and style (120) terms on the features of ``--feature-net``.
No ImageNet VGG-16 exists for the project; the feature network is our own PSP-M MobileNetV2
backbone pre-trained on murals (``muralstudio train backbone``), frozen, blocks 3 / 6 / 13
(strides 4, 8, 16); ``--feature-net none`` trains without the two terms (the ablation).
Two stages as in the paper: pre-train (e.g. on natural photographs), then fine-tune on murals
with ``--init`` (lower learning rate, encoder batch norms frozen).
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from muralstudio.core import synth
from muralstudio.core.datasets import cave_split, list_images
from muralstudio.engines.inpaint_networks import IMAGENET_MEAN, IMAGENET_STD
from muralstudio.engines.nets.pconv import PConvUNet
from muralstudio.engines.weights import load_into, load_weights, read_checkpoint
from muralstudio.train import common

log = logging.getLogger(__name__)

MASK_KINDS = ("dust", "jelly", "strokes")


def strokes_mask(size: int, ratio: tuple[float, float], rng) -> np.ndarray:
    """Thick random brush strokes (scratches, losses along cracks) up to a hole ratio."""
    hole = np.zeros((size, size), np.uint8)
    target = rng.uniform(*ratio) * size * size
    while hole.sum() < target:
        points = np.cumsum(rng.normal(0, size / 8, (int(rng.integers(3, 8)), 2)), 0) + rng.uniform(0, size, 2)
        cv2.polylines(hole, [points.astype(np.int32).reshape(-1, 1, 2)], False, 1,
                      int(rng.integers(max(2, size // 40), max(3, size // 12))))
    return hole.astype(bool)


def random_mask(kinds, size: int, ratio, rng) -> np.ndarray:
    kind = kinds[int(rng.integers(len(kinds)))]
    seed = int(rng.integers(2**31))
    if kind == "dust":
        return synth.dust_mask((size, size), ratio, seed=seed)
    if kind == "jelly":
        return synth.jelly_mask((size, size), ratio, seed=seed)
    return strokes_mask(size, ratio, rng)


class FeatureNet(torch.nn.Module):
    """Frozen feature extractor for the perceptual and style losses: a MobileNetV2 backbone
    (PSP-M's, pre-trained on murals), maps after blocks 3, 6 and 13."""

    TAPS = (3, 6, 13)

    def __init__(self, weights_path):
        super().__init__()
        from muralstudio.engines.nets.pspnet import MobileNetV2Backbone
        from muralstudio.engines.weights import read_metadata

        width = read_metadata(weights_path).get("config", {}).get("width", 1.0)
        backbone = MobileNetV2Backbone(output_stride=32, width=width)
        state = {k.removeprefix("backbone."): v for k, v in read_checkpoint(weights_path).items()
                 if k.startswith("backbone.features.")}
        load_into(backbone, state, weights_path)
        self.blocks = backbone.features[:max(self.TAPS) + 1].eval()
        for p in self.parameters():
            p.requires_grad_(False)

    def train(self, mode: bool = True):
        return super().train(False)  # always frozen statistics

    def forward(self, x):
        maps = []
        for index, block in enumerate(self.blocks):
            x = block(x)
            if index in self.TAPS:
                maps.append(x)
        return maps


def gram(x):
    n, c, h, w = x.shape
    f = x.reshape(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def pconv_loss(out, target, valid, features: FeatureNet | None, weights=None) -> dict:
    """The loss terms on RGB in 0–1 (``valid`` 1 = known pixel); ``total`` is their weighted sum."""
    w = {"valid": 1.0, "hole": 6.0, "tv": 0.1, "perceptual": 0.05, "style": 120.0, **(weights or {})}
    comp = valid * target + (1 - valid) * out
    terms = {"valid": F.l1_loss(valid * out, valid * target),
             "hole": F.l1_loss((1 - valid) * out, (1 - valid) * target),
             "tv": (comp[..., :, 1:] - comp[..., :, :-1]).abs().mean()
                   + (comp[..., 1:, :] - comp[..., :-1, :]).abs().mean()}
    if features is not None:
        ft = features(target)
        perceptual, style = 0.0, 0.0
        for image in (out, comp):
            for a, b in zip(features(image), ft):
                perceptual = perceptual + F.l1_loss(a, b)
                style = style + F.l1_loss(gram(a), gram(b))
        terms["perceptual"], terms["style"] = perceptual, style
    terms["total"] = sum(w[k] * v for k, v in terms.items())
    return terms


def normalise(x):
    mean = torch.tensor(IMAGENET_MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=x.device).view(1, 3, 1, 1)
    return (x - mean) / std, mean, std


def load_images(folders, split: str, longest: int = 768, limit: int | None = None) -> list[np.ndarray]:
    paths = []
    for folder in folders:
        found = list_images([folder])
        paths += cave_split(found, split) if split != "all" else found
    if limit:
        paths = paths[:: max(1, len(paths) // limit)][:limit]
    images = []
    for path in paths:
        image = common.load_rgb8(path)
        scale = longest / max(image.shape[:2])
        if scale < 1:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        images.append(image)
    return images


def sample(images, kinds, size: int, ratio, rng):
    image = images[int(rng.integers(len(images)))]
    crop = common.flip_rotate(common.random_crop([image], size, rng), rng)[0]
    return crop, random_mask(kinds, size, ratio, rng)


def evaluate(model, samples, device) -> dict:
    """PSNR of the composite on fixed validation crops (held-out caves)."""
    from muralstudio.core.metrics import psnr

    model.eval()
    scores = []
    with torch.inference_mode():
        for crop, hole in samples:
            target = common.to_tensor([crop]).to(device)
            valid = torch.from_numpy((~hole).astype(np.float32))[None, None].expand(1, 3, *hole.shape).to(device)
            x, mean, std = normalise(target)
            out, _ = model(x * valid, valid.contiguous())
            comp = valid * target + (1 - valid) * (out * std + mean).clamp(0, 1)
            scores.append(psnr(crop.astype(np.float32) / 255, comp[0].permute(1, 2, 0).cpu().numpy(), 1.0))
    model.train()
    return {"val_psnr": float(np.mean(scores))}


def train(args) -> Path:
    if args.engine != "pconv":
        raise ValueError("only --engine pconv is trained here so far (EdgeConnect training is "
                         "not written yet; import official EdgeConnect weights instead)")
    device, out, ckpt_path, log_path = common.start_run(args)
    kinds = [k for k in args.masks.split(",") if k]
    if not kinds or set(kinds) - set(MASK_KINDS):
        raise ValueError(f"--masks must name some of {', '.join(MASK_KINDS)}, not {args.masks!r}")
    ratio = tuple(float(v) for v in args.ratio.split("-"))
    folders = [Path(p) for p in args.data.split(",") if p]
    images = load_images(folders, "train", limit=args.limit)
    val_images = load_images(folders, "val", limit=args.limit) or images[:8]
    if not images:
        raise ValueError(f"no training images in {args.data}")
    val_rng = np.random.default_rng(123)
    val = [sample(val_images, kinds, args.size, ratio, val_rng) for _ in range(args.val_samples)]
    model = PConvUNet(args.layers, 3, args.width).to(device)
    if args.init:
        state, _ = load_weights(args.init)
        load_into(model, state, args.init)
    features = FeatureNet(args.feature_net).to(device) if args.feature_net != "none" else None
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    run = common.Run(args, model, opt, out, ckpt_path, log_path, ["val_psnr"])
    rng = np.random.default_rng(args.seed + run.step)
    model.train()
    while not run.done:
        if args.init:  # fine-tuning: encoder batch norms keep their statistics (the paper)
            for name, module in model.named_modules():
                if name.startswith("enc_") and isinstance(module, torch.nn.BatchNorm2d):
                    module.eval()
        batch = [sample(images, kinds, args.size, ratio, rng) for _ in range(args.batch)]
        target = common.to_tensor([b[0] for b in batch]).to(device)
        valid = torch.from_numpy(np.stack([~b[1] for b in batch]).astype(np.float32))[:, None]
        valid = valid.expand(-1, 3, -1, -1).contiguous().to(device)
        x, mean, std = normalise(target)
        prediction, _ = model(x * valid, valid)
        loss = pconv_loss(prediction * std + mean, target, valid, features)["total"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        run.after_step(loss.item(), args.lr, lambda: evaluate(model, val, device),
                       lambda row: row["val_psnr"], {"masks": kinds, "ratio": list(ratio),
                                                     "feature_net": Path(args.feature_net).name})
    weights = run.final_weights()
    common.write_card(out.with_suffix(".md"), f"{out.name} — PConv U-Net inpainter", {
        "What": f"Partial-convolution U-Net, {args.layers} levels, width {args.width}; input "
                "ImageNet-normalised RGB, masks 1 = valid. Install as models/pconv.safetensors "
                "for the `pconv` inpainter.",
        "Data": "\n".join(f"- {f}" for f in folders) + f"\n\nMural folders: training caves only. "
                f"Holes: {', '.join(kinds)} at {args.ratio} of each {args.size}² crop.",
        "Command": common.command_text(args, "inpaint"),
        "Training": f"{run.step} steps, batch {args.batch}, Adam {args.lr}, loss valid + 6·hole + "
                    f"0.1·TV + 0.05·perceptual + 120·style on {Path(args.feature_net).name} features"
                    f"{' (none: L1 and TV only)' if features is None else ''}; {common.hardware()}; "
                    f"{run.clock.seconds() / 60:.1f} min this run. Best validation PSNR (composite, "
                    f"held-out caves) {run.best:.2f} dB.",
    })
    return weights


def add_arguments(parser) -> None:
    parser.add_argument("--engine", default="pconv", choices=("pconv", "edgeconnect"))
    parser.add_argument("--data", required=True, help="comma-separated image folders")
    parser.add_argument("--masks", default="dust,jelly,strokes", help="hole kinds: dust, jelly, strokes")
    parser.add_argument("--ratio", default="0.1-0.4", help="hole ratio band of each crop")
    parser.add_argument("--out", required=True, help="models/NAME")
    parser.add_argument("--init", help="weights to fine-tune (second stage)")
    parser.add_argument("--feature-net", default="models/pspm-backbone.safetensors",
                        help="frozen network for the perceptual/style losses, or 'none'")
    parser.add_argument("--layers", type=int, default=7, help="U-Net levels (7 = published)")
    parser.add_argument("--width", type=int, default=64, help="first-level channels (64 = published)")
    parser.add_argument("--size", type=int, default=256, help="crop side (a multiple of 2^layers)")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--eval-every", type=int, default=200)
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--val-samples", type=int, default=32)
    parser.add_argument("--limit", type=int, help="use at most N images per split (quick runs)")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
