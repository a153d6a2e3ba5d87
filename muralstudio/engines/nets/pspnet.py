"""PSP-M: PSPNet pyramid pooling on a MobileNetV2 backbone with atrous convolution.

Backbone names follow the common PyTorch MobileNetV2 state-dict layout (``features.N.conv.0.0``
…, as torchvision writes it), so such backbone weights load strictly; :func:`remap_reference`
converts the reference PSPNet-MobileNetV2 checkpoint's own naming (``features.N.conv.3`` …) to
ours. Output stride 16 (blocks 14–17 dilated by 2) or 8 (7–13 by 2, 14–17 by 4). The head pools
the 320-channel map into bins 1, 2, 3 and 6 (max pooling, as the paper chose; average
selectable), reduces each to 80 channels, upsamples, concatenates with the map, and a 3×3
bottleneck and 1×1 classifier give the class logits, upsampled bilinearly to the input. An
auxiliary head on block 13 (96 channels) helps training.
"""

from __future__ import annotations

import re

import torch
import torch.nn.functional as F
from torch import nn

CLASSES = ("background", "animal", "building", "cloud", "people", "Buddha")
COLORS = ((0, 0, 0), (230, 160, 40), (150, 90, 200), (90, 200, 230), (240, 80, 80), (250, 220, 60))

#: (expansion t, channels, repeats, stride) of MobileNetV2's inverted residual stages
SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
            (6, 160, 3, 2), (6, 320, 1, 1))


class ConvBNReLU(nn.Sequential):
    def __init__(self, cin, cout, k=3, stride=1, groups=1, dilation=1):
        super().__init__(nn.Conv2d(cin, cout, k, stride, dilation * (k - 1) // 2, dilation=dilation,
                                   groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU6(inplace=True))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand, dilation=1):
        super().__init__()
        hidden = cin * expand
        self.use_res_connect = stride == 1 and cin == cout
        layers = [ConvBNReLU(cin, hidden, 1)] if expand != 1 else []
        layers += [ConvBNReLU(hidden, hidden, 3, stride, groups=hidden, dilation=dilation),
                   nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


def _dilation_plan(output_stride: int) -> dict[int, tuple[int, int]]:
    """block index → (stride, dilation) of its depthwise convolution."""
    plan = {}
    if output_stride == 8:
        plan.update({7: (1, 1), **{i: (1, 2) for i in range(8, 14)}, 14: (1, 2),
                     **{i: (1, 4) for i in range(15, 18)}})
    elif output_stride == 16:
        plan.update({14: (1, 1), **{i: (1, 2) for i in range(15, 18)}})
    elif output_stride != 32:
        raise ValueError("output stride must be 8, 16 or 32")
    return plan


def scaled_channels(channels: int, width: float) -> int:
    """MobileNetV2's width multiplier: channels × width rounded to a multiple of 8, never
    below 90 % of the exact value."""
    scaled = max(8, int(channels * width + 4) // 8 * 8)
    return scaled + 8 if scaled < 0.9 * channels * width else scaled


class MobileNetV2Backbone(nn.Module):
    """``features`` 0–17 (the 1280-channel last convolution is not used by PSP-M). ``width``
    is MobileNetV2's width multiplier (1.0 = the standard network; names stay the same)."""

    def __init__(self, output_stride: int = 16, width: float = 1.0):
        super().__init__()
        plan = _dilation_plan(output_stride)
        cin = scaled_channels(32, width)
        blocks: list[nn.Module] = [ConvBNReLU(3, cin, 3, 2)]
        for t, c, n, s in SETTINGS:
            c = scaled_channels(c, width)
            for i in range(n):
                index = len(blocks)
                stride, dilation = plan.get(index, (s if i == 0 else 1, 1))
                blocks.append(InvertedResidual(cin, c, stride, t, dilation))
                cin = c
        self.features = nn.Sequential(*blocks)
        self.aux_channels = scaled_channels(96, width)
        self.out_channels = cin

    def forward(self, x):
        aux = self.features[:14](x)
        return aux, self.features[14:](aux)


class PyramidPooling(nn.Module):
    def __init__(self, cin: int = 320, bins=(1, 2, 3, 6), pooling: str = "max"):
        super().__init__()
        out = cin // len(bins)
        pool = nn.AdaptiveMaxPool2d if pooling == "max" else nn.AdaptiveAvgPool2d
        if pooling not in ("max", "avg"):
            raise ValueError("pooling must be max or avg")
        self.stages = nn.ModuleList([nn.Sequential(pool(b), nn.Conv2d(cin, out, 1, bias=False),
                                                   nn.BatchNorm2d(out), nn.ReLU(inplace=True)) for b in bins])
        self.bottleneck = nn.Sequential(nn.Conv2d(cin + out * len(bins), out, 3, padding=1, bias=False),
                                        nn.BatchNorm2d(out), nn.ReLU(inplace=True), nn.Dropout2d(0.1))

    def forward(self, x):
        size = x.shape[-2:]
        pyramids = [x] + [F.interpolate(stage(x), size=size, mode="bilinear", align_corners=True)
                          for stage in self.stages]
        return self.bottleneck(torch.cat(pyramids, 1))


class PSPM(nn.Module):
    """Input RGB 0–1, N×3×H×W; output logits N×classes×H×W (and the auxiliary logits when
    ``aux`` and training)."""

    def __init__(self, n_classes: int = len(CLASSES), output_stride: int = 16, pooling: str = "max",
                 aux: bool = True, width: float = 1.0):
        super().__init__()
        self.config = {"architecture": "pspm", "n_classes": n_classes, "output_stride": output_stride,
                       "pooling": pooling, "aux": aux, "width": width}
        self.backbone = MobileNetV2Backbone(output_stride, width)
        deep, mid = self.backbone.out_channels, self.backbone.aux_channels
        self.master_branch = nn.Sequential(PyramidPooling(deep, pooling=pooling),
                                           nn.Conv2d(deep // 4, n_classes, 1))
        hidden = scaled_channels(40, width)
        self.auxiliary_branch = nn.Sequential(
            nn.Conv2d(mid, hidden, 3, padding=1, bias=False), nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True), nn.Dropout2d(0.1), nn.Conv2d(hidden, n_classes, 1)) if aux else None

    def features(self, x):
        """The backbone's deepest map (320 channels at width 1; used for element embeddings)."""
        return self.backbone(x)[1]

    def forward(self, x):
        size = x.shape[-2:]
        aux, deep = self.backbone(x)
        out = F.interpolate(self.master_branch(deep), size=size, mode="bilinear", align_corners=True)
        if self.training and self.auxiliary_branch is not None:
            return out, F.interpolate(self.auxiliary_branch(aux), size=size, mode="bilinear", align_corners=True)
        return out


_REFERENCE_T1 = {"conv.0": "conv.0.0", "conv.1": "conv.0.1", "conv.3": "conv.1", "conv.4": "conv.2"}
_REFERENCE_T6 = {"conv.0": "conv.0.0", "conv.1": "conv.0.1", "conv.3": "conv.1.0", "conv.4": "conv.1.1",
                 "conv.6": "conv.2", "conv.7": "conv.3"}


def remap_reference(state: dict) -> dict:
    """The reference PSPNet-MobileNetV2 checkpoint (``backbone.features.N.conv.K``) in our names."""
    out = {}
    pattern = re.compile(r"^backbone\.features\.(\d+)\.(conv\.\d+)\.(.+)$")
    for key, value in state.items():
        m = pattern.match(key)
        if m:
            block, part, rest = int(m.group(1)), m.group(2), m.group(3)
            table = _REFERENCE_T1 if block == 1 else _REFERENCE_T6
            key = f"backbone.features.{block}.{table.get(part, part)}.{rest}"
        out[key] = value
    return out


def class_weighted_ce_dice(logits, target, class_weight=None, dice_weight: float = 1.0,
                           ignore_index: int = 255):
    """Cross-entropy with class weights plus Dice (the paper's loss)."""
    from muralstudio.engines.nets.resunet import dice_loss

    ce = F.cross_entropy(logits, target, weight=class_weight, ignore_index=ignore_index)
    return ce + dice_weight * dice_loss(logits, target, ignore_index=ignore_index)
