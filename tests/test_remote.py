"""The window's jobs on a compute server: a real Dask LocalCluster scheduler stands in for the
shared GPU server. Same proposal as a local job, progress, cancel, and a clear failure (with
the window still working locally) when the server cannot be reached."""

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed")
pytest.importorskip("pytestqt")

from muralstudio.gui.main_window import demo_document  # noqa: E402


@pytest.fixture(scope="module")
def scheduler():
    from distributed import LocalCluster

    from muralstudio.ops import remote

    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None)
    yield cluster.scheduler_address
    remote.close_clients()
    cluster.close()


def _restore(window, qtbot, engine, server):
    dock = window.inpaint_dock
    dock.compute_server = server
    dock.engine.setCurrentIndex(dock.engine.findData(engine))
    dock.mask_source.setCurrentIndex(dock.mask_source.findText("paint loss"))
    job = dock.run()
    qtbot.waitUntil(lambda: job.state in ("done", "failed"), timeout=120000)
    assert job.state == "done", job.error
    return dock.pending_layer()


def without_time(record_json: str) -> dict:
    record = json.loads(record_json)
    record.pop("created", None)
    return record


@pytest.mark.parametrize("engine", ["telea", "fourier"])
def test_inpaint_on_the_server_proposes_what_a_local_job_proposes(window, qtbot, scheduler, engine):
    doc = demo_document()
    window.set_document(doc)
    local = _restore(window, qtbot, engine, "")
    remote = _restore(window, qtbot, engine, scheduler)
    assert len(local.patches) == len(remote.patches) > 0
    for a, b in zip(local.patches, remote.patches):
        assert (a.x, a.y) == (b.x, b.y)
        np.testing.assert_array_equal(a.mask, b.mask)
        np.testing.assert_array_equal(a.pixels, b.pixels)
    there = without_time(remote.record.to_json())
    assert there.pop("server") == scheduler  # the record says where it was computed
    assert without_time(local.record.to_json()) == there


def test_detect_on_the_server_equals_local(window, qtbot, scheduler):
    window.set_document(demo_document())
    dock = window.detect_dock
    results = []
    for server in ("", scheduler):
        dock.compute_server = server
        job = dock.run()
        qtbot.waitUntil(lambda: job.state in ("done", "failed"), timeout=120000)
        assert job.state == "done", job.error
        results.append(dock.result)
    for name in results[0].probabilities:
        # stored as 0–255; torch sums in another order with another thread count (a test that
        # trained in this process leaves it at one), which can move a value across a step
        local, remote = (r.probabilities[name].astype(np.int16) for r in results)
        assert np.abs(local - remote).max() <= 1 and (local != remote).mean() < 1e-4


def test_cancel_reaches_the_server(window, qtbot, scheduler):
    window.set_document(demo_document())
    dock = window.inpaint_dock
    dock.compute_server = scheduler
    dock.engine.setCurrentIndex(dock.engine.findData("patchmatch"))
    layers_before = list(window.doc.layers)
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "running", timeout=10000)
    dock.cancel_button.click()
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=60000)
    assert window.doc.layers == layers_before


def test_unreachable_server_fails_clearly_and_local_work_goes_on(window, qtbot):
    window.set_document(demo_document())
    dock = window.inpaint_dock
    dock.compute_server = "tcp://127.0.0.1:9"  # nothing listens there
    dock.engine.setCurrentIndex(dock.engine.findData("telea"))
    dock.mask_source.setCurrentIndex(dock.mask_source.findText("paint loss"))
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "failed", timeout=60000)
    assert "cannot be reached" in job.error and "This computer" in job.error
    dock.compute_server = ""
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=60000)
    assert dock.pending_layer() is not None


def test_settings_dialog_keeps_the_server_address(qtbot):
    from muralstudio.gui import settings

    dialog = settings.SettingsDialog()
    qtbot.addWidget(dialog)
    assert not dialog.server.isEnabled()
    dialog.compute.setCurrentIndex(1)
    assert dialog.server.isEnabled()
    dialog.server.setText(" tcp://gpu:8786 ")
    dialog.save()
    assert settings.get("compute_server") == "tcp://gpu:8786"
    dialog.compute.setCurrentIndex(0)
    dialog.save()
    assert settings.get("compute_server") == ""


def test_a_cancelled_job_stops_on_the_server(scheduler):
    """Cancel must stop the work on the server, not only here: a cancelled job that ran on to
    its end held up every later job on the shared GPU."""
    import threading
    import time

    from muralstudio.core.errors import Cancelled
    from muralstudio.engines import inpainting
    from muralstudio.ops import remote

    doc = demo_document()
    hole = np.zeros((doc.height, doc.width), bool)
    hole[200:900, 300:1300] = True  # a large loss: patchmatch works on it for a minute or more
    payload = remote.inpaint_payload(doc.source, hole, inpainting.InpaintOptions(engine="patchmatch"), None, {})
    client = remote.client_for(scheduler)
    started, outcome = [], []

    def send():
        try:
            remote.run_remote(scheduler, "inpaint", payload, progress=lambda *_: started.append(1),
                              cancelled=lambda: bool(started) and time.monotonic() - started_at[0] > 0.5)
        except Cancelled:
            outcome.append("cancelled")

    started_at = [time.monotonic()]
    thread = threading.Thread(target=send)
    thread.start()
    deadline = time.monotonic() + 60
    while not started and time.monotonic() < deadline:
        time.sleep(0.05)
    started_at[0] = time.monotonic()
    thread.join(60)
    assert outcome == ["cancelled"]
    # the worker lets go of it within a few of its cancel checks, long before patchmatch ends
    def running_on_workers() -> int:  # the scheduler forgets a cancelled task; its thread may run on
        return sum(client.run(lambda dask_worker: len(dask_worker.active_threads)).values())

    deadline = time.monotonic() + 8
    while running_on_workers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert running_on_workers() == 0


def _demo_files(folder):
    """The demo mural and its paint-loss mask as files, as a command-line user has them."""
    from muralstudio.core import imageio

    doc = demo_document()
    image, mask = folder / "wall.png", folder / "loss.png"
    imageio.write_png(image, doc.source.full())
    loss = next(layer for layer in doc.layers if layer.name == "paint loss")
    imageio.write_png(mask, (loss.data >= 128).astype(np.uint8) * 255)
    return image, mask


def test_the_commands_run_on_the_server_as_they_run_here(tmp_path, scheduler, capsys):
    """``detect --server`` and ``inpaint --server`` (an office PC's scripts sending work to the
    shared GPU): the same files as a run on this computer, written here."""
    import json

    from muralstudio import cli
    from muralstudio.core import imageio

    image, mask = _demo_files(tmp_path)
    for where, extra in (("here", []), ("there", ["--server", scheduler])):
        assert cli.main(["detect", str(image), "--out-dir", str(tmp_path / where)] + extra) == 0
        assert cli.main(["inpaint", str(image), "--mask", str(mask), "--engine", "telea",
                         "--out", str(tmp_path / f"{where}.png")] + extra) == 0
        assert cli.main(["label", str(image), "--out", str(tmp_path / f"{where}.labels.png"),
                         "--elements", str(tmp_path / f"{where}.elements.json")] + extra) == 0
    capsys.readouterr()
    labels = [imageio.read_image(tmp_path / f"{where}.labels.png").pixels for where in ("here", "there")]
    assert (labels[0] != labels[1]).mean() < 1e-3 and len(np.unique(labels[0])) > 1
    elements = [json.loads((tmp_path / f"{where}.elements.json").read_text(encoding="utf-8"))
                for where in ("here", "there")]
    assert len(elements[0]["elements"]) == len(elements[1]["elements"]) > 0
    assert elements[0]["weights_sha256"] == elements[1]["weights_sha256"] is not None
    assert elements[1]["elements"][0]["embedding"]  # made here, with the labeler loaded here
    assert elements[1]["server"] == scheduler and "server" not in elements[0]
    here = imageio.read_image(tmp_path / "here.png").pixels
    there = imageio.read_image(tmp_path / "there.png").pixels
    np.testing.assert_array_equal(here, there)
    assert np.any(here != imageio.read_image(image).pixels)  # something was restored
    records = [json.loads((tmp_path / f"{where}.png.record.json").read_text(encoding="utf-8"))
               for where in ("here", "there")]
    for record in records:
        for restoration in record["restorations"]:
            restoration.pop("created"), restoration.pop("seconds", None)
    assert records[1]["restorations"][0].pop("server") == scheduler and "server" not in records[0]["restorations"][0]
    assert records[0] == records[1] and records[0]["restorations"][0]["engine"] == "telea"
    local, remote = (imageio.read_image(tmp_path / where / "wall.paint-loss.prob.png").pixels.astype(np.int16)
                     for where in ("here", "there"))
    assert np.abs(local - remote).max() <= 1 and (local != remote).mean() < 1e-4
    summary = json.loads((tmp_path / "there" / "wall.detect.json").read_text(encoding="utf-8"))
    assert summary["server"] == scheduler and summary["classes"]["paint loss"]["pixels"] > 0
    here = json.loads((tmp_path / "here" / "wall.detect.json").read_text(encoding="utf-8"))
    # the weights the server used are named (their file and hash) as a local run names its own
    assert summary["weights"] == Path(here["weights"]).name and summary["weights_sha256"] == here["weights_sha256"]


def test_a_command_given_an_unreachable_server_says_so_and_writes_nothing(tmp_path, capsys):
    from muralstudio import cli

    image, mask = _demo_files(tmp_path)
    for command in (["detect", str(image), "--out-dir", str(tmp_path / "maps")],
                    ["label", str(image), "--out", str(tmp_path / "labels.png")],
                    ["inpaint", str(image), "--mask", str(mask), "--out", str(tmp_path / "out.png")]):
        assert cli.main(command + ["--server", "tcp://127.0.0.1:9"]) != 0
        err = capsys.readouterr().err
        assert "tcp://127.0.0.1:9 cannot be reached" in err and "leave out --server" in err.lower(), err
    assert not (tmp_path / "out.png").exists() and not (tmp_path / "labels.png").exists()
    assert not (tmp_path / "maps").exists()


def test_a_file_travels_as_its_bytes_when_they_are_fewer_than_its_pixels(tmp_path):
    """A JPEG, PNG or TIFF goes to the server as the file (a TIFF read by region is never
    decoded whole on the office PC); the server decodes the same pixels as this computer."""
    from muralstudio.core import imageio
    from muralstudio.core.pyramid import FileSource
    from muralstudio.ops import remote

    pixels = demo_document().source.full()
    imageio.write_png(tmp_path / "wall.png", pixels)
    imageio.write_tiff(tmp_path / "raw.tif", pixels, compression="none")  # no fewer bytes, read by region
    png = remote.image_payload(FileSource(tmp_path / "wall.png"))
    assert set(png) == {"file", "file_name", "max_pixels"} and len(png["file"]) < pixels.nbytes
    tiff = FileSource(tmp_path / "raw.tif")
    assert tiff.read_by_region and "file" in remote.image_payload(tiff)
    assert tiff.read_by_region  # not decoded whole for the job
    assert set(remote.image_payload(demo_document().source)) == {"pixels"}  # no file behind it
    with remote.payload_image(png) as image:
        np.testing.assert_array_equal(image.full(), pixels)
        folder = image.path.parent
    assert not folder.exists()  # the temporary copy is gone


def test_the_server_opens_a_sent_file_whatever_its_name_and_its_own_limit(tmp_path, monkeypatch):
    """The file is written under a name of the server's own (a Windows name of 90 Chinese
    characters is too long for Linux, '..' is a folder), read with the limit it was opened with
    here, and a file the server cannot read is named by its own name, not the server's copy."""
    from muralstudio.core import imageio
    from muralstudio.core.pyramid import FileSource
    from muralstudio.ops import remote

    pixels = demo_document().source.full()[:300, :400]
    imageio.write_png(tmp_path / "wall.png", pixels)
    payload = remote.image_payload(FileSource(tmp_path / "wall.png"))
    monkeypatch.setenv("MURALSTUDIO_MAX_PIXELS", "1000")  # the server's limit is lower
    for name in ("莫高窟" * 30 + ".png", "..", "a/b:c?.png"):
        with remote.payload_image({**payload, "file_name": name}) as image:
            np.testing.assert_array_equal(image.full(), pixels)
    with pytest.raises(ValueError, match=r"^wall\.png: the compute server cannot read this file"):
        with remote.payload_image({**payload, "file": b"\x89PNG\r\n\x1a\n broken"}):
            pass


def test_weights_of_the_users_own_travel_with_the_job(tmp_path):
    from muralstudio.ops import remote

    (tmp_path / "mine.safetensors").write_bytes(b"weights")
    params, weights = remote.weights_for_server({"weights_path": str(tmp_path / "mine.safetensors"), "scale": 0.5})
    assert params == {"scale": 0.5} and weights == b"weights"
    with remote.sent_weights(params, weights, "detector") as there:
        assert there["scale"] == 0.5 and there["weights_path"].read_bytes() == b"weights"
        folder = there["weights_path"].parent
    assert not folder.exists()
    assert remote.weights_for_server({"scale": 1.0}) == ({"scale": 1.0}, None)


def test_a_file_rewritten_since_it_was_opened_is_never_sent_for_the_image_shown(tmp_path):
    """Another program rewrote the image after the window opened it: a job sends the pixels
    decoded when it was opened (a PNG held in memory), and a TIFF read by region refuses, naming
    the file, instead of sending or reading the new file as if it were the image shown."""
    import os

    from muralstudio.core import imageio
    from muralstudio.core.errors import SourceChangedError
    from muralstudio.core.pyramid import FileSource
    from muralstudio.ops import remote

    pixels = demo_document().source.full()
    imageio.write_png(tmp_path / "wall.png", pixels)
    imageio.write_tiff(tmp_path / "raw.tif", pixels, compression="none")
    png, tiff = FileSource(tmp_path / "wall.png"), FileSource(tmp_path / "raw.tif")
    other = np.ascontiguousarray(pixels[::-1])  # written by another program (ours refuse originals)
    import cv2
    import tifffile

    cv2.imwrite(str(tmp_path / "wall.png"), other)
    tifffile.imwrite(tmp_path / "raw.tif", other, photometric="rgb")
    for path in (tmp_path / "wall.png", tmp_path / "raw.tif"):  # a later time, whatever the clock's grain
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    payload = remote.image_payload(png)
    assert set(payload) == {"pixels"}
    np.testing.assert_array_equal(payload["pixels"], pixels)
    with pytest.raises(SourceChangedError, match="raw.tif"):
        remote.image_payload(tiff)
    with pytest.raises(SourceChangedError, match="changed on disk"):
        tiff.read_region(0, 0, 8, 8)


def test_a_server_address_of_another_form_is_refused_at_once(tmp_path, capsys):
    """An http:// address or one without a port: one line at once (Dask took 11 s and printed
    a traceback from its client's destructor after the message)."""
    import time

    from muralstudio import cli

    image, _ = _demo_files(tmp_path)
    for address in ("http://127.0.0.1:8786", "tcp://127.0.0.1"):
        start = time.monotonic()
        assert cli.main(["detect", str(image), "--out-dir", str(tmp_path / "maps"), "--server", address]) == 2
        assert time.monotonic() - start < 5
        err = capsys.readouterr().err
        assert f"{address} cannot be reached (not an address of the form tcp://HOST:PORT" in err
        assert "Traceback" not in err
    # tls:// without certificates in Dask's configuration: said, not a TypeError's traceback
    start = time.monotonic()
    assert cli.main(["detect", str(image), "--out-dir", str(tmp_path / "maps"), "--server", "tls://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert "certificates" in err and "distributed.comm.tls" in err and "Traceback" not in err
    assert time.monotonic() - start < 15


def test_a_server_without_a_worker_says_so_before_sending_anything(tmp_path, capsys):
    from distributed import LocalCluster

    from muralstudio import cli
    from muralstudio.ops import remote

    image, _ = _demo_files(tmp_path)
    cluster = LocalCluster(n_workers=0, dashboard_address=None)
    try:
        assert cli.main(["detect", str(image), "--out-dir", str(tmp_path / "maps"),
                         "--server", cluster.scheduler_address]) != 0
        err = capsys.readouterr().err
        assert f"{cluster.scheduler_address} has no worker to run the job" in err
        assert "--preload muralstudio.ops.remote" in err  # the README's worker command, whole
        assert not (tmp_path / "maps").exists()
    finally:
        remote.close_clients()
        cluster.close()


def test_a_job_the_server_drops_or_whose_connection_closes_is_said_in_words(monkeypatch):
    """The worker killed mid-job ("already forgotten." leaked from Dask) or the scheduler gone
    ("Stream is closed", "Timed out trying to connect"): the lost-job message, naming the server."""
    from concurrent.futures import CancelledError

    from muralstudio.ops import remote

    class Future:
        status = "cancelled"

        def __init__(self, failure):
            self.failure = failure

        def done(self):
            return True

        def result(self):
            raise self.failure

    class Client:
        def __init__(self, failure):
            self.failure = failure

        def scheduler_info(self):
            return {"workers": {"tcp://w:1": {}}}

        def scatter(self, payload, hash):
            return payload

        def submit(self, *args, **kwargs):
            return Future(self.failure)

        def set_metadata(self, key, value):
            pass

    for failure in (CancelledError("muralstudio-detect-1: already forgotten."), OSError("Stream is closed")):
        monkeypatch.setattr(remote, "client_for", lambda address, command=False: Client(failure))
        with pytest.raises(remote.RemoteUnavailable) as lost:
            remote.run_remote("tcp://gpu:8786", "detect", {}, command=True)
        text = str(lost.value)
        assert text.startswith("the compute server tcp://gpu:8786 lost the job (")
        assert "forgotten" not in text and "Stream" not in text
