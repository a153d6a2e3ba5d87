"""Measurements equal pixel counts; the scale turns them into cm²; CSV and the command line."""

from __future__ import annotations

import numpy as np

from muralstudio import cli
from muralstudio.core import project
from muralstudio.core.document import Document
from muralstudio.ops import measure


def wall():
    doc = Document.from_array(np.zeros((100, 200, 3), np.uint8), name="wall")
    loss = np.zeros((100, 200), bool)
    loss[10:20, 10:30] = True  # 200 px
    loss[50:55, 50:55] = True  # 25 px
    doc.new_mask_layer("paint loss", loss)
    labels = np.zeros((100, 200), np.uint8)
    labels[60:90, 100:150] = 4  # people, 1500 px
    doc.new_label_layer("elements", labels)
    return doc


def test_measurements_equal_pixel_counts_and_scale_to_cm2():
    doc = wall()
    rows = measure.measure_layers(doc.layers, doc.width * doc.height, mm_per_px=0.2)
    loss = next(r for r in rows if r.layer == "paint loss")
    assert (loss.pixels, loss.regions, loss.largest_pixels) == (225, 2, 200)
    assert loss.share == 225 / 20000 and abs(loss.area_cm2 - 225 * 0.0004) < 1e-9
    people = next(r for r in rows if r.what == "people")
    assert people.pixels == 1500 and people.regions == 1
    assert [r.what for r in rows if r.layer == "elements"] == ["people"]  # absent classes left out
    unscaled = measure.measure_layers(doc.layers, 20000)
    assert unscaled[0].area_cm2 is None and "area_cm2" in measure.table_csv(unscaled).splitlines()[0]


def test_measure_command_prints_the_table_and_writes_csv(tmp_path, capsys):
    path = project.save_project(wall(), tmp_path / "wall.mural")
    assert cli.main(["measure", str(path), "--mm-per-px", "0.5", "--csv", str(tmp_path / "m.csv")]) == 0
    out = capsys.readouterr().out
    assert "paint loss" in out and "225" in out and "0.5 mm/px" in out
    lines = (tmp_path / "m.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("layer,what,pixels") and lines[1].startswith("paint loss,damage,225,")
    assert cli.main(["measure", str(path), "--mm-per-px", "-1"]) == 2


def test_measure_table_keeps_long_and_chinese_names_whole_and_aligned(tmp_path, capsys):
    """Class names were cut to 11 characters ("mandorla/ha") and columns shifted under a
    Chinese element name (an archaeologist, 2026-12-07)."""
    from muralstudio.cli.table import display_width
    from muralstudio.core.document import Document

    doc = Document.from_array(np.full((100, 120, 3), 200, np.uint8), name="wall")
    labels = np.zeros((100, 120), np.uint8)
    labels[10:40, 10:50] = 4
    labels[60:90, 70:110] = 6
    layer = doc.new_label_layer("elements", labels, classes=[*doc.label_classes, ("mandorla/halo 背光", (200, 100, 0))])
    layer.element_names = {"30,25": "飞天 apsara"}
    path = project.save_project(doc, tmp_path / "wall.mural")
    assert cli.main(["measure", str(path), "--elements"]) == 0
    lines = capsys.readouterr().out.splitlines()
    element_lines = lines[lines.index(next(l for l in lines if l.split()[:2] == ["element", "class"])):]
    assert any("mandorla/halo 背光" in l for l in element_lines) and any("飞天 apsara" in l for l in element_lines)
    # the pixels column ends at the same terminal column on every line
    ends = {display_width(l[:l.index(n) + len(n)]) for l, n in zip(element_lines[1:], ("1,200", "1,200"))}
    assert len(ends) == 1, element_lines
