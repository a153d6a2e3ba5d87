"""Train every network of MuralStudio in about 9 minutes on one lent GPU, from a data pack.

    python3 tools/gpu_train_all.py PACK OUT [--device cuda] [--deadline 540] [--only a,b] [--skip a,b]
    python3 tools/gpu_train_all.py PACK OUT --smoke [--device cpu]     # every model, a few steps

PACK is made here by `tools/gpu_pack.py` (the device machine has no ../shared). Each model is
one `python3 -m muralstudio train ...` run of the recipe its card in models/ records (the
shipped weights' last stage, fine-tuning from the shipped weights where that stage did), its
paths pointed at the pack, in sequence on the GPU, each given a share of the time left (the
`--minutes` of the commands that take it; the hole-L1 inpainting recipe has no such option and
is stopped by this script at its share, keeping its best validated weights). The fleck vetter
trains on the CPU only and runs beside the others from the start.

Fails soft: a model that fails, or overruns its share, is stopped and logged, and the others go
on. After every model, OUT is rewritten with what is done so far (a command killed at its limit
still returns it), in the device tool's limits (at most 8 files of at most 16 MiB, 64 MiB in
all, no folders):

    OUT/summary.json     per model: status, seconds, minutes given, steps, best validation row
    OUT/run.log          this script's log (each model's own log is in the tar)
    OUT/models.tar       per model MODEL/{MODEL.safetensors, .md, .log.csv, .loss.png, .run.log}
                         (split as models.tar.00, .01, ... when over 15 MiB: cat them back together)

Nothing here is installed: compare each card's validation figures with the shipped card, and
the model on the validation split, before copying weights into models/ (README: "Training
everything on a lent GPU"). Qt is never imported (the device has no PySide6); every training
command runs with an import guard that fails it if it tries.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: largest file the device tool returns is 16 MiB; parts stay under it
PART_BYTES = 15 * 2**20
#: and 64 MiB in all (summary and log take a little)
TAR_LIMIT = 60 * 2**20
#: seconds kept at the end of the deadline for the last packing of OUT
RESERVE = 15

#: run before the training command: any import of Qt fails it (the device has none, and
#: training must not need it)
QT_BLOCK = """
import sys
class _NoQt:
    def find_spec(self, name, path=None, target=None):
        if name.partition('.')[0] in ('PySide6', 'shiboken6', 'qimage2ndarray'):
            raise ImportError('gpu_train_all: training imported Qt (' + name + ')')
        return None
sys.meta_path.insert(0, _NoQt())
"""
#: then ``python3 -m muralstudio`` as usual (sys.argv as the command line had it, so the cards
#: record the command)
QT_GUARD = QT_BLOCK + """
import runpy
runpy.run_module('muralstudio', run_name='__main__', alter_sys=True)
"""


@dataclass
class Job:
    """One training run: ``name`` is the weights' name (models/NAME.safetensors)."""

    name: str
    command: list[str]          # after `muralstudio train`
    minutes: float              # weight of its share of the time (its planned minutes)
    overhead: float             # seconds outside --minutes: start, data, final validation, card
    needs: list[str]            # pack paths it reads (skipped when one is missing)
    smoke: dict = field(default_factory=dict)  # option -> value (None: drop it) for --smoke
    init: dict = field(default_factory=dict)   # option -> init weights name (dropped when missing)
    stops_itself: bool = True   # takes --minutes; otherwise stopped at its share
    cpu: bool = False           # CPU only: runs beside the GPU queue from the start
    writes_card: bool = True
    note: str = ""


def plan(pack: str, threads: int) -> list[Job]:
    """The recipes of the shipped models (their cards' commands), paths pointed at the pack."""
    P = pack.rstrip("/")
    murals = f"{P}/murals/northern-liang-wei,{P}/murals/northern-zhou-sui"
    cracks = ",".join(f"{P}/cracks/{s}/train" for s in ("deepcrack", "crack500", "gaps384", "aiglern"))
    t = ["--threads", str(threads)]
    tiny_run = {"--steps": "2", "--batch": "2", "--eval-every": "2", "--log-every": "1", "--minutes": None}
    hole_l1_smoke = {"--steps": "2", "--batch": "2", "--eval-every": "2", "--log-every": "1",
                     "--mask-bank": "16", "--val-samples": "3", "--limit": "4"}
    return [
        Job("detect-flecks-vetter",
            ["flecks", "--data", f"{P}/mural-damage", "--murals", f"{P}/damage-murals", "--threads", "4"],
            minutes=0, overhead=0, needs=["mural-damage", "damage-murals"], cpu=True,
            smoke={"--epochs": "2", "--folds": "2", "--limit": "6", "--threads": "1"},
            note="CPU only (the command has no --device); runs beside the GPU queue"),
        Job("fourier-inpaint",
            ["inpaint", "--engine", "fourier", "--data", f"{P}/murals", "--photos", f"{P}/natural",
             "--steps", "1000000", "--log-every", "100", "--eval-every", "500", "--val-samples", "32",
             "--batch", "8", "--lr", "1e-3", *t],
            init={"--init": "fourier-inpaint"}, minutes=1.6, overhead=90, stops_itself=False,
            needs=["murals", "natural"], writes_card=False, smoke=hole_l1_smoke,
            note="fine-tunes the shipped weights; kept only if better on its selection crops"),
        Job("clicknet",
            ["clicks", "--data", f"{murals},{P}/mural-labels", "--natural", f"{P}/natural",
             "--procedural", "300", "--context", "1.0,6.0", "--size", "256", "--batch", "8",
             "--steps", "1500", "--lr", "3e-4", "--warmup", "50", "--eval-every", "500",
             "--log-every", "50", "--val-samples", "48", "--seed", "8", "--mix", "damage=2",
             "--stain-share", "0.6", *t],
            init={"--init": "clicknet"}, minutes=1.2, overhead=60, needs=["murals", "natural", "mural-labels"],
            smoke={**tiny_run, "--procedural": "2", "--val-samples": "2", "--limit": "3", "--size": "64",
                   "--max-iterations": "1"},
            note="stage 2e of the card, from the shipped weights"),
        Job("label-pspm",
            ["label", "--images", f"{P}/mural-labels/images", "--labels", f"{P}/mural-labels/labels",
             "--steps", "1500", "--eval-every", "100", *t],
            init={"--init-backbone": "pspm-backbone-colour"}, minutes=1.0, overhead=25,
            needs=["mural-labels"], smoke={**tiny_run, "--size": "64"}),
        Job("pspm-backbone-colour",
            ["backbone", "--murals", f"{P}/murals", "--natural", f"{P}/natural", "--tasks", "colour",
             "--steps", "2000", "--batch", "32", "--size", "160", "--eval-every", "100",
             "--log-every", "25", *t],
            minutes=1.0, overhead=30, needs=["murals", "natural"],
            smoke={**tiny_run, "--size": "64", "--limit": "6", "--val-samples": "2"},
            note="from nothing, as the card; label-pspm above starts from the shipped backbone"),
        Job("detect-resunet-real",
            ["detect", "--data", f"{P}/mural-damage,{cracks},{P}/murals", "--murals", f"{P}/damage-murals",
             "--steps", "1500", "--eval-every", "150", "--real-fraction", "0.6", "--confusable-weight", "4",
             "--class-weights", "1,3,3", "--lr", "5e-4", "--batch", "8", "--size", "128", *t],
            init={"--init": "detect-resunet-light"}, minutes=0.7, overhead=35,
            needs=["mural-damage", "damage-murals", "murals", "cracks"],
            smoke={**tiny_run, "--size": "64", "--limit": "4", "--val-samples": "2"}),
        Job("detect-resunet-light",
            ["detect", "--data", f"{P}/cracks/deepcrack/train,{murals}",
             "--val-data", f"{P}/cracks/deepcrack/valid,{murals}", "--encoder", "light",
             "--steps", "600", "--batch", "6", "--size", "256", "--lr", "5e-4", "--warmup", "50",
             "--eval-every", "200", "--log-every", "50", *t],
            init={"--init": "detect-resunet-light"}, minutes=0.6, overhead=30,
            needs=["cracks/deepcrack/train", "cracks/deepcrack/valid", "murals"],
            smoke={**tiny_run, "--size": "64", "--limit": "4", "--val-samples": "2", "--warmup": "1"},
            note="stage 2 of the card (256² crops), from the shipped weights"),
        Job("edgeconnect-inpaint",
            ["inpaint", "--engine", "edgeconnect", "--recipe", "hole-l1", "--residual-blocks", "4",
             "--width", "32", "--data", f"{P}/murals", "--photos", f"{P}/natural", "--steps", "1000000",
             "--log-every", "100", "--eval-every", "500", "--val-samples", "32", "--batch", "8",
             "--lr", "1e-3", *t],
            init={"--init": "edgeconnect-inpaint"}, minutes=0.9, overhead=90, stops_itself=False,
            needs=["murals", "natural", "init/edgeconnect-edge.safetensors"], writes_card=False,
            smoke=hole_l1_smoke,
            note="G2 beside the shipped G1, from the shipped G2; kept only if better on its selection crops"),
        Job("edgeconnect-edge",
            ["inpaint", "--engine", "edgeconnect", "--part", "edge", "--data", f"{P}/natural,{P}/murals",
             "--steps", "500", "--batch", "8", "--size", "128", "--width", "16", "--residual-blocks", "4",
             "--disc-width", "32", "--lr", "1e-4", "--eval-every", "100", "--log-every", "50",
             "--val-samples", "24", "--feature-net", "none", *t],
            minutes=0.5, overhead=25, needs=["murals", "natural"],
            smoke={**tiny_run, "--size": "64", "--width": "8", "--residual-blocks": "1", "--disc-width": "8",
                   "--val-samples": "2", "--limit": "4"},
            note="from nothing, as the card (--feature-net none: G1's loss never uses it)"),
        Job("pconv",
            ["inpaint", "--engine", "pconv", "--recipe", "hole-l1", "--layers", "6", "--width", "32",
             "--data", f"{P}/murals", "--photos", f"{P}/natural", "--steps", "1000000", "--log-every", "100",
             "--eval-every", "500", "--val-samples", "32", "--batch", "8", "--lr", "1e-3", *t],
            minutes=1.0, overhead=80, stops_itself=False, needs=["murals", "natural"], writes_card=False,
            smoke={**hole_l1_smoke, "--width": "8"},
            note="from nothing: the shipped 37 MB weights do not fit the pack; off unless named (--only/--with)"),
    ]


#: trained unless named with --only or --with (a minute of it from nothing beats nothing shipped)
OPT_IN = {"pconv"}


# ---------------------------------------------------------------------------------------------


def with_overrides(words: list[str], overrides: dict) -> list[str]:
    """``words`` with each ``--option value`` of ``overrides`` replaced (None: removed), and
    options it lacks appended."""
    out, i, seen = [], 0, set()
    while i < len(words):
        word = words[i]
        if word in overrides:
            seen.add(word)
            takes_value = i + 1 < len(words) and not words[i + 1].startswith("--")
            if overrides[word] is not None:
                out += [word, overrides[word]]
            i += 2 if takes_value else 1
            continue
        out.append(word)
        i += 1
    for key, value in overrides.items():
        if key not in seen and value is not None:
            out += [key, value]
    return out


def restore_init(pack: Path, target: Path) -> dict:
    """The pack's shipped weights as float32 files in ``target`` (gpu_pack stores them as
    float16 to halve the bytes that travel; the loaders accept float32 only)."""
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file

    target.mkdir(parents=True, exist_ok=True)
    found = {}
    for path in sorted((pack / "init").glob("*.safetensors")):
        with safe_open(str(path), "pt") as handle:
            metadata = dict(handle.metadata() or {})
            tensors = {k: handle.get_tensor(k) for k in handle.keys()}
        tensors = {k: v.float() if v.dtype == torch.float16 else v for k, v in tensors.items()}
        metadata.pop("gpu_pack", None)
        save_file(tensors, str(target / path.name), metadata=metadata)
        found[path.stem] = target / path.name
    return found


def read_rows(csv_path: Path) -> list[dict]:
    import csv

    if not csv_path.exists():
        return []
    with open(csv_path, newline="") as handle:
        return list(csv.DictReader(handle))


def weights_facts(path: Path) -> dict:
    try:
        from safetensors import safe_open

        with safe_open(str(path), "pt") as handle:
            extra = json.loads((handle.metadata() or {}).get("extra", "{}"))
        return {"kept_step": extra.get("step"), "val": extra.get("val")}
    except Exception as exc:  # a damaged file: say so, keep going
        return {"error": str(exc)}


class Runner:
    def __init__(self, args):
        self.args = args
        self.pack = Path(args.pack).resolve()
        self.out = Path(args.out).resolve()
        self.work = Path(args.work).resolve() if args.work else self.out.parent / (self.out.name + "-work")
        try:
            self.work.mkdir(parents=True, exist_ok=True)
        except OSError:  # OUT's folder not writable beside it
            import tempfile

            self.work = Path(tempfile.mkdtemp(prefix="gpu-train-work-"))
        self.start = time.monotonic()
        self.deadline = self.start + args.deadline
        self.lock = threading.Lock()
        self.results: dict[str, dict] = {}
        self.log_lines: list[str] = []
        self.init: dict[str, Path] = {}
        self.facts: dict = {}
        self.busy: dict[str, float] = {}  # running GPU commands: expected end (monotonic)

    # -- bookkeeping ---------------------------------------------------------------------

    def log(self, text: str) -> None:
        line = f"[{time.monotonic() - self.start:6.1f} s] {text}"
        with self.lock:
            print(line, flush=True)
            self.log_lines.append(line)

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def publish(self) -> None:
        """Rewrite OUT: summary, log and the tar of every finished model (split when large)."""
        with self.lock:
            self.out.mkdir(parents=True, exist_ok=True)
            members, size, dropped = [], 0, []
            for name, result in self.results.items():
                folder = self.work / name
                files = [p for p in sorted(folder.glob("*")) if p.is_file() and not p.name.endswith(".ckpt.pt")]
                weight = sum(p.stat().st_size for p in files)
                if size + weight > TAR_LIMIT:
                    dropped.append(name)
                    files = [p for p in files if p.suffix != ".safetensors"]
                    weight = sum(p.stat().st_size for p in files)
                members += [(p, f"{name}/{p.name}") for p in files]
                size += weight
            note = f"weights left out of OUT (over {TAR_LIMIT >> 20} MiB): {', '.join(dropped)}"
            if dropped and note not in self.log_lines:
                self.log_lines.append(note)
            for name in dropped:
                self.results[name]["returned"] = "no: the weights did not fit the 64 MiB OUT (card and logs did)"
            summary = {"facts": self.facts, "deadline_s": self.args.deadline,
                       "elapsed_s": round(time.monotonic() - self.start, 1), "models": self.results}
            _write(self.out / "summary.json", json.dumps(summary, indent=1).encode())
            _write(self.out / "run.log", ("\n".join(self.log_lines) + "\n").encode())
            tmp = self.work / "models.tar.tmp"
            with tarfile.open(tmp, "w") as tar:
                for path, arcname in members:
                    tar.add(path, arcname)
            # the new parts first (under temporary names), then the old ones go: a kill in
            # between leaves one whole set
            data_size, parts = tmp.stat().st_size, []
            with open(tmp, "rb") as handle:
                count = 1 if data_size <= PART_BYTES else -(-data_size // PART_BYTES)
                for index in range(count):
                    name = "models.tar" if count == 1 else f"models.tar.{index:02d}"
                    part = self.out / f"{name}.new"
                    part.write_bytes(handle.read(PART_BYTES if count > 1 else data_size))
                    parts.append((part, self.out / name))
            tmp.unlink()
            for old in self.out.glob("models.tar*"):
                if not old.name.endswith(".new"):
                    old.unlink()
            for part, final in parts:
                os.replace(part, final)

    # -- one model ------------------------------------------------------------------------

    def words(self, job: Job, minutes: float | None) -> tuple[list[str], list[str]]:
        """The command's options and notes (init weights missing, and so on)."""
        notes = []
        folder = self.work / job.name
        words = [*job.command, "--out", str(folder / job.name)]
        for option, name in job.init.items():
            if name in self.init:
                words += [option, str(self.init[name])]
            else:
                notes.append(f"{name} is not in the pack: {option} left out (starts from nothing)")
        if not job.cpu:
            words += ["--device", self.args.device]
        if self.args.smoke:
            words = with_overrides(words, job.smoke)
        elif job.stops_itself and minutes is not None and not job.cpu:
            words += ["--minutes", f"{minutes:.2f}"]
        return words, notes

    def share(self, job: Job, queue: list[Job]) -> float:
        """Minutes of training for ``job``: the time the lanes have left before the deadline
        (this one's, and each other lane's after its running command's expected end) less the
        overheads of the commands still to run, shared in proportion to their planned minutes;
        never more than this lane's own time allows."""
        now, end = time.monotonic(), self.deadline - RESERVE
        others = [max(0.0, end - expected) for name, expected in self.busy.items() if name != job.name]
        idle = max(0, self.args.lanes - 1 - len(others))
        pool = (end - now) * (1 + idle) + sum(others) - sum(j.overhead for j in queue)
        weight = sum(j.minutes for j in queue) or 1.0
        minutes = max(0.0, pool * job.minutes / weight / 60)
        return min(minutes, max(0.0, (end - now - job.overhead) / 60))

    def run_job(self, job: Job, minutes: float | None, limit: float) -> None:
        folder = self.work / job.name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        words, notes = self.words(job, minutes)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
                   PYTHONUNBUFFERED="1", MURALSTUDIO_MODELS=str(self.work / "init"),
                   QT_QPA_PLATFORM="offscreen")
        command = [sys.executable, "-c", QT_GUARD, "train", *words]
        for note in notes:
            self.log(f"{job.name}: {note}")
        self.log(f"{job.name}: start ({'smoke' if self.args.smoke else f'{minutes:.2f} min of training' if minutes else 'CPU'}, "
                 f"stopped after {limit:.0f} s at most): muralstudio train {' '.join(words)}")
        clock = time.monotonic()
        run_log = folder / f"{job.name}.run.log"
        with open(run_log, "wb") as handle:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                       start_new_session=True)
            stopped, rc = self.watch(job, process, clock + max(1.0, limit), folder / f"{job.name}.log.csv")
        seconds = time.monotonic() - clock
        weights = folder / f"{job.name}.safetensors"
        rows = read_rows(folder / f"{job.name}.log.csv")
        if rc == 0:
            status = "ok"
        elif stopped and job.cpu:
            status = "stopped at the deadline"
        elif stopped and not job.stops_itself:
            status = "stopped at its share (the recipe has no --minutes)"
        elif stopped:
            status = "killed: overran its share"
        else:
            status = f"failed (exit {rc})"
        if not weights.exists():
            status += "; no weights" + (" (none beat the weights it started from)" if rows and job.init else "")
        elif not job.stops_itself and job.init and weights_facts(weights).get("val") is None:
            status += "; never beat its start weights (the file is the last average, unvalidated: do not install)"
        result = {"status": status, "seconds": round(seconds, 1), "minutes_given": minutes,
                  "steps_logged": int(float(rows[-1]["step"])) if rows else 0, "notes": notes, "note": job.note,
                  "command": "muralstudio train " + " ".join(words)}
        if weights.exists():
            result.update(weights_facts(weights))
            self.card(job, folder, result)
        if rc != 0 and not stopped:
            tail = run_log.read_text(errors="replace").splitlines()[-15:]
            self.log(f"{job.name}: {status}; the end of its log:\n    " + "\n    ".join(tail))
        self.log(f"{job.name}: {status} after {seconds:.0f} s, {result['steps_logged']} steps logged"
                 + (f", kept step {result.get('kept_step')}: {_short(result.get('val'))}" if weights.exists() else ""))
        with self.lock:
            self.results[job.name] = result
        self.publish()

    def watch(self, job: Job, process: subprocess.Popen, end: float, csv_path: Path) -> tuple[bool, int]:
        """Wait for the command until ``end`` (then stop it): (stopped, exit status). A recipe
        that only stops when stopped keeps its weights as of its last validation, so it is
        stopped as soon as the next validation could no longer arrive in time (the time between
        its last two validations, as seen here, is longer than what is left)."""
        seen, last_rows = [], 0
        while True:
            try:
                return False, process.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if not job.stops_itself:
                rows = read_rows(csv_path)
                if len(rows) != last_rows:
                    last_rows = len(rows)
                    validated = sum(1 for row in rows if row.get("val_gain"))
                    if validated > len(seen):
                        seen.append(now)
                if len(seen) >= 2 and end - now < seen[-1] - seen[-2]:
                    self.log(f"{job.name}: {end - now:.0f} s left, a validation takes {seen[-1] - seen[-2]:.0f} s: "
                             "stopped at its last validation")
                    end = now
            if now >= end:
                _stop(process)
                return True, process.wait()

    def card(self, job: Job, folder: Path, result: dict) -> None:
        """The trainer's card (or one written here for the recipes that write none) with a
        section on this run appended."""
        card = folder / f"{job.name}.md"
        if not card.exists():
            text = [f"# {job.name} — trained by tools/gpu_train_all.py", "",
                    "The trainer writes no card for this recipe (or stopped before writing it): "
                    "this one records the run.", "", "## Command", "", "```", result["command"], "```", ""]
            card.write_text("\n".join(text), encoding="utf-8")
        pack = self.facts.get("pack", {})
        murals, natural = pack.get("murals", {}), pack.get("natural", {})
        bullets = [
            f"- device: {self.facts.get('device')}; status: {result['status']}; {result['seconds']} s wall; "
            f"{result['steps_logged']} steps logged; minutes of training given: {result['minutes_given']}",
            f"- kept: step {result.get('kept_step')}, validation {json.dumps(result.get('val'))}",
            f"- data: the pack of tools/gpu_pack.py made at commit {pack.get('commit')} on {pack.get('created')}: "
            f"murals at most {murals.get('longest_side')} px (JPEG {murals.get('jpeg_quality')}), photographs at "
            f"most {natural.get('longest_side')} px, subsets of the crack sets, the real-damage crops re-encoded "
            "at their murals' own quality; shipped start weights carried as float16, restored to float32",
            f"- {job.note}" if job.note else "",
            "- not installed: compare with the shipped card and on the validation split first"]
        lines = ["", "## GPU run (tools/gpu_train_all.py)", ""] + [b for b in bullets if b]
        with open(card, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")

    # -- the whole run --------------------------------------------------------------------

    def run(self) -> int:
        args = self.args
        self.work.mkdir(parents=True, exist_ok=True)
        self.out.mkdir(parents=True, exist_ok=True)
        self.facts = {"device": describe_device(args.device), "pack": _read_json(self.pack / "PACK.json"),
                      "smoke": args.smoke, "python": sys.version.split()[0]}
        self.log(f"device {self.facts['device']}; pack {self.pack}; work {self.work}; deadline {args.deadline:.0f} s")
        if args.device.startswith("cuda") and "CUDA" not in self.facts["device"]:
            self.log("no CUDA device: nothing trained (give --device cpu to train on the CPU)")
            self.publish()
            return 2
        self.init = restore_init(self.pack, self.work / "init")
        jobs = self.select(plan(str(self.pack), args.threads))
        background = [j for j in jobs if j.cpu]
        queue = [j for j in jobs if not j.cpu]
        threads = []
        for job in background:  # CPU only: beside the GPU queue, until the deadline
            limit = args.job_limit if args.smoke else self.left() - RESERVE
            thread = threading.Thread(target=self.guarded, args=(job, None, limit))
            thread.start()
            threads.append(thread)
        pending = list(queue)

        def lane() -> None:
            while True:
                with self.lock:
                    if not pending:
                        return
                    job = pending.pop(0)
                    rest = [job, *pending]
                if args.smoke:
                    self.guarded(job, None, args.job_limit)
                    continue
                with self.lock:
                    minutes = self.share(job, rest)
                    limit = min(job.overhead * 2 + 60 * minutes + 30, self.left() - RESERVE) if job.stops_itself \
                        else min(job.overhead + 60 * minutes, self.left() - RESERVE)
                    self.busy[job.name] = time.monotonic() + min(limit, job.overhead + 60 * minutes)
                if minutes < 0.1 or limit < 20:
                    self.skip(job, f"too little time left ({self.left():.0f} s before the deadline; its start "
                                   f"and validation alone take about {job.overhead:.0f} s)")
                else:
                    self.guarded(job, minutes, limit)
                with self.lock:
                    self.busy.pop(job.name, None)

        lanes = [threading.Thread(target=lane) for _ in range(max(1, args.lanes))]
        for thread in lanes:
            thread.start()
        for thread in lanes + threads:
            thread.join()
        done = [n for n, r in self.results.items() if (self.work / n / f"{n}.safetensors").exists()]
        self.log(f"done in {time.monotonic() - self.start:.0f} s: weights for {len(done)} of {len(self.results)} "
                 f"models ({', '.join(done)})")
        self.publish()
        self.log(f"OUT: {', '.join(sorted(p.name for p in self.out.iterdir()))}")
        return 0 if done else 1

    def guarded(self, job: Job, minutes, limit) -> None:
        try:
            self.run_job(job, minutes, limit)
        except Exception as exc:  # this script's own failure must not lose the other models
            self.log(f"{job.name}: could not run ({type(exc).__name__}: {exc})")
            with self.lock:
                self.results[job.name] = {"status": f"not run: {exc}"}

    def skip(self, job: Job, why: str) -> None:
        self.log(f"{job.name}: skipped: {why}")
        with self.lock:
            self.results[job.name] = {"status": f"skipped: {why}"}
        self.publish()

    def select(self, jobs: list[Job]) -> list[Job]:
        names = {j.name for j in jobs}
        only = set(filter(None, self.args.only.split(","))) if self.args.only else None
        extra = set(filter(None, self.args.with_.split(","))) if self.args.with_ else set()
        skip = set(filter(None, self.args.skip.split(","))) if self.args.skip else set()
        unknown = ((only or set()) | extra | skip) - names
        if unknown:
            raise SystemExit(f"gpu_train_all: unknown model(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(names))}")
        chosen = []
        for job in jobs:
            if only is not None and job.name not in only:
                continue
            if only is None and job.name in OPT_IN and job.name not in extra and not self.args.smoke:
                continue
            if job.name in skip:
                continue
            missing = [n for n in job.needs if not (self.pack / n).exists()]
            if missing:
                self.skip(job, f"the pack lacks {', '.join(missing)}")
                continue
            chosen.append(job)
        return chosen


def describe_device(device: str) -> str:
    import torch

    text = f"torch {torch.__version__}"
    if device.startswith("cuda") and torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (CUDA {torch.version.cuda}), {text}"
    return f"CPU ({os.cpu_count()} cores), {text}"


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the command's process group, SIGKILL after 10 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _short(val) -> str:
    if not isinstance(val, dict):
        return str(val)
    return " ".join(f"{k} {v:.3f}" for k, v in val.items() if k.startswith("val") and isinstance(v, (int, float)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pack", help="the data pack of tools/gpu_pack.py")
    parser.add_argument("out", help="where weights, cards, logs and the summary go (the device's $OUT)")
    parser.add_argument("--device", default=None, help="cuda (default) or cpu (default with --smoke)")
    parser.add_argument("--deadline", type=float, default=540,
                        help="seconds from the start by which everything is done and packed (default 540: "
                             "the device's 600 s command limit less a margin)")
    parser.add_argument("--smoke", action="store_true",
                        help="every model for 2 steps on tiny sizes (with a tiny pack: a test on the CPU)")
    parser.add_argument("--only", help="comma-separated model names to train (and nothing else)")
    parser.add_argument("--with", dest="with_", help="opt-in models to add (pconv)")
    parser.add_argument("--skip", help="comma-separated model names to leave out")
    parser.add_argument("--lanes", type=int, default=1,
                        help="GPU commands run at once (1: in sequence; more shares the GPU and the CPUs, "
                             "untested on the device)")
    parser.add_argument("--threads", type=int, default=4, help="--threads of each GPU command")
    parser.add_argument("--job-limit", type=float, default=300, help="--smoke: seconds each command may take")
    parser.add_argument("--work", help="working folder (default: OUT-work beside OUT)")
    args = parser.parse_args(argv)
    args.device = args.device or ("cpu" if args.smoke else "cuda")
    if args.smoke and args.threads == 4:
        args.threads = 1
    return Runner(args).run()


if __name__ == "__main__":
    raise SystemExit(main())
