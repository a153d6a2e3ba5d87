"""ClickNet: a light RITM-style click segmentation network in plain torch.

Input: the region of interest resized to ``size``×``size`` — RGB (0–1) plus three maps: disks of
the positive clicks, disks of the negative clicks, and the previous mask. As in RITM, the maps
enter through their own convolution whose output is added to the RGB stem, so the backbone sees
one fused tensor. Backbone: MobileNetV2-style inverted residual blocks (expansion, depthwise 3×3,
linear projection) down to 1/16 with a dilated last stage; a small U-Net decoder brings the
features back to ½ resolution; the logit map is upsampled to the input size.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_bn(cin, cout, k=3, stride=1, groups=1, dilation=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, stride, dilation * (k // 2), dilation=dilation,
                        groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand, dilation=1):
        super().__init__()
        hidden = cin * expand
        self.use_res = stride == 1 and cin == cout
        layers = [conv_bn(cin, hidden, 1)] if expand != 1 else []
        layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden, dilation=dilation),
                   conv_bn(hidden, cout, 1, act=False)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res else self.conv(x)


#: (expansion, channels, blocks, stride, dilation) per stage, after the ½-resolution stem
STAGES = ((1, 16, 1, 1, 1), (4, 24, 2, 2, 1), (4, 32, 3, 2, 1), (4, 64, 3, 2, 1), (4, 96, 2, 1, 2))


class ClickNet(nn.Module):
    def __init__(self, width: float = 1.0, size: int = 320):
        super().__init__()
        self.config = {"architecture": "clicknet", "width": width, "size": size}
        c = lambda n: max(8, int(round(n * width / 8)) * 8)  # noqa: E731
        stem = c(24)
        self.rgb_stem = conv_bn(3, stem, 3, 2)
        self.maps_stem = nn.Sequential(nn.Conv2d(3, stem, 3, 2, 1), nn.LeakyReLU(0.2, inplace=True),
                                       nn.Conv2d(stem, stem, 3, 1, 1))
        stages, cin = [], stem
        for expand, channels, blocks, stride, dilation in STAGES:
            cout = c(channels)
            layers = []
            for i in range(blocks):
                layers.append(InvertedResidual(cin, cout, stride if i == 0 else 1, expand, dilation))
                cin = cout
            stages.append(nn.Sequential(*layers))
        self.stages = nn.ModuleList(stages)
        ch = [c(s[1]) for s in STAGES]  # ½, ¼, ⅛, 1/16, 1/16
        dec = c(48)
        self.lateral = nn.ModuleList([conv_bn(ch[4], dec, 1), conv_bn(ch[2], dec, 1),
                                      conv_bn(ch[1], dec, 1), conv_bn(ch[0], dec, 1)])
        self.refine = nn.ModuleList([conv_bn(dec, dec, 3, groups=1) for _ in range(3)])
        self.head = nn.Sequential(conv_bn(dec, dec, 3), nn.Conv2d(dec, 1, 1))

    def forward(self, image, maps):
        x = self.rgb_stem(image) + self.maps_stem(maps)
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        half, quarter, eighth, _, deep = feats
        y = self.lateral[0](deep)
        for lateral, refine, skip in zip(self.lateral[1:], self.refine, (eighth, quarter, half)):
            y = F.interpolate(y, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            y = refine(y + lateral(skip))
        logits = self.head(y)
        return F.interpolate(logits, size=image.shape[-2:], mode="bilinear", align_corners=False)


def click_maps(clicks, size: int, previous=None, radius: int = 5):
    """(3, size, size) float32 maps: positive disks, negative disks, previous mask (0/1).
    ``clicks`` are (x, y, positive) in the resized crop's pixels."""
    import cv2
    import numpy as np

    maps = np.zeros((3, size, size), np.float32)
    for x, y, positive in clicks:
        cv2.circle(maps[0 if positive else 1], (int(round(x)), int(round(y))), radius, 1.0, -1)
    if previous is not None:
        maps[2] = previous
    return maps


def soft_iou_bce_loss(logits, target, weight_bce: float = 1.0):
    """BCE plus (1 − soft IoU) per sample: boundary pixels and small objects both count."""
    prob = torch.sigmoid(logits)
    bce = F.binary_cross_entropy_with_logits(logits, target)
    inter = (prob * target).sum((1, 2, 3))
    union = (prob + target - prob * target).sum((1, 2, 3))
    return weight_bce * bce + (1 - (inter + 1) / (union + 1)).mean()
