"""``muralstudio train clicks``: the ClickNet click model, trained iteratively (RITM-style).

Objects to segment come from three places, none of them the benchmark's object set:
- murals (folders without sub-folders): synthetic damage — paint loss, flaking and stains —
  rendered on training-cave crops; one damage blob is the object;
- labelled folders (``images/`` + ``labels/`` class maps or ``masks/``): each connected region
  of a class is an object (the hand-labelled mural elements);
- procedural murals from the generator, whose element regions are known (``--procedural``);
- photographs (``--natural``), for objects that are not murals: a region of the photograph's
  own graph-based segmentation (Felzenszwalb–Huttenlocher, sometimes merged with a neighbour),
  so the outline follows real image edges, or such a region cut from one photograph and pasted
  onto another (copy-paste), so the network sees whole things in front of other things.

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
from muralstudio.engines.weights import load_file_into
from muralstudio.train import common

log = logging.getLogger(__name__)


#: Default range of a training window's side over its object's (``--context``).
DEFAULT_CONTEXT = (1.3, 3.0)


def parse_context(text: str) -> tuple[float, float]:
    """``"A,B"`` → (A, B), with 0 < A ≤ B: the range of a window's side over its object's."""
    try:
        low, high = (float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"--context must be two numbers 'A,B', not {text!r}") from None
    if not 0 < low <= high:
        raise ValueError(f"--context needs 0 < A ≤ B, not {text!r}")
    return low, high


def context_crop(image, mask, rng, size, scale=DEFAULT_CONTEXT):
    """A window around the object (its box × a context factor drawn log-uniformly from
    ``scale``, jittered) cut at the image's edges as the engine cuts its windows, resized to
    ``size``². Factors near 1 cut the object (the engine then widens its window), large ones
    show it small. Returns (rgb uint8, bool mask)."""
    ys, xs = np.nonzero(mask)
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    factor = float(np.exp(rng.uniform(np.log(scale[0]), np.log(scale[1]))))
    side = max(xs.max() - xs.min(), ys.max() - ys.min(), 12) * factor
    cx += rng.uniform(-0.15, 0.15) * side
    cy += rng.uniform(-0.15, 0.15) * side
    h, w = mask.shape
    x0, y0 = max(0, int(round(cx - side / 2))), max(0, int(round(cy - side / 2)))
    x1, y1 = min(w, int(round(cx + side / 2))), min(h, int(round(cy + side / 2)))
    img, msk = image[y0:y1, x0:x1], mask[y0:y1, x0:x1]
    shrink = max(y1 - y0, x1 - x0) > size
    img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    msk = cv2.resize(msk.astype(np.uint8), (size, size), interpolation=cv2.INTER_NEAREST) > 0
    return img, msk


def pick_component(mask: np.ndarray, rng, min_fraction=0.002) -> np.ndarray | None:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    ok = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= min_fraction * mask.size]
    if not ok:
        return None
    return labels == ok[int(rng.integers(len(ok)))]


#: Kinds of training object, drawn with equal chance unless ``--mix`` weighs them.
KINDS = ("damage", "labelled", "region", "pasted")


def parse_mix(text: str) -> dict[str, float]:
    """``"damage=2,labelled=1"`` → relative weights of the kinds of object (unnamed kinds: 1)."""
    weights = dict.fromkeys(KINDS, 1.0)
    for item in filter(None, (t.strip() for t in text.split(","))):
        kind, sep, value = item.partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = -1.0
        if not sep or kind not in KINDS or weight < 0:
            raise ValueError(f"--mix takes KIND=WEIGHT (weight ≥ 0) with KIND one of "
                             f"{', '.join(KINDS)}; not {item!r}")
        weights[kind] = weight
    if not any(weights.values()):
        raise ValueError("--mix gives every kind of object weight 0")
    return weights


def damage_object(mural, rng, stain_share: float = 0.4):
    """A mural crop with synthetic paint loss or (with chance ``stain_share``) stains; one blob
    is the object."""
    side = int(min(rng.integers(200, 640), min(mural.shape[:2])))
    (crop,) = common.random_crop([mural], side, rng)
    h, w = crop.shape[:2]
    if rng.random() < 1 - stain_share:  # this comparison keeps the sets of earlier runs
        damaged, labels = synth.render_damage_classes(crop, rng, ("loss",) if rng.random() < 0.6 else ("cracks", "loss"))
        region = labels == synth.LOSS_CLASS
    else:  # stains: translucent brown or dark patches with soft edges
        region = synth.jelly_mask((h, w), (0.03, 0.15), rng)
        colour = np.array([rng.uniform(60, 140), rng.uniform(40, 100), rng.uniform(20, 60)], np.float32)
        alpha = cv2.GaussianBlur(region.astype(np.float32), (0, 0), 1.0)[..., None] * rng.uniform(0.45, 0.85)
        damaged = np.clip(crop * (1 - alpha) + colour * alpha, 0, 255).astype(np.uint8)
    return damaged, pick_component(region, rng)


def segment_photo(image: np.ndarray, longest: int = 384) -> tuple[np.ndarray, np.ndarray]:
    """A photograph (long side at most ``longest``) and its graph-based segmentation, coarse
    enough that regions are things or large parts of things."""
    from skimage.segmentation import felzenszwalb

    scale = longest / max(image.shape[:2])
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    regions = felzenszwalb(image, scale=500, sigma=0.8, min_size=image.shape[0] * image.shape[1] // 200)
    return image, regions.astype(np.int32)


def region_of(regions: np.ndarray, rng, area=(0.02, 0.5)) -> np.ndarray | None:
    """One region of a segmentation of suitable size, merged with a touching one half the time."""
    sizes = np.bincount(regions.ravel()) / regions.size
    ok = np.nonzero((sizes >= area[0]) & (sizes <= area[1]))[0]
    if not len(ok):
        return None
    mask = regions == ok[int(rng.integers(len(ok)))]
    if rng.random() < 0.5:
        ring = (cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & ~mask
        neighbours = [n for n in np.unique(regions[ring]) if sizes[n] + mask.mean() <= area[1]]
        if neighbours:
            mask |= regions == neighbours[int(rng.integers(len(neighbours)))]
    return pick_component(mask, rng, area[0] / 2)


def pasted_object(thing, backdrop, rng):
    """A region of one segmented photograph pasted (scaled, softly edged) onto another."""
    image, regions = thing
    mask = region_of(regions, rng, (0.03, 0.35))
    if mask is None:
        return backdrop[0], None
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    patch, mask = image[y0:y1, x0:x1], mask[y0:y1, x0:x1]
    back = backdrop[0]
    bh, bw = back.shape[:2]
    scale = min(rng.uniform(0.25, 0.7) * min(bh, bw) / max(mask.shape), 2.0)
    size = (max(8, int(mask.shape[1] * scale)), max(8, int(mask.shape[0] * scale)))
    patch = cv2.resize(patch, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    alpha = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
    alpha = cv2.GaussianBlur(alpha, (0, 0), rng.uniform(0.3, 1.0))
    ph, pw = alpha.shape
    if ph >= bh or pw >= bw:
        return back, None
    y, x = int(rng.integers(0, bh - ph)), int(rng.integers(0, bw - pw))
    out = back.astype(np.float32).copy()
    window = out[y:y + ph, x:x + pw]
    window[:] = window * (1 - alpha[..., None]) + patch * alpha[..., None]
    obj = np.zeros((bh, bw), bool)
    obj[y:y + ph, x:x + pw] = alpha >= 0.5
    return out.astype(np.uint8), pick_component(obj, rng, 0.01)


def class_object(image, labels, rng):
    classes = [c for c in np.unique(labels) if c != 0]
    if not classes:
        return image, None
    cls = classes[int(rng.integers(len(classes)))]
    return image, pick_component(labels == cls, rng, 0.004)


class ClickData:
    def __init__(self, folders, split="train", procedural=200, limit=None, seed=0, natural=(),
                 mix=None, stain_share=0.4):
        self.stain_share = stain_share
        self.murals, self.labelled = [], []
        # photographs have no caves; cave_split hashes each file name instead
        self.photos = [segment_photo(common.load_rgb8(p))
                       for p in cave_split(list_images(natural), split)[:limit]] if natural else []
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
        log.info("click data (%s): %d murals for synthetic damage, %d labelled images, "
                 "%d photographs", split, len(self.murals), len(self.labelled), len(self.photos))
        have = {"damage": self.murals, "labelled": self.labelled, "region": self.photos,
                "pasted": self.photos}
        mix = mix or dict.fromkeys(KINDS, 1.0)
        self.kinds = [k for k in KINDS if have[k] and mix.get(k, 1.0) > 0]
        if not self.kinds:
            raise ValueError("no training images for the click model")
        weights = np.array([mix.get(k, 1.0) for k in self.kinds])
        self.kind_p = None if np.all(weights == weights[0]) else weights / weights.sum()

    def _draw(self, items, rng):
        return items[int(rng.integers(len(items)))]

    def sample(self, size, rng, context=DEFAULT_CONTEXT):
        for _ in range(20):
            if self.kind_p is None:  # equal chances: the draw of the earlier runs
                kind = self.kinds[int(rng.integers(len(self.kinds)))]
            else:
                kind = self.kinds[int(rng.choice(len(self.kinds), p=self.kind_p))]
            if kind == "damage":
                image, obj = damage_object(self._draw(self.murals, rng), rng, self.stain_share)
            elif kind == "labelled":
                image, obj = class_object(*self._draw(self.labelled, rng), rng)
            elif kind == "region":
                image, regions = self._draw(self.photos, rng)
                obj = region_of(regions, rng)
            else:
                image, obj = pasted_object(self._draw(self.photos, rng), self._draw(self.photos, rng), rng)
            if obj is not None:
                img, msk = context_crop(image, obj, rng, size, context)
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


def validation_windows(args, folders, natural, context, mix=None, stain_share=0.4):
    """The ``--val-samples`` fixed windows of the validation split (seeded, so every run with
    the same options validates on the same objects)."""
    val_data = ClickData(folders, "val", max(8, args.procedural // 10), args.limit or 40, args.seed,
                         natural, mix, stain_share)
    vrng = np.random.default_rng(99)
    return [val_data.sample(args.size, vrng, context) for _ in range(args.val_samples)], val_data.kinds


def evaluate_weights(args, folders, natural, mix, context) -> None:
    """``--evaluate W1,W2``: no training; each weights file's IoU after 1 / 3 / 5 simulated
    clicks on ``--val-samples`` windows of the validation split, drawn with ``--mix`` and
    ``--stain-share`` (the same windows for every file; with the default mix, the windows a
    training run with these options validates on, and more of them)."""
    from muralstudio.engines.weights import load_network

    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    val, kinds = validation_windows(args, folders, natural, context, mix, args.stain_share)
    paths = [p for p in args.evaluate.split(",") if p]
    width = max(12, *(len(p) for p in paths))
    print(f"{len(val)} validation windows of {args.size}² ({', '.join(kinds)}); "
          f"IoU after 1 / 3 / 5 clicks")
    print(f"{'weights':<{width}} {'IoU@1':>7} {'IoU@3':>7} {'IoU@5':>7}")
    for path in paths:
        net = load_network(path, "clicknet", "clicknet",
                           lambda config: ClickNet(config.get("width", 1.0), args.size),
                           args.device, "click model", "clicks")
        scores = evaluate(net.model, val, net.device, args.size)
        print(f"{path:<{width}} " + " ".join(f"{scores[f'val_iou_at_{n}']:7.3f}" for n in (1, 3, 5)),
              flush=True)


def train(args) -> Path | None:
    context = parse_context(args.context)
    folders = [p for p in args.data.split(",") if p]
    natural = [p for p in (args.natural or "").split(",") if p]
    mix = parse_mix(args.mix)
    if not 0 <= args.stain_share <= 1:
        raise ValueError(f"--stain-share must lie in 0–1, not {args.stain_share}")
    if args.evaluate:
        evaluate_weights(args, folders, natural, mix, context)
        return None
    if not args.out:
        raise ValueError("train clicks needs --out (where the weights go) unless --evaluate")
    device, out, ckpt_path, log_path = common.start_run(args)
    data = ClickData(folders, "train", args.procedural, args.limit, args.seed, natural, mix,
                     args.stain_share)
    # validation keeps the default mix, so runs with different mixes compare on one set
    val, _ = validation_windows(args, folders, natural, context)
    model = ClickNet(args.width, args.size).to(device)
    if args.init:  # fine-tuning: start from trained click weights (fresh optimizer and schedule)
        load_file_into(model, args.init)
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
        batch = [data.sample(args.size, rng, context) for _ in range(args.batch)]
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
                "(muralstudio.core.synth.generate_mural) with their element regions\n"
                + "".join(f"- {f} (photographs: segmentation regions and pasted regions)\n" for f in natural)
                + "\nMural "
                "folders: training caves only; objects = synthetic paint loss / stains "
                "(render_damage_classes, jelly_mask) or labelled regions. The benchmark's object "
                "set is not used for training.",
        "Command": common.command_text(args, "clicks"),
        "Training": (f"fine-tuned from {args.init}; " if args.init else "") + f"{run.step} steps, batch {args.batch}, 0–{args.max_iterations} simulated "
                    f"click rounds per step, BCE + soft IoU, Adam cosine {args.lr}; "
                    f"{common.hardware()}; {run.clock.seconds() / 60:.1f} min this run; best val "
                    f"(IoU@1+3+5) = {run.best:.3f}.",
    })
    return weights


def add_arguments(parser) -> None:
    parser.add_argument("--data", required=True, help="comma-separated mural folders and "
                                                      "labelled folders (images/ + labels/ or masks/)")
    parser.add_argument("--out", help="where the weights go (required unless --evaluate)")
    parser.add_argument("--procedural", type=int, default=200, help="generated murals to add")
    parser.add_argument("--natural", help="comma-separated folders of photographs for "
                                          "non-mural objects (regions and pasted regions)")
    parser.add_argument("--evaluate", metavar="W1,W2", help="train nothing: print each weights "
                        "file's validation IoU after 1/3/5 clicks (windows drawn with --mix)")
    parser.add_argument("--init", help="click weights (safetensors) to fine-tune")
    parser.add_argument("--context", default=",".join(map(str, DEFAULT_CONTEXT)),
                        help="range of the window's side over the object's (log-uniform)")
    parser.add_argument("--mix", default="", help="relative weights of the kinds of object, "
                        "e.g. damage=2 (kinds: damage, labelled, region, pasted; default 1 each)")
    parser.add_argument("--stain-share", type=float, default=0.4,
                        help="share of stains (rather than paint loss) among damage objects")
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--max-iterations", type=int, default=3)
    parser.add_argument("--val-samples", type=int, default=48)
    parser.add_argument("--limit", type=int)
    common.add_run_arguments(parser, steps=3000, batch=8, lr=1e-3, eval_every=250,
                             log_every=50)
