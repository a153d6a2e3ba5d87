"""``clicknet`` segmenter: the learned RITM-style click model with shipped weights.

Each click yields a few candidate predictions and the engine keeps the one the network is
least unsure of (lowest mean binary entropy). The first click is predicted without a previous
mask in windows of 160, 320 and 640 px around it (the network was trained on windows a few
times the object's size, which is not known yet); later clicks zoom in on the previous mask
plus the clicks (RITM's zoom-in), the previous mask re-projected into the new window and fed
back as the third map. With ``proposals`` (default), every click also gets the network's
prediction when given the ``classic`` engine's mask from the same clicks as its previous mask:
graph cut follows colour edges over whole objects, which the network, trained on few whole
objects, often does not reach on its own; the network corrects the proposal or overrides it.
With ``refine_radius`` > 0 (default), the probability is snapped to the window's colour edges
by a guided filter (He et al.) computed on the network's input grid and applied at the window's
full resolution: the network sees a resampled window (320² by default) and predicts at half
that, so its edges are soft and can sit a pixel or two off the object's; most of the IoU that
later clicks fight for is at those edges.
Finally (``honour_clicks``, default) the last click's pixel always gets the click's label: when
the network ignores a click, the part of the prediction around it where the ``classic`` mask
from the same clicks disagrees is flipped (a small disk where graph cut agrees with the
network), so no click is wasted. ``vflip`` adds the upside-down windows to the left-right
mirror averaging (four network passes per candidate: fewer clicks, twice the time).
"""

from __future__ import annotations

import cv2
import numpy as np

from muralstudio.core.imageio import to_rgb8
from muralstudio.core.maskops import guided_filter_coefficients
from muralstudio.engines.registry import register
from muralstudio.engines.segmentation import (
    Prediction,
    Segmenter,
    SegmentSession,
    create,
    keep_clicked_components,
    previous_bbox,
    roi_for,
)

DEFAULT_WEIGHTS = "clicknet"
#: what a click selects. "object": the thing under it, whole (a dot in a robe belongs to the
#: robe). "damage" (the window's damage masks, `annotate` loss and crack marks): a first click
#: on a fleck unlike the paint around it takes the fleck, not the robe — one click on 400 real
#: paint losses of the annotated set: IoU 0.156 → 0.393 (bench/click_small_losses.py); synthetic
#: damage NoC@90 4.53 → 4.52. On the 100 objects it costs IoU@1 0.661 → 0.408 (a click on an eye
#: takes the eye), hence not the default (models/clicknet.md).
TARGETS = ("object", "damage")


def previous_in(previous, box) -> np.ndarray | None:
    """The previous result (Prediction or full mask) as a float map of the window ``box``."""
    if previous is None:
        return None
    x, y, w, h = box
    out = np.zeros((h, w), np.float32)
    if isinstance(previous, Prediction):
        px, py, mask = previous.x, previous.y, previous.mask
    else:
        px, py, mask = 0, 0, np.asarray(previous)
    x0, y0 = max(x, px), max(y, py)
    x1, y1 = min(x + w, px + mask.shape[1]), min(y + h, py + mask.shape[0])
    if x1 > x0 and y1 > y0:
        out[y0 - y:y1 - y, x0 - x:x1 - x] = mask[y0 - py:y1 - py, x0 - px:x1 - px]
    return out


def obeys(prediction: Prediction, click) -> bool:
    """Whether the click's pixel has the click's label in the prediction (outside its window:
    background)."""
    x, y = int(round(click.x)) - prediction.x, int(round(click.y)) - prediction.y
    h, w = prediction.mask.shape
    inside = 0 <= x < w and 0 <= y < h and bool(prediction.mask[y, x])
    return inside == click.positive


def window_clicks(clicks) -> list:
    """The clicks a refining window must hold: the positive ones. A negative click outside the
    object is already satisfied outside the window; letting it widen the window made the
    network, which draws an object a fraction of whatever window it is given, *grow* the mask
    with each such click (eight negative clicks along a black border turned a 260-px element
    into 3,300 px of bare plaster)."""
    positive = [c for c in clicks if c.positive]
    return positive or list(clicks)


def mean_entropy(probability: np.ndarray) -> float:
    """Mean binary entropy (nats) of a probability map: how unsure the network is overall."""
    p = np.clip(probability, 1e-4, 1 - 1e-4)
    return float(-(p * np.log(p) + (1 - p) * np.log1p(-p)).mean())


class ClickNetSession(SegmentSession):
    def __init__(self, segmenter, source):
        super().__init__(segmenter, source)
        self._proposals = None  # the classic engine's session on the same image, made when needed
        self._classic_key = self._classic_result = None
        self._crop_key = None
        self._crop = None
        self._full = None  # the window's pixels at full resolution (the refinement's guide)

    def _image(self, box, size):
        if self._crop_key != (box, size):  # repeated clicks in one window reuse its pixels
            x, y, w, h = box
            crop = self._full = to_rgb8(np.asarray(self.read(x, y, w, h)))
            crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA if max(w, h) > size
                              else cv2.INTER_LINEAR)
            import torch

            self._crop = torch.from_numpy(crop).permute(2, 0, 1)[None].float().div_(255)
            self._crop_key = (box, size)
        return self._crop

    def predict(self, clicks, previous=None) -> Prediction:
        """The least unsure of the network's candidate predictions (lowest mean entropy)."""
        seg = self.segmenter
        prev_box = previous_bbox(previous)
        if prev_box is not None and not clicks[-1].positive:
            kept = previous_in(previous, prev_box)

            def on_mask(c):
                cx, cy = int(round(c.x)) - prev_box[0], int(round(c.y)) - prev_box[1]
                return 0 <= cx < prev_box[2] and 0 <= cy < prev_box[3] and kept[cy, cx] >= 0.5

            if all(on_mask(c) == c.positive for c in clicks):
                # a negative click off the mask, every other click already satisfied: predicting
                # again would only let the mask drift (it grew with every such click)
                return Prediction(prev_box[0], prev_box[1], kept, kept >= 0.5)
        if prev_box is None:
            candidates = self._first_windows(clicks)
        else:
            box = roi_for(window_clicks(clicks), self.width, self.height, prev_box, margin=0.4,
                          min_side=seg.params["min_side"])
            candidates = [self._predict_in(box, clicks, previous)]
        unsure, best = min((mean_entropy(c.probability), i) for i, c in enumerate(candidates))
        chosen = candidates[best]
        if seg.params["proposals"] and (prev_box is None or unsure > seg.params["proposal_above"]):
            guided = self._guided(clicks)
            if mean_entropy(guided.probability) < unsure:
                chosen = guided
        if seg.params["honour_clicks"] and not obeys(chosen, clicks[-1]):
            chosen = self._honour(chosen, clicks)
        if prev_box is None and seg.params["target"] == "damage" and seg.params["fleck_contrast"] > 0:
            chosen = self._clicked_fleck(chosen, clicks[0])
        return chosen

    def _clicked_fleck(self, prediction: Prediction, click) -> Prediction:
        """A first click on a fleck or flake unlike the paint around it (a pale loss in a dark
        robe) for which the network took the paint around it: the fleck's own colour region
        instead — the pixels of the mask nearer the clicked colour than the mask's median colour,
        connected to the click. The network, trained on whole objects and
        synthetic damage, finds the robe surer than the flake at every window size."""
        x, y, w, h = prediction.bbox
        lab = cv2.cvtColor(to_rgb8(np.asarray(self.read(x, y, w, h)))[..., :3], cv2.COLOR_RGB2LAB).astype(np.float32)
        cx, cy = min(w - 1, max(0, int(round(click.x)) - x)), min(h - 1, max(0, int(round(click.y)) - y))
        seed = np.median(lab[max(0, cy - 1):cy + 2, max(0, cx - 1):cx + 2].reshape(-1, 3), axis=0)
        paint = np.median(lab[prediction.mask], axis=0) if prediction.mask.any() else seed
        if np.linalg.norm(seed - paint) < self.segmenter.params["fleck_contrast"]:
            return prediction  # the click's colour is the mask's: an object, not a fleck in it
        # inside the network's mask only: a flake at the robe's edge would otherwise join the
        # ground beyond it, of much its colour, all round the robe
        nearer = (np.linalg.norm(lab - seed, axis=2) < np.linalg.norm(lab - paint, axis=2)) & prediction.mask
        _, parts = cv2.connectedComponents(nearer.astype(np.uint8), connectivity=8)
        if not parts[cy, cx]:
            return prediction
        fleck = parts == parts[cy, cx]
        if fleck.sum() * 2 >= prediction.mask.sum():
            return prediction  # most of the mask is the clicked colour anyway
        return Prediction(x, y, fleck.astype(np.float32), fleck)

    def _classic(self, clicks) -> Prediction:
        """The ``classic`` engine's mask from the same clicks (kept for the last click list)."""
        if self._proposals is None:
            classic = create("classic", max_side=self.segmenter.params["proposal_side"])
            self._proposals = classic.session(self.source)
        key = tuple(clicks)
        if self._classic_key != key:
            self._classic_result, self._classic_key = self._proposals.predict(clicks, None), key
        return self._classic_result

    def _honour(self, prediction: Prediction, clicks) -> Prediction:
        """A prediction that gives the last click's pixel the click's label. A network can
        ignore a click (a thin part, a region it is sure of), and a click that changes
        nothing is what users mind most; the part flipped is where the ``classic`` mask from
        the same clicks disagrees with the network around the click, or, where graph cut
        agrees with the network, a small disk at the click."""
        click = clicks[-1]
        h, w = prediction.mask.shape
        cx = min(w - 1, max(0, int(round(click.x)) - prediction.x))
        cy = min(h - 1, max(0, int(round(click.y)) - prediction.y))
        other = previous_in(self._classic(clicks), prediction.bbox) >= 0.5
        if other[cy, cx] == click.positive:
            differ = (other != prediction.mask).astype(np.uint8)
            _, labels = cv2.connectedComponents(differ, connectivity=4)
            flip = labels == labels[cy, cx]
        else:
            flip = np.zeros((h, w), np.uint8)
            radius = max(1, round(self.segmenter.params["honour_radius"] * max(h, w) / 100))
            cv2.circle(flip, (cx, cy), radius, 1, -1)
            flip = flip.astype(bool) & (prediction.mask != click.positive)
        mask = prediction.mask.copy()
        mask[flip] = click.positive
        probability = prediction.probability.copy()
        probability[flip] = float(click.positive)
        positives = [(c.x - prediction.x, c.y - prediction.y) for c in clicks if c.positive]
        return Prediction(prediction.x, prediction.y, probability,
                          keep_clicked_components(mask, positives))

    def _first_windows(self, clicks) -> list[Prediction]:
        """The first click, without a previous mask, in windows of 160, 320, 640 … px: the
        network was trained on windows a few times its object's size, which is not known
        yet (a thing cut by a too-small window is found only in part, a small one drowns
        in a too-large window)."""
        seg = self.segmenter
        side, out = seg.params["first_side"], []
        for _ in range(seg.params["first_windows"]):
            box = roi_for(clicks, self.width, self.height, None, margin=0.6, min_side=side)
            out.append(self._predict_in(box, clicks, None))
            if box[2] >= self.width and box[3] >= self.height:  # already the whole image
                break
            side *= 2
        return out

    def _guided(self, clicks) -> Prediction:
        """The network given the ``classic`` engine's mask from the same clicks as its previous
        mask: graph cut follows colour edges over whole objects, the network corrects it."""
        proposal = self._classic(clicks)
        box = roi_for(window_clicks(clicks), self.width, self.height, previous_bbox(proposal), margin=0.4,
                      min_side=self.segmenter.params["min_side"])
        return self._predict_in(box, clicks, proposal)

    def _predict_in(self, box, clicks, previous) -> Prediction:
        import torch

        from muralstudio.engines.nets.clicknet import click_maps

        seg = self.segmenter
        size = seg.size
        x, y, w, h = box
        sx, sy = size / w, size / h
        local = [((c.x - x) * sx, (c.y - y) * sy, c.positive) for c in clicks]
        prev = previous_in(previous, box)
        if prev is not None:
            prev = cv2.resize(prev, (size, size), interpolation=cv2.INTER_LINEAR) > 0.5
        maps = torch.from_numpy(click_maps(local, size, prev))[None]
        image = self._image(box, size)
        dims = [(), (3,)] if seg.params["flip"] else [()]  # as is, mirrored left-right …
        if seg.params["vflip"]:  # … and each of those upside down
            dims += [d + (2,) for d in dims]
        if len(dims) > 1:  # average with the mirrored windows (one batch)
            image = torch.cat([image.flip(d) if d else image for d in dims])
            maps = torch.cat([maps.flip(d) if d else maps for d in dims])
        with torch.inference_mode():
            logits = seg.model(image.to(seg.torch_device, memory_format=torch.channels_last),
                               maps.to(seg.torch_device, memory_format=torch.channels_last))
        if len(dims) > 1:
            logits = sum(logits[i:i + 1].flip(d) if d else logits[i:i + 1]
                         for i, d in enumerate(dims)) / len(dims)
        prob = torch.sigmoid(logits)[0, 0].float().cpu().numpy()
        if seg.params["refine_radius"] > 0:  # edges snapped to the colours of the window
            grid = self._crop[0].permute(1, 2, 0).numpy()
            a, b = guided_filter_coefficients(grid, prob, seg.params["refine_radius"],
                                              seg.params["refine_eps"])
            if (w, h) != (size, size):
                a = cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR)
                b = cv2.resize(b, (w, h), interpolation=cv2.INTER_LINEAR)
                full = self._full.astype(np.float32) / 255
            else:
                full = grid
            prob = np.clip((a * full).sum(-1) + b, 0, 1)
        else:
            prob = cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR)
        mask = keep_clicked_components(prob >= seg.params["threshold"],
                                       [(c.x - x, c.y - y) for c in clicks if c.positive])
        return Prediction(x, y, prob.astype(np.float32), mask)


@register("segmenter", "clicknet")
class ClickNetSegmenter(Segmenter):
    """Learned click model (RGB + click disks + previous mask), trained by 'train clicks'."""

    name = "clicknet"
    version = "1"
    weights_name, weights_architecture = DEFAULT_WEIGHTS, "clicknet"
    # measured (bench/click_speed.py --memory): a session and five clicks on a 1-Mpx image, CPU,
    # with flip averaging, classic proposals, 320² input, edge refinement and honoured clicks
    # lift the peak resident memory by 152–170 MiB
    memory_mb = 170

    def __init__(self, device: str = "cpu", weights_path=None, first_side: int = 160,
                 min_side: int = 100, flip: bool = True, vflip: bool = False,
                 first_windows: int = 3, proposals: bool = True, proposal_side: int = 256,
                 proposal_above: float = 0.07, threshold: float = 0.4, refine_radius: float = 2,
                 refine_eps: float = 1e-4, input_size: int | None = 320,
                 honour_clicks: bool = True, honour_radius: float = 1.0, target: str = "object",
                 fleck_contrast: float = 25.0):
        # threshold 0.4: ties 0.5 on the training validation split, fewer clicks on both benchmarks
        super().__init__(device, first_side=int(first_side), min_side=int(min_side),
                         flip=bool(flip), vflip=bool(vflip), first_windows=max(1, int(first_windows)),
                         proposals=bool(proposals), proposal_side=int(proposal_side),
                         proposal_above=float(proposal_above), threshold=float(threshold),
                         refine_radius=float(refine_radius), refine_eps=float(refine_eps),
                         honour_clicks=bool(honour_clicks), honour_radius=float(honour_radius),
                         target=str(target), fleck_contrast=float(fleck_contrast))
        if target not in TARGETS:
            raise ValueError(f"clicknet setting target must be one of {', '.join(TARGETS)}, not {target!r}")
        from muralstudio.engines import weights
        from muralstudio.engines.nets.clicknet import ClickNet

        net = weights.load_network(weights_path, DEFAULT_WEIGHTS, self.weights_architecture,
                                   lambda c: ClickNet(c.get("width", 1.0), c.get("size", 320)),
                                   device, "click model", "clicks")
        self.model, self.torch_device = net.model, net.device
        # the windows' side in the network's input: 320 by default though it was trained on
        # 256²: the finer output grid helps small damage (NoC@90 4.73 → 4.53 when measured, in
        # the seventh session), 1.5× the time
        self.size = int(input_size or net.config.get("size", 320))
        self.weights_path, self.weights_sha256 = str(net.path), net.sha256

    def session(self, source) -> ClickNetSession:
        return ClickNetSession(self, source)
