"""Label a crop of a mural with the click segmenter and the brush, one command at a time (a
scripted annotation session; the project's own datasets are made with it).

  muralstudio annotate new SESSION IMAGE --classes elements|damage [--box X,Y,W,H]
  muralstudio annotate click SESSION --class people --click 120,80,+ [--click 30,40,-]
  muralstudio annotate click SESSION --element 2 --click 60,90,-      (refine element #2)
  muralstudio annotate stroke SESSION --class crack --points 10,10;40,32;80,35 --radius 2
  muralstudio annotate polygon SESSION --class background --points 0,0;90,0;90,60
  muralstudio annotate polygon SESSION --class paint-loss --file flakes.txt   (one polygon a line)
  muralstudio annotate polygon SESSION --class confusable --points OUTER --hole INNER  (a halo's ring)
  muralstudio annotate polygon SESSION --class confusable --points ...  (goes under the damage
                                          marks already made; --on-top paints it last)
  muralstudio annotate relabel SESSION ITEM --class Buddha
  muralstudio annotate stroke SESSION --class crack --points 10,12;80,30 --radius 1 --snap 4
                                                        (slid onto the crack it follows)
  muralstudio annotate undo SESSION [--click [--one]]     (the item added last, or the last command's
                                                        clicks, or only its last click)
  muralstudio annotate delete SESSION ITEM[,ITEM-ITEM]    (any items, not only the last; numbers as listed)
  muralstudio annotate move SESSION ITEM --to 0           (paint it first, under the others)
  muralstudio annotate tighten SESSION ITEM --lighter 90  (only its pixels lighter than L=90, as polygons)
  muralstudio annotate list SESSION [--class C] [--min-area PX]  (one line per item: class, pixels, box)
  muralstudio annotate flecks SESSION [--inside confusable [--wholly]] [--dark 80|30%] [--out candidates.png]
        [--tiles tiles.png [--context 30]] (each unmarked speck enlarged, plain and outlined, numbered)
        [--max-area 60] [--top 40]        (no joined giants; only the strongest)
        [--zoom X,Y,W,H]                  (pale specks that may be flakes of loss, to judge;
                                          ringed and numbered, in a part of the crop)
        [--accept 0,3,7-9 [--class C]]   (mark the listed specks you judged loss, exactly, at once;
                                          --class: as another class, numbers as listed)
  muralstudio annotate show SESSION --out overlay.png   (labels, clicks, element numbers, grid)
        [--outline [--fill paint-loss]] [--enhance | --flatten] [--numbers] [--labels L.png]
        [--zoom X,Y,W,H] [--smooth] [--no-marks] [--grid 0] [--points X,Y;..]  (outlines on the
                                          untouched image; a part of the crop; enlarged
                                          bicubically; without click dots and numbers; no grid)
        [--plain] [--kept]                (the photograph alone; in a revision, the saved
                                          pixels kept as saved outlined in yellow)
  muralstudio annotate save SESSION --dataset datasets/mural-elements --annotator NAME
  muralstudio annotate revise SESSION --dataset D --name CROP --murals FOLDER [--flat]
                                          (reopen a saved crop with its items, to list, delete,
                                          move or relabel them and add more; save it again)

Each command prints the session's summary (items, clicks, class shares). `save` writes
DATASET/labels/NAME.png (palette PNG, value = class index) and DATASET/records/NAME.json (the
crop, every click and stroke, seconds from `new` to `save`, split by cave).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

NAME = "annotate"
HELP = "label a crop with clicks and brush strokes, recorded (how our datasets are made)"


def _points(text: str) -> list[tuple[float, float]]:
    try:
        return [tuple(float(v) for v in p.split(",")) for p in text.replace(" ", "").split(";") if p]
    except ValueError:
        raise ValueError(f"points look like 10,10;40,32;80,35 (not {text!r})") from None


def _numbered_point_lines(path: Path) -> list[tuple[int, list[tuple[float, float]]]]:
    """(line number, points) of ``path``, one point list per line (blank lines and # comments
    skipped; a byte-order mark, as some Windows editors write, is read past)."""
    out = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8-sig").splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                out.append((number, _points(line)))
            except Exception as exc:  # noqa: BLE001 — argparse's own errors name no line
                raise ValueError(f"{path}, line {number}: {exc}") from None
    if not out:
        raise ValueError(f"{path}: no point lists in it (one per line: X,Y;X,Y;...)")
    return out



def _lightness_or_share(text: str) -> float | str:
    """A lightness (``80``) or a share of the crop's darkest pixels (``30%``), kept as given."""
    text = text.strip()
    try:
        if text.endswith("%"):
            share = float(text[:-1])
            if not 0 < share <= 100:
                raise ValueError
            return f"{share:g}%"
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a lightness (0–255, e.g. 80) or a share such as 30%, not {text!r}")


def _box(text: str) -> tuple[int, int, int, int]:
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"a box looks like X,Y,W,H (not {text!r})") from None
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        raise ValueError(f"a box X,Y,W,H starts inside the crop and has a width and height (not {text!r})")
    return x, y, w, h


def add_arguments(parser) -> None:
    from muralstudio.cli import _parse_click

    sub = parser.add_subparsers(dest="annotate_command", metavar="ACTION", required=True)
    new = sub.add_parser("new", help="start a session on an image or a crop of it")
    new.add_argument("session", type=Path)
    new.add_argument("image", type=Path)
    new.add_argument("--classes", choices=("elements", "damage"), required=True)
    new.add_argument("--box", type=_box, help="crop X,Y,W,H in image pixels (default: all)")
    new.add_argument("--engine", default="clicknet", help="click segmenter (default clicknet)")
    new.add_argument("--replace", action="store_true", help="discard an unsaved session in that folder")
    revise = sub.add_parser("revise", help="reopen a saved crop of a dataset to add to or correct "
                                           "its labels (new items paint over the saved map)")
    revise.add_argument("session", type=Path)
    revise.add_argument("--dataset", type=Path, required=True)
    revise.add_argument("--name", required=True, help="the saved crop (records/NAME.json)")
    revise.add_argument("--murals", type=Path, required=True, help="folder of the images it refers to")
    revise.add_argument("--replace", action="store_true", help="discard an unsaved session in that folder")
    revise.add_argument("--flat", action="store_true",
                        help="paint over the saved map without bringing back its items (faster on "
                             "crops of many clicked elements; saved marks can then only be painted over)")
    click = sub.add_parser("click", help="clicks on a new element (--class) or on --element N")
    click.add_argument("session", type=Path)
    click.add_argument("--class", dest="label")
    click.add_argument("--element", type=int)
    click.add_argument("--click", action="append", required=True, type=_parse_click, metavar="X,Y,+|-")
    click.add_argument("--within", type=float, default=None, metavar="PX",
                       help="keep only pixels within PX of a positive click: a small loss in dark "
                            "paint stays a small loss instead of taking the whole dark region "
                            "(where the model filled the disk, the fleck's own colour region is kept)")
    on_top_help = ("a new confusable mark goes under the paint-loss and crack marks, so an outline "
                   "drawn round a robe keeps the flecks marked in it; --on-top paints it last instead")
    click.add_argument("--on-top", action="store_true", help=on_top_help)
    for name in ("stroke", "polygon"):
        p = sub.add_parser(name, help=f"paint a {name} of a class")
        p.add_argument("session", type=Path)
        p.add_argument("--class", dest="label", required=True)
        given = p.add_mutually_exclusive_group(required=True)
        given.add_argument("--points", type=_points, metavar="X,Y;X,Y;...")
        given.add_argument("--file", type=Path, metavar="LINES.txt",
                           help=f"many {name}s in one command, one per line (X,Y;X,Y;...): on a crop of "
                                f"hundreds of items each command took seconds")
        p.add_argument("--on-top", action="store_true", help=on_top_help)
        if name == "polygon":
            p.add_argument("--hole", action="append", type=_points, default=[], metavar="X,Y;X,Y;...",
                           help="leave this polygon inside it unpainted (a halo's ring round the head; "
                                "repeat for more holes; with --points)")
        if name == "stroke":
            p.add_argument("--radius", type=float, default=3.0)
            p.add_argument("--snap", type=float, metavar="PX",
                           help="slide the stroke up to PX onto the thin line it follows (a crack, "
                                "a scratch) before painting")
            p.add_argument("--line", choices=("dark", "light"),
                           help="with --snap: follow a dark or a light line (default: either)")
    relabel = sub.add_parser("relabel", help="give item N another class")
    relabel.add_argument("session", type=Path)
    relabel.add_argument("item", type=int)
    relabel.add_argument("--class", dest="label", required=True)
    undo = sub.add_parser("undo", help="remove the element or stroke added last (--click: only "
                                       "the last clicks on an element)")
    undo.add_argument("session", type=Path)
    undo.add_argument("--click", action="store_true",
                      help="take back the last command's clicks on the element clicked last (or "
                           "--element N) and re-segment it from the clicks before")
    undo.add_argument("--element", type=int)
    undo.add_argument("--one", action="store_true",
                      help="with --click: only the last click given, not the whole command's")
    delete = sub.add_parser("delete", help="remove item N, or several at once (3,5,7-9: numbers as "
                                           "listed before the command)")
    delete.add_argument("session", type=Path)
    delete.add_argument("item", metavar="N[,N-M]")
    tighten = sub.add_parser("tighten", help="replace item N by polygons tracing only its pixels lighter "
                                             "(or darker) than L (gaps of a pixel joined): a rough polygon "
                                             "round pale flakes loses the intact paint between them; undo "
                                             "brings the item back")
    tighten.add_argument("session", type=Path)
    tighten.add_argument("item", type=int)
    side = tighten.add_mutually_exclusive_group(required=True)
    side.add_argument("--lighter", type=float, metavar="L", help="keep pixels of Lab lightness (0–255) above L")
    side.add_argument("--darker", type=float, metavar="L", help="keep pixels of Lab lightness (0–255) below L")
    tighten.add_argument("--min-area", type=int, default=3, metavar="PX",
                         help="leave out pieces smaller than PX pixels (default 3)")
    move = sub.add_parser("move", help="move item N to another place in the painting order "
                                       "(later items paint over earlier ones)")
    move.add_argument("session", type=Path)
    move.add_argument("item", type=int)
    move.add_argument("--to", type=int, required=True, metavar="POSITION",
                      help="new position (0 = painted first, under everything)")
    show = sub.add_parser("show", help="write the overlay PNG")
    show.add_argument("session", type=Path)
    show.add_argument("--out", type=Path, required=True)
    show.add_argument("--outline", action="store_true", help="outlines only, on the untouched image")
    show.add_argument("--zoom", type=_box, help="show only X,Y,W,H of the crop, enlarged")
    show.add_argument("--no-marks", action="store_true",
                      help="leave out the click dots and item numbers (they hide small flecks)")
    show.add_argument("--grid", type=int, default=50, metavar="PX",
                      help="coordinate grid every PX crop pixels (when zoomed a fifth of it, or wider "
                           "where the numbers would run into each other); 0: none")
    show.add_argument("--points", type=_points, default=(), metavar="X,Y;X,Y",
                      help="mark these crop pixels with a cross and their coordinates, to check where "
                           "clicks or vertices would land before giving them")
    show.add_argument("--fill", type=lambda text: tuple(n.strip() for n in text.split(",") if n.strip()),
                      default=(), metavar="CLASS[,CLASS]",
                      help="with --outline: tint these classes all the same (e.g. paint-loss: a loss marked "
                           "inside a robe and a hole in the robe's mask have the same outline)")
    show.add_argument("--enhance", action="store_true",
                      help="stretch the contrast of the lightness locally (CLAHE): faint cracks and "
                           "scratches stand out")
    show.add_argument("--flatten", action="store_true",
                      help="show the lightness alone with the wall's broad shading taken off: fine "
                           "craquelure on mottled plaster stands out from the grain")
    show.add_argument("--numbers", action="store_true",
                      help="number every item, strokes and polygons too (not only clicked elements); "
                           "shown with --no-marks too")
    show.add_argument("--labels", type=Path, metavar="LABELS.png",
                      help="also write the session's label map as it is now (a palette PNG like a saved "
                           "one), to check edits with other tools before saving")
    show.add_argument("--plain", action="store_true",
                      help="the photograph alone, enlarged: no labels, outlines or clicks (the grid stays "
                           "unless --grid 0)")
    show.add_argument("--kept", action="store_true",
                      help="in a revision, a yellow line round the saved pixels kept as saved (those its "
                           "items do not reproduce)")
    show.add_argument("--smooth", action="store_true",
                      help="enlarge the image smoothly (faint scratches stay visible)")
    flecks = sub.add_parser("flecks", help="list pale specks that may be flakes of loss (candidates "
                                           "to judge by eye; nothing is marked)")
    flecks.add_argument("session", type=Path)
    flecks.add_argument("--contrast", type=float, default=45.0,
                        help="how much lighter than the paint around (Lab lightness 0–255, default 45)")
    flecks.add_argument("--radius", type=int, default=4, help="largest speck radius in px (default 4)")
    flecks.add_argument("--min-area", type=int, default=1, metavar="PX",
                        help="leave out specks smaller than PX pixels: on our crops half the candidates "
                             "are 1–2 px, nearly all print grain (6 %% of them on labelled loss in the "
                             "training crops, 1 %% in the validation crops); --min-area 3 halves the list")
    flecks.add_argument("--max-area", type=int, metavar="PX",
                        help="leave out specks larger than PX pixels (neighbouring specks join into large "
                             "ones that cover the view)")
    flecks.add_argument("--top", type=int, metavar="N",
                        help="list only the N strongest candidates not yet marked (and the marked ones among them)")
    flecks.add_argument("--inside", help="only specks in pixels already of this class (e.g. confusable)")
    flecks.add_argument("--wholly", action="store_true",
                        help="with --inside: only specks lying wholly in that class, none straddling its edge")
    flecks.add_argument("--dark", type=_lightness_or_share, metavar="L|P%",
                        help="only specks in paint darker than L (Lab lightness 0–255, e.g. 80): the flecks "
                             "in black bands and robes, marked confusable or not; P%% (e.g. 30%%): in the "
                             "darkest P %% of the crop, for dark-brown figures whose paint is lighter than 80")
    flecks.add_argument("--out", type=Path, help="also write the crop with the candidates ringed and numbered")
    flecks.add_argument("--tiles", type=Path, metavar="OUT.png",
                        help="also write numbered tiles of the candidates not yet marked, each enlarged with "
                             "the paint around it, plain and outlined (48 a page: OUT.png, OUT-2.png …)")
    flecks.add_argument("--context", type=int, metavar="PX",
                        help="with --tiles: show PX pixels of paint on each side of each speck (default "
                             "about three times its size, at least 12)")
    flecks.add_argument("--zoom", type=_box, help="ring only the candidates in X,Y,W,H of the crop, "
                                                  "enlarged (numbers stay those of the whole list)")
    flecks.add_argument("--accept", metavar="N,N-M",
                        help="mark these listed candidates (numbers as listed with the same options) "
                             "as --class, each exactly its own pixels, in one command")
    flecks.add_argument("--class", dest="label",
                        help="class of the specks to list as marked and to accept (default paint-loss); with "
                             "--accept after a listing made with another class, the numbers stay that "
                             "listing's and the specks take this class")
    listing = sub.add_parser("list", help="one line per item: number, kind, class, pixels, box")
    listing.add_argument("session", type=Path)
    listing.add_argument("--class", dest="label", help="only the items of this class")
    listing.add_argument("--min-area", type=int, metavar="PX", help="only the items of at least PX pixels")
    listing.add_argument("--max-area", type=int, metavar="PX", help="only the items of at most PX pixels")
    save = sub.add_parser("save", help="write the label map and the record into a dataset")
    save.add_argument("session", type=Path)
    save.add_argument("--dataset", type=Path, required=True)
    save.add_argument("--annotator", required=True)
    save.add_argument("--notes", default="")
    save.add_argument("--empty", action="store_true", help="save a crop with nothing marked (it holds "
                                                           "none of the classes)")


def _same_class_twin(session, index: int) -> tuple[int, float] | None:
    """Another clicked element of the same class covering most of element ``index`` (an
    annotator clicked the same black shape twice and got two overlapping elements)."""
    mask = session.item_mask(index)
    if not mask.any():
        return None
    for other, item in enumerate(session.items):
        if other != index and item.kind == "element" and item.label == session.items[index].label:
            overlap = float((session.item_mask(other) & mask).sum() / mask.sum())
            if overlap >= 0.5:
                return other, overlap
    return None


def _placed_under(session, index: int, count_before: int) -> str:
    """Say so when a new item went under others (later items moved up by one)."""
    if len(session.items) > count_before and index < count_before:
        last = len(session.items) - 1
        over = f"item #{last}" if last == index + 1 else f"items #{index + 1}–#{last}"
        return (f", painted under {over} (from the first damage mark on, renumbered one up; "
                "--on-top paints it last)")
    return ""


def run(args) -> int:
    from muralstudio.ops.annotate import AnnotationError, Session

    action = args.annotate_command
    if action == "new":
        session = Session.create(args.session, args.image, args.classes, args.box, args.engine, args.replace)
    elif action == "revise":
        session = Session.revise(args.session, args.dataset, args.name, args.murals, items=not args.flat,
                                 replace=args.replace)
        revising = session.data["revising"]
        if "restored" in revising:
            back = (f"{revising['restored']} saved items back as #0–#{revising['restored'] - 1} ('annotate "
                    "list' names them)" if revising["restored"] else "no saved items")
            print(f"{back}; {revising['kept_pixels']} saved pixels their replay does not reproduce are kept as saved"
                  + (" ('annotate list' says where, 'annotate show --kept' outlines them)" if revising["kept_pixels"]
                     else ""))
    else:
        session = Session(args.session)
    if action in ("click", "stroke", "polygon"):
        if action == "click" and args.on_top and args.element is not None:
            raise ValueError("--on-top places a new element; an element keeps its place when "
                             "clicked again ('annotate move' changes it)")
        count, before = len(session.items), session.label_map()
        if action == "click":
            index = session.click(args.label, [(c.x, c.y, c.positive) for c in args.click], args.element,
                                  args.within, args.on_top)
        else:
            numbered = [(0, args.points)] if args.points is not None else _numbered_point_lines(args.file)
            if args.points is None:  # every line checked before any is drawn: all or nothing
                for number, points in numbered:
                    try:
                        session.stroke_points(points, action == "polygon")
                    except AnnotationError as exc:
                        raise ValueError(f"{args.file}, line {number}: {exc}") from None
            lines = [points for _, points in numbered]
            if args.points is None and action == "stroke":
                dots = [number for number, points in numbered if len(points) == 1]
                if dots:  # a stray one-point line paints a dot, which may not be what was meant
                    print(f"note: {args.file}, line{'s' if len(dots) > 1 else ''} "
                          f"{', '.join(map(str, dots))}: one point, painted as a dot of radius {args.radius:g}")
            holes = getattr(args, "hole", [])
            if holes and args.points is None:
                raise ValueError("--hole goes with --points (one polygon and its holes)")
            for points in lines:
                index = session.stroke(args.label, points, getattr(args, "radius", 0.0), action == "polygon",
                                       getattr(args, "snap", None), getattr(args, "line", None), args.on_top,
                                       holes=holes)
        changed = int((session.label_map() != before).sum())
        many = action != "click" and args.points is None and len(lines) > 1
        print((f"{len(lines)} {action}s, the last #{index}" if many else
               f"{'element' if action == 'click' else action} #{index}{_placed_under(session, index, count)}") + "; "
              + (f"{changed} px changed class" if changed else
                 "no pixel changed class (already that class, or covered by items painted after it)"))
        if action == "click" and args.element is None:
            twin = _same_class_twin(session, index)
            if twin is not None:
                print(f"note: most of it is already element #{twin[0]} of the same class ({twin[1]:.0%} "
                      f"overlap); to change that one, click with --element {twin[0]} (and undo this)")
    elif action == "relabel":
        session.relabel(args.item, args.label)
    elif action == "undo" and (args.click or args.element is not None or args.one):
        index = session.undo_click(args.element, args.one)
        print("element removed (no clicks left)" if index is None else f"element #{index}")
    elif action == "undo":
        untightening = bool(session.data.get("tightened"))
        print(f"removed {session.undo()}" + ("" if untightening else " (later items move up by one)"))
    elif action == "delete":
        from muralstudio.ops.annotate import parse_numbers

        removed = session.delete(parse_numbers(args.item, len(session.items), "item", "delete"))
        for line in removed:
            print(f"removed {line}")
        print("the items after them move up" + (f" by {len(removed)}" if len(removed) > 1 else " by one"))
    elif action == "tighten":
        before = session.describe(args.item)
        pieces = session.tighten(args.item, args.lighter, args.darker, args.min_area)
        area = int(sum(session.item_mask(i).sum() for i in pieces))
        numbers = f"#{pieces[0]}" if len(pieces) == 1 else f"#{pieces[0]}–#{pieces[-1]}"
        print(f"replaced {before}\nby {len(pieces)} polygon{'s' if len(pieces) > 1 else ''} {numbers}, "
              f"{area} px (the items after them move by {len(pieces) - 1})")
    elif action == "flecks":
        from muralstudio.ops.annotate import class_index, pale_fleck_candidates

        last = session.data.get("fleck_listing") or {}
        # numbers to accept are those listed: the listing's class decides which specks show as
        # marked (and so the numbers of --top and --inside); --class says what the accepted become
        listed_as = (last.get("class") or "paint-loss") if args.accept else (args.label or "paint-loss")
        label = args.label or listed_as
        labels = session.label_map()
        marked = labels == class_index(session.data["classes"], listed_as)
        where = None
        if args.inside:  # specks marked since stay listed, so the numbers do not move
            where = (labels == class_index(session.data["classes"], args.inside)) | marked
        if args.wholly and not args.inside:
            raise ValueError("--wholly goes with --inside CLASS (the class the specks must lie in)")
        dark = args.dark
        if isinstance(dark, str):  # a share of the crop's darkest pixels: their lightness is the limit
            import numpy as np

            from muralstudio.core.maskops import lab_lightness

            dark = float(np.percentile(lab_lightness(session.crop()), float(dark[:-1])))
            print(f"--dark {args.dark}: paint darker than L {dark:.0f}")
        found = pale_fleck_candidates(session.crop(), args.radius, args.contrast, where, marked, args.min_area,
                                      wholly=args.wholly, dark=dark, max_area=args.max_area)
        if args.top:  # the N strongest not yet marked; the marked ones before them stay listed (numbers hold)
            unmarked = [i for i, c in enumerate(found) if not c["marked"]]
            last = unmarked[args.top - 1] if len(unmarked) >= args.top else len(found) - 1
            found = found[:last + 1]
        options = {"class": listed_as, "radius": args.radius, "contrast": args.contrast,
                   "min_area": args.min_area, "max_area": args.max_area, "top": args.top,
                   "inside": args.inside, "wholly": args.wholly, "dark": args.dark}
        if args.accept:
            from muralstudio.ops.annotate import parse_numbers

            differ = session.fleck_listing_differs(options)
            if differ:
                def given(key):
                    value, flag = last.get(key), f"--{key.replace('_', '-')}"
                    return (f"without {flag}" if value in (None, False) else f"with {flag}" if value is True
                            else f"with {flag} {value}")

                raise ValueError("the numbers to accept are those of the last listing, made "
                                 + ", ".join(map(given, differ))
                                 + "; list again with these options, or accept with those")
            numbers = parse_numbers(args.accept, len(found))
            added = session.accept_flecks(label, found, numbers, listed_as)
            skipped = len(numbers) - len(added)
            items = f"item {added[0]}" if len(added) == 1 else f"items {added[0]}–{added[-1]}" if added else ""
            print((f"{len(added)} specks marked {label}: {items}" if added
                   else f"no specks marked {label}")
                  + (f"; {skipped} already marked, skipped" if skipped else ""))
            print(json.dumps(session.summary(), ensure_ascii=False))
            return 0
        if args.out:  # before the list, which may go to a pager that stops reading
            from muralstudio.core import imageio

            imageio.write_png(args.out, session.candidates_overlay(found, args.zoom))
            print(f"candidates -> {args.out}")
        if args.tiles:
            from muralstudio.core import imageio

            if args.context is not None and args.context < 1:
                raise ValueError(f"--context is how many px of paint to show round a speck (1 or more), not {args.context}")
            for page, tiles in enumerate(session.candidates_tiles(found, args.zoom, context=args.context), 1):
                target = args.tiles if page == 1 else args.tiles.with_name(f"{args.tiles.stem}-{page}{args.tiles.suffix}")
                imageio.write_png(target, tiles)
                print(f"tiles -> {target}")
        session.remember_fleck_listing(options)
        session.log_view("flecks")
        for number, c in enumerate(found):
            print(f"{number}: {c['x']},{c['y']}  {c['area']} px, +{c['contrast']:.0f}"
                  + (f"  (marked {listed_as})" if c["marked"] else ""))
    elif action == "list":
        from muralstudio.ops.annotate import class_index

        session.log_view("list")
        wanted = None if args.label is None else class_index(session.data["classes"], args.label)
        shown = 0
        for index, item in enumerate(session.items):
            if wanted is not None and item.label != wanted:
                continue
            if args.min_area is not None or args.max_area is not None:
                area = int(session.item_mask(index).sum())
                if area < (args.min_area or 0) or (args.max_area is not None and area > args.max_area):
                    continue
            print(session.describe(index))
            shown += 1
        if shown < len(session.items):
            print(f"{shown} of {len(session.items)} items listed (numbers are those of the whole list)")
        if session.data.get("revising", {}).get("kept_pixels"):
            print(session.describe_kept())
    elif action == "move":
        session.move(args.item, args.to)
    elif action == "show" and args.plain and (args.outline or args.fill or args.numbers or args.kept):
        raise ValueError("--plain shows the photograph alone: leave out --outline, --fill, --numbers and --kept")
    elif action == "show" and args.fill and not args.outline:
        raise ValueError("--fill goes with --outline (without it every class is tinted)")
    elif action == "show":
        from muralstudio.core import imageio

        if args.enhance and args.flatten:
            raise ValueError("--enhance and --flatten are two views: give one")
        imageio.write_png(args.out, session.overlay(args.grid, tint=not args.outline, box=args.zoom,
                                                    smooth=args.smooth, marks=not (args.no_marks or args.plain),
                                                    points=args.points, fill=args.fill, enhance=args.enhance,
                                                    numbers=args.numbers, flatten=args.flatten,
                                                    plain=args.plain, kept=args.kept))
        session.log_view("show")
        print(f"overlay -> {args.out}")
        if args.labels:
            session.write_label_map(args.labels)
            print(f"labels -> {args.labels}")
    elif action == "save":
        target = session.save(args.dataset, args.annotator, args.notes, empty=args.empty)
        print(f"labels -> {target}")
    print(json.dumps(session.summary(), ensure_ascii=False))
    return 0
