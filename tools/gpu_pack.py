"""Build the data pack that `tools/gpu_train_all.py` trains from on a lent GPU machine.

The device machine gets a copy of the working tree and nothing beside it (no ../shared), at
most 64 MiB in all. This copies the part of the training data every training command needs into
one folder, downsized and re-encoded, in the folder layout the commands expect:

    PACK/murals/<group>/*.jpg          every mural, longer side <= --mural-side, JPEG 4:2:0
    PACK/natural/*.jpg                 every photograph, longer side <= --natural-side
    PACK/cracks/<set>/<part>/{images,masks}  an evenly spaced subset of each labelled crack set's
                                       training part (and of DeepCrack's validation part)
    PACK/mural-labels/{images,labels}  the hand-labelled elements, full size (labels as they are)
    PACK/mural-damage/{records,labels,classes.json}
                                       the training split of datasets/mural-damage (records
                                       stripped to the fields the trainers read)
    PACK/damage-murals/<group>/*.jpg   the murals those records refer to, FULL size (the crop
                                       boxes must stay where they are), JPEG 4:4:4, grey outside
                                       the boxes (most of their bytes)
    PACK/init/*.safetensors            the shipped weights the fine-tunes start from
    PACK/PACK.json                     what was packed, from where, with sizes and checks

    python tools/gpu_pack.py --out .gpu/pack            # the real pack (about 40-50 MiB)
    python tools/gpu_pack.py --out /tmp/p --tiny        # a few images of each (tests, smoke runs)

Run it here (it needs ../shared/datasets and models/); ignore the folder in git
(`echo /.gpu/ >> .git/info/exclude`) and name it in the device call's `carry`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"

#: shipped weights the device run starts from (`--init` of the fine-tunes, the frozen G1 the
#: EdgeConnect G2 recipe trains beside)
INIT_WEIGHTS = ("detect-resunet-light", "clicknet", "pspm-backbone-colour", "fourier-inpaint",
                "edgeconnect-edge", "edgeconnect-inpaint")

#: labelled crack sets and how many training pairs of each go into the pack (evenly spaced)
CRACK_SETS = {"deepcrack": 300, "crack500": 100, "gaps384": 200, "aiglern": 60}
#: and of their validation parts (the detector's stage-2 recipe validates on DeepCrack's)
CRACK_VALID = {"deepcrack": 60}
TINY_CRACKS = 6

#: record fields the trainers read (annotated_crops, real_crops, flecks)
RECORD_FIELDS = ("image", "group", "box", "name", "classes", "split", "cave")

GREY = 128


def mib(n: int) -> float:
    return n / 2**20


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def read_rgb8(path: Path) -> np.ndarray:
    """Pixels exactly as the trainers read them (muralstudio's own reader)."""
    from muralstudio.core.imageio import read_image, to_rgb8

    return to_rgb8(read_image(path).pixels)


def shrink(rgb: np.ndarray, longest: int) -> np.ndarray:
    import cv2

    scale = longest / max(rgb.shape[:2])
    if scale >= 1:
        return rgb
    return cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def write_jpeg(rgb: np.ndarray, path: Path, quality: int, full_chroma: bool) -> int:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(rgb)).save(path, "JPEG", quality=quality, optimize=True,
                                                    subsampling=0 if full_chroma else 2)
    return path.stat().st_size


def evenly(items: list, count: int | None) -> list:
    """``count`` items spread evenly over the sorted list (all when it has no more)."""
    if count is None or len(items) <= count:
        return list(items)
    index = np.linspace(0, len(items) - 1, count).round().astype(int)
    return [items[i] for i in sorted(set(index.tolist()))]


# ---------------------------------------------------------------------------------------------
# Choosing what a tiny pack keeps: a few of each, with both splits present


def tiny_murals(paths: list[Path], count: int) -> list[Path]:
    """``count`` murals of a group: mostly training caves, at least two of the validation caves
    and of the training caves' "select" part (the fourier recipe's model selection)."""
    from muralstudio.core.datasets import cave_split, selection_caves

    train = cave_split(paths, "train")
    val = cave_split(paths, "val")
    fit, select = selection_caves(train)
    picked = fit[:count - 4] + select[:2] + val[:2]
    return sorted(picked)


def tiny_records(records: list[dict]) -> list[dict]:
    """Training crops of three caves (flecks' folds need two), one of them a cave of the
    "select" part (the detector's held-out real crops)."""
    from muralstudio.core.datasets import selection_caves

    by_cave: dict[str, list[dict]] = {}
    for record in records:
        by_cave.setdefault(str(record["cave"]), []).append(record)
    select = [c for c, rs in by_cave.items() if selection_caves([Path(rs[0]["image"])])[1]]
    fit = [c for c in by_cave if c not in select]
    caves = fit[:2] + select[:1]
    return [r for c in caves for r in by_cave[c][:2]]


# ---------------------------------------------------------------------------------------------
# The parts of the pack


def pack_murals(shared: Path, out: Path, args, report: dict) -> None:
    from muralstudio.core.datasets import list_images

    count, size = 0, 0
    for group in sorted(p for p in (shared / "murals").iterdir() if p.is_dir()):
        paths = list_images(group)
        if args.tiny:
            paths = tiny_murals(paths, 8)
        for path in paths:
            rgb = shrink(read_rgb8(path), args.mural_side)
            size += write_jpeg(rgb, out / "murals" / group.name / f"{path.stem}.jpg", args.quality, False)
            count += 1
    report["murals"] = {"images": count, "longest_side": args.mural_side, "jpeg_quality": args.quality,
                        "chroma": "4:2:0", "source": str(shared / "murals")}


def pack_natural(shared: Path, out: Path, args, report: dict) -> None:
    from muralstudio.core.datasets import cave_split, list_images

    paths = list_images(shared / "natural")
    if args.tiny:  # photographs are split by a hash of the name: keep some of each part
        paths = sorted(cave_split(paths, "train")[:6] + cave_split(paths, "val")[:2])
    for path in paths:
        write_jpeg(shrink(read_rgb8(path), args.natural_side), out / "natural" / f"{path.stem}.jpg",
                   args.quality, False)
    report["natural"] = {"images": len(paths), "longest_side": args.natural_side,
                         "jpeg_quality": args.quality, "source": str(shared / "natural")}


def pack_cracks(shared: Path, out: Path, args, report: dict) -> None:
    from muralstudio.core.datasets import list_images, pairs_with_masks

    report["cracks"] = {}
    parts = [(name, "train", count) for name, count in CRACK_SETS.items()]
    parts += [(name, "valid", count) for name, count in CRACK_VALID.items()]
    for name, part, count in parts:
        source = shared / "cracks" / name / part
        if not source.is_dir():
            continue
        pairs = evenly(pairs_with_masks(list_images(source / "images"), source / "masks"),
                       TINY_CRACKS if args.tiny else count)
        target = out / "cracks" / name / part
        (target / "masks").mkdir(parents=True, exist_ok=True)
        for image, mask in pairs:
            write_jpeg(read_rgb8(image), target / "images" / f"{image.stem}.jpg", args.crack_quality, False)
            shutil.copyfile(mask, target / "masks" / mask.name)
        report["cracks"][f"{name}/{part}"] = {"pairs": len(pairs), "of": len(list_images(source / "images")),
                                              "jpeg_quality": args.crack_quality}


def pack_labels(shared: Path, out: Path, args, report: dict) -> None:
    """The hand-labelled elements at full size (the label maps must match), images re-encoded
    4:4:4 at high quality."""
    from muralstudio.core.datasets import cave_split, list_images, pairs_with_masks, selection_caves

    source = shared / "mural-labels"
    pairs = pairs_with_masks(list_images(source / "images"), source / "labels")
    if args.tiny:  # both parts of the training caves, and a validation cave
        fit, select = selection_caves(cave_split([p for p, _ in pairs], "train"))
        keep = set(fit[:4] + select[:2] + cave_split([p for p, _ in pairs], "val")[:1])
        pairs = [pq for pq in pairs if pq[0] in keep]
    for image, label in pairs:
        write_jpeg(read_rgb8(image), out / "mural-labels" / "images" / f"{image.stem}.jpg",
                   args.label_quality, True)
        (out / "mural-labels" / "labels").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(label, out / "mural-labels" / "labels" / label.name)
    for extra in ("classes.json",):
        if (source / extra).exists():
            shutil.copyfile(source / extra, out / "mural-labels" / extra)
    report["mural-labels"] = {"pairs": len(pairs), "jpeg_quality": args.label_quality, "chroma": "4:4:4"}


def pack_damage(shared: Path, out: Path, args, report: dict) -> None:
    """datasets/mural-damage's training split and the murals it refers to: full size, so the
    records' boxes stay valid, with everything outside the boxes (widened to whole 8-px JPEG
    blocks plus a block, so no block straddles a box's edge) painted grey."""
    from muralstudio.core.datasets import list_images

    dataset = Path(args.damage)
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((dataset / "records").glob("*.json"))]
    records = [r for r in records if r["split"] == "train"]
    if args.tiny:
        records = tiny_records(records)
    index = {p.stem: p for p in list_images(shared / "murals")}
    target = out / "mural-damage"
    (target / "records").mkdir(parents=True, exist_ok=True)
    (target / "labels").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(dataset / "classes.json", target / "classes.json")
    boxes: dict[str, list] = {}
    for record in records:
        name = record["name"]
        stripped = {k: record[k] for k in RECORD_FIELDS if k in record}
        (target / "records" / f"{name}.json").write_text(json.dumps(stripped, indent=1), encoding="utf-8")
        shutil.copyfile(dataset / "labels" / f"{name}.png", target / "labels" / f"{name}.png")
        boxes.setdefault(record["image"], []).append(record["box"])
    errors = []
    for stem, its_boxes in sorted(boxes.items()):
        source = index[stem]
        rgb = read_rgb8(source)
        h, w = rgb.shape[:2]
        keep = np.zeros((h, w), bool)
        for x, y, bw, bh in its_boxes:
            x0, y0 = max(0, (x // 8 - 1) * 8), max(0, (y // 8 - 1) * 8)
            x1, y1 = min(w, (-(-(x + bw) // 8) + 1) * 8), min(h, (-(-(y + bh) // 8) + 1) * 8)
            keep[y0:y1, x0:x1] = True
        masked = np.where(keep[..., None], rgb, np.uint8(GREY))
        path = out / "damage-murals" / source.parent.name / f"{stem}.jpg"
        write_jpeg(masked, path, args.damage_quality, True)
        back = read_rgb8(path)
        for x, y, bw, bh in its_boxes:
            diff = np.abs(back[y:y + bh, x:x + bw].astype(np.int16) - rgb[y:y + bh, x:x + bw])
            errors.append((float(diff.mean()), int(diff.max())))
    report["mural-damage"] = {
        "records": len(records), "split": "train", "source": str(dataset),
        "murals": len(boxes), "jpeg_quality": args.damage_quality, "chroma": "4:4:4",
        "crop_error_mean": round(float(np.mean([e[0] for e in errors])), 3) if errors else None,
        "crop_error_max": max((e[1] for e in errors), default=None)}


def half_copy(source: Path, target: Path) -> float:
    """``source``'s float32 tensors stored as float16 (half the bytes; the device run turns them
    back into float32 before training: see gpu_train_all.restore_init), metadata kept. Returns
    the largest rounding error relative to each tensor's largest magnitude (about 5e-4 at most:
    fp16 keeps 11 significant bits; a tensor fp16 cannot hold stays float32)."""
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file

    tensors, worst = {}, 0.0
    with safe_open(str(source), "pt") as handle:
        metadata = dict(handle.metadata() or {})
        for key in handle.keys():
            tensor = handle.get_tensor(key)
            if tensor.dtype == torch.float32 and tensor.numel():
                half = tensor.half()
                top = float(tensor.abs().max())
                error = float((half.float() - tensor).abs().max()) / max(top, 1e-30)
                if torch.isfinite(half).all() and error <= 1e-3:
                    tensor, worst = half, max(worst, error)
            tensors[key] = tensor
    metadata["gpu_pack"] = json.dumps({"float16_of": source.name,
                                       "sha256": hashlib.sha256(source.read_bytes()).hexdigest()})
    save_file(tensors, str(target), metadata=metadata)
    return worst


def pack_init(models: Path, out: Path, report: dict, half: bool) -> None:
    target = out / "init"
    target.mkdir(parents=True, exist_ok=True)
    report["init"] = {}
    for name in INIT_WEIGHTS:
        source = models / f"{name}.safetensors"
        if not source.is_file():
            report["init"][name] = None
            print(f"gpu_pack: {source} is missing: its fine-tune will start from nothing", file=sys.stderr)
            continue
        entry = {"sha256": hashlib.sha256(source.read_bytes()).hexdigest(), "bytes": source.stat().st_size}
        if half:
            entry["float16_max_relative_error"] = half_copy(source, target / source.name)
        else:
            shutil.copyfile(source, target / source.name)
        report["init"][name] = entry


# ---------------------------------------------------------------------------------------------
# What would travel


#: what a sparse checkout for the device call keeps (README: "Training everything on a lent GPU")
SPARSE_KEEP = ("muralstudio/", "tools/")


def travel_estimate(pack: Path) -> dict:
    """Bytes the device call would send with the sparse checkout of the README: the tracked
    files it keeps, untracked files git does not ignore (the pack among them unless ignored),
    and the pack."""
    def git(*words) -> list[str]:
        done = subprocess.run(["git", *words], cwd=ROOT, capture_output=True, text=True, check=False)
        return [line for line in done.stdout.split("\0") if line] if done.returncode == 0 else []

    tracked = git("ls-files", "-z")
    kept = [p for p in tracked if "/" not in p or p.startswith(SPARSE_KEEP)]
    untracked = git("ls-files", "-z", "--others", "--exclude-standard")

    def size(paths):
        return sum((ROOT / p).stat().st_size for p in paths if (ROOT / p).is_file())

    ignored = subprocess.run(["git", "check-ignore", "-q", str(pack.resolve())], cwd=ROOT).returncode == 0
    return {"tracked_kept": size(kept), "tracked_all": size(tracked), "untracked": size(untracked),
            "pack": folder_bytes(pack), "pack_ignored": ignored}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="the pack folder (emptied first)")
    parser.add_argument("--shared", default=str(SHARED), help="the shared datasets folder")
    parser.add_argument("--models", default=str(ROOT / "models"), help="where the shipped weights are")
    parser.add_argument("--damage", default=str(ROOT / "datasets" / "mural-damage"),
                        help="the real-damage set made with 'muralstudio annotate'")
    parser.add_argument("--tiny", action="store_true", help="a few images of each part (tests, smoke runs)")
    parser.add_argument("--mural-side", type=int, default=448,
                        help="longer side of the murals (448: what the inpainting recipes train at)")
    parser.add_argument("--natural-side", type=int, default=384,
                        help="longer side of the photographs (384: what the click trainer segments at)")
    parser.add_argument("--quality", type=int, default=80, help="JPEG quality of murals and photographs")
    parser.add_argument("--crack-quality", type=int, default=85)
    parser.add_argument("--label-quality", type=int, default=90)
    parser.add_argument("--damage-quality", type=int, default=95,
                        help="95: the source murals' own quality, so their crops come back almost unchanged")
    parser.add_argument("--no-init", action="store_true", help="leave the shipped weights out")
    parser.add_argument("--init-fp32", action="store_true",
                        help="copy the shipped weights as they are (8.5 MiB more) instead of as float16")
    parser.add_argument("--max-mib", type=float, default=0,
                        help="fail (exit 1) when the pack is larger than this (0: no check)")
    args = parser.parse_args(argv)

    shared = Path(args.shared)
    for part in ("murals", "natural", "cracks", "mural-labels"):
        if not (shared / part).is_dir():
            print(f"gpu_pack: {shared / part} is missing (the shared datasets are needed here)", file=sys.stderr)
            return 2
    out = Path(args.out)
    if out.exists():
        if not (out / "PACK.json").exists() and any(out.iterdir()):
            print(f"gpu_pack: {out} exists and is not a pack; not emptying it", file=sys.stderr)
            return 2
        shutil.rmtree(out)
    out.mkdir(parents=True)
    clock = time.perf_counter()
    report: dict = {"tiny": args.tiny}
    pack_murals(shared, out, args, report)
    pack_natural(shared, out, args, report)
    pack_cracks(shared, out, args, report)
    pack_labels(shared, out, args, report)
    pack_damage(shared, out, args, report)
    if not args.no_init:
        pack_init(Path(args.models), out, report, half=not args.init_fp32)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    parts = {p.name: folder_bytes(p) for p in sorted(out.iterdir()) if p.is_dir()}
    report.update(commit=commit, created=time.strftime("%Y-%m-%d %H:%M:%S"),
                  seconds=round(time.perf_counter() - clock, 1), bytes=parts, total_bytes=sum(parts.values()))
    (out / "PACK.json").write_text(json.dumps(report, indent=1), encoding="utf-8")

    total = folder_bytes(out)
    for name, n in parts.items():
        print(f"  {name:<16} {mib(n):7.2f} MiB")
    print(f"pack {out}: {mib(total):.2f} MiB in {report['seconds']} s")
    if report["mural-damage"]["crop_error_mean"] is not None:
        print(f"  damage crops after re-encoding: mean |diff| {report['mural-damage']['crop_error_mean']} "
              f"(max {report['mural-damage']['crop_error_max']}) of 255")
    if out.resolve().is_relative_to(ROOT):
        t = travel_estimate(out)
        total_travel = t["tracked_kept"] + t["untracked"] + (t["pack"] if t["pack_ignored"] else 0)
        print(f"would travel with the README's sparse checkout: tracked {mib(t['tracked_kept']):.2f} MiB "
              f"(of {mib(t['tracked_all']):.2f} tracked in all) + untracked, not ignored "
              f"{mib(t['untracked']):.2f} MiB + the carried pack {mib(t['pack']):.2f} MiB = "
              f"{mib(total_travel):.2f} MiB (limit 64 MiB)")
        if not t["pack_ignored"]:
            print("gpu_pack: git does not ignore the pack: add it to .git/info/exclude "
                  "(echo /.gpu/ >> .git/info/exclude)", file=sys.stderr)
    if args.max_mib and mib(total) > args.max_mib:
        print(f"gpu_pack: the pack is {mib(total):.2f} MiB, over --max-mib {args.max_mib}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
