"""``edgeconnect`` and ``pconv`` inpainters: the two networks the Dunhuang team deployed, run by
the inpainting harness on crops at native resolution.

Their weights are ``models/edgeconnect-edge`` + ``models/edgeconnect-inpaint`` and
``models/pconv`` (safetensors): imported from the official checkpoints with
``muralstudio models import`` or trained by ``muralstudio train inpaint`` (small variants of
both ship). Torch is imported when an engine is created, not when the registry lists it.
"""

from __future__ import annotations

import numpy as np

from muralstudio.engines.inpainting import Inpainter, InpainterCapabilities
from muralstudio.engines.registry import register
from muralstudio.engines.settings import Setting

#: ImageNet statistics: the published PConv weights expect inputs normalised with them
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def _load(name: str, architecture: str, build, device: str, what: str):
    from muralstudio.engines import weights

    return weights.load_network(None, name, architecture, build, device, what, "inpaint", importable=True)


def _tensor(array: np.ndarray, device):
    import torch

    array = array[..., None] if array.ndim == 2 else array
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))[None].float().to(device)


def prefill(rgb: np.ndarray, hole: np.ndarray, how: str) -> np.ndarray:
    """G2's input image (float 0–1): the hole white (the published network) or filled as the
    ``telea`` engine fills it."""
    from muralstudio.engines.inpaint_opencv import diffuse_fill

    m = hole.astype(np.float32)[..., None]
    if how == "white":
        return rgb * (1 - m) + m
    return rgb * (1 - m) + diffuse_fill(rgb, hole) * m


def canny_edges(grey: np.ndarray, hole: np.ndarray, sigma: float = 2.0) -> np.ndarray:
    """Canny edges (σ = 2, scikit-image's default thresholds) of the intact part only, as
    EdgeConnect computes them; float 0/1."""
    from skimage.feature import canny

    return canny(grey, sigma=sigma, mask=~hole).astype(np.float32)


def rgb_to_grey(rgb: np.ndarray) -> np.ndarray:
    """Luma with scikit-image's ``rgb2gray`` weights (what EdgeConnect was trained with)."""
    return (rgb[..., :3] @ np.array([0.2125, 0.7154, 0.0721], np.float32)).astype(np.float32)


@register("inpainter", "edgeconnect")
class EdgeConnectInpainter(Inpainter):
    """EdgeConnect: G1 completes the edge map of the hole from the grey image and the intact
    Canny edges, then G2 fills the colours guided by those edges."""

    name = "edgeconnect"
    version = "1"
    weights_name, weights_architecture = "edgeconnect-inpaint", "edgeconnect-inpaint"
    companion_weights, companion_architectures = ("edgeconnect-edge",), ("edgeconnect-edge",)
    # measured peak growth for one 512² crop on CPU: 163 MiB with the shipped weights (G2 width 32,
    # 4 blocks), 540 MiB with the published networks (width 64, 8 blocks; 6.2 s on 2 cores)
    capabilities = InpainterCapabilities(size_multiple=4, comfortable_size=512, max_side=1024,
                                         devices=("cpu", "cuda"), bytes_per_pixel=650, hints=("guide",))
    settings = (Setting("sigma", "float", 2.0, 0.5, 6.0, help="Canny σ of the edges outside the hole",
                        label="Edge σ"),
                Setting("composite_edges", "bool", True, help="keep the true edges outside the hole",
                        label="Keep outside edges"))

    def __init__(self, device: str = "cpu", sigma: float = 2.0, composite_edges: bool = True,
                 networks=None):
        """Loads the installed weights; ``networks`` = (G1, G2) uses networks in memory
        (training validates through exactly this code)."""
        super().__init__(device, sigma=float(sigma), composite_edges=bool(composite_edges))
        from muralstudio.engines.nets.edgeconnect import EdgeGenerator, InpaintGenerator

        if networks is not None:
            self.edge_model, self.inpaint_model = networks
            self.torch_device = next(next(m for m in networks if m is not None).parameters()).device
            return
        g1 = _load(self.companion_weights[0], self.companion_architectures[0],
                   lambda c: EdgeGenerator(c.get("residual_blocks", 8), c.get("width", 64),
                                           c.get("spectral_norm", True)), device, "EdgeConnect edge model")
        g2 = _load(self.weights_name, self.weights_architecture,
                   lambda c: InpaintGenerator(c.get("residual_blocks", 8), c.get("width", 64),
                                              c.get("prefill", "white")),
                   device, "EdgeConnect inpainting model")
        self.edge_model, self.inpaint_model, self.torch_device = g1.model, g2.model, g2.device
        self.weights_sha256 = f"{g1.sha256}+{g2.sha256}"

    def edges(self, rgb: np.ndarray, hole: np.ndarray, guide: np.ndarray | None = None) -> np.ndarray:
        """The completed edge map (float 0–1) of the crop; lines the artist drew (``guide``)
        join G1's edges inside the hole."""
        import torch

        m = hole.astype(np.float32)
        grey = rgb_to_grey(rgb)
        known = canny_edges(grey, hole, self.params["sigma"])
        x = np.stack([grey * (1 - m) + m, known * (1 - m), m], axis=2)
        with torch.inference_mode():
            predicted = self.edge_model(_tensor(x, self.torch_device))[0, 0].float().cpu().numpy()
        if guide is not None:
            predicted = np.maximum(predicted, (guide > 0) * m)
        # the training distribution: predicted edges inside the hole, Canny edges outside
        return predicted * m + known * (1 - m) if self.params["composite_edges"] else predicted

    def inpaint(self, rgb: np.ndarray, hole: np.ndarray, cancelled=None, **hints) -> np.ndarray:
        import torch

        edges = self.edges(rgb, hole, hints.get("guide"))
        x = np.concatenate([prefill(rgb[..., :3], hole, self.inpaint_model.prefill), edges[..., None]], axis=2)
        with torch.inference_mode():
            out = self.inpaint_model(_tensor(x, self.torch_device))[0].float().cpu().numpy()
        return np.clip(out.transpose(1, 2, 0), 0, 1)


@register("inpainter", "pconv")
class PConvInpainter(Inpainter):
    """Partial-convolution U-Net: the hole's pixels are never read; each layer renormalises over
    the valid pixels it sees and shrinks the hole."""

    name = "pconv"
    version = "1"
    weights_name, weights_architecture = "pconv", "pconv"
    # measured peak growth for one 512² crop on CPU: 241 MiB with the shipped weights (6 levels,
    # width 32), 592 MiB with the published network (7 levels, width 64; 1.5 s on 2 cores)
    capabilities = InpainterCapabilities(size_multiple=128, comfortable_size=512, max_side=1024,
                                         devices=("cpu", "cuda"), bytes_per_pixel=960)

    def __init__(self, device: str = "cpu", network=None):
        """Loads the installed weights; ``network`` uses a U-Net in memory (training)."""
        super().__init__(device)
        from muralstudio.engines.nets.pconv import PConvUNet

        if network is not None:
            self.model, self.torch_device = network, next(network.parameters()).device
            self.multiple = network.multiple
            return
        net = _load(self.weights_name, self.weights_architecture, lambda c: PConvUNet(c.get("layer_size", 7), c.get("input_channels", 3),
                                                          c.get("width", 64),
                                                          window_scaling=c.get("window_scaling", False)),
                    device, "PConv U-Net")
        self.model, self.torch_device, self.weights_sha256 = net.model, net.device, net.sha256
        self.multiple = self.model.multiple

    def inpaint(self, rgb: np.ndarray, hole: np.ndarray, cancelled=None, **hints) -> np.ndarray:
        import torch

        h, w = hole.shape
        ph, pw = (-h) % self.multiple, (-w) % self.multiple  # deeper variants need more than 128
        valid = np.repeat((~hole).astype(np.float32)[..., None], 3, axis=2)
        x = (rgb[..., :3] - IMAGENET_MEAN) / IMAGENET_STD * valid
        if ph or pw:
            x = np.pad(x, ((0, ph), (0, pw), (0, 0)), mode="reflect")
            valid = np.pad(valid, ((0, ph), (0, pw), (0, 0)), mode="reflect")
        with torch.inference_mode():
            out, _ = self.model(_tensor(x, self.torch_device), _tensor(valid, self.torch_device))
        out = out[0].float().cpu().numpy().transpose(1, 2, 0)[:h, :w]
        return np.clip(out * IMAGENET_STD + IMAGENET_MEAN, 0, 1)


#: grain amplitude relative to the ring's fine detail: white noise of the ring's spread carries
#: 2.6–4.4× the wall's Laplacian energy (measured: texture ratio 2.7 on jelly 30–40 %); at 0.35
#: the fills' texture ratio is about 0.9 (jelly 30–40 %) and 1.2 (dust 10–20 %), 12 validation crops
GRAIN_STRENGTH = 0.35


@register("inpainter", "fourier")
class FourierInpainter(Inpainter):
    """Telea fill corrected by a U-Net with Fast Fourier Convolutions in its bottleneck (a global
    receptive field at a quarter of the resolution). Lines drawn inside the hole (``guide``, the
    artist's contour lines) enter as an extra channel."""

    name = "fourier"
    version = "1"
    weights_name, weights_architecture = "fourier-inpaint", "fourier-unet"
    # bench/inpaint_net_speed.py: peak RSS 569 MiB for one 512² crop against 280 for telea, so
    # about 290 MiB of growth, 1,100 bytes per crop pixel
    capabilities = InpainterCapabilities(size_multiple=4, comfortable_size=512, max_side=1024,
                                         devices=("cpu", "cuda"), bytes_per_pixel=1100, hints=("guide",))
    settings = (Setting("radius", "float", 5.0, 1.0, 50.0, help="radius of the Telea fill it corrects",
                        label="Radius (px)"),
                Setting("grain", "bool", False, help="add noise with the spread of the surrounding fine "
                        "detail, so a large fill is not smoother than the wall", label="Add the wall's grain"))

    def __init__(self, device: str = "cpu", radius: float = 5.0, grain: bool = False, network=None):
        """Loads the installed weights; ``network`` uses one in memory (training validates
        through exactly this code). ``grain``: add noise with the spread of the surrounding
        wall's fine detail to the fill (the network predicts the expected colour, which is
        smoother than any real wall)."""
        super().__init__(device, radius=float(radius), grain=bool(grain))
        from muralstudio.engines.nets.fourier import FourierUNet

        if network is not None:
            self.model, self.torch_device = network, next(network.parameters()).device
            return
        net = _load(self.weights_name, self.weights_architecture,
                    lambda c: FourierUNet(c.get("width", 32), c.get("blocks", 3), c.get("global_ratio", 0.5)),
                    device, "Fourier inpainting network")
        self.model, self.torch_device, self.weights_sha256 = net.model, net.device, net.sha256

    def network_input(self, rgb: np.ndarray, hole: np.ndarray, guide: np.ndarray | None = None) -> np.ndarray:
        """H×W×5 float32: Telea fill, hole, guide lines inside the hole."""
        from muralstudio.engines.inpaint_opencv import diffuse_fill

        m = hole.astype(np.float32)
        filled = rgb[..., :3] * (1 - m[..., None]) + diffuse_fill(rgb[..., :3], hole, self.params["radius"]) * m[..., None]
        lines = np.zeros_like(m) if guide is None else (guide > 0).astype(np.float32) * m
        return np.concatenate([filled, m[..., None], lines[..., None]], axis=2)

    def inpaint(self, rgb: np.ndarray, hole: np.ndarray, cancelled=None, **hints) -> np.ndarray:
        import torch

        x = self.network_input(rgb, hole, hints.get("guide"))
        with torch.inference_mode():
            out = self.model(_tensor(x, self.torch_device))[0].float().cpu().numpy()
        out = np.clip(out.transpose(1, 2, 0), 0, 1)
        if self.params["grain"]:
            from muralstudio.engines.inpainting import restore_grain

            out = restore_grain(out, rgb[..., :3], hole, ~hole, np.random.default_rng(0), GRAIN_STRENGTH)
        return out
