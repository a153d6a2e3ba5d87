"""Adapting the labeler to an institute's own murals: fine-tune PSP-M on a training set
exported from the window (``images/``, ``labels/``, ``classes.json``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from muralstudio.ops.requests import Request


@dataclass
class FineTuneRequest(Request):
    training_set: Path
    out: Path
    steps: int = 300
    device: str = "cpu"
    init: Path | None = None


def fine_tune_labeler(request: FineTuneRequest, progress: Callable[[float, str], None] | None = None,
                      cancelled: Callable[[], bool] | None = None) -> Path:
    """The new weights' path (they load as the Elements dock's labeler)."""
    from muralstudio.train.label import fine_tune

    return fine_tune(request.training_set, request.out, init=request.init, steps=request.steps,
                     device=request.device, progress=progress, cancelled=cancelled)
