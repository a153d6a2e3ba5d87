"""OpenCV's diffusion inpainting, the classical baselines: Telea (fast marching) and
Navier-Stokes. Each colour channel is filled as a 16-bit image (OpenCV's float32 Telea overshoots the input
range), so 16-bit sources keep their precision."""

from __future__ import annotations

import cv2
import numpy as np

from muralstudio.engines.inpainting import Inpainter, InpainterCapabilities
from muralstudio.engines.registry import register


class _OpenCVInpainter(Inpainter):
    flag = cv2.INPAINT_TELEA
    version = f"opencv-{cv2.__version__}"
    capabilities = InpainterCapabilities(comfortable_size=4096, bytes_per_pixel=40)

    def __init__(self, device: str = "cpu", radius: float = 5.0):
        super().__init__(device, radius=float(radius))

    def inpaint(self, rgb: np.ndarray, hole: np.ndarray, cancelled=None) -> np.ndarray:
        mask = hole.astype(np.uint8)
        u16 = np.round(np.clip(rgb, 0, 1) * 65535).astype(np.uint16)
        channels = [cv2.inpaint(np.ascontiguousarray(u16[..., c]), mask, self.params["radius"],
                                self.flag) for c in range(rgb.shape[2])]
        return np.stack(channels, axis=2).astype(np.float32) / 65535


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
