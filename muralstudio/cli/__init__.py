"""Command line: ``muralstudio`` opens the window; subcommands use the same engines without Qt.

    muralstudio [IMAGE|PROJECT]          open the window (demo document when nothing is given)
    muralstudio info IMAGE [--json]      what the file is, from its header (a float TIFF's values too)
    muralstudio synth --out DIR ...      generate procedural murals with simulated damage
    muralstudio inpaint IMAGE --mask M --out OUT.tif   restore the masked damage
    muralstudio segment IMAGE --click X,Y,+ --out MASK.png   click-to-mask
    muralstudio bench inpaint|clicks|detect|label ...   benchmarks
    muralstudio train detect|clicks|backbone|label|inpaint ...   training
"""

from __future__ import annotations

import argparse
import os
import importlib
import logging
import sys
from pathlib import Path

from muralstudio import __version__
from muralstudio.core.errors import MuralStudioError, os_error_text

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


SUBCOMMANDS = tuple(sorted(command_modules()))


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 512x384, not {text!r}") from None
    if w < 16 or h < 16:
        raise argparse.ArgumentTypeError("size must be at least 16x16")
    return w, h


from muralstudio.core.bands import parse_ratio  # noqa: E402 (the band syntax of every --ratio)


def build_parser(with_trainers: bool = True) -> argparse.ArgumentParser:
    """The command-line parser. The training commands' options come from their modules, which
    import torch; ``with_trainers=False`` leaves them out so other commands start quickly."""
    parser = argparse.ArgumentParser(
        prog="muralstudio",
        usage="muralstudio [-h] [--version] [-v] [--selftest] [IMAGE | PROJECT | SUBCOMMAND ...]",
        description="Restoration workstation for photographs of murals. Without a subcommand "
                    "it opens the window (with a generated demo document when no file is given).",
        epilog=f"subcommands: {', '.join(SUBCOMMANDS)} (run 'muralstudio SUBCOMMAND --help')",
    )
    parser.add_argument("--version", action="version", version=f"MuralStudio {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("--selftest", action="store_true",
                        help="run the headless installation self-test and exit (0 = passed)")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")
    for name, module in sorted(command_modules().items()):
        parser_of = sub.add_parser(name, help=module.HELP, description=module.__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
        # a command whose options need torch (train) adds them only when it is the one run
        module.add_arguments(parser_of, **({"full": with_trainers} if getattr(module, "HEAVY", False) else {}))
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


#: options whose values may start with a minus sign (coordinates a pixel outside a crop)
COORDINATE_OPTIONS = ("--click", "--points", "--zoom", "--box")


def glue_negative_values(argv: list[str]) -> list[str]:
    """``--points -2,164;3,158`` as ``--points=-2,164;3,158``: argparse takes a value starting with
    a minus sign for an option unless it is a plain negative number, and said "expected one
    argument" to a reviewer's stroke starting a pixel outside the crop."""
    out, i = [], 0
    while i < len(argv):
        a = argv[i]
        following = argv[i + 1] if i + 1 < len(argv) else ""
        if a in COORDINATE_OPTIONS and following[:1] == "-" and following[1:2] in tuple("0123456789."):
            out.append(f"{a}={following}")
            i += 2
        else:
            out.append(a)
            i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.DEBUG if ("-v" in argv or "--verbose" in argv) else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not ("-v" in argv or "--verbose" in argv):
        # tifffile logs a damaged file's structure as errors before our one line naming the file
        # says what is wrong with it; with --verbose they are shown
        logging.getLogger("tifffile").setLevel(logging.CRITICAL)
    if "--selftest" in argv:
        from muralstudio import selftest

        return selftest.run()
    first = next((a for a in argv if not a.startswith("-")), None)
    if first not in SUBCOMMANDS and not any(a in ("-h", "--help", "--version") for a in argv):
        if first is not None and not Path(first).exists() and not Path(first).suffix:
            # a mistyped command ("selftest", "detcet"), not a file to open: say so, open nothing
            import difflib

            close = difflib.get_close_matches(first, [*SUBCOMMANDS, "selftest"], n=1)
            hint = ("; did you mean --selftest?" if close == ["selftest"] else
                    f"; did you mean '{close[0]}'?" if close else "")
            print(f"muralstudio: {first!r} is neither a command nor a file to open{hint} "
                  f"(muralstudio --help lists the commands)", file=sys.stderr)
            return 2
        return run_gui([a for a in argv if a not in ("-v", "--verbose")])
    argv = glue_negative_values(argv)
    args = build_parser(with_trainers=first == "train").parse_args(argv)
    args.command_line = ["muralstudio", *argv]  # model cards record the exact command
    protected: list = []  # this command's inputs, guarded while it runs (a process may run several)
    try:
        refuse_overwriting_inputs(args, protected)  # before any work, not after a long restoration
        return command_modules()[args.command].run(args)
    except MuralStudioError as exc:
        print(f"muralstudio {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, KeyError, FileNotFoundError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        if isinstance(exc, FileNotFoundError) and exc.filename:
            message = os_error_text(exc)
        print(f"muralstudio {args.command}: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError as exc:
        if _stdout_reader_gone():  # the reader of our output (`head`, a pager) stopped: no failure
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so exit's flush is quiet
            return 0
        print(f"muralstudio {args.command}: error: {exc}", file=sys.stderr)  # another pipe broke
        return 2
    except OSError as exc:  # full disk, read-only folder, …: one line naming the file
        print(f"muralstudio {args.command}: error: {os_error_text(exc)}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"muralstudio {args.command}: error: not enough memory for this image; lower "
              "--max-pixels or work on a crop", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: outputs are written atomically, so none is half-made
        print(f"muralstudio {args.command}: interrupted; no output was left half-written", file=sys.stderr)
        return 130
    finally:
        from muralstudio.core.atomic import release_original

        for path in protected:
            release_original(path)


def _stdout_reader_gone() -> bool:
    """Whether standard output is a pipe whose reader has closed it (poll reports an error on
    the writing end); assumed so where poll is missing (Windows)."""
    import select

    if not hasattr(select, "poll"):
        return True
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError):
        return False


#: options naming files a command writes (every other argument naming a file is read)
OUTPUT_OPTIONS = ("out", "elements", "json", "csv", "xlsx")
POSITIONAL_INPUTS = ("image", "project", "input", "geojson", "file", "checkpoint", "weights")  # no dashes


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _input_files(args) -> dict:
    """Every argument naming an existing file that is not an output: the image, project, mask,
    guide, GeoJSON, the image another takes its size from …"""
    found = {}
    for name, value in vars(args).items():
        for item in (value if isinstance(value, list) else [value]):
            if name not in OUTPUT_OPTIONS and isinstance(item, Path) and item.is_file():  # file arguments are Paths
                found.setdefault(name, []).append(item)
    return found


def refuse_overwriting_inputs(args, protected: list | None = None) -> None:
    """No command writes to a file it reads (the source, its project, mask, guide or sampling
    area, the image whose size an imported mask takes)."""
    from muralstudio.core.atomic import is_protected, protect_original

    inputs = _input_files(args)
    protected = [] if protected is None else protected  # the inputs registered here, for the caller to release
    for out_name in OUTPUT_OPTIONS:
        out = getattr(args, out_name, None)
        if not isinstance(out, (str, Path)):
            continue
        folder = Path(out).parent
        if str(folder) and not folder.is_dir() and not (out_name == "out" and Path(out).suffix == ""):
            raise ValueError(f"--{out_name} {out}: the folder {folder} does not exist")
        if Path(out).suffix and folder.is_dir() and not os.access(folder, os.W_OK):  # a file in a read-only folder: said now
            raise PermissionError(13, "the folder cannot be written (read-only or no permission)", str(out))
        written = [(f"--{out_name.replace('_', '-')} {out}", Path(out))]
        if out_name == "out" and Path(out).suffix:  # an image's record and XMP are written beside it
            from muralstudio.core.imageio.common import record_sidecar_path

            for sidecar in (record_sidecar_path(out), Path(out).with_suffix(".xmp")):
                written.append((f"{sidecar}, written beside --out {out},", sidecar))
        for in_name, source in ((name, item) for name, items in inputs.items() for item in items):
            if not is_protected(source):  # and should a writer still reach it, it refuses
                protect_original(source)
                protected.append(source)
            for what, target in written:
                if _same_file(target, Path(source)) or target.resolve() == Path(source).resolve():
                    raise ValueError(f"{what} is the input "
                                     f"{in_name.replace('_', '-') if in_name in POSITIONAL_INPUTS else '--' + in_name.replace('_', '-')} "
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
