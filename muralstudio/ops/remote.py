"""The window's jobs on a shared compute server (a Dask scheduler with GPU workers).

The server may not see the user's files, so a job carries the pixels it needs: for inpainting
only the crops the harness will read (each damaged region with its context, computed here with
the same functions the harness uses), for detection and labelling the image — its file's bytes
when they are fewer than its pixels (:func:`image_payload`). On the worker the
same engine call runs on a :class:`CropSource` serving exactly those crops, so the patches and
the restoration record equal a local job's. Progress comes back through a Dask ``Variable``,
cancel goes out through a Dask ``Event`` (checked at the engines' own checkpoints).

Start a server (the models load once per worker, on its GPU when it has one)::

    dask scheduler                                   # on the server, port 8786
    dask worker tcp://SERVER:8786 --nthreads 1 --resources GPU=1 --preload muralstudio.ops.remote
"""

from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from concurrent.futures import CancelledError
import uuid
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from muralstudio.core.errors import Cancelled, MuralStudioError
from muralstudio.core.messages import Text

CONNECT_TIMEOUT = "5s"
PROGRESS_INTERVAL = 0.2


#: a scheduler's address as Dask takes it: [scheme://]host:port
ADDRESS = re.compile(r"((tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+):\d{1,5}")


class RemoteUnavailable(MuralStudioError):
    """The compute server cannot be reached (the job did not run)."""


@dataclass
class CropInfo:
    width: int
    height: int


class CropSource:
    """An image source made of the crops a job sent: ``read_region`` serves any box inside one
    of them and refuses others (a job that needs more pixels than it carried is a bug, not a
    reason to invent them)."""

    def __init__(self, width: int, height: int, crops: list):
        self.info = CropInfo(width, height)
        self.crops = crops  # [((x, y, w, h), pixels)]

    def read_region(self, x: int, y: int, w: int, h: int) -> np.ndarray:
        for (cx, cy, cw, ch), pixels in self.crops:
            if cx <= x and cy <= y and x + w <= cx + cw and y + h <= cy + ch:
                return pixels[y - cy:y - cy + h, x - cx:x - cx + w].copy()
        raise ValueError(f"region {x},{y} {w}×{h} was not sent to the compute server")


def server_device(requested: str) -> str:
    """The worker's device: its GPU when it has one, whatever the client's own device."""
    import torch

    return "cuda" if torch.cuda.is_available() else ("cpu" if requested == "cuda" else requested)


# --------------------------------------------------------------------------------------------
# the tasks (run on a worker)


def _task_callbacks(progress_key: str, cancel_key: str):
    """Progress and cancel through the scheduler's metadata store: small values, no waiting."""
    from distributed import get_client

    from muralstudio.ops.batch import quiet_cancellation, tune_malloc

    tune_malloc()  # a Dask worker's allocator settings halve the engines' speed (see there)
    quiet_cancellation()  # a job cancelled from the window is not a fault

    client = get_client()
    last = [0.0, 0.0, False]

    def progress(fraction: float, stage: str = "") -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_INTERVAL or fraction >= 1.0:
            last[0] = now
            client.set_metadata(progress_key, [float(fraction), stage])

    def cancelled() -> bool:
        now = time.monotonic()
        if not last[2] and now - last[1] >= PROGRESS_INTERVAL:
            last[1] = now
            last[2] = bool(client.get_metadata(cancel_key, default=False))
            if last[2]:
                client.set_metadata(cancel_key, None)  # seen: the sender left it set for us
        return last[2]

    return progress, cancelled


def inpaint_task(payload: dict, progress_key: str, cancel_key: str):
    from muralstudio.engines import inpainting

    progress, cancelled = _task_callbacks(progress_key, cancel_key)
    source = CropSource(payload["width"], payload["height"], payload["crops"])
    options = replace(payload["options"], device=server_device(payload["options"].device))
    hole = np.unpackbits(payload["hole"], count=payload["width"] * payload["height"]).reshape(
        payload["height"], payload["width"]).astype(bool)
    return inpainting.inpaint(source, hole, options, progress=progress, cancelled=cancelled,
                              source_sha256=payload["source_sha256"], hints=payload["hints"])


def image_payload(source) -> dict:
    """The image of a detection or labelling job: the file's own bytes when the source is a
    file smaller than its decoded pixels (a compressed TIFF, a JPEG, a PNG: the server decodes
    it as this computer would) or one read by region (a TIFF: decoding it whole here for the
    job would hold a second copy of the image), else the pixels."""
    from pathlib import Path

    path = getattr(source, "path", None)
    if path is not None and getattr(source, "changed_on_disk", False):
        if not getattr(source, "read_by_region", False):
            return {"pixels": source.full()}  # the pixels shown, decoded when it was opened
        source.check_unchanged()  # says the file changed: no pixels of the image shown are left
    if path is not None and Path(path).is_file():
        path = Path(path)
        if path.stat().st_size < source.info.nbytes or getattr(source, "read_by_region", False):
            # the limit the file was opened with here: the server's own may be lower
            return {"file": path.read_bytes(), "file_name": path.name, "max_pixels": source.info.pixels}
    return {"pixels": source.full()}


def weights_for_server(settings: dict) -> tuple[dict, bytes | None]:
    """An engine's settings for the server and the bytes of its ``weights_path`` file, which the
    server may not see (it writes them to a file of its own)."""
    from pathlib import Path

    params = {key: value for key, value in settings.items() if key != "weights_path"}
    path = settings.get("weights_path")
    return params, (Path(path).read_bytes() if path else None)


def image_job(source, engine: str, device: str, settings: dict, **extra) -> dict:
    """The payload of a detection or labelling job: the image (:func:`image_payload`), the
    engine and its settings, the bytes of a ``weights_path`` of the user's own, and ``extra``."""
    params, weights = weights_for_server(settings)
    return {**image_payload(source), "engine": engine, "device": device, "params": params,
            "weights": weights, **extra}


@contextmanager
def sent_weights(params: dict, weights: bytes | None, name: str):
    """The engine's settings on the server: with the weights that came with the job written to
    a temporary file (removed afterwards) as its ``weights_path``."""
    if not weights:
        yield dict(params)
        return
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.safetensors"
        path.write_bytes(weights)
        yield {**params, "weights_path": path}


@contextmanager
def payload_image(payload: dict):
    """``with payload_image(payload) as image``: the job's image — its pixels, or the file it
    carried, opened from a temporary folder removed afterwards."""
    if "file" not in payload:
        yield payload["pixels"]
        return
    import tempfile
    from pathlib import Path

    from muralstudio.core.pyramid import FileSource

    name = payload["file_name"]
    suffix = Path(name).suffix.lower()  # the codec is chosen by content; the suffix only helps
    suffix = suffix if suffix[1:].isalnum() and len(suffix) <= 6 else ""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"image{suffix}"  # not the client's name: too long or unsafe here
        path.write_bytes(payload["file"])
        try:
            source = FileSource(path, max_pixels=payload.get("max_pixels"))
        except (MuralStudioError, ValueError, OSError) as exc:
            raise ValueError(f"{name}: the compute server cannot read this file "
                             f"({str(exc).replace(str(path), 'it')})") from None
        yield source


def detect_task(payload: dict, progress_key: str, cancel_key: str):
    from muralstudio.engines import detection
    from muralstudio.engines.cache import warm, weights_identity
    from muralstudio.engines import registry

    progress, cancelled = _task_callbacks(progress_key, cancel_key)
    name, device = payload["engine"], server_device(payload["device"])
    # the dock's settings of the detector (working scale, …), other weights sent with the job
    with sent_weights(payload.get("params") or {}, payload.get("weights"), "detector") as params:
        if payload.get("weights"):  # the user's own file: never kept warm under its temporary name
            detector = detection.create(name, device=device, **params)
        else:
            weights = getattr(registry.get("detector", name), "weights_name", None)
            detector = warm("detector", name, device, params,
                            lambda: detection.create(name, device=device, **params),
                            weights_identity(weights) if weights else ())
        with payload_image(payload) as image:
            return detection.detect(image, detector, window=payload["window"], overlap=16,
                                    progress=progress, cancelled=cancelled)


def label_task(payload: dict, progress_key: str, cancel_key: str):
    from muralstudio.engines import labeling

    progress, cancelled = _task_callbacks(progress_key, cancel_key)
    with sent_weights(payload.get("params") or {}, payload.get("weights"), "labeler") as params:  # a fine-tuned labeler's own
        labeler = labeling.create(payload["engine"], device=server_device(payload["device"]), **params)
        with payload_image(payload) as image:
            return labeling.label(image, labeler, progress=progress, cancelled=cancelled)


def label_maps_task(payload: dict, progress_key: str, cancel_key: str):
    """``label --server``: the working-scale probabilities only (the command writes the
    full-resolution maps a band at a time, as it does for a local run)."""
    from muralstudio.engines import labeling

    progress, cancelled = _task_callbacks(progress_key, cancel_key)
    with sent_weights(payload.get("params") or {}, payload.get("weights"), "labeler") as params:
        labeler = labeling.create(payload["engine"], device=server_device(payload["device"]), **params)
        with payload_image(payload) as image:
            probabilities, used = labeling.working_probabilities(image, labeler, payload.get("scale"),
                                                                 progress=progress, cancelled=cancelled)
        return probabilities, used, list(labeler.classes), labeler.name, labeler.weights_sha256


TASKS = {"inpaint": inpaint_task, "detect": detect_task, "label": label_task, "label_maps": label_maps_task}


# --------------------------------------------------------------------------------------------
# the client side

_clients: dict = {}
_clients_lock = threading.Lock()


def client_for(address: str, command: bool = False):
    """One connected Client per scheduler address, made on first use. ``command``: the job
    came from the command line (its message says what to leave out, not where to click)."""
    try:
        from distributed import Client
    except ImportError:
        raise RemoteUnavailable("a compute server needs dask.distributed: pip install 'dask[distributed]'") from None
    unreachable = "server_unreachable_cli" if command else "server_unreachable"
    if not ADDRESS.fullmatch(address or ""):  # said at once (Dask took 11 s and printed a traceback)
        raise RemoteUnavailable(Text(unreachable, address=address,
                                     reason="not an address of the form tcp://HOST:PORT or tls://HOST:PORT, e.g. tcp://gpu-server:8786"))
    with _clients_lock:
        client = _clients.get(address)
        if client is not None and client.status == "running":
            return client
        missing = tls_missing(address)
        if missing:
            raise RemoteUnavailable(Text(unreachable, address=address, reason=missing))
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise RemoteUnavailable(Text(unreachable, address=address, reason=str(exc) or type(exc).__name__)) from None
        _clients[address] = client
        return client


def tls_missing(address: str) -> str | None:
    """Why a tls:// ``address`` cannot be used from here (None when it can, or is not tls://):
    it needs this computer's certificates in Dask's configuration; without them Dask failed
    with a TypeError about an ssl_context and a traceback from its destructor."""
    if not str(address).startswith("tls://"):
        return None
    import dask

    tls = dask.config.get("distributed.comm.tls", default={}) or {}
    client = tls.get("client") or {}
    if tls.get("ca-file") and client.get("cert"):
        return None
    return ("a tls:// server needs this computer's certificates in Dask's configuration: "
            "distributed.comm.tls.ca-file, distributed.comm.tls.client.cert and .key")


def close_clients() -> None:
    with _clients_lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


def run_remote(address: str, kind: str, payload: dict, progress: Callable[[float, str], None] | None = None,
               cancelled: Callable[[], bool] | None = None, poll: float = 0.1, command: bool = False):
    """Run task ``kind`` on the server and wait for its result, relaying progress and cancel
    (Ctrl-C in a command cancels the job on the server too)."""
    client = client_for(address, command)
    lost = "server_lost_cli" if command else "server_lost"
    try:
        if not client.scheduler_info().get("workers"):  # else Dask's "No valid workers found", late
            raise RemoteUnavailable(Text("server_no_worker", address=address))
        token = uuid.uuid4().hex
        progress_key, cancel_key = f"muralstudio-progress-{token}", f"muralstudio-cancel-{token}"
        # the pixels go to a worker as data, not inside the task graph the scheduler holds
        data = client.scatter(payload, hash=False)
        future = client.submit(TASKS[kind], data, progress_key, cancel_key, pure=False,
                               key=f"muralstudio-{kind}-{token}")
    except OSError as exc:  # the scheduler went away (CommClosedError and TimeoutError are OSErrors)
        raise RemoteUnavailable(Text(lost, address=address, reason="the connection to it closed")) from exc
    shown, stopped = None, False
    try:
        while not future.done():
            try:
                if cancelled and cancelled():
                    raise Cancelled()
                time.sleep(poll)
                if progress:
                    state = client.get_metadata(progress_key, default=None)
                    if state is not None and state != shown:
                        shown = state
                        progress(float(state[0]), state[1])
            except (Cancelled, KeyboardInterrupt):
                stopped = True
                client.set_metadata(cancel_key, True)  # the task stops at its next checkpoint
                future.cancel()
                raise
        if future.status == "error" and isinstance(future.exception(), Cancelled):
            raise Cancelled()
        try:
            return future.result()
        except CancelledError:  # nobody here cancelled it: the server or its worker went away
            raise RemoteUnavailable(Text(lost, address=address, reason="the job was dropped")) from None
    except OSError as exc:  # the scheduler went away while the job ran
        raise RemoteUnavailable(Text(lost, address=address, reason="the connection to it closed")) from exc
    finally:
        # a cancel flag stays set until the task has seen it (it looks every PROGRESS_INTERVAL);
        # clearing it at once let a cancelled job run to its end, holding up everyone's jobs
        for key in (progress_key,) if stopped else (progress_key, cancel_key):
            try:
                client.set_metadata(key, None)
            except Exception:  # noqa: BLE001 — the server may be gone; nothing to keep
                pass


def inpaint_payload(source, hole: np.ndarray, options, source_sha256: str | None, hints: dict | None) -> dict:
    """What the server needs to run ``inpainting.inpaint`` as this computer would: the crops of
    every region (the harness's own region and context computation), the packed hole, hints."""
    from muralstudio.engines import inpainting, registry
    from muralstudio.engines.detection import source_reader

    read, width, height = source_reader(source)
    hints = dict(hints or {})
    # the server grows the hole as the harness does here: its regions are planned on the grown one
    planned = inpainting.grown_mask(hole.astype(bool), options.grow) if options.grow > 0 else hole
    regions = inpainting.plan_regions(planned, width, height, options,
                                      registry.get("inpainter", options.engine).capabilities.max_side, hints)
    crops = [((cx, cy, cw, ch), read(cx, cy, cw, ch)) for _, (cx, cy, cw, ch) in regions]
    return {"width": width, "height": height, "crops": crops, "options": options,
            "hole": np.packbits(hole.astype(bool).ravel()), "source_sha256": source_sha256, "hints": hints}


def dask_setup(worker) -> None:
    """``dask worker … --preload muralstudio.ops.remote``: load the default models once, on
    the worker's GPU when it has one, so the first job does not wait for them."""
    from muralstudio.engines import detection, inpainting
    from muralstudio.engines.cache import warm, weights_identity
    from muralstudio.engines import registry

    device = server_device("cpu")
    for kind, name, make in (("inpainter", inpainting.default_engine(), inpainting.create),
                             ("detector", detection.DEFAULT_DETECTOR, detection.create)):
        try:
            factory = registry.get(kind, name)
            weights = getattr(factory, "weights_name", None)
            warm(kind, name, device, {}, lambda make=make, name=name: make(name, device),
                 weights_identity(weights) if weights else ())
        except Exception as exc:  # noqa: BLE001 — a worker without weights still serves the rest
            worker.log_event("muralstudio", f"could not preload {name}: {exc}")
