"""The restoration record: what conservation ethics ask to be documented for every change."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import numpy as np

from muralstudio import __version__
from muralstudio.core.imageio.common import json_text


def mask_sha256(mask: np.ndarray) -> str:
    """Hash of a binary mask (nonzero = hole) that does not depend on its dtype."""
    bits = np.packbits(np.asarray(mask) != 0)
    digest = hashlib.sha256(f"{mask.shape[0]}x{mask.shape[1]}:".encode())
    digest.update(bits.tobytes())
    return digest.hexdigest()


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class RestorationRecord:
    """Engine, weights, parameters and mask of one restoration, with time and software."""

    engine: str
    engine_version: str
    parameters: dict = field(default_factory=dict)
    weights_sha256: str | None = None
    mask_sha256: str = ""
    mask_bbox: tuple[int, int, int, int] | None = None  # x, y, w, h in source pixels
    mask_pixels: int = 0
    source_sha256: str | None = None
    created: str = field(default_factory=utc_now)
    software_version: str = __version__
    #: the compute server (its Dask scheduler's address) that ran it; None: this computer
    server: str | None = None
    #: the regions the window warned of before restoring them (the detector unsure, mostly dark
    #: paint) and the conservator restored anyway: each {"reason", "box": [x, y, w, h], "value"}
    confirmed_risks: list | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["mask_bbox"] = list(self.mask_bbox) if self.mask_bbox else None
        for key in ("server", "confirmed_risks"):  # records without them read as before
            if data[key] is None:
                del data[key]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "RestorationRecord":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if known.get("mask_bbox") is not None:
            known["mask_bbox"] = tuple(known["mask_bbox"])
        return cls(**known)

    def to_json(self) -> str:
        return json_text(self.to_dict(), indent=None, sort_keys=True)


def records_json(records: list[RestorationRecord], source: dict | None = None) -> str:
    """The document written into exported TIFFs and their sidecar JSON."""
    return json_text({"muralstudio": __version__, "source": source or {},
                      "restorations": [r.to_dict() for r in records]})


def source_description(path, sha256: str | None, info) -> dict:
    """The record's description of the unrestored source, the same from every writer (the
    window's export and the command line once drifted apart: one left out the bit depth)."""
    return {"path": str(path) if path else None, "width": info.width, "height": info.height,
            "sha256": sha256, "bit_depth": info.bit_depth}
