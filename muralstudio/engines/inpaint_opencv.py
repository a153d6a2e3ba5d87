"""OpenCV's diffusion inpainting, the classical baselines: Telea (fast marching) and
Navier-Stokes. Each colour channel is filled as a 16-bit image (OpenCV's float32 Telea overshoots the input
range), so 16-bit sources keep their precision."""

from __future__ import annotations

import cv2
import numpy as np

from muralstudio.engines.inpainting import Inpainter, InpainterCapabilities
from muralstudio.engines.registry import register
from muralstudio.engines.settings import Setting


def diffuse_fill(rgb: np.ndarray, hole: np.ndarray, radius: float = 5.0,
                 flag: int = cv2.INPAINT_TELEA) -> np.ndarray:
    """``rgb`` (float 0–1, H×W×C) with the hole filled by OpenCV's Telea (or ``flag``) method,
    channel by channel at 16 bits."""
    mask = hole.astype(np.uint8)
    u16 = np.round(np.clip(rgb, 0, 1) * 65535).astype(np.uint16)
    channels = [cv2.inpaint(np.ascontiguousarray(u16[..., c]), mask, radius, flag)
                for c in range(rgb.shape[2])]
    return np.stack(channels, axis=2).astype(np.float32) / 65535


class _OpenCVInpainter(Inpainter):
    flag = cv2.INPAINT_TELEA
    version = f"opencv-{cv2.__version__}"
    capabilities = InpainterCapabilities(comfortable_size=4096, bytes_per_pixel=40)
    settings = (Setting("radius", "float", 5.0, 1.0, 50.0,
                        help="neighbourhood (px) each filled pixel is computed from", label="Radius (px)"),)

    def __init__(self, device: str = "cpu", radius: float = 5.0):
        super().__init__(device, radius=float(radius))

    def inpaint(self, rgb: np.ndarray, hole: np.ndarray, cancelled=None, **hints) -> np.ndarray:
        return diffuse_fill(rgb, hole, self.params["radius"], self.flag)


@register("inpainter", "telea")
class TeleaInpainter(_OpenCVInpainter):
    """Fast-marching inpainting (Telea 2004): quick, smooth; blurs texture in large holes."""

    name = "telea"
    flag = cv2.INPAINT_TELEA


@register("inpainter", "ns")
class NavierStokesInpainter(_OpenCVInpainter):
    """Navier-Stokes based inpainting (Bertalmio et al. 2001): continues isophotes."""

    name = "ns"
    flag = cv2.INPAINT_NS
