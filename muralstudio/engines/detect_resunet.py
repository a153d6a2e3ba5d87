"""``resunet`` detector: the Res-UNet craquelure / paint-loss network with shipped weights."""

from __future__ import annotations

import numpy as np
import torch

from muralstudio.core.errors import WeightsError
from muralstudio.engines import registry, weights
from muralstudio.engines.detection import Detector
from muralstudio.engines.nets.resunet import CLASSES, ResUNet

DEFAULT_WEIGHTS = "detect-resunet-light"


def build_from_file(path) -> tuple[ResUNet, dict]:
    state, config = weights.load_weights(path)
    if config.get("architecture") != "resunet":
        raise WeightsError(path, f"not Res-UNet weights (architecture {config.get('architecture')!r})")
    model = ResUNet(config.get("encoder", "light"), config.get("n_classes", len(CLASSES)))
    return weights.load_into(model, state, path), config


@registry.register("detector", "resunet")
class ResUNetDetector(Detector):
    name = "resunet"
    version = "1"
    classes = CLASSES
    weights_name = DEFAULT_WEIGHTS
    memory_mb = 350  # peak for 512² windows on CPU, model included (bench detect)

    def __init__(self, device: str = "cpu", weights_path=None, **params):
        super().__init__(device, **params)
        path = weights_path or weights.find_weights(DEFAULT_WEIGHTS)
        if path is None:
            raise WeightsError(f"models/{DEFAULT_WEIGHTS}.safetensors",
                               "the Res-UNet detector's weights are not installed; train them "
                               "with 'muralstudio train detect' (see models/README.md)")
        self.torch_device = weights.pick_device(device)
        model, self.config = build_from_file(path)
        self.model = model.to(self.torch_device).eval()
        if self.torch_device.type == "cpu":
            self.model = self.model.to(memory_format=torch.channels_last)
        self.weights_path = str(path)
        self.weights_sha256 = weights.file_sha256(path)
        extra = weights.read_metadata(path).get("extra", {})
        self.thresholds = {k: float(v) for k, v in extra.get("thresholds", {}).items()}

    @torch.inference_mode()
    def probabilities(self, tile: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(tile)).to(self.torch_device)
        x = x.permute(2, 0, 1)[None].float().div_(255)
        if self.torch_device.type == "cpu":
            x = x.contiguous(memory_format=torch.channels_last)
        return torch.softmax(self.model(x), 1)[0].float().cpu().numpy()
