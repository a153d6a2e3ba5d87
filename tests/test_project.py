"""*.mural projects: round trip, moved/mismatched sources, corrupt files, kill during save,
autosave and recovery, and exports that carry the restoration record."""

from __future__ import annotations

import json
from pathlib import Path
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest

from conftest import random_image
from muralstudio.core import imageio, project
from muralstudio.core.document import Document, NoteLayer, Patch
from muralstudio.core.errors import ProjectError, SourceMismatchError, SourceMissingError
from muralstudio.core.record import RestorationRecord, records_json


@pytest.fixture
def source_tif(tmp_path, rng, srgb_icc):
    path = tmp_path / "photos" / "cave-257.tif"
    path.parent.mkdir()
    info = imageio.ImageInfo(path=None, format="TIFF", width=0, height=0, channels=3,
                             dtype=np.uint16, icc_profile=srgb_icc, dpi=(600.0, 600.0),
                             tags={"Artist": "survey 2024"})
    imageio.write_tiff(path, random_image(rng, (240, 320, 3), np.uint16), info)
    return path


def build_doc(path) -> Document:
    doc = Document.open(path)
    mask = doc.new_mask_layer("cracks")
    mask.data[10:50, 20:90] = 255
    labels = doc.new_label_layer("elements")
    labels.data[100:200, 100:200] = 3
    hole = np.zeros((30, 40), bool)
    hole[5:25, 5:35] = True
    fill = np.full((30, 40, 3), 40000, np.uint16)
    layer = doc.add_restoration([Patch(200, 150, fill, hole), Patch(10, 200, fill[:10, :10], hole[:10, :10])],
                                RestorationRecord("patchmatch", "1.0", {"patch": 7}))
    doc.apply_restoration(layer)
    doc.add_layer(NoteLayer("note", "flaking since 2019", (12, 34)))
    doc.set_property(mask, "opacity", 0.4)
    doc.view = {"zoom": 2.0, "center": [100, 80]}
    return doc


def test_project_round_trip_keeps_everything(tmp_path, source_tif):
    doc = build_doc(source_tif)
    (tmp_path / "work").mkdir()
    path = project.save_project(doc, tmp_path / "work" / "cave")
    assert path.name == "cave.mural" and not doc.is_modified
    loaded = project.load_project(path)
    assert [(l.kind, l.name) for l in loaded.layers] == [(l.kind, l.name) for l in doc.layers]
    for a, b in zip(doc.layers, loaded.layers):
        assert a.uid == b.uid and a.properties() == b.properties()
    assert np.array_equal(loaded.layers[0].data, doc.layers[0].data)
    assert np.array_equal(loaded.layers[1].data, doc.layers[1].data)
    restored = loaded.layers[2]
    assert [p.bbox for p in restored.patches] == [(200, 150, 40, 30), (10, 200, 10, 10)]
    assert restored.patches[0].pixels.dtype == np.uint16 and (restored.patches[0].pixels == 40000).all()
    assert restored.record.parameters == {"patch": 7} and not restored.pending
    assert loaded.layers[3].text == "flaking since 2019"
    assert loaded.view == {"zoom": 2.0, "center": [100, 80]}
    assert np.array_equal(loaded.restored_image(), doc.restored_image())


def test_moved_source_is_asked_for_and_checked(tmp_path, source_tif, rng):
    doc = build_doc(source_tif)
    path = project.save_project(doc, tmp_path / "cave.mural")
    moved = tmp_path / "elsewhere" / "renamed.tif"
    moved.parent.mkdir()
    source_tif.rename(moved)
    with pytest.raises(SourceMissingError) as err:
        project.load_project(path)
    assert "cave-257.tif" in str(err.value) and err.value.expected_sha256 == doc.source_sha256()
    impostor = tmp_path / "impostor.tif"
    imageio.write_tiff(impostor, random_image(rng, (240, 320, 3), np.uint16))
    with pytest.raises(SourceMismatchError, match="not this project's source"):
        project.load_project(path, source_path=impostor)
    loaded = project.load_project(path, source_path=moved)
    assert loaded.source.path == moved.resolve() and len(loaded.layers) == 4


def test_relative_source_path_is_used_when_the_folder_moves(tmp_path, source_tif):
    doc = build_doc(source_tif)
    project.save_project(doc, tmp_path / "cave.mural")
    moved_root = tmp_path.parent / (tmp_path.name + "-moved")
    tmp_path.rename(moved_root)
    try:
        loaded = project.load_project(moved_root / "cave.mural")
        assert loaded.source.path == (moved_root / "photos" / "cave-257.tif").resolve()
    finally:
        moved_root.rename(tmp_path)


def test_demo_document_embeds_its_source(tmp_path, rng):
    pixels = random_image(rng, (64, 80, 3), np.uint16)
    doc = Document.from_array(pixels, name="demo")
    doc.new_mask_layer().data[:10] = 255
    path = project.save_project(doc, tmp_path / "demo.mural")
    loaded = project.load_project(path)
    assert np.array_equal(loaded.source.full(), pixels)
    assert loaded.layers[0].area == 800


@pytest.mark.parametrize("damage", ["garbage", "truncated", "no-manifest", "bad-json", "future", "bad-layer"])
def test_corrupt_projects_give_clear_errors(tmp_path, source_tif, damage):
    path = project.save_project(build_doc(source_tif), tmp_path / "p.mural")
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not a zip at all")
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:
        with zipfile.ZipFile(path) as zf:
            entries = {n: zf.read(n) for n in zf.namelist()}
        manifest = json.loads(entries["manifest.json"])
        if damage == "no-manifest":
            del entries["manifest.json"]
        elif damage == "bad-json":
            entries["manifest.json"] = b"{broken"
        elif damage == "future":
            manifest["format_version"] = 99
            entries["manifest.json"] = json.dumps(manifest).encode()
        elif damage == "bad-layer":
            uid = manifest["layers"][0]["uid"]
            entries[f"layers/{uid}.png"] = b"\x89PNG garbage"
        with zipfile.ZipFile(path, "w") as zf:
            for name, content in entries.items():
                zf.writestr(name, content)
    with pytest.raises(ProjectError) as err:
        project.load_project(path)
    assert "p.mural" in str(err.value)
    expected = {"garbage": "damaged", "truncated": "damaged", "no-manifest": "manifest.json is missing",
                "bad-json": "not valid JSON", "future": "newer than this", "bad-layer": "damaged"}[damage]
    assert expected in str(err.value)


KILL_CHILD = textwrap.dedent("""
    import sys, numpy as np
    from muralstudio.core import project
    doc = project.load_project(sys.argv[1])
    rng = np.random.default_rng(0)
    for i in range(4):  # incompressible layers make each save take a while
        doc.new_mask_layer(f"noise {i}", rng.integers(0, 256, (doc.height, doc.width), dtype=np.uint8))
    n = 0
    while True:
        print("saving", n, flush=True)
        project.write_project(doc, sys.argv[1])
        n += 1
""")


def test_killed_save_leaves_the_previous_project_intact(tmp_path, rng):
    big = random_image(rng, (1500, 2000, 3), np.uint8)
    source = tmp_path / "big.png"
    imageio.write_png(source, big)
    doc = Document.open(source)
    doc.new_mask_layer("v1").data[:100, :100] = 255
    path = project.save_project(doc, tmp_path / "p.mural")
    script = tmp_path / "child.py"
    script.write_text(KILL_CHILD)
    caught_mid_save = 0
    for delay in (0.3, 0.7, 1.1, 1.6, 2.2):
        child = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE,
                                 text=True)
        assert child.stdout.readline().startswith("saving")
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        temps = [p for p in tmp_path.iterdir() if p.name.startswith(".p.mural.")]
        caught_mid_save += bool(temps)
        for temp in temps:
            temp.unlink()
        loaded = project.load_project(path)  # must never raise
        names = [layer.name for layer in loaded.layers]
        # each child adds four layers to what it loaded: a complete save has 1 + 4k layers
        assert names[0] == "v1" and (len(names) - 1) % 4 == 0
        assert all(name.startswith("noise") for name in names[1:])
        assert loaded.layers[0].area == 10_000
    assert caught_mid_save >= 1  # at least one kill really landed inside a save


def test_autosave_writes_recovery_only_when_changed_and_close_removes_it(tmp_path, source_tif):
    doc = Document.open(source_tif)
    saver = project.Autosaver(doc)
    assert saver.tick() is None  # nothing changed yet
    mask = doc.new_mask_layer("unsaved work")
    mask.data[0:5, 0:5] = 255
    path = saver.tick()
    assert path is not None and path.parent == project.recovery_dir()
    assert saver.tick() is None  # unchanged since the last autosave
    assert project.list_recoveries() == []  # our own live session is not offered
    meta = path.with_suffix(".json")
    info = json.loads(meta.read_text())
    info["pid"] = -1  # as if left behind by a crashed session
    meta.write_text(json.dumps(info))
    found = project.list_recoveries()
    assert [f["uid"] for f in found] == [doc.uid]
    recovered = project.load_project(found[0]["recovery_path"])
    assert recovered.layers[0].name == "unsaved work" and recovered.layers[0].area == 25
    saver.close()
    assert project.list_recoveries() == [] and not path.exists()


def test_a_snapshot_copies_into_memory_made_ready_beforehand(tmp_path, source_tif):
    """The window readies the copies' memory on its file thread (page faults are most of a big
    copy's time); the snapshot copies into it, and the file written is the document's."""
    doc = Document.open(source_tif)
    mask = doc.new_mask_layer("damage")
    mask.data[2:6, 3:9] = 255
    doc.reject_pixels("paint loss", 0, 0, np.ones((2, 2), bool))
    from muralstudio.core import copies

    buffers = copies.ready_buffers(copies.shapes_of(project.edited_arrays(doc)))
    assert set(buffers) == {("layer", mask.uid), ("rejected", "paint loss")}
    buffers[("layer", "gone")] = np.zeros((3, 3), np.uint8)  # a layer deleted meanwhile: unused
    snapshot = project.snapshot_project(doc, tmp_path / "p.mural", buffers=buffers)
    copied = next(array for entry, _, array in snapshot.entries if entry == f"layers/{mask.uid}.png")
    assert copied is buffers[("layer", mask.uid)]
    np.testing.assert_array_equal(copied, mask.data)
    mask.data[:] = 0  # later edits do not reach the snapshot
    project.write_snapshot(snapshot, tmp_path / "p.mural")
    loaded = project.load_project(tmp_path / "p.mural")
    assert loaded.layers[0].area == 24 and loaded.rejected["paint loss"].sum() == 4
    # a buffer of another shape (the layer was replaced meanwhile) is not used
    snapshot = project.snapshot_project(doc, tmp_path / "q.mural",
                                        buffers={("layer", mask.uid): np.zeros((2, 2), np.uint8)})
    copied = next(array for entry, _, array in snapshot.entries if entry == f"layers/{mask.uid}.png")
    assert copied.shape == mask.data.shape and copied is not mask.data


def test_export_embeds_record_in_tiff_and_keeps_source_untouched(tmp_path, source_tif, srgb_icc):
    before = source_tif.read_bytes()
    doc = build_doc(source_tif)
    out = tmp_path / "restored.tif"
    record = records_json(doc.applied_records(), doc.source_description())
    imageio.write_image(out, doc.restored_image(), doc.info, record_json=record)
    loaded = imageio.read_image(out)
    assert loaded.info.bit_depth == 16 and loaded.info.icc_profile == srgb_icc
    assert loaded.info.dpi == (600.0, 600.0) and loaded.info.tags["Artist"] == "survey 2024"
    embedded = json.loads(loaded.info.record_json)
    assert embedded["restorations"][0]["engine"] == "patchmatch"
    assert embedded["source"]["sha256"] == doc.source_sha256()
    source = imageio.read_image(source_tif).pixels
    changed = np.any(loaded.pixels != source, axis=2)
    assert changed.sum() == 20 * 30 + 5 * 5 and changed[155:175, 205:235].all()
    assert source_tif.read_bytes() == before
    assert os.listdir(source_tif.parent) == ["cave-257.tif"]


def test_saved_files_follow_the_umask_not_private_temp_permissions(tmp_path):
    import os
    import stat

    from muralstudio.core.atomic import _UMASK, atomic_write

    with atomic_write(tmp_path / "out.bin") as handle:
        handle.write(b"x")
    mode = stat.S_IMODE(os.stat(tmp_path / "out.bin").st_mode)
    assert mode == 0o666 & ~_UMASK


def _rewrite_manifest(path, change):
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(entries["manifest.json"])
    entries["manifest.json"] = change(manifest)
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in entries.items():
            zf.writestr(name, content)


def _set(keys, value):
    def change(manifest):
        target = manifest
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
        return json.dumps(manifest).encode()
    return change


@pytest.mark.parametrize("change,field", [
    (_set(["layers", 0, "color"], [256, 0, 0]), "layers[0].color"),
    (_set(["layers", 0, "color"], [-1, 0, 0]), "layers[0].color"),
    (_set(["layers", 0, "color"], [1e30, -5, 3]), "layers[0].color"),
    (lambda m: json.dumps(m).replace('"opacity": 1.0', '"opacity": NaN', 1).encode(), ".opacity is"),
    (lambda m: json.dumps(m).replace('"opacity": 1.0', '"opacity": 1e309', 1).encode(), ".opacity is"),
    (_set(["format_version"], -5), "format_version"),
    (_set(["layers", 0, "name"], 7), "layers[0].name"),
    (_set(["layers", 0, "visible"], "no"), "layers[0].visible"),
    (_set(["layers", 0, "uid"], "../../evil"), "layers[0].uid"),
    (lambda m: json.dumps({**m, "layers": [*m["layers"], m["layers"][0]]}).encode(), "a uid no other layer has"),
    (_set(["detections"], "yesterday"), "detections"),
    (_set(["probabilities"], [{"class": 7}]), "probabilities"),
    (_set(["detections"], [{"run": "a", "engine": "x", "time": "t", "classes": {"loss": {"proposed_regions": "many"}}}]),
     "detections"),
    (lambda m: b"[1, 2]", "a list"),
    (lambda m: b'"text"', "a str"),
    (lambda m: b"null", "a NoneType"),
    (lambda m: b"[" * 100000 + b"]" * 100000, "not valid JSON"),
])
def test_hostile_manifests_are_refused_naming_the_field(tmp_path, source_tif, change, field):
    path = project.save_project(build_doc(source_tif), tmp_path / "p.mural")
    _rewrite_manifest(path, change)
    with pytest.raises(ProjectError) as err:
        project.load_project(path)
    assert "p.mural" in str(err.value) and field in str(err.value)


def test_patch_boxes_outside_the_image_are_refused(tmp_path, rng):
    from muralstudio.core.document import Patch
    from muralstudio.core.record import RestorationRecord

    doc = Document.from_array(random_image(rng, (40, 50, 3), np.uint8))
    record = RestorationRecord(engine="telea", engine_version="1", weights_sha256=None, parameters={},
                               mask_sha256="0", mask_bbox=(0, 0, 4, 4), mask_pixels=16)
    doc.add_restoration([Patch(0, 0, np.zeros((4, 4, 3), np.uint8), np.ones((4, 4), bool))], record)
    path = project.save_project(doc, tmp_path / "p.mural")
    _rewrite_manifest(path, lambda m: json.dumps(m).replace("[0, 0, 4, 4]", "[100000, 0, 4, 4]").encode())
    with pytest.raises(ProjectError, match="patches"):
        project.load_project(path)


def test_a_restoration_patch_of_another_depth_or_shape_than_the_source_is_refused_when_opened(tmp_path, rng):
    """A patch of one 8-bit channel in a project of a 16-bit RGB image opened, then export and
    the report failed with a numpy broadcasting error (a QA engineer, 2026-12-07)."""
    import io

    import tifffile

    from muralstudio.core.document import Patch
    from muralstudio.core.record import RestorationRecord

    doc = Document.from_array(random_image(rng, (40, 50, 3), np.uint16))
    record = RestorationRecord(engine="telea", engine_version="1", weights_sha256=None, parameters={},
                               mask_sha256="0", mask_bbox=(0, 0, 4, 4), mask_pixels=16)
    doc.add_restoration([Patch(0, 0, np.zeros((4, 4, 3), np.uint16), np.ones((4, 4), bool))], record)
    path = project.save_project(doc, tmp_path / "p.mural")
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    name = next(n for n in entries if n.endswith("-0-pixels.tif"))
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, np.zeros((4, 4), np.uint8))
    entries[name] = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as zf:
        for entry, content in entries.items():
            zf.writestr(entry, content)
    with pytest.raises(ProjectError, match="p.mural: .*patch 0 .* holds uint8 pixels"):
        project.load_project(path)


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_source_that_is_not_a_regular_file_is_refused_at_once(tmp_path, source_tif, special):
    import os
    import time

    path = project.save_project(build_doc(source_tif), tmp_path / "p.mural")
    target = special
    if special == "fifo":
        target = str(tmp_path / "fifo")
        os.mkfifo(target)
    _rewrite_manifest(path, lambda m: (m["source"].update(path=target, relative_path=None) or json.dumps(m)).encode())
    start = time.monotonic()
    with pytest.raises(ProjectError, match="not a regular file"):
        project.load_project(path)
    assert time.monotonic() - start < 5


def test_temporaries_of_killed_saves_are_removed_on_the_next_save_or_open(tmp_path, source_tif):
    import os
    import time

    doc = build_doc(source_tif)
    path = project.save_project(doc, tmp_path / "p.mural")
    stale = [tmp_path / f".p.mural.abc{i}.mural.tmp" for i in range(3)]
    fresh = tmp_path / ".p.mural.new.mural.tmp"  # another save may be writing this one now
    other = tmp_path / ".q.mural.abc.mural.tmp"  # another project's
    for f in (*stale, fresh, other):
        f.write_bytes(b"x" * 1000)
    old = time.time() - 3600
    for f in (*stale, other):
        os.utime(f, (old, old))
    project.load_project(path)
    assert not any(f.exists() for f in stale) and fresh.exists() and other.exists()
    stale[0].write_bytes(b"x")
    os.utime(stale[0], (old, old))
    project.save_project(doc, path)
    assert not stale[0].exists() and fresh.exists()


def test_an_embedded_tiff_bomb_is_refused_before_decoding(tmp_path, rng):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import fuzz

    doc = Document.from_array(random_image(rng, (40, 50, 3), np.uint16), name="embedded")
    path = project.save_project(doc, tmp_path / "p.mural")
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    embedded = json.loads(entries["manifest.json"])["source"]["embedded"]
    entries[embedded] = fuzz.crafted_images()["bomb.tif"]
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    with pytest.raises(ProjectError, match="p.mural.*decompression bomb"):
        project.load_project(path)


def test_a_full_disk_while_writing_names_the_file_and_keeps_the_old_one(tmp_path):
    import errno

    from muralstudio.core.atomic import atomic_write

    path = tmp_path / "wall.mural"
    path.write_bytes(b"old")
    with pytest.raises(OSError) as raised, atomic_write(path) as handle:
        handle.write(b"new")
        raise OSError(errno.ENOSPC, "No space left on device")  # as a write or flush raises it
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(path)
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["wall.mural"]


def test_a_training_set_from_a_reopened_project_is_named_after_its_mural(tmp_path):
    """Pairs are named by the mural's own file (a reopened project's title is the project
    file's name: "cave 45.mural" gave pairs named "cave-45-mural")."""
    from muralstudio.core.export import export_training_set

    pixels = np.random.default_rng(3).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    imageio.write_png(tmp_path / "beizhou-296-a.png", pixels)
    doc = Document.open(tmp_path / "beizhou-296-a.png")
    layer = doc.new_label_layer("elements", np.ones((40, 60), np.uint8))
    project.save_project(doc, tmp_path / "cave 45.mural")
    reopened = project.load_project(tmp_path / "cave 45.mural")
    assert reopened.title == "cave 45.mural"
    summary = export_training_set(reopened, reopened.layers[0], tmp_path / "set")
    assert summary["pairs"] == ["beizhou-296-a"]
    assert (tmp_path / "set" / "images" / "beizhou-296-a.png").exists() and layer.kind == "labels"


def test_a_file_name_near_the_systems_limit_is_saved_and_its_killed_saves_cleaned(tmp_path):
    """A 245-byte Chinese name the file system takes failed with "File name too long": the
    hidden temporary file added 18 bytes to it (a QA engineer, 2026-12-07)."""
    import os
    import time

    from muralstudio.core.atomic import NAME_MAX, atomic_write, remove_stale_temporaries, temporary_stem

    path = tmp_path / ("壁" * 80 + "x.mural")
    assert len(os.fsencode(path.name)) <= NAME_MAX
    with atomic_write(path, "wb") as handle:
        handle.write(b"saved")
    assert path.read_bytes() == b"saved" and os.listdir(tmp_path) == [path.name]
    killed = tmp_path / f".{temporary_stem(path)}.abcd1234.mural.tmp"  # a save killed long ago
    killed.write_bytes(b"half")
    os.utime(killed, (time.time() - 3600, time.time() - 3600))
    assert remove_stale_temporaries(path) == 1 and not killed.exists()


def test_an_empty_or_foreign_project_file_is_named_in_words(tmp_path):
    """A 0-byte .mural said 'damaged project (BadZipFile: File is not a zip file)'."""
    empty = tmp_path / "empty.mural"
    empty.write_bytes(b"")
    with pytest.raises(ProjectError, match="empty.mural: the project file is empty"):
        project.load_project(empty)
    foreign = tmp_path / "notes.mural"
    foreign.write_text("shopping list")
    with pytest.raises(ProjectError, match="notes.mural: not a MuralStudio project: a project is a zip archive"):
        project.load_project(foreign)


def test_class_names_that_become_one_file_name_stay_apart():
    """'a/b' and 'a:b' are both 'a-b' in a file name: one class's probability map overwrote the
    other's (a review, 2026-12-07)."""
    from muralstudio.core.atomic import distinct_file_parts

    assert distinct_file_parts(["mandorla/halo", "mandorla:halo", "Mandorla halo", "people"]) == \
        ["mandorla-halo", "mandorla-halo-2", "Mandorla-halo-3", "people"]
