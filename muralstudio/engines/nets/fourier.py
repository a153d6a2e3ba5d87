"""A small U-Net that corrects a Telea fill, with Fast Fourier Convolutions in its bottleneck.

Facts used (Chi et al. 2020, "Fast Fourier Convolution"; Suvorov et al. 2022, LaMa): an FFC
layer splits its channels into a local part (ordinary 3×3 convolutions) and a global part
whose own path runs through a *spectral transform* — a real 2-D FFT, a 1×1 convolution over
the stacked real and imaginary parts, an inverse FFT — so every output pixel sees the whole
image after one layer. Both parts exchange information through 3×3 convolutions.

Our design (not LaMa's): the network's input is the Telea fill of the hole, the hole mask and
an optional guide-line channel (lines an artist drew inside the hole; 0 elsewhere); its output
is the Telea fill plus a learned correction whose last layer starts at zero, so the untrained
network returns exactly the Telea fill. No normalisation layers: crops of any size and batch
sizes of 1 behave as in training.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class FourierUnit(nn.Module):
    """Global mixing: 1×1 convolution on the 2-D spectrum (real and imaginary parts stacked)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(2 * channels, 2 * channels, 1)

    def forward(self, x):
        h, w = x.shape[-2:]
        spectrum = torch.fft.rfft2(x.float(), norm="ortho")
        stacked = torch.cat([spectrum.real, spectrum.imag], dim=1)
        stacked = F.relu(self.conv(stacked))
        real, imag = stacked.chunk(2, dim=1)
        return torch.fft.irfft2(torch.complex(real, imag), s=(h, w), norm="ortho").to(x.dtype)


class SpectralTransform(nn.Module):
    """The global path of an FFC: reduce the channels, add the Fourier unit's global view,
    expand back."""

    def __init__(self, channels: int):
        super().__init__()
        half = max(1, channels // 2)
        self.reduce = nn.Conv2d(channels, half, 1)
        self.fourier = FourierUnit(half)
        self.expand = nn.Conv2d(half, channels, 1)

    def forward(self, x):
        x = F.relu(self.reduce(x))
        return self.expand(x + self.fourier(x))


class FFC(nn.Module):
    """One fast Fourier convolution over (local, global) channel groups."""

    def __init__(self, local_channels: int, global_channels: int):
        super().__init__()
        cl, cg = local_channels, global_channels
        self.local_to_local = nn.Conv2d(cl, cl, 3, padding=1)
        self.global_to_local = nn.Conv2d(cg, cl, 3, padding=1, bias=False)
        self.local_to_global = nn.Conv2d(cl, cg, 3, padding=1, bias=False)
        self.global_to_global = SpectralTransform(cg)

    def forward(self, local, global_):
        out_local = self.local_to_local(local) + self.global_to_local(global_)
        out_global = self.local_to_global(local) + self.global_to_global(global_)
        return F.relu(out_local), F.relu(out_global)


class FFCBlock(nn.Module):
    """Two FFC layers with a residual connection on both groups."""

    def __init__(self, channels: int, global_ratio: float = 0.5):
        super().__init__()
        self.global_channels = int(round(channels * global_ratio))
        self.local_channels = channels - self.global_channels
        self.first = FFC(self.local_channels, self.global_channels)
        self.second = FFC(self.local_channels, self.global_channels)

    def forward(self, x):
        local, global_ = x.split([self.local_channels, self.global_channels], dim=1)
        l, g = self.second(*self.first(local, global_))
        return x + torch.cat([l, g], dim=1)


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1)


class FourierUNet(nn.Module):
    """Input N×5×H×W: Telea-filled RGB (0–1), hole mask (1 = hole), guide lines (0/1);
    output N×3×H×W RGB = the Telea fill + correction (not composited). H and W multiples of 4."""

    INPUT_CHANNELS = 5

    def __init__(self, width: int = 32, blocks: int = 3, global_ratio: float = 0.5):
        super().__init__()
        if width < 4 or blocks < 0:
            raise ValueError(f"width must be at least 4 and blocks at least 0, not {width}, {blocks}")
        self.config = {"architecture": "fourier-unet", "width": width, "blocks": blocks,
                       "global_ratio": global_ratio}
        # few channels at full resolution (most of the cost per pixel), most in the bottleneck
        w0, w1, w2 = max(4, width // 2), 2 * width, 4 * width
        self.enc0 = _conv(self.INPUT_CHANNELS, w0)
        self.enc1 = nn.ModuleList([_conv(w0, w1, 2), _conv(w1, w1)])
        self.enc2 = _conv(w1, w2, 2)
        self.bottleneck = nn.Sequential(*[FFCBlock(w2, global_ratio) for _ in range(blocks)])
        self.dec1 = nn.ModuleList([_conv(w2 + w1, w1), _conv(w1, w1)])
        self.dec0 = _conv(w1 + w0, w0)
        self.head = nn.Conv2d(w0, 3, 3, padding=1)
        nn.init.zeros_(self.head.weight)  # untrained: output = the Telea fill exactly
        nn.init.zeros_(self.head.bias)

    multiple = 4

    @staticmethod
    def _pair(convs, x):
        return F.leaky_relu(convs[1](F.leaky_relu(convs[0](x), 0.2)), 0.2)

    def forward(self, x):
        fill = x[:, :3]
        net_in = torch.cat([x[:, :3] - 0.5, x[:, 3:]], dim=1)
        e0 = F.leaky_relu(self.enc0(net_in), 0.2)
        e1 = self._pair(self.enc1, e0)
        h = self.bottleneck(F.leaky_relu(self.enc2(e1), 0.2))
        h = F.interpolate(h, size=e1.shape[-2:], mode="bilinear", align_corners=False)
        h = self._pair(self.dec1, torch.cat([h, e1], dim=1))
        h = F.interpolate(h, size=e0.shape[-2:], mode="bilinear", align_corners=False)
        h = F.leaky_relu(self.dec0(torch.cat([h, e0], dim=1)), 0.2)
        return fill + self.head(h)
