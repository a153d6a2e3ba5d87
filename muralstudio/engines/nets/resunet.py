"""Res-UNet for craquelure and paint-loss segmentation (ResNet encoder + U-Net decoder).

The ``resnet50`` encoder follows the Palace Museum study: 7×7 stem and four bottleneck stages
[3, 4, 6, 3] (five downsamplings); module names match the common PyTorch U-Net checkpoint
layout (``resnet.layer1.0.conv1.weight``, ``up_concat4.conv1.weight``, ``final.weight``) so such
state dicts load strictly. The ``light`` encoder uses basic blocks and narrow stages for fast CPU
inference, and feeds the input image to the full-resolution convolutions too, because
craquelure is often one or two pixels wide.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from muralstudio.engines.detection import DAMAGE_CLASSES as CLASSES  # noqa: E402


def _conv_bn(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin: int, width: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, width * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(width * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin: int, width: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


#: encoder name → (block, blocks per stage, stem width, stage widths, decoder widths, input skip)
ENCODERS = {
    "resnet50": (Bottleneck, (3, 4, 6, 3), 64, (64, 128, 256, 512), (512, 256, 128, 64), False),
    "resnet18": (BasicBlock, (2, 2, 2, 2), 64, (64, 128, 256, 512), (256, 128, 64, 32), False),
    "light": (BasicBlock, (1, 1, 2, 1), 24, (24, 32, 64, 128), (64, 48, 32, 16), True),
}


class ResNetEncoder(nn.Module):
    """ResNet trunk returning the stem map (½) and the four stage maps (¼ … 1/32)."""

    def __init__(self, block, layers, stem: int, widths, in_channels: int = 3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, stem, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        # padding 0 + ceil_mode, as in the reference U-Net code (same size, shifted windows)
        self.maxpool = nn.MaxPool2d(3, 2, 0, ceil_mode=True)
        cin = stem
        for index, (count, width) in enumerate(zip(layers, widths)):
            stride = 1 if index == 0 else 2
            cout = width * block.expansion
            downsample = _conv_bn(cin, cout, stride) if stride != 1 or cin != cout else None
            blocks = [block(cin, width, stride, downsample)]
            blocks += [block(cout, width) for _ in range(count - 1)]
            setattr(self, f"layer{index + 1}", nn.Sequential(*blocks))
            cin = cout
        self.channels = [stem] + [w * block.expansion for w in widths]

    def forward(self, x):
        feat1 = self.relu(self.bn1(self.conv1(x)))
        feat2 = self.layer1(self.maxpool(feat1))
        feat3 = self.layer2(feat2)
        feat4 = self.layer3(feat3)
        feat5 = self.layer4(feat4)
        return [feat1, feat2, feat3, feat4, feat5]


def conv_of_concat(conv: nn.Conv2d, parts) -> torch.Tensor:
    """``conv(torch.cat(parts, 1))`` without building the concatenation: the weights are split by
    input channels and the partial convolutions summed (same result, same parameters; on CPU
    the channel concatenation of large maps costs about a third of the decoder's time)."""
    out, start = None, 0
    for index, part in enumerate(parts):
        channels = part.shape[1]
        weight = conv.weight[:, start:start + channels]
        term = F.conv2d(part, weight, conv.bias if index == 0 else None, conv.stride, conv.padding,
                        conv.dilation)
        out = term if out is None else out + term
        start += channels
    return out


def _up2(x):
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)


class UpBlock(nn.Module):
    """cat(skip, upsample×2(deep)) → conv3×3 → ReLU → conv3×3 → ReLU (no batch norm)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, skip, deep):
        deep = _up2(deep)
        if deep.shape[-2:] != skip.shape[-2:]:
            deep = F.interpolate(deep, size=skip.shape[-2:], mode="bilinear", align_corners=True)
        return self.relu(self.conv2(self.relu(conv_of_concat(self.conv1, [skip, deep]))))


#: named network inputs → channel count. "rgb+specks" adds the white and black top-hats of the
#: lightness (pale flecks of loss, thin dark cracks): trained on a hundred real crops, the network
#: did not learn to see one-pixel contrasts against dark paint from RGB alone.
INPUTS = {"rgb": 3, "rgb+specks": 5}
SPECK_SCALE = 64.0  # top-hat values (0–255 lightness) divided by this: a fleck of 80 → 1.25


def input_planes(image: np.ndarray, inputs: str = "rgb") -> np.ndarray:
    """uint8 RGB (H, W, 3) → float32 (H, W, C): the network's input planes."""
    if inputs not in INPUTS:
        raise ValueError(f"unknown network inputs {inputs!r}; choose one of {', '.join(INPUTS)}")
    rgb = np.asarray(image[..., :3], np.float32) / 255
    if inputs == "rgb":
        return rgb
    from muralstudio.core.maskops import dark_line_depth, pale_speck_rise

    pale = np.clip(pale_speck_rise(image, 4) / SPECK_SCALE, 0, 4)
    dark = np.clip(dark_line_depth(image, 3) / SPECK_SCALE, 0, 4)
    return np.concatenate([rgb, pale[..., None], dark[..., None]], axis=2)


def input_tensor(images, inputs: str = "rgb") -> torch.Tensor:
    """uint8 RGB (H, W, 3) images → float N×C×H×W network input."""
    if inputs == "rgb":  # the common case without a float copy per image
        return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float().div_(255)
    return torch.from_numpy(np.stack([input_planes(i, inputs) for i in images])).permute(0, 3, 1, 2).contiguous()


class ResUNet(nn.Module):
    """Input: N×C×H×W planes of :func:`input_planes` (RGB in 0–1 for ``inputs="rgb"``), H and W
    multiples of 32. Output: class logits N×classes×H×W."""

    def __init__(self, encoder: str = "light", n_classes: int = len(CLASSES), inputs: str = "rgb"):
        super().__init__()
        if encoder not in ENCODERS:
            raise ValueError(f"unknown encoder {encoder!r}; choose one of {', '.join(ENCODERS)}")
        if inputs not in INPUTS:
            raise ValueError(f"unknown network inputs {inputs!r}; choose one of {', '.join(INPUTS)}")
        block, layers, stem, widths, dec, self.input_skip = ENCODERS[encoder]
        self.inputs = inputs
        self.config = {"architecture": "resunet", "encoder": encoder, "n_classes": n_classes}
        if inputs != "rgb":  # older weights have no key: RGB
            self.config["inputs"] = inputs
        self.resnet = ResNetEncoder(block, layers, stem, widths, INPUTS[inputs])
        ch = self.resnet.channels
        self.up_concat4 = UpBlock(ch[3] + ch[4], dec[0])
        self.up_concat3 = UpBlock(ch[2] + dec[0], dec[1])
        self.up_concat2 = UpBlock(ch[1] + dec[1], dec[2])
        self.up_concat1 = UpBlock(ch[0] + dec[2], dec[3])
        top = dec[3] + (INPUTS[inputs] if self.input_skip else 0)
        self.up_conv = nn.Sequential(nn.Identity(), nn.Conv2d(top, dec[3], 3, padding=1),
                                     nn.ReLU(inplace=True), nn.Conv2d(dec[3], dec[3], 3, padding=1),
                                     nn.ReLU(inplace=True))
        self.final = nn.Conv2d(dec[3], n_classes, 1)

    def encoder_parameters(self):
        return self.resnet.parameters()

    def forward(self, x):
        feat1, feat2, feat3, feat4, feat5 = self.resnet(x)
        up = self.up_concat4(feat4, feat5)
        up = self.up_concat3(feat3, up)
        up = self.up_concat2(feat2, up)
        up = self.up_concat1(feat1, up)
        up = F.interpolate(up, size=x.shape[-2:], mode="bilinear", align_corners=True)
        first = self.up_conv[1]
        up = conv_of_concat(first, [up, x]) if self.input_skip else first(up)
        return self.final(self.up_conv[2:](up))


# ---------------------------------------------------------------------------------------------
# Losses (the paper's Mixed Loss 1 = Dice + λ·Focal, and the mixes of its ablation)


def focal_loss(logits, target, alpha: float = 0.5, gamma: float = 2.0, weight=None,
               ignore_index: int = 255):
    """mean(−α (1 − p_t)^γ log p_t) over labelled pixels."""
    ce = F.cross_entropy(logits, target, weight=weight, ignore_index=ignore_index, reduction="none")
    valid = target != ignore_index
    pt = torch.exp(-ce)
    loss = alpha * (1 - pt) ** gamma * ce
    return loss[valid].mean() if valid.any() else loss.sum() * 0


def dice_loss(logits, target, beta: float = 1.0, smooth: float = 1e-5, ignore_index: int = 255):
    """1 − mean over classes of the soft F-β score, summed over batch and pixels."""
    n_classes = logits.shape[1]
    valid = (target != ignore_index).unsqueeze(1).float()
    probs = torch.softmax(logits, 1) * valid
    onehot = F.one_hot(target.clamp(0, n_classes - 1), n_classes).permute(0, 3, 1, 2).float() * valid
    dims = (0, 2, 3)
    tp = (probs * onehot).sum(dims)
    fp = (probs * (1 - onehot)).sum(dims)
    fn = ((1 - probs) * onehot).sum(dims)
    b2 = beta * beta
    score = ((1 + b2) * tp + smooth) / ((1 + b2) * tp + b2 * fn + fp + smooth)
    return 1 - score.mean()


LOSSES = ("dice+focal", "ce", "dice", "focal", "dice+focal+ce", "dice+ce")


def segmentation_loss(logits, target, kind: str = "dice+focal", focal_weight: float = 1.0,
                      class_weight=None):
    """The named mix; ``focal_weight`` is the paper's λ."""
    if kind not in LOSSES:
        raise ValueError(f"unknown loss {kind!r}; choose one of {', '.join(LOSSES)}")
    total = logits.new_zeros(())
    parts = kind.split("+")
    if "dice" in parts:
        total = total + dice_loss(logits, target)
    if "focal" in parts:
        total = total + focal_weight * focal_loss(logits, target, weight=class_weight)
    if "ce" in parts:
        total = total + F.cross_entropy(logits, target, weight=class_weight, ignore_index=255)
    return total
