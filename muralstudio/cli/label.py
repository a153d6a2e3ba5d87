"""PSP-M over the whole image in overlapping windows at the model's working scale. Writes an
indexed PNG (pixel value = class, class colours in the palette) and optionally the elements as
JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

from muralstudio.cli.options import add_server_argument

NAME = "label"
HELP = "label mural elements (people, Buddha, animal, ...)"


def add_arguments(parser) -> None:
    parser.add_argument("image", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="LABELS.png")
    parser.add_argument("--elements", type=Path, default=None,
                       help="ELEMENTS.json: class, area, box, colour, embedding per element")
    parser.add_argument("--probabilities", type=Path, default=None, metavar="DIR",
                       help="also write one 8-bit probability PNG per class into DIR")
    parser.add_argument("--engine", default="pspm", help="labeler (default pspm)")
    parser.add_argument("--min-area", type=int, default=256, help="smallest element in pixels")
    parser.add_argument("--scale", type=float, default=None,
                       help="working scale (default: the model's)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    add_server_argument(parser)


def run(args) -> int:
    from muralstudio.ops.label import LabelRequest, label_file

    request = LabelRequest(image=args.image, out=args.out, engine=args.engine, device=args.device,
                           elements=args.elements, min_area=args.min_area, scale=args.scale,
                           probabilities_dir=args.probabilities, server=args.server)
    summary = label_file(request, log=lambda m: print(m, file=sys.stderr))
    total = sum(summary["pixels_per_class"].values()) or 1
    for name, count in summary["pixels_per_class"].items():
        if count:
            print(f"{name}: {count:,} pixels ({count / total:.1%})")
    print(f"labels: {args.out}" + (f"; {summary['elements']} elements: {args.elements}"
                                   if args.elements else "") + f" ({summary['seconds']:.1f} s)")
    return 0
