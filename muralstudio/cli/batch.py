"""Process whole archives: every image of folders or lists through detect, label and inpaint on a
Dask cluster, with a ledger that makes an interrupted run resumable.

  muralstudio batch run --in DIR|LIST.txt --out OUT --steps detect,label[,inpaint][,project][,report]
        [--engine NAME:KEY=VALUE ...] [--workers N --threads-per-worker T |
         --scheduler tcp://HOST:8786 | --slurm JOBS --slurm-cores C --slurm-memory 16GB]
        [--retries 2] [--resume] [--retry-failed] [--device auto|cpu|cuda]
  muralstudio batch status OUT
  muralstudio batch report OUT

Outputs per image in OUT/images/NAME/: damage/*.mask.png and *.prob.png, labels.png,
elements.json, restored.tif (restored.png for JPEG sources; inpaint), NAME.mural (project: the detections as proposals to
review in the window, the labels), report.json, done.json (written last); one row per
image in OUT/summary.csv; the ledger in OUT/ledger.sqlite.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

NAME = "batch"
HELP = "process folders of images on a Dask cluster (local, a scheduler, SLURM), resumable"


def batch_defaults() -> dict:
    from muralstudio.ops.batch import DEFAULT_ENGINES

    return DEFAULT_ENGINES


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="batch_command", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="process images (one Dask task per image)")
    run.add_argument("--in", dest="inputs", action="append", required=True, type=Path,
                     help="a folder (searched recursively), an image, or a .txt list of paths (repeatable)")
    run.add_argument("--out", type=Path, required=True)
    run.add_argument("--steps", default="detect,label",
                     help="comma-separated, default detect,label: detect, label, inpaint, project (NAME.mural: "
                          "the detections as proposals to review in the window, the labels, the detection's record, "
                          "the fill as a proposed restoration), report (report.html: the condition report of "
                          "the same, per image)")
    run.add_argument("--engine", action="append", default=[], metavar="NAME[:KEY=VALUE...]",
                     help="the engine of its step; defaults: " + ", ".join(
                         f"{step} {engine}" for step, engine in batch_defaults().items())
                     + " (the fastest fill; fourier is the trained one)")
    run.add_argument("--device", default="auto", help="auto (cuda on workers with a GPU resource), cpu, cuda")
    run.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    run.add_argument("--threads-per-worker", type=int, default=1)
    run.add_argument("--scheduler", help="join an existing Dask scheduler, e.g. tcp://10.0.0.5:8786")
    run.add_argument("--slurm", type=int, metavar="JOBS", help="start JOBS SLURM jobs (dask-jobqueue)")
    run.add_argument("--slurm-cores", type=int, default=8)
    run.add_argument("--slurm-memory", default="16GB")
    run.add_argument("--slurm-queue")
    run.add_argument("--slurm-walltime", default="12:00:00")
    run.add_argument("--retries", type=int, default=2, help="reschedule a task whose worker died (default 2)")
    run.add_argument("--resume", action="store_true", help="go on with OUT's ledger: only missing or changed images")
    run.add_argument("--retry-failed", action="store_true", help="with --resume, try failed images again")
    for name in ("status", "report"):
        p = sub.add_parser(name, help="counts and failures of a batch" if name == "status"
                           else "totals over a batch; rewrites summary.csv")
        p.add_argument("out", type=Path)
        p.add_argument("--json", action="store_true")


def _engines(specs) -> dict:
    from muralstudio.engines import registry

    registry.load_builtin_engines()
    kinds = {"detector": "detect", "labeler": "label", "inpainter": "inpaint"}
    engines = {}
    for spec in specs:
        name, params = registry.split_spec(spec)
        steps = [(kind, step) for kind, step in kinds.items() if name in registry.available(kind)]
        if not steps:
            raise ValueError(f"--engine {spec}: no detector, labeler or inpainter is called {name!r}")
        from muralstudio.engines.settings import validate

        # a misspelt setting is refused now, not found image by image (each marked failed)
        try:
            validate(registry.get(steps[0][0], name), params, name)
        except ValueError as exc:
            raise ValueError(f"--engine {spec}: {exc}") from None
        engines[steps[0][1]] = spec
    return engines


def run(args) -> int:
    from muralstudio.ops import batch

    if args.batch_command == "status":
        state = batch.status(args.out)
        if args.json:
            print(json.dumps(state, indent=1))
        else:
            print(f"{args.out}: {state['total']} images — " +
                  ", ".join(f"{k} {v}" for k, v in sorted(state["counts"].items())))
            if state["median_seconds"]:
                print(f"median {state['median_seconds']:.1f} s per image")
            for name, error in state["failed"]:
                print(f"  failed {name}: {error}")
        return 0
    if args.batch_command == "report":
        totals = batch.report(args.out)
        if args.json:
            print(json.dumps(totals, indent=1))
        else:
            print(f"{totals['images']} images finished; summary: {totals['summary']}")
            for key, value in sorted(totals["totals"].items()):
                print(f"  {key}: {value:,}" if float(value).is_integer() else f"  {key}: {value:,.4f}")
        return 0
    steps = [s for s in args.steps.split(",") if s]
    slurm = None
    if args.slurm:
        slurm = {"jobs": args.slurm, "cores": args.slurm_cores, "memory": args.slurm_memory,
                 "queue": args.slurm_queue, "walltime": args.slurm_walltime}
    request = batch.BatchRequest(inputs=[str(p) for p in args.inputs], out=args.out, steps=steps,
                                 engines=_engines(args.engine), device=args.device, workers=args.workers,
                                 threads_per_worker=args.threads_per_worker, scheduler=args.scheduler,
                                 slurm=slurm, retries=args.retries, resume=args.resume,
                                 retry_failed=args.retry_failed)
    batch.check_out_folder(request)
    ledger_out = Path(args.out)
    todo_note = "" if not args.resume else " (resuming)"
    # the cluster starts only when there are images to process (run_batch opens and closes it)
    result = batch.run_batch(request, None, progress=batch.console_progress(), opened=lambda client: print(
        f"Dask dashboard: {batch.dashboard_of(client)}{todo_note}", file=sys.stderr))
    # a resumed run that skipped images failed earlier has not processed the archive either:
    # scripts see the same exit status as for the run that failed them
    failed_before = 0
    if result.skipped:  # the archive is walked again only when something was skipped
        current = batch.input_names(request)
        failed_before = max(0, sum(1 for name, _ in batch.status(ledger_out)["failed"] if name in current)
                            - result.failed)
    print(f"\n{result.done} done, {result.failed} failed, {result.skipped - failed_before} skipped as already done, "
          f"{result.interrupted} interrupted in {result.seconds:.0f} s; summary: {ledger_out / 'summary.csv'}")
    if failed_before > 0:
        print(f"{failed_before} image(s) failed in an earlier run and were skipped (--retry-failed tries "
              f"them again; batch status {ledger_out} lists them)")
    if result.interrupted or result.stopped:
        return 130  # as a shell reports Ctrl-C: told apart from failed images (1)
    return 1 if result.failed or failed_before > 0 else 0
