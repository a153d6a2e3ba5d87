"""Condition reports (`muralstudio report`, File → Export report…): sections, Chinese text in an
embedded CJK font, the page images render, the HTML is self-contained; scale and properties
are kept in the project."""

import os
import shutil
import subprocess

import numpy as np
import pytest

from muralstudio.cli import main
from muralstudio.core.demo import demo_document
from muralstudio.core.document import scale_from_line
from muralstudio.core.project import load_project, save_project
from muralstudio.engines import inpainting
from muralstudio.ops.report import TEXT, build_report, scale_bar

pypdf = pytest.importorskip("pypdf")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    doc = demo_document()
    hole = doc.layer_by_name("paint loss").data >= 128
    result = inpainting.inpaint(doc.source, hole, inpainting.InpaintOptions(engine="telea"),
                                source_sha256=doc.source_sha256())
    doc.add_restoration(result.patches, result.record, name="restored (telea)")
    doc.set_scale(scale_from_line(200, 10, "cm"))
    doc.set_properties({"site": "莫高窟", "cave": "第 257 窟", "wall": "west", "ignored": "x"})
    return save_project(doc, tmp_path_factory.mktemp("p") / "演示.mural")


def pdf_text(path) -> str:
    """The PDF's text as a reader would copy it: NFKC folds the ligatures and the radical forms
    some CJK fonts map their glyphs to; the extractor's tabs are spaces."""
    import unicodedata

    reader = pypdf.PdfReader(str(path))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return unicodedata.normalize("NFKC", text).replace("\t", " ")


def pdf_fonts(path) -> set:
    reader = pypdf.PdfReader(str(path))
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


def test_scale_and_properties_survive_the_project(project):
    doc = load_project(project)
    assert doc.mm_per_px == pytest.approx(0.5) and doc.scale_origin == "user"
    assert doc.properties == {"site": "莫高窟", "cave": "第 257 窟", "wall": "west"}


def test_scale_from_a_drawn_line_measures_a_known_square():
    mm_per_px = scale_from_line(400.0, 20, "cm")  # a 20 cm ruler drawn 400 px long
    square_px = 300 * 300  # a 15 cm × 15 cm square at that scale
    assert square_px * (mm_per_px / 10) ** 2 == pytest.approx(225.0, rel=0.005)
    with pytest.raises(ValueError, match="unit"):
        scale_from_line(10, 1, "inch")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_pdf_report_has_every_section_and_renders(project, tmp_path, language, qapp):
    from muralstudio.gui.report_pdf import report_font

    out = tmp_path / f"report-{language}.pdf"
    try:
        report_font(language, "莫高窟")  # the project's site is named in Chinese
    except RuntimeError as exc:  # no CJK font on this machine: a clear error, not blanks or boxes
        assert main(["report", str(project), "--out", str(out), "--language", language]) == 2
        assert not out.exists()
        pytest.skip(str(exc))
    assert main(["report", str(project), "--out", str(out), "--language", language]) == 0
    text = pdf_text(out)
    for key in ("object", "overview", "damage_map", "identification", "measurements", "interventions", "elements"):
        assert TEXT[language][key] in text, key
    assert "telea" in text and "莫高窟" in text
    # a table split by a page break repeats its header row on the next page
    from PySide6.QtGui import QTextDocument

    document = QTextDocument()
    document.setHtml(build_report(load_project(project), language).html)
    tables = [f for f in document.rootFrame().childFrames() if type(f).__name__ == "QTextTable"]
    measurements = [t for t in tables if t.columns() == 7]  # layer, what, pixels, share, regions, largest, area
    assert measurements and all(t.format().toTableFormat().headerRowCount() == 1 for t in measurements)
    doc = load_project(project)  # the digits of mixed runs are text too: searchable, copyable
    assert f"{doc.width} × {doc.height} px" in text and doc.source_sha256()[:12] in text
    if language == "zh_CN":
        assert any("CJK" in f or "SC" in f or "Han" in f for f in pdf_fonts(out)), pdf_fonts(out)
        assert "□" not in text
    if shutil.which("pdfinfo"):  # the document's title names the report and the image
        info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
        assert f"{TEXT[language]['title']} — {doc.source.path.name if doc.source.path else doc.title}" in info
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "20", "-png", "-f", "1", "-l", "1", str(out), str(tmp_path / "p")], check=True)
        assert list(tmp_path.glob("p*.png"))


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a device that is always full)")
def test_pdf_report_on_a_full_disk_fails_and_keeps_the_old_report(project, tmp_path, qapp, monkeypatch, capsys):
    from muralstudio.gui import report_pdf

    try:  # the project's name is Chinese: without a CJK font no PDF is made at all
        report_pdf.report_font("en", project.name)
    except RuntimeError as exc:
        pytest.skip(str(exc))
    out = tmp_path / "report.pdf"
    assert main(["report", str(project), "--out", str(out)]) == 0
    before = out.read_bytes()
    real_writer = report_pdf.QPdfWriter
    monkeypatch.setattr(report_pdf, "QPdfWriter", lambda _: real_writer("/dev/full"))  # every write: ENOSPC
    assert main(["report", str(project), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "report.pdf" in err and "disk full" in err
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir() if "report" in p.name] == ["report.pdf"]


def test_html_report_is_self_contained(project, tmp_path):
    out = tmp_path / "report.html"
    assert main(["report", str(project), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "data:image/png;base64," in text and "src='overview.png'" not in text
    doc = load_project(project)
    source = doc.source.path.name if doc.source.path else doc.title
    assert f"<title>{TEXT['en']['title']} — {source}</title>" in text  # the browser tab's name
    assert "Interventions" in text and "286.62" in text.replace(",", "")  # paint-loss area in cm²
    assert main(["report", str(project), "--out", str(tmp_path / "r.docx")]) == 2


def test_report_areas_follow_the_pixels(project):
    doc = load_project(project)
    report = build_report(doc)
    loss = int((doc.layer_by_name("paint loss").data >= 128).sum())
    assert f"{loss:,} px" in report.html
    assert f"{loss * 0.05 ** 2:.2f} cm²" in report.html


def test_scale_bar_is_drawn_only_with_a_scale():
    rgb = np.full((200, 400, 3), 128, np.uint8)
    assert np.array_equal(scale_bar(rgb, None), rgb)
    marked = scale_bar(rgb, 1.0)  # 400 mm wide: an 50 mm bar
    assert (marked == 0).all(axis=2).sum() > 50


def test_element_measurements_in_cm(project, capsys):
    from muralstudio.ops.measure import measure_elements

    doc = load_project(project)
    rows = measure_elements(doc.layers, doc.mm_per_px)
    assert rows and rows[0].pixels >= rows[-1].pixels
    first = rows[0]
    assert first.area_cm2 == pytest.approx(first.pixels * 0.05 ** 2, rel=1e-3)
    assert first.box_cm == tuple(round(v * 0.05, 2) for v in first.box_px)
    assert main(["measure", str(project), "--elements"]) == 0
    assert first.element in capsys.readouterr().out


def test_scale_from_the_files_resolution(tmp_path):
    from muralstudio.core import imageio
    from muralstudio.core.document import Document

    pixels = np.zeros((50, 80, 3), np.uint8)
    path = tmp_path / "300dpi.tif"
    imageio.write_tiff(path, pixels, imageio.ImageInfo(path=None, format="TIFF", width=80, height=50, channels=3,
                                                       dtype=np.dtype(np.uint8), dpi=(300.0, 300.0)))
    doc = Document.open(path)
    assert doc.mm_per_px == pytest.approx(25.4 / 300) and doc.scale_origin == "file"
    doc.set_scale(0.5)
    assert doc.mm_per_px == 0.5 and doc.scale_origin == "user"


def test_small_fills_spread_over_a_wall_are_shown_enlarged_and_not_covered():
    """Flakes of 3 px restored across a wall are invisible in the whole-box before/after: the
    report enlarges the largest restored regions, with the outline outside the fill."""
    from muralstudio.core.document import Document, Patch
    from muralstudio.core.record import RestorationRecord

    doc = Document.from_array(np.full((800, 1000, 3), 100, np.uint8))
    record = RestorationRecord(engine="telea", engine_version="1", weights_sha256=None, parameters={},
                               mask_sha256="0", mask_bbox=(0, 0, 1000, 800), mask_pixels=18)
    red = np.zeros((3, 3, 3), np.uint8)
    red[..., 0] = 255
    doc.add_restoration([Patch(20, 20, red, np.ones((3, 3), bool)), Patch(950, 760, red, np.ones((3, 3), bool))],
                        record)
    report = build_report(doc)
    details = report.images["intervention-1-details.png"]
    is_red = (details[..., 0] == 255) & (details[..., 1] == 0) & (details[..., 2] == 0)
    assert is_red.sum() >= 2 * 9 * 16  # both fills, enlarged at least 4 times each way, uncovered
    assert "intervention-1-details.png" in report.html
    small = Document.from_array(np.full((200, 200, 3), 100, np.uint8))  # shown whole at full size
    small.add_restoration([Patch(20, 20, red, np.ones((3, 3), bool))], record)
    assert "intervention-1-details.png" not in build_report(small).images


def test_details_of_odd_images_do_not_fail():
    """A thin strip, a greyscale 16-bit image, patches with nothing filled: a report, no error."""
    from muralstudio.core.document import Document, Patch
    from muralstudio.core.record import RestorationRecord

    record = RestorationRecord(engine="telea", engine_version="1", weights_sha256=None, parameters={},
                               mask_sha256="0", mask_bbox=(0, 0, 1, 1), mask_pixels=1)
    red = np.zeros((1, 1500, 3), np.uint8)
    red[..., 0] = 255
    strip = Document.from_array(np.full((6, 2000, 3), 90, np.uint8))
    strip.add_restoration([Patch(0, 2, red, np.ones((1, 1500), bool)), Patch(1990, 2, red[:, :5], np.ones((1, 5), bool))],
                          record)
    assert "intervention-1-details.png" in build_report(strip).images
    grey = Document.from_array(np.full((800, 1000), 30000, np.uint16))
    patch = np.full((3, 3), 60000, np.uint16)
    grey.add_restoration([Patch(0, 0, patch, np.ones((3, 3), bool)), Patch(997, 797, patch, np.ones((3, 3), bool))],
                         record)
    assert build_report(grey).images["intervention-1-details.png"].ndim == 3
    empty = Document.from_array(np.full((800, 1000, 3), 90, np.uint8))
    empty.add_restoration([Patch(0, 0, red[:, :3], np.zeros((1, 3), bool)), Patch(900, 700, red[:, :3], np.zeros((1, 3), bool))],
                          record)
    assert "intervention-1-details.png" not in build_report(empty).images


def test_a_report_of_unreviewed_proposals_says_they_await_review():
    """A batch project holds the detector's proposals only: its report said "No damage layers"
    while the batch's summary counted the proposed paint loss."""
    from muralstudio.core.document import Document

    doc = Document.from_array(np.full((60, 80, 3), 120, np.uint8), name="wall")
    proposed = np.zeros((60, 80), bool)
    proposed[10:20, 10:30] = True
    doc.new_mask_layer("paint loss (proposed)", proposed, proposed=True)
    html = build_report(doc, "en").html
    assert "No damage confirmed yet" in html and "200 px" in html and "not yet reviewed" in html
    assert "No damage layers" not in html
    assert "尚未审核" in build_report(doc, "zh_CN").html


def test_a_chinese_report_names_the_elements_in_chinese_but_keeps_a_users_name():
    """"people 1" beside 人物 read as untranslated; a name the user gave stays as written."""
    from muralstudio.core.document import Document

    doc = Document.from_array(np.full((120, 160, 3), 200, np.uint8), name="wall")
    labels = np.zeros((120, 160), np.uint8)
    labels[10:60, 10:70] = 4  # people
    labels[70:110, 90:150] = 4  # a second person
    labels[10:40, 100:150] = 3  # cloud
    layer = doc.new_label_layer("elements", labels)
    html = build_report(doc, "zh_CN").html
    assert "人物 1" in html and "人物 2" in html and "云气 1" in html
    assert "people 1" not in html
    assert "people 1" in build_report(doc, "en").html  # the English report keeps the English names
    from muralstudio.core.elements import find_elements

    cloud = next(e for e in find_elements(layer.data, [c[0] for c in layer.classes]) if e.class_index == 3)
    layer.element_names[cloud.key] = "五彩祥云"  # a name the user gave stays as written
    assert "五彩祥云" in build_report(doc, "zh_CN").html


def test_a_report_of_an_image_with_nothing_marked_does_not_say_marked_by_hand():
    """``batch --steps report`` alone: the report said the damage was marked by hand."""
    from muralstudio.core.document import Document
    from muralstudio.core.pyramid import ArraySource

    doc = Document(ArraySource(np.full((60, 80, 3), 128, np.uint8)))
    assert TEXT["en"]["none_found"] in build_report(doc).html
    assert TEXT["en"]["none_identification"] not in build_report(doc).html
    mask = np.zeros((60, 80), np.uint8)
    mask[10:20, 10:20] = 255
    doc.new_mask_layer("loss", mask)
    assert TEXT["en"]["none_identification"] in build_report(doc).html
    chinese = build_report(doc, "zh_CN").html
    assert TEXT["zh_CN"]["none_identification"] in chinese and TEXT["zh_CN"]["none_found"] not in chinese


def test_pdf_keeps_every_caption_on_its_figures_page_and_tall_figures_fit(tmp_path, qapp):
    """Users found a figure parted from its heading at a page foot, and a narrow region's
    before/after taller than a page."""
    from muralstudio.ops.report import FIGURE_HEIGHT

    doc = demo_document()
    hole = doc.layer_by_name("paint loss").data >= 128
    height = hole.shape[0]
    for k in range(3):  # three interventions: their figures fill pages unevenly
        part = hole.copy()
        part[: height * k // 3] = False
        part[height * (k + 1) // 3:] = False
        result = inpainting.inpaint(doc.source, part, inpainting.InpaintOptions(engine="telea"),
                                    source_sha256=doc.source_sha256())
        doc.add_restoration(result.patches, result.record, name=f"part {k + 1}")
    project = save_project(doc, tmp_path / "three.mural")
    report = build_report(load_project(project))
    import re

    for name, width in re.findall(r"<img src='([^']+)' width='(\d+)'>", report.html):
        rows, cols = report.images[name].shape[:2]
        assert int(width) * rows / cols <= FIGURE_HEIGHT + 1, name
    out = tmp_path / "three.pdf"
    assert main(["report", str(project), "--out", str(out)]) == 0
    reader = pypdf.PdfReader(str(out))
    captions = ("Before / after", "The largest restored regions")
    pages = [(sum(page.extract_text().replace("\t", " ").count(c) for c in captions), len(page.images))
             for page in reader.pages]
    assert sum(c for c, _ in pages) == 5  # three before/after, two sets of details
    for number, (captioned, images) in enumerate(pages, 1):
        assert captioned <= images, f"page {number}: {captioned} captions, {images} figures"
    text = pdf_text(out)
    for k in (1, 2, 3):
        assert f"{k}. part {k}" in text
