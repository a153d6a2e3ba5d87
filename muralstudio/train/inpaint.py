"""``muralstudio train inpaint``: the partial-convolution U-Net (``--engine pconv``) and
EdgeConnect (``--engine edgeconnect --part edge|inpaint``) on murals.

Data: every ``--data`` folder gives images; mural folders are split by cave and only training
caves are used (validation crops come from the held-out caves). Holes are drawn per sample
from ``--masks`` (dust: random walks; jelly: dilated, smoothed walks; strokes: thick random
brush strokes), with a hole ratio in ``--ratio``.

PConv loss (the paper's terms, naoto0804 weights for L1 and TV): valid L1 + 6 × hole L1 +
0.1 × TV of the composite, plus perceptual and style terms on the features of
``--feature-net`` (weights rescaled for that network: see ``PCONV_WEIGHTS``).
EdgeConnect: G1 with hinge adversarial + feature-matching loss; G2 with G1 frozen (or
ground-truth edges), L1 + adversarial + perceptual + style; Adam β = (0, 0.9), discriminator
at 0.1 × the generator's rate, as the official configuration.
No ImageNet VGG exists for the project; the feature network is our own PSP-M MobileNetV2
backbone pre-trained on murals (``muralstudio train backbone``), frozen, blocks 3 / 6 / 13
(strides 4, 8, 16); ``--feature-net none`` trains without the two terms (the ablation).
Two stages as in the papers: pre-train (e.g. on natural photographs), then fine-tune on murals
with ``--init`` (for PConv with the encoder batch norms frozen; for EdgeConnect G2 is trained
on the output of a frozen G1).
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
from muralstudio.engines.weights import load_file_into, load_into, load_weights, read_checkpoint
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
        """``weights_path``: a safetensors file, or the name of installed weights."""
        super().__init__()
        from muralstudio.engines.nets.pspnet import MobileNetV2Backbone
        from muralstudio.engines.weights import find_weights, read_metadata

        if not Path(weights_path).exists() and find_weights(str(weights_path)):
            weights_path = find_weights(str(weights_path))

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


#: the PConv paper's weights, except perceptual and style: on our feature network the published
#: 0.05 / 120 made the style term ~98 % of the loss (validation PSNR 19.2 dB after 1000 steps
#: against 25.8 dB without it), so both are rescaled to the size of the hole term at a Telea-like
#: error (measured: perceptual 6.2, style 0.20 → 0.06 and 0.10 against 6·hole = 0.17)
PCONV_WEIGHTS = {"valid": 1.0, "hole": 6.0, "tv": 0.1, "perceptual": 0.01, "style": 0.5}


def feature_losses(features, out, comp, target) -> tuple:
    """Perceptual (L1 of feature maps) and style (L1 of Gram matrices) terms of the raw output
    and the composite against the target, all RGB 0–1 (normalised here for the network)."""
    ft = features(normalise(target)[0])
    perceptual, style = 0.0, 0.0
    for image in (out, comp):
        for a, b in zip(features(normalise(image)[0]), ft):
            perceptual = perceptual + F.l1_loss(a, b)
            style = style + F.l1_loss(gram(a), gram(b))
    return perceptual, style


def pconv_loss(out, target, valid, features: FeatureNet | None, weights=None) -> dict:
    """The loss terms on RGB in 0–1 (``valid`` 1 = known pixel); ``total`` is their weighted sum."""
    w = {**PCONV_WEIGHTS, **(weights or {})}
    comp = valid * target + (1 - valid) * out
    terms = {"valid": F.l1_loss(valid * out, valid * target),
             "hole": F.l1_loss((1 - valid) * out, (1 - valid) * target),
             "tv": (comp[..., :, 1:] - comp[..., :, :-1]).abs().mean()
                   + (comp[..., 1:, :] - comp[..., :-1, :]).abs().mean()}
    if features is not None:
        terms["perceptual"], terms["style"] = feature_losses(features, out, comp, target)
    terms["total"] = sum(w[k] * v for k, v in terms.items())
    return terms


def normalise(x):
    mean = torch.tensor(IMAGENET_MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=x.device).view(1, 3, 1, 1)
    return (x - mean) / std, mean, std


def load_images(folders, split: str, longest: int = 448, limit: int | None = None) -> list[np.ndarray]:
    """RGB uint8 images of the folders' ``split`` (murals split by cave), downscaled so their
    longer side is at most ``longest``: 448 puts a whole mural at about the scale
    ``bench inpaint`` restores it (centre square resized to 256²)."""
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


def sample(images, kinds, size: int, ratio, rng, augment: bool = True):
    """One crop and hole: random scale 0.6–1, crop, flips and 90° rotations, saturation, gamma
    and noise (the papers' augmentation); ``augment=False`` for fixed validation crops."""
    image = images[int(rng.integers(len(images)))]
    if augment:
        scale = rng.uniform(0.6, 1.0)
        if min(image.shape[:2]) * scale >= size:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    crop = common.flip_rotate(common.random_crop([image], size, rng), rng)[0]
    if augment:
        crop = common.photometric(crop, rng, sharpen=False)
    return crop, random_mask(kinds, size, ratio, rng)


def evaluate(engine, samples, networks, restore: bool = True, edge_f1: bool = False) -> dict:
    """Validation through the engine's own inference code (``networks`` in eval mode meanwhile):
    PSNR of the composite on fixed crops of held-out caves and/or the F1 of EdgeConnect's
    completed edges inside the hole."""
    from muralstudio.core.metrics import psnr
    from muralstudio.engines.inpaint_networks import canny_edges, rgb_to_grey

    modes = [m.training for m in networks]
    for m in networks:
        m.eval()
    scores, f1 = [], []
    for crop, hole in samples:
        rgb = crop.astype(np.float32) / 255
        if edge_f1:
            predicted = engine.edges(rgb, hole)[hole] > 0.5
            truth = canny_edges(rgb_to_grey(rgb), np.zeros_like(hole), engine.params["sigma"])[hole] > 0.5
            tp = float((predicted & truth).sum())
            f1.append(2 * tp / max(1.0, float(predicted.sum() + truth.sum())))
        if restore:
            out = engine.inpaint(rgb, hole)
            scores.append(psnr(rgb, np.where(hole[..., None], np.clip(out, 0, 1), rgb), 1.0))
    for m, mode in zip(networks, modes):
        m.train(mode)
    row = {"val_psnr": float(np.mean(scores))} if restore else {}
    if edge_f1:
        row["val_edge_f1"] = float(np.mean(f1))
    return row


class Optimizers:
    """Several optimizers checkpointed as one (generator and discriminator)."""

    def __init__(self, **optimizers):
        self.optimizers = optimizers

    def state_dict(self) -> dict:
        return {name: opt.state_dict() for name, opt in self.optimizers.items()}

    def load_state_dict(self, state: dict) -> None:
        for name, opt in self.optimizers.items():
            opt.load_state_dict(state[name])


class GanPair(torch.nn.Module):
    """Generator and discriminator checkpointed (and resumed) together; the weights file keeps
    the generator only (``Run(weights_of=...)``)."""

    def __init__(self, generator, discriminator):
        super().__init__()
        self.generator, self.discriminator = generator, discriminator
        self.config = generator.config


def hinge_d_loss(real_scores, fake_scores):
    return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()


def feature_matching(fake_features, real_features):
    return sum(F.l1_loss(a, b.detach()) for a, b in zip(fake_features, real_features))


def edge_batch(batch, sigma: float, device):
    """Grey images, ground-truth Canny edges of the whole crop (the official training target;
    the input keeps them outside the hole) and hole masks, as N×1×H×W tensors."""
    from muralstudio.engines.inpaint_networks import canny_edges, rgb_to_grey

    greys = [rgb_to_grey(crop.astype(np.float32) / 255) for crop, _ in batch]
    edges = [canny_edges(g, np.zeros(g.shape, bool), sigma) for g in greys]
    def stack(arrays):
        return torch.from_numpy(np.stack(arrays).astype(np.float32))[:, None].to(device)

    return stack(greys), stack(edges), stack([hole for _, hole in batch])


def edge_inputs(grey, edges, hole):
    return torch.cat([grey * (1 - hole) + hole, edges * (1 - hole), hole], dim=1)


def train(args) -> Path:
    if args.engine == "fourier" or args.recipe == "hole-l1":
        from muralstudio.train import inpaint_fourier

        if args.engine == "edgeconnect" and args.part != "inpaint":
            raise ValueError("--recipe hole-l1 trains EdgeConnect's G2 (--part inpaint) beside the shipped G1")
        args.width = args.width or (32 if args.engine == "fourier" else 64)
        return inpaint_fourier.train(args)
    args.width = args.width or 64
    kinds = [k for k in args.masks.split(",") if k]
    if not kinds or set(kinds) - set(MASK_KINDS):
        raise ValueError(f"--masks must name some of {', '.join(MASK_KINDS)}, not {args.masks!r}")
    if args.adv_weight < 0:
        raise ValueError(f"--adv-weight must be 0 or more, not {args.adv_weight}")
    device, out, ckpt_path, log_path = common.start_run(args)
    folders = [Path(p) for p in args.data.split(",") if p]
    images = load_images(folders, "train", args.longest, args.limit)
    val_images = load_images(folders, "val", args.longest, args.limit) or images[:8]
    if not images:
        raise ValueError(f"no training images in {args.data}")
    val_rng = np.random.default_rng(123)
    val = [sample(val_images, kinds, args.size, args.ratio, val_rng, augment=False)
           for _ in range(args.val_samples)]
    features = FeatureNet(args.feature_net).to(device) if args.feature_net != "none" else None
    setup = (device, out, ckpt_path, log_path, images, val, kinds, args.ratio, features)
    if args.engine == "pconv":
        run, what = _train_pconv(args, *setup)
    elif args.part == "edge":
        run, what = _train_edge(args, *setup)
    else:
        run, what = _train_edgeconnect_inpaint(args, *setup)
    weights = run.final_weights()
    common.write_card(out.with_suffix(".md"), f"{out.name} — {what['title']}", {
        "What": what["what"],
        "Data": "\n".join(f"- {f}" for f in folders) + f"\n\nMural folders: training caves only. "
                f"Holes: {', '.join(kinds)} at {args.ratio[0]:g}–{args.ratio[1]:g} of each {args.size}² crop; images at most "
                f"{args.longest} px on the longer side, random scale 0.6–1, flips, 90° rotations, "
                f"saturation, gamma, noise.",
        "Command": common.command_text(args, "inpaint"),
        "Training": f"{run.step} steps, batch {args.batch}, {what['loss']}; {common.hardware()}; "
                    f"{run.clock.seconds() / 60:.1f} min this run. Best validation "
                    f"{what['score']} {run.best:.3f}.",
    })
    return weights


def _feature_text(args, features) -> str:
    if features is None:
        return "no perceptual/style terms (--feature-net none)"
    return (f"{args.perceptual_weight}·perceptual + {args.style_weight}·style on "
            f"{Path(args.feature_net).name} features (blocks {FeatureNet.TAPS})")


def _optimise(optimizer, loss, step: int, args) -> float:
    """One generator update at the cosine-decayed rate of ``step``; returns that rate."""
    lr = common.cosine_lr(step, args.steps, args.lr, args.lr * 0.05)
    common.set_lr(optimizer, lr)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return lr


def _train_pconv(args, device, out, ckpt_path, log_path, images, val, kinds, ratio, features):
    from muralstudio.engines.inpaint_networks import PConvInpainter

    model = PConvUNet(args.layers, 3, args.width).to(device)
    if args.init:
        load_file_into(model, args.init)
    loss_weights = {"perceptual": args.perceptual_weight, "style": args.style_weight}
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    run = common.Run(args, model, opt, out, ckpt_path, log_path, ["val_psnr"])
    engine = PConvInpainter(str(device), network=model)
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
        loss = pconv_loss(prediction * std + mean, target, valid, features, loss_weights)["total"]
        lr = _optimise(opt, loss, run.step, args)
        run.after_step(loss.item(), lr, lambda: evaluate(engine, val, [model]), lambda row: row["val_psnr"],
                       {"masks": kinds, "ratio": list(ratio), "feature_net": Path(args.feature_net).name})
    return run, {"title": "PConv U-Net inpainter", "score": "PSNR (composite, held-out caves, dB)",
                 "what": f"Partial-convolution U-Net, {args.layers} levels, width {args.width}; input "
                         "ImageNet-normalised RGB, masks 1 = valid. Install as models/pconv.safetensors "
                         "for the `pconv` inpainter.",
                 "loss": f"Adam {args.lr} with cosine decay, loss valid + 6·hole + 0.1·TV + "
                         + _feature_text(args, features)}


def _gan_run(args, generator, discriminator, out, ckpt_path, log_path, plot_keys, adversarial=True):
    """Adam with the official β = (0, 0.9) and discriminator rate 0.1 × the generator's. Without
    an adversarial term the generator gets Adam's usual β = (0.9, 0.999): β1 = 0 (no momentum)
    suits the changing GAN objective but slows a plain reconstruction loss."""
    betas = (0.0, 0.9) if adversarial else (0.9, 0.999)
    g_opt = torch.optim.Adam(generator.parameters(), lr=args.lr, betas=betas)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=args.lr * 0.1, betas=(0.0, 0.9))
    pair = GanPair(generator, discriminator)
    run = common.Run(args, pair, Optimizers(generator=g_opt, discriminator=d_opt), out, ckpt_path,
                     log_path, plot_keys, weights_of=generator)
    return run, g_opt, d_opt


def _discriminator_step(d_opt, discriminator, real, fake):
    d_opt.zero_grad(set_to_none=True)
    loss = hinge_d_loss(discriminator(real)[0], discriminator(fake.detach())[0])
    loss.backward()
    d_opt.step()


def _train_edge(args, device, out, ckpt_path, log_path, images, val, kinds, ratio, features):
    """G1: hinge adversarial loss + 10 × discriminator feature matching (the paper's)."""
    from muralstudio.engines.inpaint_networks import EdgeConnectInpainter
    from muralstudio.engines.nets.edgeconnect import Discriminator, EdgeGenerator

    g1 = EdgeGenerator(args.residual_blocks, args.width).to(device)
    d1 = Discriminator(2, use_sigmoid=False, width=args.disc_width).to(device)
    run, g_opt, d_opt = _gan_run(args, g1, d1, out, ckpt_path, log_path, ["val_edge_f1"])
    engine = EdgeConnectInpainter(str(device), sigma=args.sigma, networks=(g1, None))
    rng = np.random.default_rng(args.seed + run.step)
    while not run.done:
        batch = [sample(images, kinds, args.size, ratio, rng) for _ in range(args.batch)]
        grey, edges, hole = edge_batch(batch, args.sigma, device)
        predicted = g1(edge_inputs(grey, edges, hole))
        real, fake = torch.cat([edges, grey], 1), torch.cat([predicted, grey], 1)
        _discriminator_step(d_opt, d1, real, fake)
        fake_scores, fake_features = d1(fake)
        _, real_features = d1(real)
        loss = -fake_scores.mean() + args.fm_weight * feature_matching(fake_features, real_features)
        g_opt.zero_grad(set_to_none=True)
        loss.backward()
        g_opt.step()
        run.after_step(loss.item(), args.lr, lambda: evaluate(engine, val, [g1], restore=False, edge_f1=True),
                       lambda row: row["val_edge_f1"], {"masks": kinds, "sigma": args.sigma})
    return run, {"title": "EdgeConnect edge generator (G1)", "score": "edge F1 inside the hole",
                 "what": f"EdgeConnect G1, width {args.width}, {args.residual_blocks} residual blocks, "
                         "spectral norm. Install as models/edgeconnect-edge.safetensors.",
                 "loss": f"Adam {args.lr} β (0, 0.9), discriminator {args.lr * 0.1}; hinge adversarial + "
                         f"{args.fm_weight}·feature matching; Canny σ = {args.sigma}"}


def _train_edgeconnect_inpaint(args, device, out, ckpt_path, log_path, images, val, kinds, ratio,
                               features):
    """G2 with G1 frozen (or ground-truth edges without ``--edge-model``): L1 (over the hole
    share, as the official code) + adversarial + perceptual + style."""
    from muralstudio.engines.inpaint_networks import EdgeConnectInpainter, prefill
    from muralstudio.engines.nets.edgeconnect import Discriminator, EdgeGenerator, InpaintGenerator

    g1 = None
    if args.edge_model:
        state, config = load_weights(args.edge_model)
        g1 = EdgeGenerator(config.get("residual_blocks", 8), config.get("width", 64),
                           config.get("spectral_norm", True))
        load_into(g1, state, args.edge_model)
        g1 = g1.to(device).eval().requires_grad_(False)
    g2 = InpaintGenerator(args.residual_blocks, args.width, args.prefill).to(device)
    if args.init:
        load_file_into(g2, args.init)
    d2 = Discriminator(3, use_sigmoid=False, width=args.disc_width).to(device)
    adversarial = args.adv_weight > 0
    run, g_opt, d_opt = _gan_run(args, g2, d2, out, ckpt_path, log_path, ["val_psnr"], adversarial)
    engine = EdgeConnectInpainter(str(device), sigma=args.sigma, networks=(g1, g2))
    if g1 is None:  # validation with ground-truth edges in the hole, as this stage trains
        from muralstudio.engines.inpaint_networks import canny_edges, rgb_to_grey

        engine.edges = lambda rgb, hole, guide=None: canny_edges(rgb_to_grey(rgb), np.zeros_like(hole), args.sigma)
    loss_weights = {"perceptual": args.perceptual_weight, "style": args.style_weight}
    rng = np.random.default_rng(args.seed + run.step)
    while not run.done:
        batch = [sample(images, kinds, args.size, ratio, rng) for _ in range(args.batch)]
        grey, edges, hole = edge_batch(batch, args.sigma, device)
        if g1 is not None:
            with torch.no_grad():
                edges = g1(edge_inputs(grey, edges, hole)) * hole + edges * (1 - hole)
        target = common.to_tensor([b[0] for b in batch]).to(device)
        filled = np.stack([prefill(b[0].astype(np.float32) / 255, b[1], args.prefill) for b in batch])
        filled = torch.from_numpy(filled).permute(0, 3, 1, 2).contiguous().to(device)
        output = g2(torch.cat([filled, edges], 1))
        comp = output * hole + target * (1 - hole)
        loss = F.l1_loss(output, target) / hole.mean().clamp_min(1e-3)
        if adversarial:  # --adv-weight 0: no discriminator is trained or run
            _discriminator_step(d_opt, d2, target, output)
            loss = loss - args.adv_weight * d2(output)[0].mean()
        if features is not None:
            perceptual, style = feature_losses(features, output, comp, target)
            loss = loss + loss_weights["perceptual"] * perceptual + loss_weights["style"] * style
        lr = _optimise(g_opt, loss, run.step, args)
        run.after_step(loss.item(), lr, lambda: evaluate(engine, val, [g2]), lambda row: row["val_psnr"],
                       {"masks": kinds, "sigma": args.sigma, "prefill": args.prefill,
                        "edge_model": Path(args.edge_model).name if args.edge_model else "ground truth"})
    return run, {"title": "EdgeConnect inpainting generator (G2)", "score": "PSNR (composite, held-out caves, dB)",
                 "what": f"EdgeConnect G2, width {args.width}, {args.residual_blocks} residual blocks, "
                         f"hole prefill {args.prefill}; edges from "
                         f"{Path(args.edge_model).name + ' (frozen)' if args.edge_model else 'Canny of the whole crop'}. "
                         "Install as models/edgeconnect-inpaint.safetensors beside the edge model.",
                 "loss": (f"Adam {args.lr} β (0, 0.9) with cosine decay, discriminator {args.lr * 0.1}; "
                          f"L1 / hole share + {args.adv_weight}·hinge adversarial + " if adversarial else
                          f"Adam {args.lr} β (0.9, 0.999) with cosine decay, no discriminator; L1 / hole share + ")
                         + _feature_text(args, features)}


def add_arguments(parser) -> None:
    parser.add_argument("--engine", default="pconv", choices=("pconv", "edgeconnect", "fourier"))
    parser.add_argument("--recipe", default="paper", choices=("paper", "hole-l1"),
                        help="pconv: the paper's loss and crops (paper) or the fourier network's "
                             "recipe (hole-l1: deep 256²-made holes, hole L1, EMA, restarts)")
    parser.add_argument("--photos", help="fourier: comma-separated photograph folders (a quarter of "
                        "the crops)")
    parser.add_argument("--blocks", type=int, default=3, help="fourier: FFC residual blocks")
    parser.add_argument("--ema", type=float, default=0.999, help="fourier: weight moving average")
    parser.add_argument("--guide-share", type=float, default=0.3,
                        help="fourier: share of crops whose true edges enter the guide channel")
    parser.add_argument("--mask-bank", type=int, default=800,
                        help="fourier: holes generated at 256² before training")
    parser.add_argument("--part", default="inpaint", choices=("edge", "inpaint"),
                        help="EdgeConnect: train the edge generator G1 or the inpainting generator G2")
    parser.add_argument("--edge-model", help="EdgeConnect G2: frozen G1 weights whose edges guide it "
                        "(without: ground-truth Canny edges, the paper's second stage)")
    parser.add_argument("--prefill", default="telea", choices=("white", "telea"),
                        help="EdgeConnect G2: how the input hole is filled (white = published)")
    parser.add_argument("--residual-blocks", type=int, default=8, help="EdgeConnect: 8 = published")
    parser.add_argument("--disc-width", type=int, default=64, help="EdgeConnect discriminator width")
    parser.add_argument("--adv-weight", type=float, default=0.1,
                        help="EdgeConnect G2 adversarial weight (0: no discriminator, plain Adam)")
    parser.add_argument("--fm-weight", type=float, default=10.0, help="EdgeConnect G1 feature matching weight")
    parser.add_argument("--sigma", type=float, default=2.0, help="EdgeConnect Canny σ")
    parser.add_argument("--data", required=True, help="comma-separated image folders")
    parser.add_argument("--masks", default="dust,jelly,strokes", help="hole kinds: dust, jelly, strokes")
    from muralstudio.core.bands import parse_ratio  # the band syntax of every command's --ratio

    parser.add_argument("--ratio", type=parse_ratio, default=(0.1, 0.4), help="hole ratio band of each crop")
    parser.add_argument("--out", required=True, help="models/NAME")
    parser.add_argument("--init", help="weights to fine-tune (second stage)")
    parser.add_argument("--feature-net", default="pspm-backbone",
                        help="frozen network for the perceptual/style losses: installed weights' "
                             "name, a safetensors file, or 'none'")
    parser.add_argument("--perceptual-weight", type=float, default=PCONV_WEIGHTS["perceptual"])
    parser.add_argument("--style-weight", type=float, default=PCONV_WEIGHTS["style"])
    parser.add_argument("--longest", type=int, default=448,
                        help="images are downscaled to this longer side before cropping")
    parser.add_argument("--layers", type=int, default=7, help="U-Net levels (7 = published)")
    parser.add_argument("--width", type=int, default=None,
                        help="first-level channels (64 = published, pconv/edgeconnect; fourier 32)")
    parser.add_argument("--size", type=int, default=256, help="crop side (a multiple of 2^layers)")
    parser.add_argument("--val-samples", type=int, default=32)
    parser.add_argument("--limit", type=int, help="use at most N images per split (quick runs)")
    common.add_run_arguments(parser, steps=2000, batch=8, lr=2e-4, eval_every=200,
                             log_every=50)
