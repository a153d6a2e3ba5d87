"""Detect damage in an image file (``muralstudio detect``, the batch runner): probability and
mask PNGs per damage class and a JSON summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from muralstudio.ops.requests import Request


@dataclass
class DetectRequest(Request):
    image: Path
    out_dir: Path
    # NAME or NAME:KEY=VALUE...; engines.detection.DEFAULT_DETECTOR, spelt out so that requests
    # import without the engines (a test holds the two equal)
    engine: str = "flecks-vetted"
    settings: dict = field(default_factory=dict)
    device: str = "cpu"
    threshold: float | None = None
    min_area: int | None = None
    #: a compute server's Dask scheduler address (tcp://HOST:8786): the image goes there and
    #: the maps come back; None = this computer
    server: str | None = None


def detect_file(request: DetectRequest, log: Callable[[str], None] | None = None) -> dict[str, Path]:
    from muralstudio.engines import detection
    from muralstudio.engines.registry import split_spec

    name, settings = split_spec(request.engine)
    settings = {**settings, **request.settings}
    run_elsewhere = None
    if request.server:
        def run_elsewhere(source, progress):
            from muralstudio.ops import remote

            payload = remote.image_job(source, name, request.device, settings, window=640)
            return remote.run_remote(request.server, "detect", payload, progress, command=True)

    return detection.detect_file(request.image, request.out_dir, engine=name, device=request.device,
                                 threshold=request.threshold, min_area=request.min_area, log=log,
                                 settings=settings, run_elsewhere=run_elsewhere,
                                 summary_extra={"server": request.server} if request.server else None)
