"""A registry of engines by kind and name, filled by an ``@register`` decorator.

Engine modules register themselves when imported. :func:`load_builtin_engines` finds them by
scanning: every module of the ``muralstudio.engines`` package (and of any folder named in
``$MURALSTUDIO_ENGINES``) whose source registers an engine is imported, then every entry point
of the group ``muralstudio.engines`` (how a separate package adds engines). Adding an engine is
adding one module; there is no list to keep.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from typing import Callable

log = logging.getLogger(__name__)

#: segmenter: clicks → mask; inpainter: image, mask → image; labeler: image → label map;
#: detector: image → damage probability.
ENGINE_KINDS = ("segmenter", "inpainter", "labeler", "detector")

#: entry-point group through which installed packages add engines
ENTRY_POINT_GROUP = "muralstudio.engines"
_scanned: set[str] = set()


_registry: dict[str, dict[str, Callable]] = {kind: {} for kind in ENGINE_KINDS}


def parse_setting(text: str):
    """An engine setting's value as typed on a command line: JSON numbers, true/false and
    quoted strings as such, anything else (a path) as the text itself."""
    import json

    try:
        return json.loads(text)
    except ValueError:
        return text


def split_spec(spec: str) -> tuple[str, dict]:
    """``NAME[:KEY=VALUE...]`` (how benchmarks and the command line set an engine's settings)
    as (name, settings); values are read by :func:`parse_setting`. Only a colon followed by a
    word starts a setting, so a Windows path (``weights_path=C:\\models\\w.safetensors``)
    stays whole."""
    import re

    name, *settings = re.split(r":(?=\w+(?:[=:]|$))", spec)
    return name, parse_settings(settings, repr(spec))


def parse_settings(items, where: str = "--param") -> dict:
    """``KEY=VALUE`` texts as a settings dict (values read by :func:`parse_setting`)."""
    params = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ValueError(f"{where}: settings are KEY=VALUE, not {item!r}")
        params[key] = parse_setting(text)
    return params


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


def _registers(path) -> bool:
    """Whether a module's source registers an engine (so helpers are not imported for nothing)."""
    import re

    try:
        return re.search(r"^@(\w+\.)?register\(", path.read_text(encoding="utf-8"), re.M) is not None
    except OSError:
        return False


def load_builtin_engines() -> None:
    """Import every engine module: the package's own, those in $MURALSTUDIO_ENGINES folders,
    and entry points. Idempotent and cheap after the first call."""
    import os
    import pkgutil
    import sys
    from pathlib import Path

    import muralstudio.engines as package

    for info in pkgutil.iter_modules(package.__path__):
        name = f"{package.__name__}.{info.name}"
        if name in _scanned or info.ispkg:
            continue
        _scanned.add(name)
        source = Path(str(getattr(info.module_finder, "path", ""))) / f"{info.name}.py"
        # a frozen bundle has no sources to read: import every module there
        if not source.is_file() or _registers(source):
            importlib.import_module(name)
    for folder in filter(None, os.environ.get("MURALSTUDIO_ENGINES", "").split(os.pathsep)):
        for path in sorted(Path(folder).glob("*.py")):
            key = str(path.resolve())
            if key in _scanned or not _registers(path):
                continue
            _scanned.add(key)
            spec = importlib.util.spec_from_file_location(f"muralstudio_user_engine_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            try:
                spec.loader.exec_module(module)
            except Exception:  # noqa: BLE001 - a broken add-on must not take the program down
                log.exception("engine module %s could not be loaded", path)
    try:
        from importlib.metadata import entry_points

        for entry in entry_points(group=ENTRY_POINT_GROUP):
            if entry.value not in _scanned:
                _scanned.add(entry.value)
                try:
                    entry.load()
                except Exception:  # noqa: BLE001
                    log.exception("engine entry point %s could not be loaded", entry.value)
    except Exception:  # noqa: BLE001 - metadata of a damaged installation
        log.exception("engine entry points could not be read")


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
