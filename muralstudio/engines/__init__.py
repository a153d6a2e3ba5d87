"""Algorithms behind small protocols, found through a registry. Torch lives here; Qt never."""

from muralstudio.engines.registry import ENGINE_KINDS, available, get, register

__all__ = ["ENGINE_KINDS", "available", "get", "register"]
