"""Plain-callback events, so the data model can be observed without Qt."""

from __future__ import annotations

import logging
from typing import Callable

log = logging.getLogger(__name__)


class Event:
    """A list of callbacks called with the emitted arguments.

    A failing callback is logged and does not stop the others: one broken view must not
    leave the rest of the window out of date.
    """

    def __init__(self, name: str = ""):
        self.name = name
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> Callable:
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args, **kwargs) -> None:
        for callback in list(self._callbacks):
            try:
                callback(*args, **kwargs)
            except Exception:  # noqa: BLE001 - see class docstring
                log.exception("event %s: callback %r failed", self.name, callback)

    def __len__(self) -> int:
        return len(self._callbacks)
