"""Benchmarks: inpainting (PSNR/SSIM/HaarPSI/texture at controlled hole ratios), click
segmentation (NoC), damage detection (synthetic and real damage) and element labeling."""

from __future__ import annotations

import sys
from pathlib import Path

from muralstudio.core.bands import parse_ratio
from muralstudio.engines.detection import DEFAULT_DETECTOR

NAME = "bench"
HELP = "benchmarks (inpaint, clicks, detect, label)"


def add_arguments(parser) -> None:
    bench_sub = parser.add_subparsers(dest="bench_command", metavar="BENCHMARK", required=True)
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
    bd.add_argument("--engine", default=DEFAULT_DETECTOR, help="comma-separated detector names")
    bd.add_argument("--class", dest="damage_class", default=None,
                    help="class scored against the masks (default craquelure, or the synthetic kind)")
    bd.add_argument("--threshold", type=float, default=None,
                    help="probability threshold (default: each engine's calibrated one; with --real it "
                         "applies to --class, or to both classes)")
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


def _print_report(table: str, report: dict, json_path) -> int:
    print(table)
    if json_path:
        from muralstudio.core.imageio import write_json

        write_json(json_path, report)
    return 0


def run(args) -> int:
    if args.bench_command == "detect":
        from muralstudio.benchmarks import detect as bench_detect

        if args.real:
            names = list(bench_detect.REAL_CLASSES.values())
            if args.damage_class and args.damage_class not in names:
                raise ValueError(f"--class {args.damage_class!r}: real damage is scored as " + " or ".join(names))
            thresholds = None  # --threshold: for --class when given, else for both classes
            if args.threshold is not None:
                thresholds = {c: args.threshold for c in ([args.damage_class] if args.damage_class else names)}
            report = bench_detect.run_real(args.real, args.images, [e.strip() for e in args.engine.split(",")],
                                           "val" if args.split == "all" else args.split, args.tolerance,
                                           thresholds)
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
