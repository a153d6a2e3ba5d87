"""Command line: ``muralstudio`` opens the window; subcommands use the same engines without Qt.

    muralstudio [IMAGE|PROJECT]          open the window (demo document when nothing is given)
    muralstudio info IMAGE [--json]      what the file is, from its header alone
    muralstudio synth --out DIR ...      generate procedural murals with simulated damage
    muralstudio inpaint IMAGE --mask M --out OUT.tif   restore the masked damage
    muralstudio segment IMAGE --click X,Y,+ --out MASK.png   click-to-mask
    muralstudio bench inpaint|clicks ... benchmarks
"""

from __future__ import annotations

import argparse
import os
import importlib
import json
import logging
import math
import sys
from pathlib import Path

from muralstudio import __version__
from muralstudio.core.errors import MuralStudioError

import pkgutil


def command_modules() -> dict:
    """The commands that live in a module of their own in this package (``NAME``, ``HELP``,
    ``add_arguments(parser)``, ``run(args)``), found by scanning: adding a command is one module."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "run") and hasattr(module, "add_arguments"):
            found[module.NAME] = module
    return found


SUBCOMMANDS = ("info", "synth", "inpaint", "segment", "detect", "label", "bench", "train", "models", "vectors",
               "measure", *sorted(command_modules()))


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 512x384, not {text!r}") from None
    if w < 16 or h < 16:
        raise argparse.ArgumentTypeError("size must be at least 16x16")
    return w, h


from muralstudio.core.bands import parse_ratio  # noqa: E402 (the band syntax of every --ratio)


#: ``muralstudio train NAME`` → module ``muralstudio.train.NAME``
TRAINERS = (("detect", "Res-UNet craquelure / paint-loss detector"),
            ("clicks", "ClickNet click-segmentation model"),
            ("backbone", "pre-train PSP-M's backbone without labels"),
            ("label", "PSP-M element labeler"),
            ("inpaint", "PConv U-Net inpainter"))


def build_parser(with_trainers: bool = True) -> argparse.ArgumentParser:
    """The command-line parser. The training commands' options come from their modules, which
    import torch; ``with_trainers=False`` leaves them out so other commands start quickly."""
    parser = argparse.ArgumentParser(
        prog="muralstudio",
        description="Restoration workstation for photographs of murals. Without a subcommand "
                    "it opens the window (with a generated demo document when no file is given).",
        epilog=f"subcommands: {', '.join(SUBCOMMANDS)} (run 'muralstudio SUBCOMMAND --help')",
    )
    parser.add_argument("--version", action="version", version=f"MuralStudio {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("--selftest", action="store_true",
                        help="run the headless installation self-test and exit (0 = passed)")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")

    info = sub.add_parser("info", help="describe an image file from its header",
                          description="Print size, bit depth, channels, compression, tiling, "
                                      "ICC profile, resolution and tags, without decoding pixels.")
    info.add_argument("image", type=Path)
    info.add_argument("--json", action="store_true", help="print JSON")

    synth = sub.add_parser("synth", help="generate procedural murals with simulated damage",
                           description="Write image/mask pairs: DIR/images (damaged), DIR/clean, "
                                       "DIR/masks (union of damage), DIR/masks-KIND per kind and "
                                       "DIR/elements (element label maps, PSP-M classes 0-5).")
    synth.add_argument("--out", type=Path, required=True, help="output folder")
    synth.add_argument("--count", type=int, default=10)
    synth.add_argument("--size", type=_parse_size, default=(512, 512), help="WxH (default 512x512)")
    synth.add_argument("--damage", default="cracks,loss",
                       help="comma list of dust, jelly, cracks, loss, fading (default cracks,loss)")
    synth.add_argument("--ratio", type=parse_ratio, default=(0.1, 0.2),
                       help="hole-ratio band for dust/jelly masks, e.g. 0.3-0.4 (default 0.1-0.2)")
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--bit-depth", type=int, choices=(8, 16), default=8)
    synth.add_argument("--format", choices=("png", "tif"), default="png",
                       help="image format (masks are always PNG)")

    inpaint = sub.add_parser("inpaint", help="restore the masked damage of an image",
                             description="Inpaint every damaged region at native resolution; "
                                         "pixels outside the mask stay bit-identical. Writes the "
                                         "image at the source bit depth with ICC and metadata, "
                                         "the restoration record inside it and as OUT.record.json.")
    inpaint.add_argument("image", type=Path)
    inpaint.add_argument("--mask", type=Path, required=True, help="mask image, nonzero = damaged")
    inpaint.add_argument("--out", type=Path, required=True, help="output .tif, .png or .jpg")
    inpaint.add_argument("--engine", help="inpainting engine (default: fourier when its weights are "
                         "installed, else telea)")
    inpaint.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    inpaint.add_argument("--color-match", action="store_true",
                         help="match the fill's colour to the intact ring around each hole")
    inpaint.add_argument("--context", type=float, default=1.0,
                         help="context margin around each region, × its size (default 1.0)")
    inpaint.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                         help="engine parameter, e.g. --param patch_size=9 (repeatable)")
    inpaint.add_argument("--max-pixels", type=int, default=None, help="pixel limit for reading")
    inpaint.add_argument("--xmp-sidecar", action="store_true", help="also write OUT.xmp (the XMP packet)")
    inpaint.add_argument("--guide", type=Path, help="lines drawn inside the damage (nonzero = line) "
                         "that the fill continues (edgeconnect, fourier)")
    inpaint.add_argument("--sample-area", type=Path, help="mask of where texture may be copied "
                         "from (nonzero = allowed; patchmatch)")

    segment = sub.add_parser("segment", help="make a mask from clicks on an object or damage",
                             description="Positive clicks mark the region, negative clicks what "
                                         "is not part of it. Writes an 8-bit PNG mask (255 = region).")
    segment.add_argument("image", type=Path)
    segment.add_argument("--click", action="append", required=True, type=_parse_click,
                         metavar="X,Y,+|-", help="a click in image pixels (repeatable)")
    segment.add_argument("--engine", help="segmenter (default clicknet when its weights are "
                         "installed, else classic), optionally with settings: "
                         "NAME:KEY=VALUE[:KEY=VALUE...], e.g. clicknet:vflip=true")
    segment.add_argument("--out", type=Path, required=True)

    detect = sub.add_parser("detect", help="find craquelure and paint loss",
                            description="Sliding-window Res-UNet over the whole image (tile by "
                                        "tile). Writes per-class probability maps (16-bit PNG) "
                                        "and masks (8-bit PNG, 255 = damage) into --out-dir.")
    detect.add_argument("image", type=Path)
    detect.add_argument("--out-dir", type=Path, required=True)
    detect.add_argument("--engine", default="resunet", help="detector (default resunet)")
    detect.add_argument("--threshold", type=float, default=None,
                        help="probability above which a pixel is damage (default: the model's)")
    detect.add_argument("--min-area", type=int, default=None,
                        help="drop detected regions smaller than this many pixels")
    detect.add_argument("--device", default="cpu", help="cpu, cuda or auto")

    label = sub.add_parser("label", help="label mural elements (people, Buddha, animal, ...)",
                           description="PSP-M over the whole image in overlapping windows at the "
                                       "model's working scale. Writes an indexed PNG (pixel value "
                                       "= class, class colours in the palette) and optionally "
                                       "the elements as JSON.")
    label.add_argument("image", type=Path)
    label.add_argument("--out", type=Path, required=True, help="LABELS.png")
    label.add_argument("--elements", type=Path, default=None,
                       help="ELEMENTS.json: class, area, box, colour, embedding per element")
    label.add_argument("--probabilities", type=Path, default=None, metavar="DIR",
                       help="also write one 8-bit probability PNG per class into DIR")
    label.add_argument("--engine", default="pspm", help="labeler (default pspm)")
    label.add_argument("--min-area", type=int, default=256, help="smallest element in pixels")
    label.add_argument("--scale", type=float, default=None,
                       help="working scale (default: the model's)")
    label.add_argument("--device", default="cpu", help="cpu, cuda or auto")

    train = sub.add_parser("train", help="train the networks (" + ", ".join(n for n, _ in TRAINERS) + ")")
    train_sub = train.add_subparsers(dest="train_command", metavar="MODEL", required=True)
    for name, what in TRAINERS if with_trainers else ():
        trainer = importlib.import_module(f"muralstudio.train.{name}")
        trainer.add_arguments(train_sub.add_parser(name, help=what, description=trainer.__doc__))

    vectors = sub.add_parser("vectors", help="damage maps and labels as GeoJSON, and back")
    vectors_sub = vectors.add_subparsers(dest="vectors_command", metavar="export|import", required=True)
    vexport = vectors_sub.add_parser("export", help="mask and label layers of a project (or one mask "
                                     "image) as a GeoJSON FeatureCollection in pixel coordinates")
    vexport.add_argument("input", type=Path, help="a .mural project or a mask image (nonzero = damage)")
    vexport.add_argument("--out", type=Path, required=True, help="OUT.geojson, or OUT.svg for an overlay")
    vexport.add_argument("--tolerance", type=float, default=0.5,
                         help="outline simplification in pixels (0 = the exact pixel staircase)")
    vimport = vectors_sub.add_parser("import", help="GeoJSON polygons as an 8-bit mask PNG")
    vimport.add_argument("geojson", type=Path)
    vimport.add_argument("--like", type=Path, required=True, help="the image whose size the mask takes")
    vimport.add_argument("--layer", help="only the polygons of this layer")
    vimport.add_argument("--out", type=Path, required=True, help="MASK.png")

    measure = sub.add_parser("measure", help="areas (px, cm²), shares, region counts of damage layers "
                             "and element classes, as a table or CSV")
    measure.add_argument("project", type=Path, help="a .mural project")
    measure.add_argument("--csv", type=Path, help="write the table as CSV")
    measure.add_argument("--xlsx", type=Path, help="write the table as an Excel workbook")
    measure.add_argument("--elements", action="store_true", help="also list every element: area, box in cm")
    measure.add_argument("--mm-per-px", type=float, help="the physical scale (default: the image's DPI)")

    models = sub.add_parser("models", help="list engines and their weights")
    models_sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    ml = models_sub.add_parser("list", help="every engine, its weights, SHA-256, size, memory")
    ml.add_argument("--json", action="store_true")
    mi = models_sub.add_parser("import", help="convert an official checkpoint into our format",
                               description="Reads EdgeConnect or PConv U-Net checkpoints without "
                                           "unpickling code (weights_only), checks every key and "
                                           "shape against our network and writes safetensors.")
    mi.add_argument("checkpoint", type=Path)
    mi.add_argument("--as", dest="kind", required=True,
                    choices=("edgeconnect-edge", "edgeconnect-inpaint", "pconv"))
    mi.add_argument("--out", type=Path, default=None,
                    help="output .safetensors (default models/KIND.safetensors)")

    ma = models_sub.add_parser("average", help="average weights files of one network (a model soup)",
                               description="The mean of weights files fine-tuned from one start "
                                           "(same network, same tensors), written as safetensors.")
    ma.add_argument("weights", type=Path, nargs="+")
    ma.add_argument("--out", type=Path, required=True)

    bench = sub.add_parser("bench", help="benchmarks (inpaint, clicks, detect, label)")
    bench_sub = bench.add_subparsers(dest="bench_command", metavar="BENCHMARK", required=True)
    bi = bench_sub.add_parser("inpaint", help="PSNR/SSIM/HaarPSI/TV of inpainting engines",
                              description="The Dunhuang paper's protocol at controlled hole ratios.")
    bi.add_argument("--images", required=True, help="folder(s) of images, comma-separated")
    bi.add_argument("--masks", default="jelly", help="dust, jelly, or a folder of masks (same stem)")
    bi.add_argument("--ratio", type=parse_ratio, default=(0.1, 0.2), help="hole-ratio band, e.g. 0.3-0.4")
    bi.add_argument("--engines", default="telea,ns,patchmatch", help="comma-separated engine names")
    bi.add_argument("--size", type=int, default=256)
    bi.add_argument("--seed", type=int, default=0)
    bi.add_argument("--split", choices=("all", "train", "val"), default="all",
                    help="cave-held-out split of mural folders (default all)")
    bi.add_argument("--limit", type=int, default=None, help="use at most N images, spread evenly")
    bi.add_argument("--json", type=Path, default=None, help="also write the report as JSON")
    bc = bench_sub.add_parser("clicks", help="NoC@85/90, IoU after 1/3/5 clicks, ms per click",
                              description="The standard simulated-click protocol.")
    bc.add_argument("--images", required=True)
    bc.add_argument("--masks", required=True, help="masks with the images' stems, nonzero = object")
    bc.add_argument("--engines", default="classic,grabcut",
                    help="comma-separated engines, each NAME or NAME:KEY=VALUE[:KEY=VALUE...] to "
                         "compare an engine's settings, e.g. clicknet:refine_radius=0")
    bc.add_argument("--max-clicks", type=int, default=20)
    bc.add_argument("--limit", type=int, default=None)
    bc.add_argument("--json", type=Path, default=None)
    bd = bench_sub.add_parser("detect", help="accuracy, precision, recall, F1, mIoU, images/s",
                              description="Damage detection against ground-truth masks (same "
                                          "stem, nonzero = damage).")
    bd.add_argument("--images", required=True)
    bd.add_argument("--masks", default=None,
                    help="folder of masks; omit with --synthetic to render damage instead")
    bd.add_argument("--synthetic", choices=("loss", "cracks"), default=None,
                    help="render synthetic paint loss or craquelure on the images and score that class")
    bd.add_argument("--split", choices=("all", "train", "val"), default="all")
    bd.add_argument("--engine", default="resunet", help="comma-separated detector names")
    bd.add_argument("--class", dest="damage_class", default=None,
                    help="class scored against the masks (default craquelure, or the synthetic kind)")
    bd.add_argument("--threshold", type=float, default=None)
    bd.add_argument("--real", type=Path, default=None, metavar="DATASET",
                    help="score on real damage annotated with 'muralstudio annotate' (e.g. "
                         "datasets/mural-damage; --images is then the murals folder): paint loss and "
                         "craquelure, exact and within --tolerance px, and false alarms on confusable paint")
    bd.add_argument("--tolerance", type=float, default=2.0)
    bd.add_argument("--limit", type=int, default=None)
    bd.add_argument("--json", type=Path, default=None)
    bl = bench_sub.add_parser("label", help="PA, mPA, per-class IoU, mIoU, seconds per megapixel",
                              description="Element labeling against hand-drawn label maps "
                                          "(same stem, values 0-5). Engines: labeler names, "
                                          "pspm@WEIGHTS for other PSP-M weights, kmeans "
                                          "(colour clustering fitted on the training split).")
    bl.add_argument("--images", required=True)
    bl.add_argument("--labels", required=True)
    bl.add_argument("--engine", "--engines", dest="engines", default="pspm,kmeans",
                    help="comma-separated engines (default pspm,kmeans)")
    bl.add_argument("--split", choices=("all", "train", "val"), default="val",
                    help="cave-held-out split (default val)")
    bl.add_argument("--device", default="cpu")
    bl.add_argument("--json", type=Path, default=None)
    for name, module in sorted(command_modules().items()):
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.__doc__,
                                            formatter_class=argparse.RawDescriptionHelpFormatter))
    return parser


def _parse_click(text: str):
    from muralstudio.engines.segmentation import Click

    try:
        x, y, sign = text.split(",")
        if sign not in ("+", "-"):
            raise ValueError
        return Click(float(x), float(y), sign == "+")
    except ValueError:
        raise argparse.ArgumentTypeError(f"a click looks like 120,80,+ or 30,40,- (not {text!r})") from None


def cmd_segment(args) -> int:
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


def cmd_inpaint(args) -> int:
    from muralstudio.ops.inpaint import InpaintRequest, inpaint_file

    from muralstudio.engines.inpainting import default_engine
    from muralstudio.engines.registry import parse_settings, split_spec

    # one syntax for every engine: NAME:KEY=VALUE; --param KEY=VALUE stays as an alias
    name, spec_settings = split_spec(args.engine or default_engine())
    request = InpaintRequest(image=args.image, mask=args.mask, out=args.out, engine=name,
                             settings={**spec_settings, **parse_settings(args.param)}, device=args.device,
                             color_match=args.color_match, context=args.context, guide=args.guide,
                             sample_area=args.sample_area, max_pixels=args.max_pixels,
                             xmp_sidecar=args.xmp_sidecar)

    def progress(fraction, stage):
        print(f"\r{name}: {100 * fraction:5.1f} % {stage:<24}", end="", file=sys.stderr, flush=True)

    result = inpaint_file(request, progress)
    print(file=sys.stderr)
    print(f"restored {result.regions} region(s), {result.pixels:,} pixels, with "
          f"{name} in {result.seconds:.1f} s -> {result.out}")
    return 0


def _print_report(table: str, report: dict, json_path) -> int:
    print(table)
    if json_path:
        from muralstudio.core.imageio import write_json

        write_json(json_path, report)
    return 0


def cmd_bench(args) -> int:
    if args.bench_command == "detect":
        from muralstudio.benchmarks import detect as bench_detect

        if args.real:
            report = bench_detect.run_real(args.real, args.images, [e.strip() for e in args.engine.split(",")],
                                           "val" if args.split == "all" else args.split, args.tolerance)
            return _print_report(bench_detect.format_real_table(report), report, args.json)
        report = bench_detect.run(args.images, args.masks, [e.strip() for e in args.engine.split(",")],
                                  args.synthetic, args.damage_class, args.threshold, args.split,
                                  args.limit, log=lambda m: print(m, file=sys.stderr))
        return _print_report(bench_detect.format_table(report), report, args.json)
    if args.bench_command == "label":
        from muralstudio.benchmarks import label as bench_label

        report = bench_label.run(args.images, args.labels, [e.strip() for e in args.engines.split(",")],
                                 args.split, args.device, log=lambda m: print(m, file=sys.stderr))
        return _print_report(bench_label.format_table(report), report, args.json)
    if args.bench_command == "clicks":
        from muralstudio.benchmarks import clicks

        report = clicks.run(args.images, args.masks, [e.strip() for e in args.engines.split(",")],
                            args.max_clicks, args.limit, log=lambda m: print(m, file=sys.stderr))
        return _print_report(clicks.format_table(report), report, args.json)
    from muralstudio.benchmarks import inpaint as bench_inpaint

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    report = bench_inpaint.run(args.images, args.masks, args.ratio, engines, args.size, args.seed,
                               args.split, args.limit, log=lambda m: print(m, file=sys.stderr))
    print(bench_inpaint.format_table(report))
    if args.json:
        bench_inpaint.save_json(report, args.json)
    return 0


def cmd_info(args) -> int:
    from muralstudio.core.imageio import read_header

    info = read_header(args.image)
    data = info.describe()
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
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
        print("  restoration record embedded (MuralStudio)")
    for warning in info.warnings:
        print(f"  warning: {warning}")
    return 0


def cmd_synth(args) -> int:
    import numpy as np

    from muralstudio.core import imageio, synth

    kinds = [k.strip() for k in args.damage.split(",") if k.strip()]
    unknown = set(kinds) - {"dust", "jelly", "cracks", "loss", "fading"}
    if unknown:
        raise SystemExit(f"muralstudio synth: unknown damage kind(s) {', '.join(sorted(unknown))}; "
                         f"use dust, jelly, cracks, loss, fading")
    if args.count < 1:
        raise SystemExit("muralstudio synth: --count must be at least 1")
    width, height = args.size
    folders = {name: args.out / name for name in ("images", "clean", "masks", "elements")}
    folders.update({f"masks-{k}": args.out / f"masks-{k}" for k in kinds if k != "fading"})
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    suffix = ".tif" if args.format == "tif" else ".png"
    for i in range(args.count):
        seed = args.seed * 100_003 + i
        clean, labels = synth.generate_mural(width, height, seed=seed, bit_depth=args.bit_depth)
        damaged, masks = synth.apply_damage(clean, kinds, seed=seed + 1, ratio=args.ratio)
        stem = f"mural_{i:04d}"
        imageio.write_image(folders["images"] / f"{stem}{suffix}", damaged)
        imageio.write_image(folders["clean"] / f"{stem}{suffix}", clean)
        union = np.zeros((height, width), bool)
        for kind, mask in masks.items():
            union |= mask
            imageio.write_png(folders[f"masks-{kind}"] / f"{stem}.png", mask)
        imageio.write_png(folders["masks"] / f"{stem}.png", union)
        imageio.write_png(folders["elements"] / f"{stem}.png", labels)
        print(f"{stem}: damage {100 * union.mean():.1f} % "
              + " ".join(f"{k}={100 * m.mean():.1f}%" for k, m in masks.items()))
    print(f"wrote {args.count} murals ({width}×{height}, {args.bit_depth}-bit) to {args.out}")
    return 0


def cmd_detect(args) -> int:
    from muralstudio.ops.detect import DetectRequest, detect_file

    request = DetectRequest(image=args.image, out_dir=args.out_dir, engine=args.engine, device=args.device,
                            threshold=args.threshold, min_area=args.min_area)
    for name, path in detect_file(request, log=lambda m: print(m, file=sys.stderr)).items():
        print(f"{name}: {path}")
    return 0


def cmd_label(args) -> int:
    from muralstudio.ops.label import LabelRequest, label_file

    request = LabelRequest(image=args.image, out=args.out, engine=args.engine, device=args.device,
                           elements=args.elements, min_area=args.min_area, scale=args.scale,
                           probabilities_dir=args.probabilities)
    summary = label_file(request, log=lambda m: print(m, file=sys.stderr))
    total = sum(summary["pixels_per_class"].values()) or 1
    for name, count in summary["pixels_per_class"].items():
        if count:
            print(f"{name}: {count:,} pixels ({count / total:.1%})")
    print(f"labels: {args.out}" + (f"; {summary['elements']} elements: {args.elements}"
                                   if args.elements else "") + f" ({summary['seconds']:.1f} s)")
    return 0


def cmd_models(args) -> int:
    if args.models_command == "import":
        from muralstudio.engines.model_import import import_checkpoint

        out = import_checkpoint(args.checkpoint, args.kind, args.out or Path("models") / f"{args.kind}.safetensors")
        print(f"{args.kind}: {args.checkpoint} -> {out}")
        return 0
    if args.models_command == "average":
        from muralstudio.engines.weights import average_weights

        out = average_weights(args.weights, args.out)
        print(f"mean of {len(args.weights)} weights files -> {out}")
        return 0
    from muralstudio.engines import catalogue

    rows = catalogue.list_engines()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(catalogue.format_table(rows))
    return 0


def cmd_train(args) -> int:
    logging.getLogger("muralstudio").setLevel(logging.INFO)
    trainer = importlib.import_module(f"muralstudio.train.{args.train_command}")
    weights = trainer.train(args)
    if weights is not None:  # None: an evaluation, which printed its own table
        print(f"weights: {weights}")
    return 0


def cmd_vectors(args) -> int:
    import numpy as np

    from muralstudio.core import imageio
    from muralstudio.ops import vectors

    if args.vectors_command == "import":
        info = imageio.read_header(args.like)
        mask = vectors.import_geojson(args.geojson, (info.height, info.width), args.layer)
        imageio.write_png(args.out, mask.astype(np.uint8) * 255)
        print(f"{int(mask.sum()):,} pixels -> {args.out}")
        return 0
    if args.input.suffix == ".mural":
        from muralstudio.core.project import load_project

        doc = load_project(args.input)
        layers = [l for l in doc.layers if l.kind in ("mask", "labels")]
        scale = doc.info.dpi and 25.4 / doc.info.dpi[0]
    else:
        from muralstudio.core.document import Document

        pixels = imageio.read_image(args.input).pixels
        pixels = pixels.max(axis=2) if pixels.ndim == 3 else pixels
        doc = Document.from_array(np.zeros(pixels.shape + (3,), np.uint8), name=args.input.stem)
        layers = [doc.new_mask_layer(args.input.stem, pixels > 0)]
        scale = None
    if args.tolerance < 0 or not math.isfinite(args.tolerance):
        raise ValueError(f"--tolerance must be 0 or more pixels, not {args.tolerance}")
    if args.out.suffix.lower() == ".svg":
        vectors.export_svg(layers, args.out, doc.width, doc.height, tolerance=args.tolerance)
    else:
        vectors.export_geojson(layers, args.out, scale_mm_per_px=scale or None, tolerance=args.tolerance,
                               source=str(args.input))
    print(f"{len(layers)} layer(s) -> {args.out}")
    return 0


def cmd_measure(args) -> int:
    from muralstudio.core.project import load_project
    from muralstudio.ops import measure

    doc = load_project(args.project)
    if args.mm_per_px is not None and not (math.isfinite(args.mm_per_px) and args.mm_per_px > 0):
        raise ValueError(f"--mm-per-px must be a positive number, not {args.mm_per_px}")
    scale = args.mm_per_px or doc.mm_per_px  # the project's own scale, else the file's DPI
    rows = measure.measure_layers(doc.layers, doc.width * doc.height, scale)
    print(f"{doc.title}: {doc.width}×{doc.height} px" + (f", {scale:.4g} mm/px" if scale else ", no scale"))
    print(f"{'layer':<24}{'what':<12}{'pixels':>12}{'share':>8}{'regions':>9}{'largest':>10}{'cm²':>10}")
    for r in rows:
        area = f"{r.area_cm2:.2f}" if r.area_cm2 is not None else "—"
        print(f"{r.layer[:23]:<24}{r.what[:11]:<12}{r.pixels:>12,}{r.share:>8.2%}{r.regions:>9}"
              f"{r.largest_pixels:>10,}{area:>10}")
    if args.elements:
        print(f"\n{'element':<24}{'class':<12}{'pixels':>12}{'cm²':>10}  box (cm: x, y, w, h)")
        for e in measure.measure_elements(doc.layers, scale):
            area = f"{e.area_cm2:.2f}" if e.area_cm2 is not None else "—"
            box = ", ".join(f"{v:g}" for v in e.box_cm) if e.box_cm else "px " + ", ".join(map(str, e.box_px))
            print(f"{e.element[:23]:<24}{e.what[:11]:<12}{e.pixels:>12,}{area:>10}  {box}")
    if args.csv:
        measure.export_csv(rows, args.csv)
    if args.xlsx:
        measure.export_xlsx(rows, args.xlsx, title=doc.title, mm_per_px=scale)
    return 0


COMMANDS = {"measure": cmd_measure, "vectors": cmd_vectors, "info": cmd_info, "synth": cmd_synth, "inpaint": cmd_inpaint, "segment": cmd_segment,
            "bench": cmd_bench, "train": cmd_train, "detect": cmd_detect, "label": cmd_label, "models": cmd_models}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.DEBUG if ("-v" in argv or "--verbose" in argv) else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if "--selftest" in argv:
        from muralstudio import selftest

        return selftest.run()
    first = next((a for a in argv if not a.startswith("-")), None)
    if first not in SUBCOMMANDS and not any(a in ("-h", "--help", "--version") for a in argv):
        return run_gui([a for a in argv if a not in ("-v", "--verbose")])
    # "--click -1,5,+" is a value, not an option (argparse only knows plain negative numbers)
    argv = [f"{a}={argv[i + 1]}" if a == "--click" and i + 1 < len(argv) and argv[i + 1][:1] == "-"
            and argv[i + 1][1:2].isdigit() else a for i, a in enumerate(argv)
            if not (i > 0 and argv[i - 1] == "--click" and a[:1] == "-" and a[1:2].isdigit())]
    args = build_parser(with_trainers=first == "train").parse_args(argv)
    args.command_line = ["muralstudio", *argv]  # model cards record the exact command
    try:
        refuse_overwriting_inputs(args)  # before any work, not after a long restoration
        command = COMMANDS.get(args.command) or command_modules()[args.command].run
        return command(args)
    except MuralStudioError as exc:
        print(f"muralstudio {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, KeyError, FileNotFoundError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"muralstudio {args.command}: error: {message}", file=sys.stderr)
        return 2
    except OSError as exc:  # full disk, read-only folder, …: one line naming the file
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"muralstudio {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


#: options naming files a command reads, and files it writes
INPUT_OPTIONS = ("image", "mask", "guide", "sample_area", "checkpoint")
OUTPUT_OPTIONS = ("out", "elements", "json")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def refuse_overwriting_inputs(args) -> None:
    """No command writes to a file it reads (the source, its mask, guide or sampling area)."""
    for out_name in OUTPUT_OPTIONS:
        out = getattr(args, out_name, None)
        if not isinstance(out, (str, Path)):
            continue
        folder = Path(out).parent
        if str(folder) and not folder.is_dir() and not (out_name == "out" and Path(out).suffix == ""):
            raise ValueError(f"--{out_name} {out}: the folder {folder} does not exist")
        for in_name in INPUT_OPTIONS:
            source = getattr(args, in_name, None)
            if isinstance(source, (str, Path)) and (_same_file(Path(out), Path(source))
                                                    or Path(out).resolve() == Path(source).resolve()):
                raise ValueError(f"--{out_name.replace('_', '-')} {out} is the input "
                                 f"{'--' + in_name.replace('_', '-') if in_name != 'image' else 'image'} "
                                 f"{source}: MuralStudio never writes to its inputs; choose another name")


def run_gui(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="muralstudio", description="Open the window.")
    parser.add_argument("file", nargs="?", type=Path, help="image or .mural project to open")
    args = parser.parse_args(argv)
    if no_display():
        print("muralstudio: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set): start it "
              "on a desktop, over ssh -X, or under xvfb-run; the command-line tools (muralstudio "
              "--help) work without one", file=sys.stderr)
        return 2
    from muralstudio.gui.app import run

    return run(args.file)


def no_display() -> bool:
    """On Linux and other X11/Wayland systems, whether a window could not be shown at all (Qt
    would abort naming its xcb plugin instead). An explicit QT_QPA_PLATFORM is respected."""
    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


if __name__ == "__main__":
    raise SystemExit(main())
