"""Archive batches on a real Dask LocalCluster (two worker processes): the results equal the
direct ops calls, a killed worker's task is retried, an interrupted run resumes with only what is
left, a truncated TIFF is recorded as failed while the others complete."""

import json
import os
import signal
import sqlite3

import numpy as np
import pytest

pytest.importorskip("distributed")

from muralstudio.core import imageio, synth  # noqa: E402
from muralstudio.ops import batch  # noqa: E402

STEPS = ["detect", "label"]


@pytest.fixture(scope="module")
def client():
    import dask
    from distributed import Client, LocalCluster

    dask.config.set({"distributed.scheduler.allowed-failures": 3})
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, resources={"image": 1},
                           dashboard_address=None)
    with Client(cluster) as c:
        yield c
    cluster.close()


def make_archive(folder, count=4, size=(96, 80)):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cave 7").mkdir(exist_ok=True)
    paths = []
    for i in range(count):
        pixels = synth.generate_mural(size[0], size[1], seed=i)[0]
        target = folder / ("cave 7" if i % 2 else "") / f"壁画-{i}.tif"
        imageio.write_tiff(target, pixels.astype(np.uint16) * 257)  # 16-bit like the archives
        paths.append(target)
    return paths


def ledger_rows(out):
    with sqlite3.connect(out / "ledger.sqlite") as db:
        return {name: (status, attempts) for name, status, attempts in
                db.execute("SELECT name, status, attempts FROM images")}


def test_batch_equals_direct_ops_calls(tmp_path, client):
    from muralstudio.ops.detect import DetectRequest, detect_file
    from muralstudio.ops.label import LabelRequest, label_file

    paths = make_archive(tmp_path / "in", count=3)
    request = batch.BatchRequest(inputs=[str(tmp_path / "in")], out=tmp_path / "out", steps=STEPS)
    result = batch.run_batch(request, client)
    assert (result.done, result.failed) == (3, 0)
    for name, path in batch.list_inputs([tmp_path / "in"]):
        folder = tmp_path / "out" / "images" / name
        assert (folder / "done.json").exists()
        direct = tmp_path / "direct" / name
        written = detect_file(DetectRequest(path, direct))
        label_file(LabelRequest(path, direct / "labels.png"))
        for key, mask_path in written.items():
            if key.endswith("mask"):
                np.testing.assert_array_equal(imageio.read_mask(mask_path),
                                              imageio.read_mask(folder / "damage" / mask_path.name))
        np.testing.assert_array_equal(imageio.read_mask(direct / "labels.png"), imageio.read_mask(folder / "labels.png"))
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        assert report["width"] == 96 and report["steps"] == STEPS
        assert set(report["damage"]) and report["records"]["detect"]["weights_sha256"]
    assert "cave 7__壁画-1" in ledger_rows(tmp_path / "out")
    summary = (tmp_path / "out" / "summary.csv").read_bytes()
    assert summary.startswith(b"\xef\xbb\xbf")  # a byte-order mark: Excel reads "壁画" right
    summary = summary.decode("utf-8-sig").splitlines()
    assert len(summary) == 1 + len(paths) and any("cave 7__壁画-1" in line for line in summary)


def test_truncated_tiff_fails_with_its_message_and_the_rest_completes(tmp_path, client):
    paths = make_archive(tmp_path / "in", count=3)
    broken = tmp_path / "in" / "broken.tif"
    broken.write_bytes(paths[0].read_bytes()[:300])
    request = batch.BatchRequest(inputs=[str(tmp_path / "in")], out=tmp_path / "out", steps=["detect"])
    result = batch.run_batch(request, client)
    assert (result.done, result.failed) == (3, 1)
    state = batch.status(tmp_path / "out")
    assert state["counts"] == {"done": 3, "failed": 1}
    (name, error), = state["failed"]
    assert name == "broken" and "broken.tif" in error
    assert not (tmp_path / "out" / "images" / "broken").exists()
    # a resumed run does not try the corrupt file again (nor the finished ones)
    again = batch.run_batch(batch.BatchRequest(inputs=[str(tmp_path / "in")], out=tmp_path / "out",
                                               steps=["detect"], resume=True), client)
    assert (again.done, again.failed, again.skipped) == (0, 0, 4)


def test_interrupted_run_resumes_with_only_the_remaining_images(tmp_path, client):
    make_archive(tmp_path / "in", count=5)
    out = tmp_path / "out"
    request = batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=["detect"])

    def interrupt(state):
        if state["done"] == 2:
            raise KeyboardInterrupt

    first = batch.run_batch(request, client, progress=interrupt)
    assert first.done == 2 and first.interrupted == 3
    rows = ledger_rows(out)
    assert sorted(s for s, _ in rows.values()) == ["done", "done", "interrupted", "interrupted", "interrupted"]
    with pytest.raises(ValueError, match="--resume"):
        batch.run_batch(request, client)
    # the interrupted images are processed, but for those whose folder a worker finished as the
    # run stopped (its done.json written): those are taken as done
    interrupted = {n for n, (s, _) in rows.items() if s == "interrupted"}
    finished = {n for n in interrupted if (out / "images" / n / "done.json").exists()}
    processed = []
    resumed = batch.run_batch(batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=["detect"],
                                                 resume=True), client,
                              progress=lambda s: processed.append(s["last"]["name"]))
    assert (resumed.done, resumed.skipped) == (3 - len(finished), 2 + len(finished))
    assert sorted(processed) == sorted(interrupted - finished)
    assert all(s == "done" for s, _ in ledger_rows(out).values())
    # a changed image is processed again, the others are not
    changed = sorted((tmp_path / "in").rglob("*.tif"))[0]
    imageio.write_tiff(changed, synth.generate_mural(96, 80, seed=42)[0])
    third = batch.run_batch(batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=["detect"],
                                               resume=True), client)
    assert (third.done, third.skipped) == (1, 4)


def test_a_killed_worker_is_replaced_and_its_task_retried(tmp_path, client):
    make_archive(tmp_path / "in", count=6, size=(160, 128))
    out = tmp_path / "out"
    request = batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=STEPS)
    killed = []

    def kill_a_busy_worker(state):
        if killed:
            return
        busy = [w for w, tasks in client.processing().items() if tasks]
        if busy:
            pids = client.run(os.getpid, workers=busy[:1])
            pid = next(iter(pids.values()))
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    result = batch.run_batch(request, client, progress=kill_a_busy_worker)
    assert killed, "no worker was busy to kill"
    assert (result.done, result.failed) == (6, 0)
    assert all((out / "images" / n / "done.json").exists() for n in ledger_rows(out))
    assert not list((out / "images").glob("*.partial"))


def test_request_round_trips_through_json(tmp_path):
    request = batch.BatchRequest(inputs=["a", "b.txt"], out=tmp_path, steps=["detect", "inpaint"],
                                 engines={"inpaint": "fourier:grain=true"}, workers=2)
    assert batch.BatchRequest.from_json(request.to_json()) == request


def test_list_inputs_reads_lists_and_keeps_same_stems_apart(tmp_path):
    a, b = tmp_path / "c1" / "x.png", tmp_path / "c2" / "x.png"
    for p in (a, b):
        p.parent.mkdir()
        imageio.write_png(p, np.zeros((40, 40, 3), np.uint8))
    listing = tmp_path / "list.txt"
    listing.write_text(f"# two caves\n{a}\nc2/x.png\n", encoding="utf-8")
    names = [n for n, _ in batch.list_inputs([listing])]
    assert names == ["x", "x~2"]
    assert [n for n, _ in batch.list_inputs([tmp_path])] == ["c1__x", "c2__x"]
    with pytest.raises(FileNotFoundError, match="nowhere"):
        batch.list_inputs([tmp_path / "nowhere"])


def test_cli_batch_run_status_report(tmp_path, capsys):
    from muralstudio.cli import main

    make_archive(tmp_path / "in", count=2)
    out = tmp_path / "out"
    assert main(["batch", "run", "--in", str(tmp_path / "in"), "--out", str(out), "--steps", "detect",
                 "--workers", "1"]) == 0
    assert "Dask dashboard" in capsys.readouterr().err
    assert main(["batch", "status", str(out)]) == 0
    assert "done 2" in capsys.readouterr().out
    assert main(["batch", "report", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["images"] == 2
    assert main(["batch", "run", "--in", str(tmp_path / "in"), "--out", str(out), "--steps", "detect"]) == 2
    assert "--resume" in capsys.readouterr().err
    # a resume with nothing left to do starts no cluster (it took half a minute)
    assert main(["batch", "run", "--in", str(tmp_path / "in"), "--out", str(out), "--steps", "detect", "--resume"]) == 0
    captured = capsys.readouterr()
    assert "Dask dashboard" not in captured.err and "0 done, 0 failed, 2 skipped as already done" in captured.out
    assert main(["batch", "run", "--in", str(tmp_path / "in"), "--out", str(out), "--engine", "nosuch"]) == 2
    capsys.readouterr()
    # a wrong folder, input or step is said before anything is made in the output folder
    assert main(["batch", "report", str(tmp_path / "nothere")]) == 2
    assert "no batch here" in capsys.readouterr().err and not (tmp_path / "nothere").exists()
    assert main(["batch", "run", "--in", str(tmp_path / "missing"), "--out", str(tmp_path / "b1")]) == 2
    assert "missing: no such file or folder" in capsys.readouterr().err
    assert main(["batch", "run", "--in", str(tmp_path / "in"), "--out", str(tmp_path / "b2"),
                 "--steps", "detect,lable"]) == 2
    assert "unknown step 'lable'" in capsys.readouterr().err
    assert not (tmp_path / "b1").exists() and not (tmp_path / "b2").exists()


def test_a_resumed_run_that_skips_failed_images_says_so_and_fails_too(tmp_path, capsys, monkeypatch):
    """Scripts see exit status 1 while images of the archive remain failed, resumed or not;
    summary.csv names each image by its full path, whatever folder the run started in."""
    from muralstudio.cli import main

    paths = make_archive(tmp_path / "in", count=2)
    (tmp_path / "in" / "broken.tif").write_bytes(paths[0].read_bytes()[:300])
    monkeypatch.chdir(tmp_path)
    run = ["batch", "run", "--in", "in", "--out", "out", "--steps", "detect", "--workers", "1"]
    assert main(run) == 1
    capsys.readouterr()
    assert main(run + ["--resume"]) == 1
    assert "1 image(s) failed in an earlier run and were skipped" in capsys.readouterr().out
    rows = (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    assert rows and all(str(tmp_path / "in") in row for row in rows)


def test_a_damaged_ledger_is_named_not_a_traceback(tmp_path, capsys):
    from muralstudio.cli import main

    out = tmp_path / "out"
    out.mkdir()
    (out / "ledger.sqlite").write_bytes(b"this is not sqlite" * 100)
    assert main(["batch", "status", str(out)]) == 2
    assert "ledger.sqlite is not a readable batch ledger" in capsys.readouterr().err


def test_a_batch_project_opens_with_proposals_to_review(tmp_path, client, qtbot):
    """--steps detect,label,project: each image gets NAME.mural with the detector's masks as
    proposals (not damage), the labels, and the detection's record; the window reviews them."""
    from muralstudio.core.project import load_project
    from muralstudio.gui.main_window import MainWindow

    make_archive(tmp_path / "in", count=1, size=(160, 128))
    request = batch.BatchRequest(inputs=[str(tmp_path / "in")], out=tmp_path / "out",
                                 steps=["detect", "label", "project"], engines={"detect": "resunet:flips=true"})
    result = batch.run_batch(request, client)
    assert (result.done, result.failed) == (1, 0)
    name = next(iter(batch.list_inputs([tmp_path / "in"])))[0]
    folder = tmp_path / "out" / "images" / name
    doc = load_project(folder / f"{name}.mural")
    proposals = [layer for layer in doc.layers if layer.kind == "mask"]
    assert proposals and all(layer.proposed and not layer.marks_damage for layer in proposals)
    for layer in proposals:
        cls = layer.name.removesuffix(" (proposed)")
        written = imageio.read_mask(next((folder / "damage").glob(f"*.{cls.replace(' ', '*')}*mask.png"))) >= 128
        assert np.array_equal(layer.data >= 128, written)
    labels = next(l for l in doc.layers if l.kind == "labels")  # class indices, the labeler's classes
    assert np.array_equal(labels.data, imageio.read_label_map(folder / "labels.png"))
    listing = json.loads((folder / "elements.json").read_text(encoding="utf-8"))
    assert [name for name, _ in labels.classes] == [c["name"] for c in listing["classes"]]
    record = doc.detections[-1]
    assert record["engine"] == "resunet" and record["weights_sha256"]
    assert record["settings"] == {"flips": True}  # reopened, the window detects again as the batch did
    assert set(doc.detection_probabilities) == set(record["classes"])  # the reviewer sees its confidence
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_path(folder / f"{name}.mural")
    assert window.detect_dock.step_region(1) is not None  # the review starts where the batch stopped
    assert window.detect_dock.settings_form.values() == {"flips": True}
    window.doc.mark_clean()
    window.jobs.shutdown()


def test_console_progress_writes_lines_into_a_log_and_failures_name_the_image_once():
    import io

    from muralstudio.core.errors import CorruptImageError

    log = io.StringIO()  # not a terminal: one line per image, no carriage returns
    show = batch.console_progress(log)
    for done in (1, 2):
        show({"done": done, "failed": 0, "remaining": 2 - done, "total": 2, "seconds": 6.0 * done,
              "last": {"status": "done"}})
    assert "\r" not in log.getvalue() and len(log.getvalue().splitlines()) == 2
    image = "/archive/empty.jpg"
    text = batch._failure_text(image, CorruptImageError(image, "file is empty (0 bytes)"))
    assert text.count(image) == 1 and "CorruptImageError" not in text
    assert batch._failure_text(image, KeyError("x")).startswith(f"{image}: KeyError")


def test_an_output_folder_inside_the_input_folder_is_not_read_as_input(tmp_path, client):
    paths = make_archive(tmp_path / "in", count=2)
    out = tmp_path / "in" / "results"
    request = batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=["detect"])
    assert batch.run_batch(request, client).done == len(paths)
    assert any(out.rglob("*.png"))  # masks that a rescan would have taken for images
    again = batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=["detect"], resume=True)
    batch.run_batch(again, client)
    assert sorted(ledger_rows(out)) == sorted(name for name, _ in batch.list_inputs([tmp_path / "in"],
                                                                                     skip=out / "images"))
    assert len(ledger_rows(out)) == len(paths)
    # --out the input folder itself: its images are still processed, only the outputs skipped
    scans = make_archive(tmp_path / "scans", count=2)
    same = batch.BatchRequest(inputs=[str(tmp_path / "scans")], out=tmp_path / "scans", steps=["detect"])
    assert batch.run_batch(same, client).done == len(scans)
    again = batch.BatchRequest(inputs=[str(tmp_path / "scans")], out=tmp_path / "scans", steps=["detect"],
                               resume=True)
    assert len(ledger_rows(tmp_path / "scans")) == len(scans) and batch.run_batch(again, client).done == 0


def test_status_after_a_killed_run_says_interrupted_not_running(tmp_path):
    """After kill -9 the ledger still says "running"; status tells the run is gone."""
    import subprocess
    import sys

    out = tmp_path / "out"
    ledger = batch.Ledger(out)
    ledger.mark("wall", image="/x/wall.tif", size=1, mtime=1.0, config="k", status="running", error=None)
    ledger.close()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    batch.mark_run(out)
    mark = json.loads((out / batch.RUN_MARK).read_text())
    assert batch.status(out)["counts"] == {"running": 1}  # this process marked it: alive
    mark["pid"] = int(gone.stdout)  # a process that has ended
    (out / batch.RUN_MARK).write_text(json.dumps(mark))
    assert batch.status(out)["counts"] == {"interrupted": 1}


def test_a_batch_reports_each_image_with_its_fill_as_a_proposal(tmp_path, client):
    """--steps detect,inpaint,project,report: the condition report of each image beside its
    outputs, and the batch's fill (made from unreviewed detections) kept in the project as a
    restoration proposed, not applied — the restored image stays a draft until reviewed."""
    from muralstudio.core.document import RestorationLayer
    from muralstudio.core.project import load_project

    make_archive(tmp_path / "in", count=1, size=(160, 128))
    request = batch.BatchRequest(inputs=[str(tmp_path / "in")], out=tmp_path / "out",
                                 steps=["detect", "inpaint", "project", "report"], engines={"detect": "resunet"})
    result = batch.run_batch(request, client)
    assert (result.done, result.failed) == (1, 0)
    name = next(iter(batch.list_inputs([tmp_path / "in"])))[0]
    folder = tmp_path / "out" / "images" / name
    doc = load_project(folder / f"{name}.mural")
    restoration = next(layer for layer in doc.layers if isinstance(layer, RestorationLayer))
    assert restoration.pending and "unreviewed" in restoration.name
    restored = imageio.read_image(folder / "restored.tif").pixels
    for patch in restoration.patches:  # the proposal is the restored file's fill
        y, x = patch.y, patch.x
        window = restored[y:y + patch.mask.shape[0], x:x + patch.mask.shape[1]]
        np.testing.assert_array_equal(window[patch.mask], patch.pixels[patch.mask])
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "Condition and treatment report" in html and "proposal, not applied" in html
    assert "restored by the batch" in html and "resunet" in html
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report["records"]["report"] == {"report": "report.html"}

    # the report alone: no project file is written
    request = batch.BatchRequest(inputs=[str(tmp_path / "in")], out=tmp_path / "out2",
                                 steps=["detect", "report"], engines={"detect": "resunet"})
    assert batch.run_batch(request, client).done == 1
    folder = tmp_path / "out2" / "images" / name
    assert (folder / "report.html").exists() and not list(folder.glob("*.mural"))


def test_a_resumed_run_with_a_step_added_takes_over_what_the_folder_holds(tmp_path, client):
    """An archive detected and labelled, then asked for reports too: the detection and labels
    are taken over (not run again on every image); a changed detector reruns only detection;
    a changed image is processed whole."""
    make_archive(tmp_path / "in", count=2)
    out = tmp_path / "out"
    first = batch.run_batch(batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=STEPS), client)
    assert first.done == 2
    names = [name for name, _ in batch.list_inputs([tmp_path / "in"])]

    def report_of(name):
        return json.loads((out / "images" / name / "report.json").read_text(encoding="utf-8"))

    before = {name: report_of(name) for name in names}
    masks = {name: {p.name: imageio.read_mask(p) for p in (out / "images" / name / "damage").glob("*.png")}
             for name in names}
    more = batch.run_batch(batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=STEPS + ["report"],
                                              resume=True), client)
    assert (more.done, more.skipped) == (2, 0)
    for name in names:
        report = report_of(name)
        assert report["reused"] == ["detect", "label"]
        assert report["seconds_reused"]["detect"] == before[name]["seconds"]["detect"]  # the first run's
        assert "detect" not in report["seconds"] and report["seconds"]["total"] >= report["seconds"]["report"]
        assert report["records"]["label"] == before[name]["records"]["label"]
        folder = out / "images" / name
        assert (folder / "report.html").exists() and (folder / "labels.png").exists()
        for file, mask in masks[name].items():
            np.testing.assert_array_equal(imageio.read_mask(folder / "damage" / file), mask)
    # the same run again, or one asking less than the folders hold: nothing to do
    again = batch.run_batch(batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=["detect"],
                                               resume=True), client)
    assert (again.done, again.skipped) == (0, 2)
    # another detector: detection again, the labels taken over
    other = batch.run_batch(batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=STEPS,
                                               engines={"detect": "flecks"}, resume=True), client)
    assert other.done == 2
    assert {tuple(report_of(name)["reused"]) for name in names} == {("label",)}
    assert all(report_of(name)["engines"]["detect"] == "flecks" for name in names)
    # a changed image: nothing of its old outputs is taken
    changed = sorted((tmp_path / "in").rglob("*.tif"))[0]
    imageio.write_tiff(changed, synth.generate_mural(96, 80, seed=42)[0])
    last = batch.run_batch(batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=STEPS,
                                              engines={"detect": "flecks"}, resume=True), client)
    assert (last.done, last.skipped) == (1, 1)
    changed_name = next(name for name, path in batch.list_inputs([tmp_path / "in"]) if path == changed)
    assert report_of(changed_name)["reused"] == []


def test_a_file_replaced_keeping_its_size_and_time_is_processed_again_and_attempts_count_one_run(tmp_path, client):
    """`cp -p` of a corrected scan over the old one keeps size and modification time: a resumed
    run still processes it again, while a file whose permissions alone changed is skipped; and
    adding a step to a finished run is a first attempt under those steps, not a second."""
    import time

    from muralstudio.core.pyramid import file_sha256

    import tifffile

    (tmp_path / "in").mkdir()
    for i in range(2):  # uncompressed: another image of the same shape has the same size
        tifffile.imwrite(tmp_path / "in" / f"wall-{i}.tif", synth.generate_mural(96, 80, seed=i)[0], photometric="rgb")
    out = tmp_path / "out"
    request = batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=STEPS)
    assert batch.run_batch(request, client).done == 2
    more = batch.run_batch(batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=STEPS + ["report"],
                                              resume=True), client)
    assert more.done == 2
    assert {attempts for _, attempts in ledger_rows(out).values()} == {1}
    replaced, permissions = sorted((tmp_path / "in").rglob("*.tif"))
    before, permissions_before = replaced.stat(), permissions.stat()
    time.sleep(0.05)  # the status-change time moves with the kernel's tick
    tifffile.imwrite(tmp_path / "scan.tif", synth.generate_mural(96, 80, seed=7)[0], photometric="rgb")
    replaced.write_bytes((tmp_path / "scan.tif").read_bytes())
    assert replaced.stat().st_size == before.st_size
    os.utime(replaced, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.chmod(permissions, 0o444)
    assert permissions.stat().st_ctime_ns != permissions_before.st_ctime_ns  # else the chmod half tests nothing
    again = batch.run_batch(batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=STEPS + ["report"],
                                               resume=True), client)
    assert (again.done, again.failed, again.skipped) == (1, 0, 1), ledger_rows(out)
    name = next(name for name, path in batch.list_inputs([tmp_path / "in"]) if path == replaced)
    report = json.loads((out / "images" / name / "report.json").read_text(encoding="utf-8"))
    assert report["reused"] == [] and report["sha256"] == file_sha256(replaced)
    # the archive moved and back (`rsync -a`: new inodes, times kept): nothing is done again
    import shutil

    for path in (replaced, permissions):
        shutil.copy2(path, tmp_path / "moved.tif")
        os.replace(tmp_path / "moved.tif", path)
    moved = batch.run_batch(batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=STEPS + ["report"],
                                               resume=True), client)
    assert (moved.done, moved.skipped) == (0, 2)


def test_a_ledger_from_before_inodes_were_kept_opens_and_compares_size_and_time(tmp_path):
    image = tmp_path / "wall.tif"
    imageio.write_tiff(image, synth.generate_mural(64, 48, seed=3)[0])
    stat = image.stat()
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        db.execute("CREATE TABLE images (name TEXT PRIMARY KEY, image TEXT, size INTEGER, mtime REAL, config TEXT, "
                   "status TEXT, sha256 TEXT, seconds REAL, attempts INTEGER DEFAULT 0, error TEXT, worker TEXT, "
                   "updated REAL, report TEXT)")
        db.execute("INSERT INTO images (name, image, size, mtime, status, attempts) VALUES (?, ?, ?, ?, 'done', 1)",
                   ("wall", str(image), stat.st_size, stat.st_mtime))
    ledger = batch.Ledger(tmp_path)
    row = ledger.rows()["wall"]
    ledger.close()
    assert row["inode"] is None and row["ctime"] is None
    assert batch._same_file(row, batch._file_identity(image), image, None)
    assert not batch._same_file({**row, "size": 1}, batch._file_identity(image), image, None)


def test_a_rerun_keeps_a_reviewed_project_and_the_users_files(tmp_path):
    """An IT administrator's finding: a resumed run for a new step rewrote NAME.mural, and a
    review saved in the window was gone without a word; files put in the folder went too."""
    path = make_archive(tmp_path / "in", count=1)[0]
    folder = tmp_path / "out" / "images" / "wall"

    def run(steps):
        task = batch.ImageTask(image=path, out_dir=folder, steps=steps, engines={"detect": "flecks"},
                               step_keys={}, reuse=[])
        summary = batch.process_image(task)
        assert summary["status"] == "done", summary["error"]
        return json.loads((folder / "report.json").read_text(encoding="utf-8"))

    run(["detect", "project"])
    project = folder / "wall.mural"
    untouched = project.read_bytes()
    run(["detect", "project", "report"])  # nobody opened it: the batch's new project replaces it
    assert not (folder / "wall.new.mural").exists()
    reviewed = untouched + b"\0reviewed"  # a save in the window changes its bytes
    project.write_bytes(reviewed)
    (folder / "export.tif").write_bytes(b"a conservator's export")
    (folder / "notes").mkdir()
    (folder / "notes" / "a.txt").write_text("seen", encoding="utf-8")
    report = run(["detect", "label", "project"])
    assert project.read_bytes() == reviewed  # the review stays where the window opens it
    assert (folder / "wall.new.mural").exists() and report["records"]["project"]["project"] == "wall.new.mural"
    assert (folder / "export.tif").read_bytes() == b"a conservator's export"
    assert (folder / "notes" / "a.txt").read_text(encoding="utf-8") == "seen"
    assert set(report["kept"]) == {"wall.mural", "export.tif", "notes"}
    assert batch._row_values(report)["kept"] == "wall.mural export.tif notes"  # summary.csv says so
    # a rerun without the project step, then one with it: the review is still the conservator's
    assert "wall.mural" in run(["detect", "report"])["kept"]
    report = run(["detect", "project", "report"])
    assert project.read_bytes() == reviewed and "wall.mural" in report["kept"]
    assert report["records"]["project"]["project"] == "wall.new.mural"


def test_names_stay_with_their_files_and_hidden_files_are_left_out(tmp_path):
    """A JPEG added beside a TIFF of the same stem took the TIFF's name (and its folder and
    reviewed project); a run given a subfolder named the same images anew; macOS '._' copies and
    '.Trash' were processed as images."""
    wall = tmp_path / "in" / "wall"
    wall.mkdir(parents=True)
    imageio.write_tiff(wall / "IMG_0001.tif", np.zeros((40, 40, 3), np.uint16))
    first = batch.list_inputs([tmp_path / "in"])
    assert first == [("wall__IMG_0001", wall / "IMG_0001.tif")]
    imageio.write_png(wall / "IMG_0001.png", np.zeros((40, 40, 3), np.uint8))  # a copy of another format
    (wall / "._IMG_0001.tif").write_bytes(b"\0\5\26\7 resource fork")
    (tmp_path / "in" / ".Trash").mkdir()
    imageio.write_png(tmp_path / "in" / ".Trash" / "old.png", np.zeros((40, 40, 3), np.uint8))
    known = {str((wall / "IMG_0001.tif").absolute()): "wall__IMG_0001"}
    again = dict((str(p), n) for n, p in batch.list_inputs([tmp_path / "in"], known=known))
    assert again == {str(wall / "IMG_0001.tif"): "wall__IMG_0001", str(wall / "IMG_0001.png"): "wall__IMG_0001~2"}
    # a run over the subfolder alone keeps the names the whole archive's run gave
    assert dict(batch.list_inputs([wall], known=known))["wall__IMG_0001"] == wall / "IMG_0001.tif"
    assert [n for n, _ in batch.list_inputs([wall])] == ["IMG_0001", "IMG_0001~2"]  # a new batch: its own names


def test_a_batch_refuses_a_parallel_run_an_unwritable_folder_and_a_misspelt_setting(tmp_path, capsys):
    from muralstudio.cli import main

    make_archive(tmp_path / "in", count=1)
    out = tmp_path / "out"
    out.mkdir()
    batch.mark_run(out)  # this process: a run that is alive
    request = batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=["detect"], resume=True)
    with pytest.raises(ValueError, match="another batch run is working on it"):
        batch.run_batch(request, client=object())
    assert (out / batch.RUN_MARK).exists()  # the refused run leaves the other's mark
    (out / batch.RUN_MARK).unlink()
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    assert main(["batch", "run", "--in", str(tmp_path / "in"), "--out", str(tmp_path / "a-file" / "out")]) == 2
    assert "cannot write there" in capsys.readouterr().err
    assert main(["batch", "run", "--in", str(tmp_path / "in"), "--out", str(tmp_path / "o2"),
                 "--engine", "flecks-vetted:scal=0.2"]) == 2
    err = capsys.readouterr().err
    assert "no setting 'scal'" in err and "scale" in err and not (tmp_path / "o2").exists()


def test_a_folder_finished_as_the_run_was_interrupted_is_not_redone(tmp_path, client):
    make_archive(tmp_path / "in", count=2)
    out = tmp_path / "out"
    request = batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=["detect"])
    assert batch.run_batch(request, client).done == 2
    name = sorted(ledger_rows(out))[0]
    ledger = batch.Ledger(out)
    # Ctrl-C came after its done.json, before the ledger heard of it
    ledger.mark(name, status="interrupted", report=None, sha256=None)
    ledger.close()
    again = batch.run_batch(batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, steps=["detect"],
                                               resume=True), client)
    assert (again.done, again.skipped) == (0, 2) and ledger_rows(out)[name][0] == "done"
    with sqlite3.connect(out / "ledger.sqlite") as db:  # its figures are back for summary.csv
        report, sha256 = db.execute("SELECT report, sha256 FROM images WHERE name = ?", (name,)).fetchone()
    assert json.loads(report)["width"] == 96 and len(sha256) == 64
    with pytest.raises(ValueError, match="1 or more worker"):
        batch.check_request(batch.BatchRequest(inputs=[str(tmp_path / "in")], out=out, workers=0))


def test_a_run_over_another_cave_does_not_take_a_name_of_the_batch(tmp_path):
    """Two resumed runs into one output folder, one per cave: the second cave's IMG_0001 took
    the first's name, its ledger row and its folder (with the reviewed project in it)."""
    for cave in ("caveA", "caveB"):
        (tmp_path / cave).mkdir()
        imageio.write_png(tmp_path / cave / "IMG_0001.png", np.full((40, 40, 3), 9 if cave == "caveA" else 99, np.uint8))
    out = tmp_path / "out"
    keys = batch.step_keys(["detect"], {})
    names = {}
    for cave in ("caveA", "caveB"):
        request = batch.BatchRequest(inputs=[str(tmp_path / cave)], out=out, steps=["detect"], resume=True)
        ledger = batch.Ledger(out)
        todo, _ = batch.plan(request, ledger, keys)
        ledger.close()
        names[cave] = [name for name, _, _ in todo]
    assert names == {"caveA": ["IMG_0001"], "caveB": ["IMG_0001~2"]}
    again = batch.BatchRequest(inputs=[str(tmp_path / "caveA"), str(tmp_path / "caveB")], out=out,
                               steps=["detect"], resume=True)
    assert batch.input_names(again) == {"IMG_0001", "IMG_0001~2"}
    # the first cave moved elsewhere: its image takes its name back (found again by content)
    (tmp_path / "caveA").rename(tmp_path / "caveA-moved")
    ledger = batch.Ledger(out)
    todo, _ = batch.plan(batch.BatchRequest(inputs=[str(tmp_path / "caveA-moved")], out=out, steps=["detect"],
                                            resume=True), ledger, keys)
    rows = ledger.rows()
    ledger.close()
    assert [name for name, _, _ in todo] == ["IMG_0001"] and "caveA-moved" in rows["IMG_0001"]["image"]
    (tmp_path / "caveA-moved").rename(tmp_path / "caveA")
    # a path listed twice keeps its name once, the copy gets another
    twice = batch.list_inputs([tmp_path / "caveA" / "IMG_0001.png"] * 2,
                              known={str((tmp_path / "caveA" / "IMG_0001.png").absolute()): "IMG_0001"})
    assert [n for n, _ in twice] == ["IMG_0001", "IMG_0001~2"]


def test_ctrl_c_while_the_run_plans_exits_as_interrupted(tmp_path, capsys, monkeypatch):
    from muralstudio.cli import main

    make_archive(tmp_path / "in", count=1)

    class Idle:
        def close(self):
            pass

    def interrupted(*args):
        raise KeyboardInterrupt  # hashing a large archive, before any image is sent

    monkeypatch.setattr(batch, "open_client", lambda request: Idle())
    monkeypatch.setattr(batch, "plan", interrupted)
    assert main(["batch", "run", "--in", str(tmp_path / "in"), "--out", str(tmp_path / "out")]) == 130
    assert not (tmp_path / "out" / batch.RUN_MARK).exists()
