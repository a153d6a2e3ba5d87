"""The hole-ratio band syntax ("0.1-0.2") shared by every command's ``--ratio``; no heavy
imports, so the command line starts quickly."""

from __future__ import annotations


def parse_ratio(text: str) -> tuple[float, float]:
    """A hole-ratio band "LOW-HIGH" (or one value) as every command's ``--ratio`` takes it;
    an ``argparse`` type (its ValueError becomes the usage error)."""
    import argparse

    try:
        parts = [float(v) for v in text.split("-")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"ratio must look like 0.1-0.2, not {text!r}") from None
    lo, hi = (parts[0], parts[0]) if len(parts) == 1 else parts[:2]
    if not 0 < lo <= hi < 1:
        raise argparse.ArgumentTypeError("ratio band must satisfy 0 < low <= high < 1")
    return lo, hi
