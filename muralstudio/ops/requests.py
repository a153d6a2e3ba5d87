"""The request types' shared JSON round trip: dataclass fields of plain values and paths."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path


class Request:
    """Mixin of the request dataclasses: ``to_json()`` / ``from_json(text)``; paths travel as
    text, unknown keys are refused by name (a request from a newer client says so)."""

    def to_dict(self) -> dict:
        return {f.name: (str(v) if isinstance(v, Path) else v)
                for f in dataclasses.fields(self) for v in [getattr(self, f.name)]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict):
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ValueError(f"{cls.__name__} has no field {', '.join(unknown)}")
        values = {}
        for name, value in data.items():
            kind = str(fields[name].type)
            values[name] = Path(value) if value is not None and "Path" in kind else value
        return cls(**values)

    @classmethod
    def from_json(cls, text: str):
        return cls.from_dict(json.loads(text))
