"""``muralstudio models list``: every registered engine, its weights and what it costs."""

from __future__ import annotations

from muralstudio.core.errors import MuralStudioError
from muralstudio.engines import registry, weights


def _memory_mb(factory) -> float | None:
    caps = getattr(factory, "capabilities", None)
    if caps is not None and hasattr(caps, "memory_estimate"):
        return caps.memory_estimate(512, 512) / 2**20
    return getattr(factory, "memory_mb", None)


def _weights_facts(name: str, architecture: str | None = None) -> dict:
    path = weights.find_weights(name)
    if path is None:
        return {"present": False, "path": None, "sha256": None, "bytes": 0}
    try:
        summary = weights.weights_summary(path)
        found = weights.read_metadata(path).get("config", {}).get("architecture") if architecture else None
        if architecture and found != architecture:  # another network's file under this name
            raise weights.WeightsError(path, f"not {architecture} weights (architecture {found!r})")
    except (MuralStudioError, OSError) as exc:  # one damaged file must not hide the others
        return {"present": False, "path": str(path), "sha256": None, "bytes": 0, "damaged": str(exc)}
    return {"present": True, "path": summary["path"], "sha256": summary["sha256"],
            "bytes": summary["bytes"]}


def list_engines() -> list[dict]:
    """One row per engine: kind, name, weights name, present, path, SHA-256, bytes, memory."""
    rows = []
    for kind in registry.ENGINE_KINDS:
        for name in registry.available(kind):
            factory = registry.get(kind, name)
            weights_name = getattr(factory, "weights_name", None)
            row = {"kind": kind, "name": name, "weights": weights_name, "present": True,
                   "path": None, "sha256": None, "bytes": 0, "memory_mb": _memory_mb(factory)}
            if weights_name:
                row.update(_weights_facts(weights_name, getattr(factory, "weights_architecture", None)))
                # engines with more than one file (EdgeConnect's edge model) need them all
                companions = getattr(factory, "companion_weights", ())
                architectures = getattr(factory, "companion_architectures", None) or (None,) * len(companions)
                row["companions"] = [{"weights": name, **_weights_facts(name, architecture)}
                                     for name, architecture in zip(companions, architectures)]
                row["present"] = row["present"] and all(c["present"] for c in row["companions"])
            rows.append(row)
    return rows


def _size(n: int) -> str:
    """A file's size, in KiB under one MiB (a 28-KB network read "0.0 MiB")."""
    if not n:
        return "—"
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.0f} KiB"


def format_table(rows: list[dict]) -> str:
    wide = max([12] + [len(r["name"]) for r in rows])  # the columns stay aligned for any engine name
    header = f"{'kind':<10} {'engine':<{wide}} {'weights':<24} {'status':<8} {'size':>9} {'memory':>10}  sha256"
    lines = [header, "-" * len(header)]
    for r in rows:
        status = "ready" if r["present"] else "DAMAGED" if r.get("damaged") else "MISSING"
        memory = f"{r['memory_mb']:.0f} MiB" if r["memory_mb"] else "—"
        sha = (r["sha256"] or "")[:16]
        lines.append(f"{r['kind']:<10} {r['name']:<{wide}} {(r['weights'] or 'none needed'):<24} "
                     f"{status:<8} {_size(r['bytes']):>9} {memory:>10}  {sha}".rstrip())
        for c in r.get("companions", ()):
            lines.append(f"{'':<10} {'':<{wide}} {'+ ' + c['weights']:<24} "
                         f"{'ready' if c['present'] else 'DAMAGED' if c.get('damaged') else 'MISSING':<8} "
                         f"{_size(c['bytes']):>9} {'':>10}  "
                         f"{(c['sha256'] or '')[:16]}")
    damaged = {c["damaged"] for r in rows for c in (r, *r.get("companions", ())) if c.get("damaged")}
    if damaged:
        lines.append("")
        lines += [f"Damaged weights: {reason}" for reason in sorted(damaged)]
    missing = [r for r in rows if not r["present"] and not any(
        c.get("damaged") for c in (r, *r.get("companions", ())))]
    if missing:
        lines.append("")
        lines.append("Missing weights: train them with 'muralstudio train ...' or see models/README.md.")
    lines.append("memory: working memory per 512² region (inpainters), for the model and one 640² "
                 "window (detector), one 512² window (labeler) or a session of clicks (click model)")
    return "\n".join(lines)
