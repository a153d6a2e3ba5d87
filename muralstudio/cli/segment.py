"""Positive clicks mark the region, negative clicks what is not part of it. Writes an 8-bit PNG
mask (255 = region).
"""

from __future__ import annotations

from pathlib import Path

NAME = "segment"
HELP = "make a mask from clicks on an object or damage"


def add_arguments(parser) -> None:
    from muralstudio.cli import _parse_click

    parser.add_argument("image", type=Path)
    parser.add_argument("--click", action="append", required=True, type=_parse_click,
                         metavar="X,Y,+|-", help="a click in image pixels (repeatable)")
    parser.add_argument("--engine", help="segmenter (default clicknet when its weights are "
                         "installed, else classic), optionally with settings: "
                         "NAME:KEY=VALUE[:KEY=VALUE...], e.g. clicknet:vflip=true")
    parser.add_argument("--out", type=Path, required=True)


def run(args) -> int:
    from muralstudio.core import imageio
    from muralstudio.core.pyramid import FileSource
    from muralstudio.engines import segmentation

    source = FileSource(args.image)
    for click in args.click:
        if not (0 <= click.x < source.info.width and 0 <= click.y < source.info.height):
            raise ValueError(f"click {click.x:g},{click.y:g} is outside the "
                             f"{source.info.width}×{source.info.height} image")
    args.engine = args.engine or segmentation.default_engine()
    prediction = segmentation.create_from_spec(args.engine).session(source).predict(args.click)
    mask = prediction.full_mask(source.info.height, source.info.width)
    imageio.write_png(args.out, mask)
    print(f"{args.engine}: {int(mask.sum()):,} pixels in the region -> {args.out}")
    return 0
