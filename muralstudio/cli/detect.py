"""Damage detection over the whole image, window by window, with the chosen detector (default
flecks-vetted: pale flakes of paint loss; resunet, resunet-real: the Res-UNet). Writes per-class
probability maps (8-bit PNG, 0–255 = 0–1) and masks (8-bit PNG, 255 = proposed damage) into --out-dir
for each class the engine looks for; a class it does not look for (flecks-vetted: craquelure) is
said to be not assessed, on the console and in STEM.detect.json ("not_assessed"), and gets no file.
The masks are proposals, not reviewed damage: review them in the window before restoring.
"""

from __future__ import annotations

import sys
from pathlib import Path

from muralstudio.cli.options import add_server_argument

from muralstudio.engines.detection import DEFAULT_DETECTOR

NAME = "detect"
HELP = "find craquelure and paint loss"


def add_arguments(parser) -> None:
    parser.add_argument("image", type=Path)
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--engine", default=DEFAULT_DETECTOR, help=f"detector (default {DEFAULT_DETECTOR})")
    parser.add_argument("--threshold", type=float, default=None,
                        help="probability above which a pixel is damage (default: the model's)")
    parser.add_argument("--min-area", type=int, default=None,
                        help="drop detected regions smaller than this many pixels")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    add_server_argument(parser)


def run(args) -> int:
    from muralstudio.ops.detect import DetectRequest, detect_file

    request = DetectRequest(image=args.image, out_dir=args.out_dir, engine=args.engine, device=args.device,
                            threshold=args.threshold, min_area=args.min_area, server=args.server)
    written = detect_file(request, log=lambda m: print(m, file=sys.stderr))
    for name, path in written.items():
        print(f"{name}: {path}")
    import json

    summary = json.loads(Path(written["report"]).read_text(encoding="utf-8"))
    for name in summary.get("not_assessed", []):
        print(f"{name}: not assessed ({args.engine.split(':')[0]} does not look for it; none found is not none there)")
    if summary.get("scale_hint"):
        engine = args.engine.split(":")[0]
        print(f"little was proposed: if this photograph shows the wall in more detail than the ~500-px "
              f"murals the detector learned from, detect again at a working scale, e.g. "
              f"--engine {engine}:scale={summary['scale_hint']:g}", file=sys.stderr)
    return 0
