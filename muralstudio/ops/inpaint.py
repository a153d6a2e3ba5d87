"""Inpaint an image file: the one pipeline behind ``muralstudio inpaint`` (and any other
caller that restores a file): read the source lazily, check the mask and hints against it,
restore every region through the harness, write the image at the source's depth with its
record inside and beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from muralstudio.ops.requests import Request


#: how far the command line and the window grow a damage mask before filling, by default:
#: filled as detected, 67–79 % of the flakes of two real murals stayed visibly paler than the
#: wall around them (fourier); grown by 2 px, 6–25 % (README, "pale ghosts")
DEFAULT_GROW_PX = 2


@dataclass
class InpaintRequest(Request):
    image: Path
    mask: Path
    out: Path
    engine: str = "telea"
    settings: dict = field(default_factory=dict)
    device: str = "cpu"
    color_match: bool = False
    context: float = 1.0
    guide: Path | None = None
    sample_area: Path | None = None
    max_pixels: int | None = None
    xmp_sidecar: bool = False
    #: px by which the mask is grown before filling (``InpaintOptions.grow``): a flake's pale rim
    #: left outside its mask comes back as a pale ghost in the fill
    grow: int = DEFAULT_GROW_PX
    #: a compute server's Dask scheduler address (tcp://HOST:8786): the regions' crops go there
    #: and the same harness runs on its worker; None = this computer
    server: str | None = None


@dataclass
class InpaintFileResult:
    out: Path
    regions: int
    pixels: int
    seconds: float
    record_json: str
    #: restored regions a conservator should look at (mostly dark paint: more often original
    #: linework, hair or robes than loss), as :func:`engines.detection.restoration_risks` gives them
    risks: list = field(default_factory=list)
    #: the restoration itself (core.document Patch list and RestorationRecord), for a caller that
    #: keeps it as a proposal in a project (the batch); not part of the JSON
    patches: list = field(default_factory=list, repr=False)
    record: object = field(default=None, repr=False)


def _read_map(path: Path, shape, what: str, max_pixels) -> np.ndarray:
    from muralstudio.core import imageio

    pixels = imageio.read_image(path, max_pixels=max_pixels).pixels
    pixels = pixels.max(axis=2) if pixels.ndim == 3 else pixels
    if pixels.shape != shape:
        raise ValueError(f"{what} {path} is {pixels.shape[1]}×{pixels.shape[0]} but the image is "
                         f"{shape[1]}×{shape[0]}")
    return pixels


def inpaint_file(request: InpaintRequest, progress: Callable[[float, str], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> InpaintFileResult:
    import math

    from muralstudio.core import imageio
    from muralstudio.core.pyramid import FileSource, file_sha256
    from muralstudio.core.record import records_json, source_description
    from muralstudio.engines import inpainting

    imageio.writer_for(request.out)  # a format it cannot write is said now, not after the fill
    if not (math.isfinite(request.context) and 0 < request.context <= 100):
        raise ValueError(f"the context must be a number above 0 (× the hole's size), not {request.context}")
    if not 0 <= request.grow <= 64:
        raise ValueError(f"--grow is how many px to grow the mask by (0–64), not {request.grow}")
    options = inpainting.InpaintOptions(engine=request.engine, device=request.device,
                                        color_match=request.color_match, context=request.context,
                                        grow=request.grow, engine_params=dict(request.settings))
    if request.server:  # the server loads the model; a wrong name or setting is said before any upload
        from muralstudio.engines import registry
        from muralstudio.engines.settings import validate

        validate(registry.get("inpainter", request.engine), options.engine_params, request.engine)
        engine = None
    else:
        engine = inpainting.create(request.engine, request.device, **options.engine_params)
    source = FileSource(request.image, max_pixels=request.max_pixels)
    shape = (source.info.height, source.info.width)
    mask = _read_map(request.mask, shape, "mask", request.max_pixels)
    if not np.any(mask):
        raise ValueError(f"mask {request.mask} is empty: nothing to restore")
    hints = {name: _read_map(path, shape, name.replace("_", " "), request.max_pixels) > 0
             for name, path in (("guide", request.guide), ("sample_area", request.sample_area)) if path}
    from muralstudio.engines.detection import restoration_risks

    risks = restoration_risks(source, mask > 0)  # told after the run: a script is not asked
    sha = file_sha256(source.path, cancelled=cancelled)
    if request.server:
        from muralstudio.ops import remote

        payload = remote.inpaint_payload(source, mask > 0, options, sha, hints)
        result = remote.run_remote(request.server, "inpaint", payload, progress, cancelled, command=True)
        result.record.server = request.server  # the record says where it was computed
    else:
        result = inpainting.inpaint(source, mask, options, progress=progress, cancelled=cancelled,
                                    engine=engine, source_sha256=sha, hints=hints)
    restored = inpainting.apply_patches(source.full(), result.patches)
    from muralstudio.core.xmp import build_xmp

    record = records_json([result.record], source_description(source.path, sha, source.info))
    packet = build_xmp(record, title=Path(request.image).stem)
    imageio.write_image(request.out, restored, source.info, record_json=record, xmp=packet)
    try:
        imageio.write_record_sidecar(request.out, record)
        if request.xmp_sidecar:
            from muralstudio.core.xmp import write_sidecar

            write_sidecar(request.out, packet)
    except BaseException:  # a restored image without its record is not left behind
        Path(request.out).unlink(missing_ok=True)
        imageio.record_sidecar_path(request.out).unlink(missing_ok=True)
        raise
    return InpaintFileResult(Path(request.out), len(result.patches), result.record.mask_pixels,
                             result.seconds, record, risks, result.patches, result.record)
