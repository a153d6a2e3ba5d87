"""Label the elements of an image file (``muralstudio label``, the batch runner): the indexed
label PNG, optionally the elements JSON and per-class probabilities."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from muralstudio.ops.requests import Request


@dataclass
class LabelRequest(Request):
    image: Path
    out: Path
    engine: str = "pspm"  # NAME or NAME:KEY=VALUE...
    settings: dict = field(default_factory=dict)
    device: str = "cpu"
    elements: Path | None = None
    min_area: int = 256
    scale: float | None = None
    probabilities_dir: Path | None = None
    #: a compute server's Dask scheduler address (tcp://HOST:8786): the image goes there, the
    #: working-scale maps come back; None = this computer
    server: str | None = None


def label_file(request: LabelRequest, log: Callable[[str], None] | None = None) -> dict:
    from muralstudio.engines import labeling
    from muralstudio.engines.registry import split_spec

    from pathlib import Path

    if Path(request.out).suffix.lower() != ".png":  # said now, not after the labelling
        raise ValueError(f"--out {request.out}: the label map is written as an indexed PNG (a JPEG "
                         f"would blur the classes); name it LABELS.png")
    name, settings = split_spec(request.engine)
    settings = {**settings, **request.settings}
    run_elsewhere = None
    if request.server:
        def run_elsewhere(source, scale, progress):
            from muralstudio.ops import remote

            payload = remote.image_job(source, name, request.device, settings, scale=scale)
            return remote.run_remote(request.server, "label_maps", payload, progress, command=True)

    return labeling.label_file(request.image, request.out, engine=name, device=request.device,
                               elements_path=request.elements, min_area=request.min_area,
                               scale=request.scale, probabilities_dir=request.probabilities_dir,
                               log=log, settings=settings, run_elsewhere=run_elsewhere,
                               summary_extra={"server": request.server} if request.server else None)
