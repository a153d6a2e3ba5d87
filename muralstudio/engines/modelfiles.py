"""Where shipped and user weights live (no torch: the window asks this at start-up)."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


def model_dirs() -> list[Path]:
    """``$MURALSTUDIO_MODELS`` folders, then the checkout's and the package's ``models/``."""
    dirs = [Path(p) for p in os.environ.get("MURALSTUDIO_MODELS", "").split(os.pathsep) if p]
    dirs += [_PACKAGE.parent / "models", _PACKAGE / "models"]
    return [d for d in dirs if d.is_dir()]


def find_weights(name: str) -> Path | None:
    """``models/NAME.safetensors`` on the search path, or None."""
    for folder in model_dirs():
        candidate = folder / f"{name}.safetensors"
        if candidate.is_file():
            return candidate
    return None
