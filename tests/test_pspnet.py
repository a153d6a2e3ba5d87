"""PSP-M network layout: MobileNetV2 names and shapes, atrous strides, pyramid pooling head."""

from __future__ import annotations

import pytest
import torch

from muralstudio.engines.nets.pspnet import PSPM, remap_reference


def test_backbone_uses_the_common_mobilenetv2_names_and_shapes():
    state = PSPM().state_dict()
    shapes = {k: tuple(v.shape) for k, v in state.items()}
    assert shapes["backbone.features.0.0.weight"] == (32, 3, 3, 3)
    assert shapes["backbone.features.1.conv.0.0.weight"] == (32, 1, 3, 3)  # t = 1: depthwise first
    assert shapes["backbone.features.1.conv.1.weight"] == (16, 32, 1, 1)
    assert shapes["backbone.features.2.conv.0.0.weight"] == (96, 16, 1, 1)  # t = 6: expand
    assert shapes["backbone.features.2.conv.1.0.weight"] == (96, 1, 3, 3)
    assert shapes["backbone.features.17.conv.2.weight"] == (320, 960, 1, 1)
    assert "backbone.features.18.0.weight" not in shapes  # the 1280-channel conv is not used
    assert shapes["master_branch.0.stages.0.1.weight"] == (80, 320, 1, 1)
    assert shapes["master_branch.0.bottleneck.0.weight"] == (80, 640, 3, 3)
    assert shapes["master_branch.1.weight"] == (6, 80, 1, 1)
    assert shapes["auxiliary_branch.0.weight"] == (40, 96, 3, 3)


@pytest.mark.parametrize("stride,feature_side", [(16, 8), (8, 16)])
def test_atrous_output_stride(stride, feature_side):
    model = PSPM(output_stride=stride).eval()
    with torch.inference_mode():
        aux, deep = model.backbone(torch.rand(1, 3, 128, 128))
        out = model(torch.rand(1, 3, 128, 128))
    assert deep.shape == (1, 320, feature_side, feature_side) and aux.shape[1] == 96
    assert out.shape == (1, 6, 128, 128)


def test_training_mode_returns_the_auxiliary_logits_and_pooling_is_selectable():
    model = PSPM(pooling="avg").train()
    out, aux = model(torch.rand(2, 3, 64, 64))
    assert out.shape == aux.shape == (2, 6, 64, 64)
    assert isinstance(model.master_branch[0].stages[0][0], torch.nn.AdaptiveAvgPool2d)
    assert isinstance(PSPM().master_branch[0].stages[0][0], torch.nn.AdaptiveMaxPool2d)
    with pytest.raises(ValueError):
        PSPM(pooling="median")


def test_reference_checkpoint_names_remap_to_ours():
    ours = PSPM().state_dict()
    reference = {}
    for key, value in ours.items():  # build the reference layout from the spec's table
        parts = key.split(".")
        if key.startswith("backbone.features.") and parts[3] == "conv":
            block = int(parts[2])
            table = ({"0.0": "0", "0.1": "1", "1": "3", "2": "4"} if block == 1 else
                     {"0.0": "0", "0.1": "1", "1.0": "3", "1.1": "4", "2": "6", "3": "7"})
            sub = ".".join(parts[4:6]) if ".".join(parts[4:6]) in table else parts[4]
            rest = key.split(f"conv.{sub}.", 1)[1]
            key = f"backbone.features.{block}.conv.{table[sub]}.{rest}"
        reference[key] = value
    assert set(remap_reference(reference)) == set(ours)
    PSPM().load_state_dict(remap_reference(reference), strict=True)
