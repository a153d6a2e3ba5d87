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
import logging
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


SUBCOMMANDS = ("bench", "train", *sorted(command_modules()))


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


    train = sub.add_parser("train", help="train the networks (" + ", ".join(n for n, _ in TRAINERS) + ")")
    train_sub = train.add_subparsers(dest="train_command", metavar="MODEL", required=True)
    for name, what in TRAINERS if with_trainers else ():
        trainer = importlib.import_module(f"muralstudio.train.{name}")
        trainer.add_arguments(train_sub.add_parser(name, help=what, description=trainer.__doc__))


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


def cmd_train(args) -> int:
    logging.getLogger("muralstudio").setLevel(logging.INFO)
    trainer = importlib.import_module(f"muralstudio.train.{args.train_command}")
    weights = trainer.train(args)
    if weights is not None:  # None: an evaluation, which printed its own table
        print(f"weights: {weights}")
    return 0


COMMANDS = {"bench": cmd_bench, "train": cmd_train}


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
