"""Shared pieces of the training commands: image loading, augmentation, schedules, loss logs
(CSV + PNG plot) and resumable checkpoints."""

from __future__ import annotations

import csv
import json
import math
import platform
import logging
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from muralstudio.core.atomic import atomic_path
from muralstudio.core.imageio import read_image, to_rgb8


def load_rgb8(path) -> np.ndarray:
    return to_rgb8(read_image(path).pixels)


def random_crop(arrays, size: int, rng) -> list[np.ndarray]:
    """The same random ``size``×``size`` window of every array (reflect-padded when smaller)."""
    h, w = arrays[0].shape[:2]
    if h < size or w < size:
        ph, pw = max(0, size - h), max(0, size - w)
        arrays = [np.pad(a, ((0, ph), (0, pw)) + ((0, 0),) * (a.ndim - 2), mode="reflect")
                  for a in arrays]
        h, w = arrays[0].shape[:2]
    y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    return [a[y:y + size, x:x + size] for a in arrays]


def flip_rotate(arrays, rng) -> list[np.ndarray]:
    """Horizontal flip, vertical flip ("inversion") and 90° rotations, applied alike."""
    k = int(rng.integers(0, 4))
    hflip, vflip = rng.random() < 0.5, rng.random() < 0.5
    out = []
    for a in arrays:
        a = np.rot90(a, k)
        if hflip:
            a = a[:, ::-1]
        if vflip:
            a = a[::-1]
        out.append(np.ascontiguousarray(a))
    return out


def photometric(image: np.ndarray, rng, sharpen=True, hsv=True, noise=True,
                gamma=True) -> np.ndarray:
    """Sharpening, HSV jitter, gamma and Gaussian noise on a uint8 RGB image."""
    img = image.astype(np.float32)
    if sharpen and rng.random() < 0.3:
        blur = cv2.GaussianBlur(img, (0, 0), 1.0)
        img = img + rng.uniform(0.3, 1.0) * (img - blur)
    if hsv and rng.random() < 0.8:
        hsv_img = cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV).astype(np.float32)
        hsv_img[..., 0] = (hsv_img[..., 0] + rng.uniform(-8, 8)) % 180
        hsv_img[..., 1] *= rng.uniform(0.7, 1.3)
        hsv_img[..., 2] *= rng.uniform(0.75, 1.25)
        img = cv2.cvtColor(np.clip(hsv_img, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
    if gamma and rng.random() < 0.3:
        img = 255.0 * (np.clip(img, 0, 255) / 255.0) ** rng.uniform(0.7, 1.4)
    if noise and rng.random() < 0.4:
        img = img + rng.normal(0, rng.uniform(2, 8), img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def to_tensor(images: list[np.ndarray]) -> torch.Tensor:
    """uint8 (H, W, 3) list → float N×3×H×W in 0–1."""
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float().div_(255)


def cosine_lr(step: int, total: int, lr: float, min_lr: float, warmup: int = 0) -> float:
    if warmup and step < warmup:
        return lr * (step + 1) / warmup
    t = min(1.0, (step - warmup) / max(1, total - warmup))
    return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * t))


class TrainLog:
    """Appends one CSV row per logged step and redraws the loss plot PNG."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows: list[dict] = []
        if self.path.exists():
            with open(self.path, newline="") as handle:
                self.rows = [{k: int(float(v)) if k == "step" else float(v)
                              for k, v in row.items() if v != ""} for row in csv.DictReader(handle)]

    def add(self, **values) -> None:
        self.rows.append(values)
        keys = sorted({k for row in self.rows for k in row}, key=lambda k: (k != "step", k))
        with atomic_path(self.path) as tmp, open(tmp, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=keys)
            writer.writeheader()
            writer.writerows(self.rows)

    def plot(self, png: Path, keys=None) -> None:
        plot_curves(self.rows, png, keys)


_COLOURS = [(200, 60, 40), (40, 120, 200), (40, 160, 60), (180, 120, 20), (140, 60, 170),
            (20, 150, 150)]


def plot_curves(rows: list[dict], png: Path, keys=None, width=900, height=420) -> None:
    """A small line plot (one curve per key against "step") drawn with OpenCV. Each curve is
    scaled to its own range, written beside its name, so a loss near 0.2 and a PSNR near 27 dB
    both show their course."""
    keys = keys or sorted({k for row in rows for k in row if k != "step"})
    canvas = np.full((height, width, 3), 255, np.uint8)
    left, right, top, bottom = 20, 20, 20, 50
    series = {k: [(r["step"], r[k]) for r in rows if k in r and np.isfinite(r[k])] for k in keys}
    steps = [x for s in series.values() for x, _ in s]
    if steps:
        x0, x1 = min(steps), max(steps) or 1
        sx = (width - left - right) / max(x1 - x0, 1e-9)
        cv2.rectangle(canvas, (left, top), (width - right, height - bottom), (0, 0, 0), 1)
        cv2.putText(canvas, f"step {int(x0)}..{int(x1)}; each curve scaled to its own range", (left, height - 15),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1)
        for i, (key, pts) in enumerate(series.items()):
            if not pts:
                continue
            colour = _COLOURS[i % len(_COLOURS)]
            ys = [y for _, y in pts]
            y0, y1 = min(ys), max(ys)
            sy = (height - top - bottom - 20) / max(y1 - y0, 1e-9)
            poly = np.int32([[left + (x - x0) * sx, height - bottom - 10 - (y - y0) * sy] for x, y in pts])
            if len(poly) > 1:
                cv2.polylines(canvas, [poly.reshape(-1, 1, 2)], False, colour, 1, cv2.LINE_AA)
            cv2.putText(canvas, f"{key}  {y0:.4g} .. {y1:.4g}", (width - right - 300, top + 18 + 16 * i),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv2.LINE_AA)
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
    with atomic_path(Path(png)) as tmp:
        Path(tmp).write_bytes(encoded.tobytes())


def save_checkpoint(path: Path, **state) -> None:
    """Plain tensors/dicts/numbers only, so resuming loads with ``weights_only=True``."""
    with atomic_path(Path(path)) as tmp:
        torch.save(state, str(tmp))


def load_checkpoint(path: Path) -> dict | None:
    path = Path(path)
    if not path.exists():
        return None
    return torch.load(str(path), map_location="cpu", weights_only=True)


def add_run_arguments(parser, steps: int, batch: int, lr: float, eval_every: int,
                      log_every: int) -> None:
    """The options every training command has (with its own defaults), read by
    :func:`start_run` and :class:`Run`."""
    parser.add_argument("--steps", type=int, default=steps)
    parser.add_argument("--batch", type=int, default=batch)
    parser.add_argument("--lr", type=float, default=lr)
    parser.add_argument("--eval-every", type=int, default=eval_every)
    parser.add_argument("--log-every", type=int, default=log_every)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--minutes", type=float, default=0,
                        help="stop after this many minutes of this run, validating and keeping the "
                             "best weights as at the last step (0: no limit; for short GPU loans)")


def start_run(args):
    """Seed, threads, device and output paths of a training command:
    ``(device, out, checkpoint path, log path)``."""
    from muralstudio.engines.weights import pick_device

    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return pick_device(args.device), out, out.with_suffix(".ckpt.pt"), out.with_suffix(".log.csv")


def resume(path: Path, model, optimizer) -> tuple[int, float]:
    """Load model and optimizer state from a checkpoint if there is one; (step, best score)."""
    state = load_checkpoint(path)
    if not state:
        return 0, -1.0
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    logging.getLogger("muralstudio.train").info("resumed from %s at step %d", path, int(state["step"]))
    return int(state["step"]), float(state["best"])


class Run:
    """The bookkeeping of one training run: resume from the checkpoint, the running loss, a log
    row (and plot) every ``log_every`` steps, validation every ``eval_every`` steps keeping the
    weights with the best score, and a checkpoint at each log row."""

    def __init__(self, args, model, optimizer, out: Path, checkpoint: Path, log_path: Path,
                 plot_keys: list[str], weights_of=None):
        """``weights_of``: the part of ``model`` kept as weights (a GAN's generator)."""
        self.args, self.model, self.optimizer = args, model, optimizer
        self.kept = weights_of if weights_of is not None else model
        self.out, self.checkpoint, self.plot_keys = out, checkpoint, plot_keys
        self.trainlog = TrainLog(log_path)
        self.step, self.best = resume(checkpoint, model, optimizer)
        self.clock = Stopwatch()
        self.running: list[float] = []
        self.out_of_time = False

    @property
    def done(self) -> bool:
        return self.step >= self.args.steps or self.out_of_time

    def after_step(self, loss: float, lr: float, evaluate, score, extra: dict | None = None) -> None:
        """``evaluate()`` → validation values (dict); ``score(row)`` → the number to maximise."""
        args = self.args
        self.running.append(loss)
        self.step += 1
        minutes = getattr(args, "minutes", 0)
        self.out_of_time = bool(minutes) and self.clock.seconds() >= 60 * minutes
        last = self.step == args.steps or self.out_of_time
        if not (self.step % args.log_every == 0 or last):
            return
        row = {"step": self.step, "loss": float(np.mean(self.running)), "lr": lr,
               "seconds": self.clock.seconds()}
        self.running = []
        if self.step % args.eval_every == 0 or last:
            row.update(evaluate())
            value = score(row)
            if value > self.best:
                from muralstudio.engines.weights import save_weights

                self.best = float(value)
                save_weights(self.kept, self.out.with_suffix(".safetensors"), self.kept.config,
                             {"step": self.step, "val": row, **(extra or {})})
        self.trainlog.add(**row)
        self.trainlog.plot(self.out.with_suffix(".loss.png"), ["loss"] + self.plot_keys)
        logging.getLogger("muralstudio.train").info(
            "step %d loss %.4f %s", self.step, row["loss"],
            " ".join(f"{k} {v:.3f}" for k, v in row.items() if k.startswith("val")))
        save_checkpoint(self.checkpoint, model=self.model.state_dict(),
                        optimizer=self.optimizer.state_dict(), step=self.step, best=self.best)

    def final_weights(self) -> Path:
        """The kept weights (the last ones when no validation ever ran)."""
        from muralstudio.engines.weights import save_weights

        weights = self.out.with_suffix(".safetensors")
        if not weights.exists():
            save_weights(self.kept, weights, self.kept.config, {"step": self.step})
        return weights


def set_lr(optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


def hardware() -> str:
    threads = torch.get_num_threads()
    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (CUDA), torch {torch.__version__}"
    return (f"CPU {platform.processor() or platform.machine()}, {threads} thread{'s' if threads != 1 else ''}, "
            f"torch {torch.__version__}")


def write_card(path: Path, title: str, sections: dict[str, str]) -> None:
    """A model card in Markdown: one heading per section."""
    text = [f"# {title}", ""]
    for heading, body in sections.items():
        text += [f"## {heading}", "", body.strip(), ""]
    with atomic_path(Path(path)) as tmp:
        Path(tmp).write_text("\n".join(text), encoding="utf-8")


class Stopwatch:
    def __init__(self):
        self.start = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.start


def command_text(args, name: str) -> str:
    """The command that ran this training, for the model card (as typed when run from the
    command line; rebuilt from the subcommand name otherwise)."""
    import shlex
    import sys

    words = getattr(args, "command_line", None) or ["muralstudio", "train", name, *sys.argv[3:]]
    return "```\n" + " ".join(map(shlex.quote, words)) + "\n```"


def dumps(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True)
