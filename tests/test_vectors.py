"""Damage maps and labels as GeoJSON: polygons on pixel edges (areas are pixel counts), holes
kept, per-class label features, the scale carried, and a round trip exact to the tolerance —
through the library, the command line and the window."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("shapely")

from muralstudio import cli  # noqa: E402
from muralstudio.core import imageio, synth  # noqa: E402
from muralstudio.core.document import Document  # noqa: E402
from muralstudio.ops import vectors  # noqa: E402


def damage():
    mask = np.zeros((60, 80), bool)
    mask[10:30, 10:40] = True
    mask[15:20, 20:25] = False  # a hole
    mask[40:50, 50:70] = True
    mask[5, 5] = True  # one pixel
    return mask


def test_polygons_lie_on_pixel_edges_with_their_holes():
    polygons = sorted(vectors.mask_polygons(damage(), tolerance=0), key=lambda p: p.area)
    assert [p.area for p in polygons] == [1.0, 200.0, 575.0]
    assert len(polygons[2].interiors) == 1 and polygons[2].bounds == (10.0, 10.0, 40.0, 30.0)


@pytest.mark.parametrize("tolerance", [0.0, 0.5, 1.5])
def test_round_trip_is_exact_to_the_tolerance(tolerance):
    from scipy import ndimage

    mask = synth.jelly_mask((160, 200), (0.3, 0.4), seed=3) | synth.dust_mask((160, 200), (0.05, 0.1), seed=1)
    doc = Document.from_array(np.zeros((160, 200, 3), np.uint8))
    collection = vectors.layers_geojson([doc.new_mask_layer("loss", mask)], tolerance=tolerance)
    back = vectors.geojson_mask(json.loads(json.dumps(collection)), mask.shape)
    band = int(np.ceil(tolerance))
    near = ndimage.binary_dilation(mask, iterations=band) & ~ndimage.binary_erosion(mask, iterations=band) \
        if band else np.zeros_like(mask)
    assert not ((back != mask) & ~near).any()
    if tolerance <= 0.5:
        assert np.array_equal(back, mask)


def test_label_layers_give_one_feature_per_class_region_and_the_scale_gives_cm2():
    doc = Document.from_array(np.zeros((50, 60, 3), np.uint8))
    labels = np.zeros((50, 60), np.uint8)
    labels[5:15, 5:25] = 4  # people
    labels[30:40, 30:40] = 3  # cloud
    doc.new_label_layer("elements", labels)
    collection = vectors.layers_geojson(doc.layers, scale_mm_per_px=0.5)
    classes = sorted((f["properties"]["class"], f["properties"]["area_px"], f["properties"]["area_cm2"])
                     for f in collection["features"])
    assert classes == [("cloud", 100.0, 0.25), ("people", 200.0, 0.5)]
    assert collection["properties"]["scale_mm_per_px"] == 0.5
    # each element named as the gallery names it: the name given, else class and rank by size;
    # a speck smaller than the gallery lists is exported unnamed (it was "people 5" nowhere else)
    labels[:] = 0
    labels[0:20, 0:30] = 4  # a person, 600 px
    labels[25:45, 35:55] = 4  # a smaller second person, 400 px
    labels[30:50, 0:15] = 3  # a cloud, 300 px
    labels[47:49, 57:59] = 4  # a 4-px speck of "people"
    layer = doc.layers[-1]
    layer.data[:] = labels
    layer.element_names = {"5,5": "donor"}
    names = sorted(str(f["properties"]["element"]) for f in vectors.layers_geojson(doc.layers)["features"])
    assert names == ["None", "cloud 1", "donor", "people 2"]


def test_cli_exports_and_imports_geojson(tmp_path, capsys):
    imageio.write_png(tmp_path / "mask.png", damage().astype(np.uint8) * 255)
    imageio.write_png(tmp_path / "image.png", np.zeros((60, 80, 3), np.uint8))
    assert cli.main(["vectors", "export", str(tmp_path / "mask.png"), "--out", str(tmp_path / "d.geojson"),
                     "--tolerance", "0"]) == 0
    assert len(json.loads((tmp_path / "d.geojson").read_text())["features"]) == 3
    assert cli.main(["vectors", "import", str(tmp_path / "d.geojson"), "--like", str(tmp_path / "image.png"),
                     "--out", str(tmp_path / "back.png")]) == 0
    assert np.array_equal(imageio.read_image(tmp_path / "back.png").pixels > 0, damage())
    (tmp_path / "bad.geojson").write_text('{"type": "Point"}')
    assert cli.main(["vectors", "import", str(tmp_path / "bad.geojson"), "--like", str(tmp_path / "image.png"),
                     "--out", str(tmp_path / "x.png")]) == 2
    assert "bad.geojson: not a GeoJSON FeatureCollection" in capsys.readouterr().err


def test_a_projects_own_scale_reaches_its_geojson_and_its_restored_file(tmp_path):
    """A scale set in the window (File → Set Scale) is the project's: the command line's GeoJSON
    of the project gives cm² with it, and the restored file carries it as its resolution."""
    from muralstudio.core import export, project

    imageio.write_png(tmp_path / "wall.png", np.zeros((60, 80, 3), np.uint8))  # no resolution in the file
    doc = Document.open(tmp_path / "wall.png")
    doc.new_mask_layer("damage", damage())
    doc.set_scale(2.0)  # mm per pixel
    project.save_project(doc, tmp_path / "wall.mural")
    assert cli.main(["vectors", "export", str(tmp_path / "wall.mural"), "--out", str(tmp_path / "w.geojson")]) == 0
    collection = json.loads((tmp_path / "w.geojson").read_text())
    areas = [f["properties"]["area_cm2"] for f in collection["features"]]
    assert sorted(areas) == pytest.approx(sorted(a * 0.04 for a in (575, 200, 1)))  # px × (0.2 cm)²
    export.export_restored(doc, tmp_path / "restored.tif")
    assert imageio.read_header(tmp_path / "restored.tif").dpi == pytest.approx((12.7, 12.7))  # 25.4 / 2


def test_window_round_trips_a_damage_layer_through_geojson(qtbot, tmp_path):
    pytest.importorskip("PySide6")
    from muralstudio.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.set_document(Document.from_array(np.zeros((60, 80, 3), np.uint8), name="wall"))
    window.doc.new_mask_layer("loss", damage())
    path = window.export_geojson(tmp_path / "wall.geojson")
    assert path is not None
    imported = window.import_geojson(path)
    assert imported.name == "wall" and np.array_equal(imported.data >= 128, damage())
    window.doc.undo()
    assert imported not in window.doc.layers
    window.doc.mark_clean()
    window.jobs.shutdown()


def test_svg_overlay_has_the_image_size_and_one_path_per_region(tmp_path):
    import xml.etree.ElementTree as ET

    imageio.write_png(tmp_path / "mask.png", damage().astype(np.uint8) * 255)
    assert cli.main(["vectors", "export", str(tmp_path / "mask.png"), "--out", str(tmp_path / "d.svg"),
                     "--tolerance", "0"]) == 0
    root = ET.parse(tmp_path / "d.svg").getroot()
    assert root.get("width") == "80" and root.get("height") == "60"
    paths = root.findall(".//{http://www.w3.org/2000/svg}path")
    assert len(paths) == 3 and sum(p.get("d").count("M ") for p in paths) == 4  # one ring is a hole


def test_regions_touching_at_a_corner_export_as_svg_and_geojson(tmp_path):
    """Two flakes meeting at one corner (common in real masks) trace one self-touching ring,
    repaired into two polygons: every export takes them (SVG failed on the MultiPolygon)."""
    import xml.etree.ElementTree as ET

    mask = np.zeros((20, 20), np.uint8)
    mask[2:6, 2:6] = 255
    mask[6:10, 6:10] = 255
    assert [p.area for p in vectors.mask_polygons(mask > 0, 0.0)] == [16.0, 16.0]
    imageio.write_png(tmp_path / "corner.png", mask)
    for out in ("c.svg", "c.geojson"):
        assert cli.main(["vectors", "export", str(tmp_path / "corner.png"), "--out", str(tmp_path / out),
                         "--tolerance", "0"]) == 0
    paths = ET.parse(tmp_path / "c.svg").getroot().findall(".//{http://www.w3.org/2000/svg}path")
    assert sum(p.get("d").count("M ") for p in paths) == 2


def test_element_polygons_come_back_as_a_label_map_with_their_classes(tmp_path, capsys):
    """Element polygons exported (and edited, say in QGIS) came back as one binary mask: every
    class lost (an archaeologist, 2026-12-07). `vectors import --classes` gives the label map."""
    from muralstudio.core.project import save_project

    doc = Document.from_array(np.zeros((60, 80, 3), np.uint8), name="wall")
    labels = np.zeros((60, 80), np.uint8)
    labels[5:15, 5:25] = 4  # people
    labels[30:40, 30:40] = 3  # cloud
    labels[40:50, 60:70] = 6  # a class the user added
    doc.new_label_layer("elements", labels, classes=[*doc.label_classes, ("lotus", (250, 120, 200))])
    project = save_project(doc, tmp_path / "wall.mural")
    imageio.write_png(tmp_path / "wall.png", np.zeros((60, 80, 3), np.uint8))
    assert cli.main(["vectors", "export", str(project), "--out", str(tmp_path / "e.geojson"), "--tolerance", "0"]) == 0
    assert cli.main(["vectors", "import", str(tmp_path / "e.geojson"), "--like", str(tmp_path / "wall.png"),
                     "--out", str(tmp_path / "back.png"), "--classes"]) == 0
    from PIL import Image

    back = np.asarray(Image.open(tmp_path / "back.png"))
    classes = json.loads((tmp_path / "back.classes.json").read_text())["classes"]
    names = [c["name"] for c in classes]
    assert names[:6] == [n for n, _ in doc.label_classes] and names[6] == "lotus"
    for value in (3, 4):
        assert np.array_equal(back == value, labels == value)
    assert np.array_equal(back == names.index("lotus"), labels == 6)
    assert "people 200 px" in capsys.readouterr().out
    # a mask's polygons carry no class: said, not a map of zeros
    imageio.write_png(tmp_path / "mask.png", damage().astype(np.uint8) * 255)
    assert cli.main(["vectors", "export", str(tmp_path / "mask.png"), "--out", str(tmp_path / "d.geojson")]) == 0
    assert cli.main(["vectors", "import", str(tmp_path / "d.geojson"), "--like", str(tmp_path / "wall.png"),
                     "--out", str(tmp_path / "x.png"), "--classes"]) == 2
    assert "has no class" in capsys.readouterr().err
