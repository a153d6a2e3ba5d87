"""A registry of engines by kind and name, filled by an ``@register`` decorator.

Engine modules register themselves when imported; :func:`load_builtin_engines` imports the
modules listed in :data:`BUILTIN_MODULES` so the CLI and the window see the same set.
"""

from __future__ import annotations

import importlib
import logging
from typing import Callable

log = logging.getLogger(__name__)

#: segmenter: clicks → mask; inpainter: image, mask → image; labeler: image → label map;
#: detector: image → damage probability.
ENGINE_KINDS = ("segmenter", "inpainter", "labeler", "detector")

#: Modules that define the built-in engines (each registers itself on import).
BUILTIN_MODULES: list[str] = [
    "muralstudio.engines.inpaint_opencv",
    "muralstudio.engines.inpaint_patchmatch",
    "muralstudio.engines.inpaint_networks",
    "muralstudio.engines.segment_classic",
    "muralstudio.engines.segment_clicknet",
    "muralstudio.engines.detect_resunet",
    "muralstudio.engines.label_pspm",
]

_registry: dict[str, dict[str, Callable]] = {kind: {} for kind in ENGINE_KINDS}


def parse_setting(text: str):
    """An engine setting's value as typed on a command line: JSON numbers, true/false and
    quoted strings as such, anything else (a path) as the text itself."""
    import json

    try:
        return json.loads(text)
    except ValueError:
        return text


def register(kind: str, name: str):
    """Class decorator: ``@register("inpainter", "telea")``."""
    if kind not in ENGINE_KINDS:
        raise ValueError(f"unknown engine kind {kind!r}; expected one of {ENGINE_KINDS}")

    def decorate(factory):
        if name in _registry[kind] and _registry[kind][name] is not factory:
            raise ValueError(f"{kind} engine {name!r} is registered twice")
        _registry[kind][name] = factory
        factory.engine_name = name
        factory.engine_kind = kind
        return factory

    return decorate


def load_builtin_engines() -> None:
    for module in BUILTIN_MODULES:
        importlib.import_module(module)


def available(kind: str) -> list[str]:
    load_builtin_engines()
    return sorted(_registry[kind])


def get(kind: str, name: str):
    """The engine factory registered as ``name``; a clear error lists the known names."""
    load_builtin_engines()
    try:
        return _registry[kind][name]
    except KeyError:
        known = ", ".join(sorted(_registry.get(kind, {}))) or "none yet"
        raise KeyError(f"unknown {kind} engine {name!r}; available: {known}") from None
