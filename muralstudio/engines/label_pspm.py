"""``pspm`` labeler: PSP-M (PSPNet pyramid pooling on MobileNetV2) with shipped weights.

The weights carry their classes (names, colours) and the working scale they were trained at.
Element embeddings are the backbone's deepest features averaged over the element's region.
Torch is imported when the engine is created, not when the registry lists it."""

from __future__ import annotations

import cv2
import numpy as np

from muralstudio.engines import registry
from muralstudio.engines.labeling import Labeler

DEFAULT_WEIGHTS = "label-pspm"


def build_pspm(config: dict):
    from muralstudio.engines.nets.pspnet import PSPM

    return PSPM(config.get("n_classes", 6), config.get("output_stride", 16),
                config.get("pooling", "max"), config.get("aux", True), config.get("width", 1.0))


def prior_correction(class_weights, n: int) -> np.ndarray:
    """−log(class weight) per class, added to the logits. Cross-entropy with class weights
    learns posteriors multiplied by the weights; dividing them back out gives the plain
    posterior, so rare classes are not over-predicted at inference."""
    if not class_weights:
        return np.zeros(n, np.float32)
    return -np.log(np.asarray(class_weights, np.float32))


@registry.register("labeler", "pspm")
class PSPMLabeler(Labeler):
    name = "pspm"
    version = "1"
    weights_name, weights_architecture = DEFAULT_WEIGHTS, "pspm"
    memory_mb = 60  # measured: RSS growth for creating it and one 512² window, CPU

    def __init__(self, device: str = "cpu", weights_path=None, network=None, **params):
        """Loads the shipped (or given) weights; ``network`` = (model, extra) uses a network in
        memory instead (validation during training), ``extra`` as stored in weights files."""
        if network is None:
            from muralstudio.engines import weights

            net = weights.load_network(weights_path, DEFAULT_WEIGHTS, self.weights_architecture, build_pspm, device,
                                       "PSP-M labeler", "label")
            model, extra = net.model, net.extra
            self.weights_path, self.weights_sha256 = str(net.path), net.sha256
        else:
            model, extra = network
        self.model, self.config = model, model.config
        self.torch_device = next(model.parameters()).device
        if extra.get("classes"):
            self.classes = [(str(n), tuple(int(v) for v in c)) for n, c in extra["classes"]]
        self.scale = float(extra.get("scale", self.scale))
        self.prior_correction = prior_correction(extra.get("class_weights"), len(self.classes))
        super().__init__(str(device), **params)

    def _input(self, tile: np.ndarray):
        import torch

        x = torch.from_numpy(np.ascontiguousarray(tile[..., :3])).to(self.torch_device)
        x = x.permute(2, 0, 1)[None].float().div_(255)
        if self.torch_device.type == "cpu":
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def logits(self, tile: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            logits = self.model(self._input(tile))[0].float().cpu().numpy()
        return logits + self.prior_correction[:, None, None]

    def embed(self, crop: np.ndarray, region: np.ndarray) -> np.ndarray:
        import torch

        h, w = crop.shape[:2]
        side = 256 / max(h, w)  # elements of any size are described at one size
        size = (max(16, round(w * side / 16) * 16), max(16, round(h * side / 16) * 16))
        crop = cv2.resize(crop[..., :3], size, interpolation=cv2.INTER_AREA)
        with torch.inference_mode():
            features = self.model.features(self._input(crop))[0].float().cpu().numpy()
        fh, fw = features.shape[1:]
        weight = cv2.resize(region.astype(np.float32), (fw, fh), interpolation=cv2.INTER_AREA)
        if weight.sum() < 1e-6:
            weight = np.ones_like(weight)
        vector = (features * weight).sum((1, 2)) / weight.sum()
        return vector / max(float(np.linalg.norm(vector)), 1e-12)
