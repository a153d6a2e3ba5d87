"""The settings an engine accepts, declared once: name, type, default, range or choices, help and
a label the window shows. From the schema come the command line's checks (one syntax:
``NAME:KEY=VALUE``, ``--param KEY=VALUE`` as an alias), clear errors, and the settings widgets
the docks build by themselves.

An engine declares ``settings = (Setting(...), ...)`` on its class; one that does not gets a
schema read from its constructor's keyword defaults (so every engine has one).
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass

#: constructor parameters that are not user settings
_NOT_SETTINGS = ("self", "device", "network", "networks", "args", "kwargs")


@dataclass(frozen=True)
class Setting:
    name: str
    type: str  # "int", "float", "bool", "choice", "text", "path"
    default: object = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    help: str = ""
    label: str = ""  # shown in the window (translated there); the name when empty
    optional: bool = False  # None (or "none") is allowed: the engine's own choice

    def coerce(self, value, engine: str = ""):
        """``value`` (from JSON, the command line or a widget) as this setting's type, checked."""
        where = f"{engine + ' ' if engine else ''}setting {self.name}"
        if self.optional and (value is None or (isinstance(value, str) and value.lower() in ("none", "null"))):
            return None
        if self.type == "choice":
            if value not in self.choices:
                raise ValueError(f"{where} must be one of {', '.join(map(str, self.choices))}, not {value!r}")
            return value
        if self.type in ("text", "path"):
            return str(value)
        expected = {"bool": "true or false", "int": "a whole number", "float": "a number"}[self.type]
        try:
            value = _convert(self.type, value)
        except (TypeError, ValueError):
            raise ValueError(f"{where} must be {expected}, not {value!r}") from None
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{where} must be at least {self.minimum:g}, not {value:g}")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"{where} must be at most {self.maximum:g}, not {value:g}")
        return value


def _convert(kind: str, value):
    """``value`` as a bool, int or float; ValueError when it is not one (1.5 is no int, "yes"
    and "no" are bools, a bool is no number)."""
    if kind == "bool":
        if isinstance(value, str):
            if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return value.lower() in ("true", "1", "yes")
        if not isinstance(value, (bool, int)):
            raise ValueError
        return bool(value)
    if isinstance(value, bool) or (kind == "int" and isinstance(value, float) and not value.is_integer()):
        raise ValueError
    number = int(value) if kind == "int" else float(value)
    if kind == "float" and not math.isfinite(number):
        raise ValueError
    return number


def _from_parameter(parameter) -> Setting:
    """A setting from a constructor parameter: its annotation says the type (``float``,
    ``int | None`` …), else its default's type."""
    default = None if parameter.default is inspect.Parameter.empty else parameter.default
    annotation = parameter.annotation if isinstance(parameter.annotation, str) else \
        getattr(parameter.annotation, "__name__", "") if parameter.annotation is not inspect.Parameter.empty else ""
    optional = default is None or "None" in annotation or "Optional" in annotation
    for name in ("bool", "float", "int"):
        if name in annotation.replace("None", ""):
            return Setting(parameter.name, name, default, optional=optional)
    if isinstance(default, bool):
        return Setting(parameter.name, "bool", default, optional=optional)
    if isinstance(default, int):
        return Setting(parameter.name, "int", default, optional=optional)
    if isinstance(default, float):
        return Setting(parameter.name, "float", default, optional=optional)
    return Setting(parameter.name, "path" if "path" in parameter.name else "text", default, optional=optional)


def schema_of(factory) -> tuple[Setting, ...]:
    """The settings of an engine class: its declared ``settings``, else its constructor's
    keyword parameters with defaults."""
    declared = getattr(factory, "settings", None)
    if declared is not None and not callable(declared):
        return tuple(declared)
    out = []
    for parameter in inspect.signature(factory.__init__).parameters.values():
        if parameter.name in _NOT_SETTINGS or parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
            continue
        out.append(_from_parameter(parameter))
    return tuple(out)


def validate(factory, values: dict, engine: str = "") -> dict:
    """``values`` checked against the engine's schema and converted to its types; an unknown
    name is an error that lists the settings the engine has."""
    schema = {s.name: s for s in schema_of(factory)}
    unknown = sorted(set(values) - set(schema))
    if unknown:
        raise ValueError(f"the {engine or 'engine'} engine has no setting {', '.join(map(repr, unknown))}; "
                         f"its settings: {', '.join(schema) or 'none'}")
    return {name: schema[name].coerce(value, engine) for name, value in values.items()}


def describe(factory) -> list[str]:
    """One line per setting, for ``muralstudio models list --settings`` and help texts."""
    lines = []
    for s in schema_of(factory):
        kind = f"one of {', '.join(map(str, s.choices))}" if s.type == "choice" else s.type
        bounds = ""
        if s.minimum is not None or s.maximum is not None:
            bounds = f" [{'' if s.minimum is None else f'{s.minimum:g}'}…{'' if s.maximum is None else f'{s.maximum:g}'}]"
        lines.append(f"{s.name} ({kind}{bounds}, default {s.default!r}){': ' + s.help if s.help else ''}")
    return lines
