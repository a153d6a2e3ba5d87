"""A warm engine cache: the last few engines built, per (kind, name, device, settings), so a
second job with the same engine does not load its weights again (seconds for a network on a
CPU). Engines are used by one job at a time (the window's single worker)."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Callable

#: engines kept (networks hold tens to hundreds of MB each)
CAPACITY = 4

_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


def weights_identity(*names: str) -> tuple:
    """Which files the named weights resolve to now, and when they changed: a cached engine is
    reused only while these stay the same (another models folder, a fine-tuned file)."""
    import os

    from muralstudio.engines.modelfiles import find_weights

    out = []
    for name in names:
        path = find_weights(name) if name else None
        out.append((str(path), os.stat(path).st_mtime_ns if path else None))
    return tuple(out)


def _key(kind: str, name: str, device: str, settings: dict, identity: tuple) -> tuple:
    return kind, name, device, json.dumps(settings, sort_keys=True, default=str), identity


def warm(kind: str, name: str, device: str, settings: dict, build: Callable[[], object],
         identity: tuple = ()):
    """The cached engine for these arguments (and ``identity``, e.g. its weights files), else
    ``build()`` (kept, the oldest dropped)."""
    key = _key(kind, name, device, settings, identity)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    engine = build()  # outside the lock: loading weights takes a while
    with _lock:
        _cache[key] = engine
        _cache.move_to_end(key)
        while len(_cache) > CAPACITY:
            _cache.popitem(last=False)
    return engine


def clear() -> None:
    """Forget every engine (after weights were replaced, e.g. by a fine-tuning job)."""
    with _lock:
        _cache.clear()
