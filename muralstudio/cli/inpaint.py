"""Inpaint every damaged region at native resolution; pixels outside the mask stay bit-identical
(in TIFF and PNG; JPEG re-encodes every pixel, and says so).
Writes the image at the source bit depth with ICC and metadata, the restoration record inside it
and as OUT.record.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

from muralstudio.cli.options import add_server_argument

NAME = "inpaint"
HELP = "restore the masked damage of an image"


def add_arguments(parser) -> None:
    parser.add_argument("image", type=Path)
    parser.add_argument("--mask", type=Path, required=True,
                        help="mask image, nonzero = damaged (a `detect` mask is unreviewed proposals: "
                             "review them in the window first)")
    parser.add_argument("--out", type=Path, required=True, help="output .tif, .png or .jpg (a new file: an "
                        "existing one is replaced only with --overwrite)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace --out if it exists (it may be an original photograph or an earlier "
                             "restoration: never replaced by default)")
    parser.add_argument("--engine", help="inpainting engine (default: fourier when its weights are "
                         "installed, else telea)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    add_server_argument(parser)
    parser.add_argument("--color-match", action="store_true",
                         help="match the fill's colour to the intact ring around each hole")
    parser.add_argument("--grow", type=int, default=None, metavar="PX",
                        help="grow the mask by PX px before filling (default 2: a flake's pale rim left "
                             "outside its mask comes back as a pale ghost; 0 keeps to the mask exactly); "
                             "the grown mask is what is restored and recorded")
    parser.add_argument("--context", type=float, default=1.0,
                         help="context margin around each region, × its size (default 1.0)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                         help="engine parameter, e.g. --param patch_size=9 (repeatable)")
    parser.add_argument("--max-pixels", type=int, default=None, help="pixel limit for reading")
    parser.add_argument("--xmp-sidecar", action="store_true", help="also write OUT.xmp (the XMP packet)")
    parser.add_argument("--guide", type=Path, help="lines drawn inside the damage (nonzero = line) "
                         "that the fill continues (edgeconnect, fourier)")
    parser.add_argument("--sample-area", type=Path, help="mask of where texture may be copied "
                         "from (nonzero = allowed; patchmatch)")


def run(args) -> int:
    from muralstudio.ops.inpaint import InpaintRequest, inpaint_file

    if args.out.exists() and not args.overwrite:
        # a typo in --out replaced another mural's original, which a saved project then refused
        raise ValueError(f"--out {args.out} exists already: inpaint never replaces an existing image unless "
                         "asked (it may be an original photograph or an earlier restoration); choose another "
                         "name, or add --overwrite")

    from muralstudio.engines.inpainting import default_engine
    from muralstudio.engines.registry import parse_settings, split_spec

    # one syntax for every engine: NAME:KEY=VALUE; --param KEY=VALUE stays as an alias
    name, spec_settings = split_spec(args.engine or default_engine())
    request = InpaintRequest(image=args.image, mask=args.mask, out=args.out, engine=name,
                             settings={**spec_settings, **parse_settings(args.param)}, device=args.device,
                             color_match=args.color_match, context=args.context, guide=args.guide,
                             sample_area=args.sample_area, max_pixels=args.max_pixels,
                             xmp_sidecar=args.xmp_sidecar, server=args.server,
                             **({} if args.grow is None else {"grow": args.grow}))

    if Path(args.out).suffix.lower() in (".jpg", ".jpeg"):
        print(f"warning: {args.out} is JPEG, which re-encodes every pixel: the pixels outside the mask "
              f"will not stay identical to the original; write .tif or .png to keep them", file=sys.stderr)

    live, shown = sys.stderr.isatty(), set()

    def progress(fraction, stage):
        if live:  # one line rewritten in place
            print(f"\r{name}: {100 * fraction:5.1f} % {stage:<24}", end="", file=sys.stderr, flush=True)
        elif int(fraction * 10) not in shown:  # a log file or pipe: a line per tenth
            shown.add(int(fraction * 10))
            print(f"{name}: {100 * fraction:5.1f} % {stage}", file=sys.stderr, flush=True)

    result = inpaint_file(request, progress)
    if live:
        print(file=sys.stderr)
    print(f"restored {result.regions} region(s), {result.pixels:,} pixels, with "
          f"{name} in {result.seconds:.1f} s -> {result.out}")
    dark = [risk["box"] for risk in result.risks if risk["reason"] == "dark"]
    if dark:
        print(f"warning: {len(dark)} restored region(s) of {args.mask} are mostly dark paint, more often "
              f"original linework, hair or robes than loss (the first at x {dark[0][0]}, y {dark[0][1]}); "
              f"check them (a detector's proposals are not reviewed damage)", file=sys.stderr)
    return 0
