"""EdgeConnect (Nazeri et al. 2019): edge generator G1, then inpainting generator G2 guided by
the completed edges, and the PatchGAN discriminator used to train them.

Written from the published architecture so the official checkpoints load with strict key
matching: G1 uses the legacy spectral norm (``weight_orig``, ``weight_u``, ``weight_v``) on every
convolution but the last; its residual convolutions have no bias. G2 has no spectral norm. Both
downsample twice (k4 s2) and upsample twice without skips, so sides must be multiples of 4.
Instance norms carry no parameters, so they add no keys.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import spectral_norm


def _sn(module: nn.Module, use: bool) -> nn.Module:
    return spectral_norm(module) if use else module


class ResnetBlock(nn.Module):
    """``x + conv_block(x)`` with a dilated first convolution (no activation after the sum)."""

    def __init__(self, dim: int = 256, dilation: int = 2, use_spectral_norm: bool = False):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(dilation),
            _sn(nn.Conv2d(dim, dim, 3, padding=0, dilation=dilation, bias=not use_spectral_norm), use_spectral_norm),
            nn.InstanceNorm2d(dim, track_running_stats=False),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            _sn(nn.Conv2d(dim, dim, 3, padding=0, dilation=1, bias=not use_spectral_norm), use_spectral_norm),
            nn.InstanceNorm2d(dim, track_running_stats=False),
        )

    def forward(self, x):
        return x + self.conv_block(x)


class _Generator(nn.Module):
    """The shared topology: 7×7 conv, two stride-2 convs, residual blocks, two transposed
    convs, 7×7 conv. ``width`` 64 is the published network; smaller widths are for shipping."""

    def __init__(self, in_channels: int, out_channels: int, use_spectral_norm: bool,
                 residual_blocks: int = 8, width: int = 64):
        super().__init__()
        sn = use_spectral_norm
        w1, w2, w4 = width, width * 2, width * 4
        self.encoder = nn.Sequential(
            nn.ReflectionPad2d(3),
            _sn(nn.Conv2d(in_channels, w1, 7, padding=0), sn),
            nn.InstanceNorm2d(w1, track_running_stats=False), nn.ReLU(True),
            _sn(nn.Conv2d(w1, w2, 4, stride=2, padding=1), sn),
            nn.InstanceNorm2d(w2, track_running_stats=False), nn.ReLU(True),
            _sn(nn.Conv2d(w2, w4, 4, stride=2, padding=1), sn),
            nn.InstanceNorm2d(w4, track_running_stats=False), nn.ReLU(True),
        )
        self.middle = nn.Sequential(*[ResnetBlock(w4, 2, sn) for _ in range(residual_blocks)])
        self.decoder = nn.Sequential(
            _sn(nn.ConvTranspose2d(w4, w2, 4, stride=2, padding=1), sn),
            nn.InstanceNorm2d(w2, track_running_stats=False), nn.ReLU(True),
            _sn(nn.ConvTranspose2d(w2, w1, 4, stride=2, padding=1), sn),
            nn.InstanceNorm2d(w1, track_running_stats=False), nn.ReLU(True),
            nn.ReflectionPad2d(3),
            nn.Conv2d(w1, out_channels, 7, padding=0),
        )

    def features(self, x):
        return self.decoder(self.middle(self.encoder(x)))


class EdgeGenerator(_Generator):
    """G1. Input [masked grey, masked edges, mask] (N×3×H×W, 0–1, mask 1 = hole); output the
    edge probability (sigmoid)."""

    def __init__(self, residual_blocks: int = 8, width: int = 64, use_spectral_norm: bool = True):
        super().__init__(3, 1, use_spectral_norm, residual_blocks, width)
        self.config = {"architecture": "edgeconnect-edge", "residual_blocks": residual_blocks,
                       "width": width, "spectral_norm": use_spectral_norm}

    def forward(self, x):
        return torch.sigmoid(self.features(x))


#: how G2's input hole is filled: "white" as published, or "telea" (our shipped variant)
PREFILLS = ("white", "telea")


class InpaintGenerator(_Generator):
    """G2. Input [hole-filled RGB, edge map] (N×4×H×W, 0–1); output RGB in 0–1.

    ``prefill="white"`` is the published network: holes arrive white and the output is
    (tanh + 1) / 2. ``prefill="telea"``: holes arrive filled by Telea's method and the network
    predicts a correction added to that fill (its last convolution starts at zero, so an
    untrained network returns the fill); a small network trained on a CPU learns a correction
    far sooner than a whole image. Same layers and keys either way."""

    def __init__(self, residual_blocks: int = 8, width: int = 64, prefill: str = "white"):
        super().__init__(4, 3, False, residual_blocks, width)
        if prefill not in PREFILLS:
            raise ValueError(f"prefill must be one of {', '.join(PREFILLS)}, not {prefill!r}")
        self.prefill = prefill
        self.config = {"architecture": "edgeconnect-inpaint", "residual_blocks": residual_blocks,
                       "width": width, "prefill": prefill}
        if prefill == "telea":
            nn.init.zeros_(self.decoder[-1].weight)
            nn.init.zeros_(self.decoder[-1].bias)

    def forward(self, x):
        if self.prefill == "telea":
            return x[:, :3] + torch.tanh(self.features(x))
        return (torch.tanh(self.features(x)) + 1) / 2


class Discriminator(nn.Module):
    """70×70 PatchGAN with spectral norm; returns (patch scores, the five feature maps). The
    first block is reachable as ``conv1`` and ``features`` (the same module), as in the
    official code, so its state dict holds it under both names."""

    def __init__(self, in_channels: int, use_sigmoid: bool = True, width: int = 64):
        super().__init__()
        self.use_sigmoid = use_sigmoid
        w = width

        def block(cin, cout, stride, act=True):
            layers = [spectral_norm(nn.Conv2d(cin, cout, 4, stride=stride, padding=1, bias=False))]
            return nn.Sequential(*layers, nn.LeakyReLU(0.2, inplace=True)) if act else nn.Sequential(*layers)

        self.conv1 = self.features = block(in_channels, w, 2)
        self.conv2 = block(w, w * 2, 2)
        self.conv3 = block(w * 2, w * 4, 2)
        self.conv4 = block(w * 4, w * 8, 1)
        self.conv5 = block(w * 8, 1, 1, act=False)

    def forward(self, x):
        c1 = self.conv1(x)
        c2 = self.conv2(c1)
        c3 = self.conv3(c2)
        c4 = self.conv4(c3)
        c5 = self.conv5(c4)
        out = torch.sigmoid(c5) if self.use_sigmoid else c5
        return out, [c1, c2, c3, c4, c5]
