"""Print size, bit depth, channels, compression, tiling, ICC profile, resolution and tags, without
decoding pixels (of a TIFF, its table of tiles or strips is checked against the file; a
floating-point TIFF's values are read band by band, since only they tell whether it opens; a
JPEG or PNG is checked for its end marker, the mark of a file cut off).
"""

from __future__ import annotations

import json
from pathlib import Path

NAME = "info"
HELP = "describe an image file from its header"


def add_arguments(parser) -> None:
    parser.add_argument("image", type=Path)
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args) -> int:
    from muralstudio.core.imageio import read_header

    if args.image.suffix.lower() == ".mural":  # a project, not an image: say what it holds
        return _describe_project(args)
    info = read_header(args.image)
    data = info.describe()
    damage, verdict = None, "DAMAGED"
    if info.format == "TIFF":
        # its table of tiles or strips against the file (nothing decoded): a truncated file, or
        # a header promising more than the file holds, is told here
        from muralstudio.core.errors import MuralStudioError
        from muralstudio.core.imageio import check_float_values, check_tiff_chunks

        try:
            check_tiff_chunks(args.image)
        except MuralStudioError as exc:
            damage = str(exc)
        if damage is None and info.float_samples:
            try:
                check_float_values(args.image, info)
            except MuralStudioError as exc:
                damage, verdict = str(exc), "CANNOT OPEN"
    elif info.format in ("JPEG", "PNG"):
        damage = _truncated(args.image, info.format)
    if info.format in ("TIFF", "JPEG", "PNG"):
        data["data_readable"] = damage is None
        if damage is not None:
            data["problem"] = damage
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0 if damage is None else 2
    print(f"{data['path']}")
    print(f"  format       {data['format']}{' (BigTIFF)' if data['bigtiff'] else ''}")
    print(f"  size         {info.width} × {info.height} ({info.pixels / 1e6:.1f} megapixels)")
    print(f"  pixels       {info.channels} channel(s), {info.bit_depth}-bit"
          f"{', alpha' if info.has_alpha else ''} [{data['mode']}]")
    if info.format == "TIFF":
        layout = f"tiled {info.chunk_shape[1]}×{info.chunk_shape[0]}" if info.tiled \
            else f"strips of {info.chunk_shape[0]} rows" if info.chunk_shape else "single block"
        print(f"  layout       {layout}, compression {info.compression}, {info.pages} page(s)")
    icc = data["icc_description"] or ("present" if info.icc_profile else "none")
    print(f"  ICC profile  {icc}{f' ({len(info.icc_profile)} bytes)' if info.icc_profile else ''}")
    print(f"  resolution   {f'{info.dpi[0]:g} × {info.dpi[1]:g} dpi' if info.dpi else 'not set'}")
    print(f"  memory       {info.nbytes / 2**20:,.0f} MiB decoded")
    for key, value in info.tags.items():
        print(f"  {key:<12} {value[:120]}")
    if info.record_json:
        _print_record(info.record_json)
    for warning in info.warnings:
        print(f"  warning: {warning}")
    if damage is not None:
        print(f"  {verdict:<12} {damage}")
        return 2
    return 0


def _print_record(text: str) -> None:
    """The embedded restoration record, a line per restoration (``--json`` gives it whole)."""
    try:
        record = json.loads(text)
        restorations = record.get("restorations") or []
        source = record.get("source") or {}
    except (ValueError, AttributeError):
        print("  restoration record embedded (MuralStudio), unreadable")
        return
    print(f"  restored     {len(restorations)} time(s) with MuralStudio {record.get('muralstudio', '?')}"
          + (f" from {source.get('name') or source.get('path') or 'its source'}"
             f" (SHA-256 {str(source.get('sha256'))[:12]}…)" if source.get("sha256") else ""))
    for n, entry in enumerate(restorations, 1):
        if not isinstance(entry, dict):
            continue
        harness = (entry.get("parameters") or {}).get("harness") or {}
        grown = f", mask grown {harness['grow']} px" if harness.get("grow") else ""
        where = f" on {entry['server']}" if entry.get("server") else ""
        print(f"    {n}. {entry.get('engine')} {entry.get('engine_version', '')}, {entry.get('created', '')}, "
              f"{int(entry.get('mask_pixels') or 0):,} px{grown}{where}"
              + (f", weights {str(entry['weights_sha256'])[:12]}…" if entry.get("weights_sha256") else ""))
        if entry.get("confirmed_risks"):
            print(f"       restored after a warning: {len(entry['confirmed_risks'])} region(s)")
    print("  (--json for the whole record with every parameter)")


def _truncated(path, kind: str) -> str | None:
    """A JPEG without its end-of-image marker, or a PNG without its IEND chunk, near the end of
    the file: cut off (a copy interrupted, a disk full) — its header reads as if whole."""
    marker = b"\xff\xd9" if kind == "JPEG" else b"IEND"
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 4096))
        tail = handle.read()
    if marker in tail:
        return None
    end = "end-of-image marker" if kind == "JPEG" else "IEND chunk"
    return f"{path}: the {kind} data stops before its {end} (the file is cut off)"


def _describe_project(args) -> int:
    from muralstudio.core.project import read_manifest

    manifest = read_manifest(args.image)  # a damaged one is said by name
    source = manifest.get("source") or {}
    layers = manifest.get("layers") or []
    data = {"path": str(args.image), "format": "MuralStudio project",
            "format_version": manifest.get("format_version"), "source": source.get("path"),
            "source_sha256": source.get("sha256"), "layers": [layer.get("name") for layer in layers],
            "detections": len(manifest.get("detections") or []), "saved": manifest.get("saved")}
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(f"{data['path']}")
    print(f"  format       MuralStudio project (format {data['format_version']}), saved {data['saved']}")
    print(f"  source       {data['source']}")
    print(f"  layers       {len(layers)}: {', '.join(map(str, data['layers']))[:200]}")
    print(f"  detections   {data['detections']}")
    print("  open it with 'muralstudio PROJECT', report it with 'muralstudio report PROJECT'")
    return 0
