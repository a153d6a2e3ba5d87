"""File names that are not UTF-8 (Chinese names in GBK, as old Windows archives unpack on
Linux): Python holds their undecodable bytes as lone surrogates, which UTF-8 writers refuse.
Every command, the project, the report and the batch ledger took them (a QA engineer,
2026-12-07: detect, inpaint, label, the window's open and save, and batch all failed)."""

import json
import os
import sys

import numpy as np
import pytest

from muralstudio.core import imageio

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="only Linux file systems hold names of any bytes")


@pytest.fixture
def gbk_image(tmp_path):
    name = b"\xb1\xda\xbb\xad.png".decode("utf-8", "surrogateescape")  # 壁画 in GBK
    path = tmp_path / name
    rgb = np.full((80, 100, 3), 200, np.uint8)
    rgb[30:34, 40:44] = 255
    imageio.write_png(path, rgb)
    assert os.fsencode(path).endswith(b"\xb1\xda\xbb\xad.png")
    return path


def test_commands_read_and_record_a_non_utf8_file_name(gbk_image, tmp_path):
    from muralstudio.cli import main

    assert main(["detect", str(gbk_image), "--out-dir", str(tmp_path / "d")]) == 0
    report = json.loads(next((tmp_path / "d").glob("*.detect.json")).read_text(encoding="utf-8"))
    assert report["image"] == str(gbk_image)  # escaped in the JSON, the same name read back
    mask = imageio.write_png(tmp_path / "mask.png", np.pad(np.full((10, 10), 255, np.uint8), ((30, 40), (40, 50))))
    assert main(["inpaint", str(gbk_image), "--mask", str(mask), "--engine", "telea",
                 "--out", str(tmp_path / "out.tif")]) == 0
    record = json.loads((tmp_path / "out.tif.record.json").read_text(encoding="utf-8"))
    assert record["source"]["path"] == str(gbk_image)


def test_a_project_and_its_report_keep_a_non_utf8_source_name(gbk_image, tmp_path):
    from muralstudio.core.document import Document
    from muralstudio.core.project import load_project, save_project
    from muralstudio.ops.report import build_report, write_html

    doc = Document.open(gbk_image)
    doc.pyramid()  # the window's first step: its cache key holds the name
    doc.new_mask_layer("loss").data[30:34, 40:44] = 255
    path = save_project(doc, tmp_path / "wall.mural")
    assert load_project(path).source.path == gbk_image
    assert write_html(build_report(load_project(path)), tmp_path / "r.html").stat().st_size > 0


def test_the_batch_ledger_keeps_a_non_utf8_image_name(gbk_image, tmp_path):
    from muralstudio.ops import batch

    ledger = batch.Ledger(tmp_path / "out")
    name = gbk_image.stem
    ledger.mark(name, image=str(gbk_image), status="done", attempts=1)
    assert ledger.rows()[name]["image"] == str(gbk_image) and ledger.attempts(name) == 1
    ledger.close()
