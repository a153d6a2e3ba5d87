"""The command line, run as a user runs it (a subprocess of the installed entry point)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import small_damaged_mural
from muralstudio import __version__, cli
from muralstudio.core import imageio


def run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "muralstudio", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def test_version_and_help():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"MuralStudio {__version__}"
    result = run("--help")
    assert result.returncode == 0 and "info" in result.stdout and "synth" in result.stdout
    for sub in ("info", "synth"):
        assert run(sub, "--help").returncode == 0


def test_info_reports_header_fields(tmp_path, srgb_icc):
    info = imageio.ImageInfo(path=None, format="TIFF", width=0, height=0, channels=3,
                             dtype=np.uint16, icc_profile=srgb_icc, dpi=(400.0, 400.0),
                             tags={"Artist": "Mogao"})
    imageio.write_tiff(tmp_path / "m.tif", np.zeros((300, 400, 3), np.uint16), info)
    result = run("info", tmp_path / "m.tif")
    assert result.returncode == 0, result.stderr
    assert "400 × 300" in result.stdout and "16-bit" in result.stdout
    assert "sRGB" in result.stdout and "400 × 400 dpi" in result.stdout and "Mogao" in result.stdout
    data = json.loads(run("info", tmp_path / "m.tif", "--json").stdout)
    assert (data["width"], data["height"], data["bit_depth"], data["tiled"]) == (400, 300, 16, True)


def test_info_errors_are_one_clear_line(tmp_path):
    result = run("info", tmp_path / "missing.tif")
    assert result.returncode == 2
    assert result.stderr.strip() == f"muralstudio info: error: {tmp_path / 'missing.tif'}: file not found"
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 10)
    result = run("info", tmp_path / "broken.png")
    assert result.returncode == 2 and "broken.png" in result.stderr and "Traceback" not in result.stderr
    # a truncated TIFF: its header reads, its last tiles are gone — said, with exit status 2
    noise = np.random.default_rng(0).integers(0, 255, (300, 400, 3), dtype=np.uint8)  # tiles that do not compress
    imageio.write_tiff(tmp_path / "whole.tif", noise, tile=(64, 64))
    (tmp_path / "cut.tif").write_bytes((tmp_path / "whole.tif").read_bytes()[:200_000])
    result = run("info", tmp_path / "cut.tif")
    assert result.returncode == 2 and "400 × 300" in result.stdout and "DAMAGED" in result.stdout
    assert json.loads(run("info", tmp_path / "cut.tif", "--json").stdout)["data_readable"] is False
    assert json.loads(run("info", tmp_path / "whole.tif", "--json").stdout)["data_readable"] is True
    # a JPEG or PNG cut off (a copy interrupted): its header reads as if whole, its end is missing
    imageio.write_jpeg(tmp_path / "whole.jpg", noise)
    imageio.write_png(tmp_path / "whole.png", noise)
    for name in ("whole.jpg", "whole.png"):
        assert run("info", tmp_path / name).returncode == 0
        cut = tmp_path / f"cut-{name}"
        cut.write_bytes((tmp_path / name).read_bytes()[:20_000])
        result = run("info", cut)
        assert result.returncode == 2 and "cut off" in result.stdout, result.stdout


def test_info_reads_a_float_tiffs_values_it_could_not_open(tmp_path):
    import tifffile

    values = np.random.default_rng(0).random((200, 300, 3), dtype=np.float32)
    tifffile.imwrite(tmp_path / "unit.tif", values, tile=(64, 64))
    tifffile.imwrite(tmp_path / "bytes.tif", values * 255, tile=(64, 64))  # 0–255 stored as floats
    assert run("info", tmp_path / "unit.tif").returncode == 0
    result = run("info", tmp_path / "bytes.tif")
    assert result.returncode == 2 and "CANNOT OPEN" in result.stdout and "outside 0–1" in result.stdout
    data = json.loads(run("info", tmp_path / "bytes.tif", "--json").stdout)
    assert data["data_readable"] is False and "bytes.tif" in data["problem"]


def test_info_describes_a_project(tmp_path):
    from muralstudio.core.demo import demo_document
    from muralstudio.core.project import save_project

    path = save_project(demo_document(), tmp_path / "wall.mural")
    result = run("info", path)
    assert result.returncode == 0 and "MuralStudio project" in result.stdout and "paint loss" in result.stdout
    assert json.loads(run("info", path, "--json").stdout)["format"] == "MuralStudio project"
    (tmp_path / "bad.mural").write_bytes(b"not a zip")
    bad = run("info", tmp_path / "bad.mural")
    assert bad.returncode == 2 and "bad.mural" in bad.stderr and "Traceback" not in bad.stderr


def test_synth_writes_image_mask_pairs(tmp_path):
    result = run("synth", "--out", tmp_path, "--count", "2", "--size", "160x128",
                 "--damage", "jelly,cracks", "--ratio", "0.3-0.4", "--bit-depth", "16", "--format", "tif")
    assert result.returncode == 0, result.stderr
    for stem in ("mural_0000", "mural_0001"):
        damaged = imageio.read_image(tmp_path / "images" / f"{stem}.tif").pixels
        clean = imageio.read_image(tmp_path / "clean" / f"{stem}.tif").pixels
        mask = imageio.read_image(tmp_path / "masks" / f"{stem}.png").pixels > 0
        jelly = imageio.read_image(tmp_path / "masks-jelly" / f"{stem}.png").pixels > 0
        assert damaged.dtype == np.uint16 and damaged.shape == (128, 160, 3)
        assert 0.3 <= jelly.mean() <= 0.4
        assert np.array_equal(damaged[~mask], clean[~mask])
        assert (tmp_path / "elements" / f"{stem}.png").exists()
    again = tmp_path / "again"
    run("synth", "--out", again, "--count", "1", "--size", "160x128", "--damage", "jelly,cracks",
        "--ratio", "0.3-0.4", "--bit-depth", "16", "--format", "tif")
    assert (again / "masks" / "mural_0000.png").read_bytes() == (tmp_path / "masks" / "mural_0000.png").read_bytes()


def test_synth_rejects_unknown_damage(tmp_path):
    result = run("synth", "--out", tmp_path, "--damage", "mould")
    assert result.returncode != 0 and "unknown damage kind(s) mould" in result.stderr


def test_selftest_passes_from_the_source_install(tmp_path):
    """The installation check users and the installers run: every shipped model loads, the demo
    goes through segmentation, inpainting, detection and export, the window builds offscreen."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-m", "muralstudio", "--selftest"], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for check in ("models", "click segmentation", "inpainting", "damage detection", "TIFF export", "window"):
        assert any(line.split()[:1] == ["ok"] and check in line for line in out.splitlines()), (check, out)
    assert "self-test passed" in out


def test_models_list_shows_engines_weights_and_hashes(tmp_path):
    from muralstudio.engines import weights

    done = subprocess.run([sys.executable, "-m", "muralstudio", "models", "list", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = {(r["kind"], r["name"]): r for r in json.loads(done.stdout)}
    assert rows[("segmenter", "classic")]["weights"] is None and rows[("segmenter", "classic")]["present"]
    assert rows[("inpainter", "telea")]["memory_mb"] > 0
    detector = rows[("detector", "resunet")]
    shipped = weights.find_weights("detect-resunet-light")
    assert shipped is not None and detector["present"]  # the weights ship in models/
    assert detector["sha256"] == weights.file_sha256(shipped) and detector["bytes"] == shipped.stat().st_size
    # with the weights hidden, the table says what is missing and how to get it
    env = dict(os.environ, MURALSTUDIO_MODELS=str(tmp_path))
    table = subprocess.run([sys.executable, "-c", "import muralstudio.engines.modelfiles as m; "
                            "m.model_dirs = lambda: []; from muralstudio.cli import main; "
                            "raise SystemExit(main(['models', 'list']))"],
                           capture_output=True, text=True, env=env, timeout=120)
    assert table.returncode == 0 and "MISSING" in table.stdout and "muralstudio train" in table.stdout


def test_models_list_names_a_damaged_weights_file_and_lists_the_rest(tmp_path, monkeypatch, capsys):
    from muralstudio.engines import weights

    shipped = weights.find_weights("pconv")
    assert shipped is not None
    (tmp_path / "pconv.safetensors").write_bytes(shipped.read_bytes()[:1000])  # a broken download
    monkeypatch.setenv("MURALSTUDIO_MODELS", str(tmp_path))
    assert weights.find_weights("pconv") == tmp_path / "pconv.safetensors"
    assert cli.main(["models", "list"]) == 0
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if l.split()[:2] == ["inpainter", "pconv"])
    assert "DAMAGED" in line
    assert "Damaged weights:" in out and "pconv.safetensors" in out
    assert any(l.split()[:2] == ["inpainter", "edgeconnect"] and "ready" in l for l in out.splitlines())


@pytest.mark.parametrize("target", ["in.png", "mask.png", "area.png"])
def test_inpaint_refuses_to_write_any_of_its_inputs_before_working(tmp_path, target):
    import hashlib

    from muralstudio.core import imageio

    _, _, hole = small_damaged_mural(tmp_path)
    imageio.write_png(tmp_path / "area.png", 255 - hole)
    before = hashlib.sha256((tmp_path / target).read_bytes()).hexdigest()
    code = cli.main(["inpaint", str(tmp_path / "in.png"), "--mask", str(tmp_path / "mask.png"),
                     "--engine", "patchmatch", "--sample-area", str(tmp_path / "area.png"),
                     "--out", str(tmp_path / target)])
    assert code == 2
    assert hashlib.sha256((tmp_path / target).read_bytes()).hexdigest() == before



@pytest.mark.parametrize("command", [
    ["measure", "{project}", "--csv", "{project}"],
    ["measure", "{project}", "--xlsx", "{project}"],
    ["vectors", "export", "{mask}", "--out", "{mask}"],
    ["vectors", "import", "{geojson}", "--like", "{image}", "--out", "{image}"],
    ["vectors", "import", "{geojson}", "--like", "{image}", "--out", "{geojson}"],
])
def test_no_command_writes_over_a_file_it_reads(tmp_path, command, capsys):
    import hashlib

    from muralstudio.core.document import Document
    from muralstudio.core.project import save_project

    image, mask, hole = small_damaged_mural(tmp_path)
    doc = Document.from_array(np.full((48, 64, 3), 200, np.uint8), name="wall")
    doc.new_mask_layer("loss", hole > 0)
    files = {"image": image, "mask": mask, "project": save_project(doc, tmp_path / "wall.mural"),
             "geojson": tmp_path / "loss.geojson"}
    assert cli.main(["vectors", "export", str(mask), "--out", str(files["geojson"])]) == 0
    digests = {name: hashlib.sha256(path.read_bytes()).digest() for name, path in files.items()}
    assert cli.main([part.format(**files) for part in command]) == 2
    assert "never writes to its inputs" in capsys.readouterr().err
    assert digests == {name: hashlib.sha256(path.read_bytes()).digest() for name, path in files.items()}


def test_without_a_display_the_window_says_so(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "muralstudio"], capture_output=True, text=True,
                            timeout=120, env=env)
    if sys.platform in ("win32", "darwin"):
        pytest.skip("always a display")
    assert result.returncode == 2 and "no display found" in result.stderr
    assert "xcb" not in result.stderr and "Traceback" not in result.stderr


def test_cli_refuses_impossible_inputs_with_one_line_each(tmp_path, capsys):
    from muralstudio.core import imageio

    small_damaged_mural(tmp_path)
    imageio.write_png(tmp_path / "all.png", np.full((48, 64), 255, np.uint8))
    base = ["inpaint", str(tmp_path / "in.png"), "--mask", str(tmp_path / "mask.png")]
    cases = [
        ([*base, "--param", "nonsense=1", "--out", str(tmp_path / "a.png")], "has no setting 'nonsense'; its settings: radius"),
        ([*base, "--context", "nan", "--out", str(tmp_path / "b.png")], "context must be a number above 0"),
        ([*base, "--out", str(tmp_path / "missing" / "x.tif")], "missing does not exist"),
        (["inpaint", str(tmp_path / "in.png"), "--mask", str(tmp_path / "all.png"), "--out", str(tmp_path / "c.png")],
         "nothing intact to fill from"),
        (["segment", str(tmp_path / "in.png"), "--click", "-1,5,+", "--engine", "classic", "--out", str(tmp_path / "d.png")],
         "click -1,5 is outside the 64×48 image"),
    ]
    for argv, message in cases:
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and ".tmp" not in err, err
    assert not any(tmp_path.glob("[abcd].png"))


def test_label_refuses_a_strip_too_thin_at_once(tmp_path, capsys):
    import time

    from muralstudio.core import imageio

    imageio.write_png(tmp_path / "strip.png", np.zeros((1, 4000, 3), np.uint8))
    start = time.monotonic()
    assert cli.main(["label", str(tmp_path / "strip.png"), "--out", str(tmp_path / "l.png")]) == 2
    assert time.monotonic() - start < 10
    assert "strip.png is 4000×1 px: too thin to label" in capsys.readouterr().err


def test_a_full_disk_is_one_line_and_leaves_no_temporary(tmp_path, capsys, monkeypatch):
    import errno

    small_damaged_mural(tmp_path)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out.tif"))

    monkeypatch.setattr(os, "replace", full)
    code = cli.main(["inpaint", str(tmp_path / "in.png"), "--mask", str(tmp_path / "mask.png"),
                     "--out", str(tmp_path / "out.tif")])
    err = capsys.readouterr().err
    assert code == 2 and "No space left on device" in err and "Traceback" not in err
    assert "out.tif" in err and not list(tmp_path.glob(".*.tmp")) and not (tmp_path / "out.tif").exists()


def test_inpaint_warns_when_the_mask_covers_dark_paint(tmp_path, capsys):
    """A detector's mask restored unreviewed from a script: the window would have asked; the
    command restores, then says which regions are mostly dark paint (original linework, hair
    and robes far more often than loss)."""
    from PIL import Image

    pixels = np.full((120, 160, 3), 225, np.uint8)
    pixels[20:50, 20:60] = 25  # a black robe
    mask = np.zeros((120, 160), np.uint8)
    mask[25:45, 25:55] = 255  # over the robe
    mask[80:90, 100:120] = 255  # over pale plaster: no warning for this one
    Image.fromarray(pixels).save(tmp_path / "wall.png")
    Image.fromarray(mask).save(tmp_path / "mask.png")
    code = cli.main(["inpaint", str(tmp_path / "wall.png"), "--mask", str(tmp_path / "mask.png"),
                     "--out", str(tmp_path / "out.png"), "--engine", "telea"])
    err = capsys.readouterr().err
    assert code == 0 and (tmp_path / "out.png").exists()
    assert "warning: 1 restored region(s) of" in err and "mask.png" in err and "x 25, y 25" in err


def test_measure_and_report_given_an_image_say_they_need_a_project(tmp_path, capsys):
    from PIL import Image

    Image.fromarray(np.full((20, 30, 3), 120, np.uint8)).save(tmp_path / "wall.jpg")
    for command in (["measure", str(tmp_path / "wall.jpg")], ["report", str(tmp_path / "wall.jpg"), "--out",
                                                              str(tmp_path / "r.html")]):
        assert cli.main(command) == 2
        err = capsys.readouterr().err
        assert "wall.jpg" in err and "not a MuralStudio project (.mural)" in err and "zip" not in err.lower()


def test_measure_elements_reach_the_csv_and_the_workbook(tmp_path, capsys):
    from openpyxl import load_workbook

    from muralstudio.core.document import Document
    from muralstudio.core.project import save_project

    doc = Document.from_array(np.full((100, 120, 3), 200, np.uint8), name="wall")
    labels = np.zeros((100, 120), np.uint8)
    labels[10:40, 10:50] = 4  # people
    labels[60:90, 70:110] = 3  # cloud
    doc.new_label_layer("elements", labels)
    path = save_project(doc, tmp_path / "wall.mural")
    assert cli.main(["measure", str(path), "--elements", "--csv", str(tmp_path / "m.csv"),
                     "--xlsx", str(tmp_path / "m.xlsx"), "--mm-per-px", "2"]) == 0
    listing = (tmp_path / "m-elements.csv").read_text(encoding="utf-8-sig").splitlines()
    assert (tmp_path / "m.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # for Excel
    assert len(listing) == 3 and any("people" in line for line in listing[1:])
    sheet = load_workbook(tmp_path / "m.xlsx")["Elements"]
    assert sheet.max_row == 3


def test_inpaint_refuses_an_unwritable_format_before_working_and_warns_of_jpeg(tmp_path, capsys, monkeypatch):
    from PIL import Image

    from muralstudio.engines import inpainting

    pixels = np.full((60, 80, 3), 200, np.uint8)
    mask = np.zeros((60, 80), np.uint8)
    mask[20:30, 30:40] = 255
    Image.fromarray(pixels).save(tmp_path / "wall.png")
    Image.fromarray(mask).save(tmp_path / "mask.png")
    ran = []
    real = inpainting.inpaint
    monkeypatch.setattr(inpainting, "inpaint", lambda *a, **k: ran.append(1) or real(*a, **k))
    base = ["inpaint", str(tmp_path / "wall.png"), "--mask", str(tmp_path / "mask.png"), "--engine", "telea"]
    assert cli.main(base + ["--out", str(tmp_path / "x.bmp")]) == 2
    assert "x.bmp: cannot write .bmp" in capsys.readouterr().err and not ran  # said before any fill
    assert cli.main(base + ["--out", str(tmp_path / "x.jpg")]) == 0
    assert "JPEG" in capsys.readouterr().err and ran


def test_a_mistyped_command_is_named_not_opened_as_a_file(capsys):
    assert cli.main(["selftest"]) == 2
    assert "did you mean --selftest?" in capsys.readouterr().err
    assert cli.main(["detcet", "wall.png"]) == 2
    assert "did you mean 'detect'?" in capsys.readouterr().err


def test_the_read_only_check_is_for_files_in_a_folder_not_for_output_folders(tmp_path, monkeypatch):
    """A file's folder must be writable (said before working); a command writing into a folder
    it makes (synth, batch) is not refused for its parent."""
    from muralstudio.cli import build_parser, refuse_overwriting_inputs

    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as a non-root user on a read-only folder
    with pytest.raises(PermissionError):
        refuse_overwriting_inputs(build_parser().parse_args(
            ["inpaint", str(tmp_path / "in.png"), "--mask", str(tmp_path / "m.png"), "--out", str(tmp_path / "o.tif")]))
    refuse_overwriting_inputs(build_parser().parse_args(["synth", "--out", str(tmp_path / "made")]))


def test_inpaint_leaves_no_image_without_its_record(tmp_path, monkeypatch, capsys):
    import errno

    from muralstudio.core import imageio

    image, mask, _ = small_damaged_mural(tmp_path)

    def disk_full(path, record):
        raise OSError(errno.ENOSPC, "No space left on device", str(imageio.record_sidecar_path(path)))

    monkeypatch.setattr(imageio, "write_record_sidecar", disk_full)
    out = tmp_path / "restored.tif"
    assert cli.main(["inpaint", str(image), "--mask", str(mask), "--engine", "telea", "--out", str(out)]) == 2
    assert "No space left" in capsys.readouterr().err
    assert not out.exists()


def test_the_record_written_beside_an_output_never_replaces_an_input(tmp_path, capsys):
    """`--mask z.tif.record.json --out z.tif`: the restoration's record, written beside the
    output, replaced the mask it was made from (a QA engineer, 2026-12-07)."""
    import hashlib

    image, mask, _ = small_damaged_mural(tmp_path)
    for sidecar in ("z.tif.record.json", "z.xmp"):
        odd = tmp_path / sidecar
        odd.write_bytes(mask.read_bytes())
        digest = hashlib.sha256(odd.read_bytes()).digest()
        assert cli.main(["inpaint", str(image), "--mask", str(odd), "--engine", "telea",
                         "--out", str(tmp_path / "z.tif")]) == 2
        assert "written beside --out" in capsys.readouterr().err and not (tmp_path / "z.tif").exists()
        assert hashlib.sha256(odd.read_bytes()).digest() == digest


def test_a_commands_inputs_are_guarded_only_while_it_runs(tmp_path):
    """Inputs registered as originals by one command stayed so for the rest of the process:
    a later write to the same path (a test, a script calling the CLI twice) was refused."""
    from muralstudio.core.atomic import is_protected

    image, mask, _ = small_damaged_mural(tmp_path)
    assert cli.main(["inpaint", str(image), "--mask", str(mask), "--engine", "telea",
                     "--out", str(tmp_path / "out.tif")]) == 0
    assert not is_protected(mask) and not is_protected(image)


def test_inpaint_never_replaces_an_existing_image_unless_asked(tmp_path, capsys):
    """A typo in --out replaced another mural's original photograph, which its saved project
    then refused (a fresh restoration artist): an existing --out is kept unless --overwrite."""
    import hashlib

    image, mask, _ = small_damaged_mural(tmp_path)
    other = tmp_path / "other-original.png"
    imageio.write_png(other, np.full((30, 40, 3), 90, np.uint8))
    digest = hashlib.sha256(other.read_bytes()).digest()
    command = ["inpaint", str(image), "--mask", str(mask), "--engine", "telea", "--out", str(other)]
    assert cli.main(command) == 2
    err = capsys.readouterr().err
    assert "other-original.png exists already" in err and "--overwrite" in err
    assert hashlib.sha256(other.read_bytes()).digest() == digest and not (tmp_path / "other-original.png.record.json").exists()
    assert cli.main(command + ["--overwrite"]) == 0
    assert imageio.read_image(other).pixels.shape[:2] == imageio.read_image(image).pixels.shape[:2]
