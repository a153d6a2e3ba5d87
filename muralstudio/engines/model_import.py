"""``muralstudio models import``: official third-party checkpoints → our safetensors format.

The checkpoint is read with ``weights_only=True`` (a pickle that carries code is refused),
unwrapped from its container (``{"generator": …}``, ``{"model": …}``) and ``module.`` prefixes,
checked key by key and shape by shape against our network (every difference explained), and
written as safetensors with the network's config and where it came from.
"""

from __future__ import annotations

from pathlib import Path

import torch

from muralstudio.core.errors import WeightsError
from muralstudio.core.pyramid import file_sha256
from muralstudio.engines.weights import check_state_dict, read_checkpoint, save_weights


def _edge():
    from muralstudio.engines.nets.edgeconnect import EdgeGenerator

    return EdgeGenerator()


def _inpaint():
    from muralstudio.engines.nets.edgeconnect import InpaintGenerator

    return InpaintGenerator()


def _pconv():
    from muralstudio.engines.nets.pconv import PConvUNet

    return PConvUNet(window_scaling=False)  # the public checkpoints' renormalisation


#: kind → (network factory, what the official file is called)
KINDS = {
    "edgeconnect-edge": (_edge, "EdgeConnect EdgeModel_gen.pth"),
    "edgeconnect-inpaint": (_inpaint, "EdgeConnect InpaintingModel_gen.pth"),
    "pconv": (_pconv, "PConv U-Net checkpoint (e.g. 1000000.pth)"),
}


def import_checkpoint(path, kind: str, out) -> Path:
    """Convert ``path`` (an official checkpoint of ``kind``) into ``out`` (.safetensors)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    build, what = KINDS[kind]
    state = read_checkpoint(path)
    model = build()
    try:
        check_state_dict(model, state, path)
    except WeightsError as exc:
        raise WeightsError(path, f"does not look like a {what}: {exc.reason}") from None
    if kind == "pconv":  # the mask convolutions must be the constant ones the layer relies on
        bad = [k for k, v in state.items() if k.endswith("mask_conv.weight") and not torch.all(v == 1)]
        if bad:
            raise WeightsError(path, f"mask_conv weights are not all ones ({', '.join(bad[:3])}"
                                     f"{' …' if len(bad) > 3 else ''}); not a partial-convolution U-Net")
    model.load_state_dict(state, strict=True)
    out = Path(out)
    if out.suffix != ".safetensors":
        out = out.with_suffix(".safetensors")
    return save_weights(model, out, model.config,
                        {"imported_from": Path(path).name, "source_sha256": file_sha256(path), "kind": kind})
