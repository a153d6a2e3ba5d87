"""``resunet`` detector: the Res-UNet craquelure / paint-loss network with shipped weights.

Torch is imported when the engine is created, not when the registry lists it, so the window
starts without it."""

from __future__ import annotations

import numpy as np

from muralstudio.engines import registry
from muralstudio.engines.detection import DAMAGE_CLASSES, Detector
from muralstudio.engines.settings import Setting

DEFAULT_WEIGHTS = "detect-resunet-light"


@registry.register("detector", "resunet")
class ResUNetDetector(Detector):
    name = "resunet"
    version = "1"
    classes = DAMAGE_CLASSES
    weights_name = DEFAULT_WEIGHTS
    weights_architecture = "resunet"
    memory_mb = 175  # measured: RSS growth for creating it and one 640² window, CPU
    settings = (Setting("weights_path", "path", None, optional=True,
                        help="other weights of the same network (default: the shipped ones)",
                        label="Weights"),
                Setting("flips", "bool", False,
                        help="average the detection over the window and its three mirror images "
                             "(4× the time; on the real-damage validation crops it halved the "
                             "false alarms on dark paint)",
                        label="Average mirror images"))

    def __init__(self, device: str = "cpu", weights_path=None, flips: bool = False, **params):
        super().__init__(device, flips=bool(flips), **params)
        self.flips = bool(flips)
        from muralstudio.engines import weights
        from muralstudio.engines.nets.resunet import ResUNet

        net = weights.load_network(
            weights_path, self.weights_name, self.weights_architecture,
            lambda c: ResUNet(c.get("encoder", "light"), c.get("n_classes", len(DAMAGE_CLASSES)),
                              c.get("inputs", "rgb")),
            device, "Res-UNet detector", "detect")
        self.model, self.torch_device, self.config = net.model, net.device, net.config
        self.weights_path, self.weights_sha256 = str(net.path), net.sha256
        self.thresholds = {k: float(v) for k, v in net.extra.get("thresholds", {}).items()}

    def probabilities(self, tile: np.ndarray) -> np.ndarray:
        import torch

        from muralstudio.engines.nets.resunet import input_tensor

        with torch.inference_mode():
            x = input_tensor([np.ascontiguousarray(tile[..., :3])], self.model.inputs).to(self.torch_device)
            if self.torch_device.type == "cpu":
                x = x.contiguous(memory_format=torch.channels_last)
            if not self.flips:
                return torch.softmax(self.model(x), 1)[0].float().cpu().numpy()
            total = 0
            for dims in ((), (3,), (2,), (2, 3)):  # each mirror image, mapped back
                flipped = torch.flip(x, dims) if dims else x
                probs = torch.softmax(self.model(flipped), 1)
                total = total + (torch.flip(probs, dims) if dims else probs)
            return (total / 4)[0].float().cpu().numpy()


@registry.register("detector", "resunet-real")
class RealDamageResUNetDetector(ResUNetDetector):
    """The same network fine-tuned on our real-damage set (datasets/mural-damage): on real walls
    it flags a third as much original dark paint (1.3 % against 3.7 % of the confusable pixels)
    but still finds little real loss, and it flags more of the procedural demo murals' painted
    detail than ``resunet``: see models/detect-resunet-real.md."""

    name = "resunet-real"
    weights_name = "detect-resunet-real"
