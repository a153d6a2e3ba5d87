"""``flecks`` detector: pale specks in darker paint (a white top-hat of the lightness), the
commonest real paint loss on our validation walls — flakes showing the ground through dark
robes, hair and outlines. No learning, no weights: it proposes flecks for review and finds no
large losses and no cracks (see models/detect-resunet-real.md, "Tried", for its figures).

``flecks-vetted`` takes the same specks at a lower contrast and lets a small trained network
(models/detect-flecks-vetter.md) keep those that look like loss, so a reviewer meets fewer
proposals, more of them right."""

from __future__ import annotations

import numpy as np

from muralstudio.engines import registry
from muralstudio.engines.detection import Detector
from muralstudio.engines.settings import Setting


SCALE_SETTING = Setting(
    "scale", "float", 1.0, 0.05, 1.0,
    help="work at this fraction of the image's resolution: the detector knows flakes as they look "
         "on photographs about 500 px across a wall section; for a photograph at N times that "
         "resolution use 1/N (0.2 for 2,500 px across the same section)",
    label="Working scale")


@registry.register("detector", "flecks")
class PaleFleckDetector(Detector):
    name = "flecks"
    version = "1"
    classes = ("background", "paint loss")  # it finds no cracks: none are proposed or counted
    multiple = 1
    suggested_min_area = 0  # flakes of 3–15 px are what it proposes
    memory_mb = 40
    settings = (Setting("radius", "int", 4, 2, 12, help="largest fleck radius in px", label="Fleck radius (px)"),
                Setting("contrast", "float", 80.0, 10.0, 200.0,
                        help="how much lighter than the paint around a fleck must be (Lab lightness, "
                             "0–255): 80 flags 1.5 % of the intact dark paint of the reviewed "
                             "real-damage training crops",
                        label="Contrast"),
                SCALE_SETTING)

    def __init__(self, device: str = "cpu", radius: int = 4, contrast: float = 80.0, **params):
        super().__init__(device, radius=int(radius), contrast=float(contrast), **params)
        self.radius, self.contrast = int(radius), float(contrast)

    def probabilities(self, tile: np.ndarray) -> np.ndarray:
        from muralstudio.core.maskops import pale_speck_rise

        # a rise of ``contrast`` maps to 0.5, the default threshold, so the dock's sensitivity
        # slider moves the contrast asked for
        loss = np.clip(pale_speck_rise(tile, self.radius) / (2 * self.contrast), 0, 1).astype(np.float32)
        out = np.zeros((len(self.classes),) + loss.shape, np.float32)
        out[self.classes.index("paint loss")] = loss
        out[0] = 1 - loss
        return out


@registry.register("detector", "flecks-vetted")
class VettedFleckDetector(Detector):
    """Candidate pale specks, each given the vetting network's probability of being paint loss
    (the same for every pixel of the speck, so the dock's sensitivity slider keeps or drops
    whole specks)."""

    name = "flecks-vetted"
    version = "1"
    classes = ("background", "paint loss")  # it finds no cracks: none are proposed or counted
    multiple = 1
    suggested_min_area = 0
    weights_name = "detect-flecks-vetter"
    weights_architecture = "fleckvet"
    memory_mb = 60
    settings = (Setting("weights_path", "path", None, optional=True,
                        help="other weights of the same network (default: the shipped ones)",
                        label="Weights"),
                SCALE_SETTING)

    def __init__(self, device: str = "cpu", weights_path=None, **params):
        super().__init__(device, **params)
        from muralstudio.engines import weights
        from muralstudio.engines.nets.fleckvet import FIRST_FEATURES, FleckVetter, FleckVetters, candidate_kind

        def build(c):
            features, width = c.get("features", FIRST_FEATURES), c.get("width", 64)
            if "radii" in c:
                return FleckVetters(len(c["radii"]), features, width, c.get("members", 1))
            return FleckVetter(features, width)  # one radius (earlier files)

        net = weights.load_network(weights_path, self.weights_name, self.weights_architecture, build, "cpu",
                                   "fleck vetter", "flecks")
        self.model, self.config = net.model, net.config
        if isinstance(self.model, FleckVetter):
            self.model = FleckVetters(0)
            self.model.nets.append(net.model)
        self.weights_path, self.weights_sha256 = str(net.path), net.sha256
        self.thresholds = {k: float(v) for k, v in net.extra.get("thresholds", {}).items()}
        # files of one radius (the first version) name it "radius" and hold no per-radius lists
        self.radii = [candidate_kind(r) for r in self.config.get("radii", [self.config.get("radius", 4)])]
        self.radius_thresholds = list(net.extra.get("radius_thresholds", [self.threshold_for("paint loss")]))
        self.min_areas = list(net.extra.get("min_areas", [0]))
        if not len(self.radii) == len(self.radius_thresholds) == len(self.min_areas) == len(self.model.nets):
            from muralstudio.core.errors import WeightsError

            raise WeightsError(net.path, f"{len(self.radii)} radii but {len(self.radius_thresholds)} thresholds "
                                         f"and {len(self.min_areas)} smallest areas")

    def probabilities(self, tile: np.ndarray) -> np.ndarray:
        from muralstudio.engines.nets.fleckvet import speck_probability

        loss = speck_probability(tile, self.model, self.radii, float(self.config.get("contrast", 40.0)),
                                 self.radius_thresholds, self.min_areas, self.threshold_for("paint loss"))
        out = np.zeros((len(self.classes),) + loss.shape, np.float32)
        out[self.classes.index("paint loss")] = loss
        out[0] = 1 - loss
        return out
