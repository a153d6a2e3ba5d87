"""Partial-convolution U-Net (Liu et al. 2018) in the layout of the common public PyTorch
implementation, so its checkpoints load with strict key matching.

Each ``PartialConv`` holds the learned ``input_conv`` and a constant all-ones ``mask_conv``
(stored in the state dict, as in that implementation). Output = (conv(x·m) − b) / sum(m) + b
over windows with any valid input, 0 elsewhere; the new mask is 1 where the window saw a valid
pixel. That implementation divides by sum(m) without the paper's sum(1) factor (the window's
size, cin·k²), so a fully valid window's output is shrunk by up to cin·k²; its weights were
trained that way and load with ``window_scaling=False``. Networks we train use the paper's
(and NVIDIA's reference) form, (conv(x·m) − b) · sum(1)/sum(m) + b, where a fully valid window
gives exactly the plain convolution. Mask convention: 1 = valid, 0 = hole.
Sides must be multiples of 2^layers (128 for the published 7 levels).
"""

from __future__ import annotations

from functools import partial

import torch
import torch.nn.functional as F
from torch import nn


class PartialConv(nn.Module):
    def __init__(self, cin, cout, kernel, stride=1, padding=0, bias=True, window_scaling=True):
        super().__init__()
        self.window_size = float(cin * kernel * kernel) if window_scaling else 1.0
        self.input_conv = nn.Conv2d(cin, cout, kernel, stride, padding, bias=bias)
        self.mask_conv = nn.Conv2d(cin, cout, kernel, stride, padding, bias=False)
        nn.init.constant_(self.mask_conv.weight, 1.0)
        self.mask_conv.weight.requires_grad_(False)
        nn.init.kaiming_normal_(self.input_conv.weight, a=0, mode="fan_in")

    def forward(self, x, mask):
        out = self.input_conv(x * mask)
        bias = self.input_conv.bias.view(1, -1, 1, 1) if self.input_conv.bias is not None else 0
        with torch.no_grad():
            valid = self.mask_conv(mask)
        holes = valid == 0
        out = (out - bias) * (self.window_size / valid.masked_fill(holes, 1.0)) + bias
        out = out.masked_fill(holes, 0.0)
        return out, (~holes).to(x.dtype)


class PCBActiv(nn.Module):
    """Partial conv → optional BatchNorm → optional activation."""

    KERNELS = {"down-7": (7, 2, 3), "down-5": (5, 2, 2), "down-3": (3, 2, 1), "same-3": (3, 1, 1)}

    def __init__(self, cin, cout, bn=True, sample="same-3", activ="relu", conv_bias=False,
                 window_scaling=True):
        super().__init__()
        k, s, p = self.KERNELS[sample]
        self.conv = PartialConv(cin, cout, k, s, p, bias=conv_bias, window_scaling=window_scaling)
        if bn:
            self.bn = nn.BatchNorm2d(cout)
        self.activation = {"relu": nn.ReLU(), "leaky": nn.LeakyReLU(0.2), None: None}[activ]

    def forward(self, x, mask):
        h, mask = self.conv(x, mask)
        if hasattr(self, "bn"):
            h = self.bn(h)
        if self.activation is not None:
            h = self.activation(h)
        return h, mask


class PConvUNet(nn.Module):
    """Input image N×3×H×W (ImageNet-normalised in the published recipe) and mask N×3×H×W
    (1 = valid); output the image (not composited) and the final mask. ``width`` 64 and
    ``layer_size`` 7 are the published network; smaller values give the shipping variant.
    ``window_scaling=False`` is the public implementation's renormalisation (its checkpoints,
    and our weights trained before 2026-12, whose config lacks the key)."""

    def __init__(self, layer_size: int = 7, input_channels: int = 3, width: int = 64,
                 upsampling_mode: str = "nearest", window_scaling: bool = True):
        super().__init__()
        if layer_size < 4:
            raise ValueError("layer_size must be at least 4")
        self.config = {"architecture": "pconv", "layer_size": layer_size,
                       "input_channels": input_channels, "width": width,
                       "window_scaling": bool(window_scaling)}
        block = partial(PCBActiv, window_scaling=window_scaling)
        self.layer_size = layer_size
        self.upsampling_mode = upsampling_mode
        w = width
        self.enc_1 = block(input_channels, w, bn=False, sample="down-7")
        self.enc_2 = block(w, w * 2, sample="down-5")
        self.enc_3 = block(w * 2, w * 4, sample="down-5")
        self.enc_4 = block(w * 4, w * 8, sample="down-3")
        for i in range(4, layer_size):
            setattr(self, f"enc_{i + 1}", block(w * 8, w * 8, sample="down-3"))
        for i in range(4, layer_size):
            setattr(self, f"dec_{i + 1}", block(w * 8 + w * 8, w * 8, activ="leaky"))
        self.dec_4 = block(w * 8 + w * 4, w * 4, activ="leaky")
        self.dec_3 = block(w * 4 + w * 2, w * 2, activ="leaky")
        self.dec_2 = block(w * 2 + w, w, activ="leaky")
        self.dec_1 = block(w + input_channels, input_channels, bn=False, activ=None, conv_bias=True)

    @property
    def multiple(self) -> int:
        return 2 ** self.layer_size

    def forward(self, image, mask):
        hs, ms = [image], [mask]
        h, m = image, mask
        for i in range(1, self.layer_size + 1):
            h, m = getattr(self, f"enc_{i}")(h, m)
            hs.append(h)
            ms.append(m)
        for i in range(self.layer_size, 0, -1):
            h = F.interpolate(h, scale_factor=2, mode=self.upsampling_mode)
            m = F.interpolate(m, scale_factor=2, mode="nearest")
            h = torch.cat([h, hs[i - 1]], 1)
            m = torch.cat([m, ms[i - 1]], 1)
            h, m = getattr(self, f"dec_{i}")(h, m)
        return h, m
