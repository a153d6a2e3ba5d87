"""Maps of archive-size images are written a band of rows at a time: the streamed PNG writer,
elements found band by band, and the file pipelines giving what the in-memory ones give."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from PIL import Image

from muralstudio.core import imageio, synth
from muralstudio.core.elements import ElementFinder, find_elements
from muralstudio.engines import detection, labeling, registry


def test_png_row_writer_writes_grey_and_palette_maps_band_by_band(tmp_path):
    rng = np.random.default_rng(0)
    values = rng.integers(0, 4, (301, 257)).astype(np.uint8)
    palette = [(0, 0, 0), (255, 0, 0), (0, 255, 0), (0, 0, 255)]
    with imageio.PngRowWriter(tmp_path / "labels.png", 257, 301, palette) as png:
        for top in range(0, 301, 64):
            png.write(values[top:top + 64])
    with Image.open(tmp_path / "labels.png") as image:
        assert image.mode == "P" and image.size == (257, 301)
        assert np.array_equal(np.asarray(image), values)
        assert image.getpalette()[:12] == [v for colour in palette for v in colour]
    with imageio.PngRowWriter(tmp_path / "grey.png", 257, 301) as png:
        png.write(values * 60)
    assert np.array_equal(imageio.read_mask(tmp_path / "grey.png"), values * 60)


def test_png_row_writer_leaves_nothing_when_rows_are_missing_or_an_error_stops_it(tmp_path):
    with pytest.raises(ValueError, match="5 of 301 rows"):
        with imageio.PngRowWriter(tmp_path / "short.png", 10, 301) as png:
            png.write(np.zeros((5, 10), np.uint8))
    with pytest.raises(RuntimeError):
        with imageio.PngRowWriter(tmp_path / "stopped.png", 10, 4) as png:
            png.write(np.zeros((2, 10), np.uint8))
            raise RuntimeError("cancelled")
    with pytest.raises(ValueError, match="width 10"):
        with imageio.PngRowWriter(tmp_path / "wide.png", 10, 4) as png:
            png.write(np.zeros((4, 11), np.uint8))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("band_rows", [1, 3, 7, 64])
def test_elements_found_band_by_band_equal_one_pass_over_the_whole_map(band_rows):
    rng = np.random.default_rng(band_rows)
    labels = cv2.resize(rng.integers(0, 4, (17, 23)).astype(np.uint8), None, fx=5, fy=3,
                        interpolation=cv2.INTER_NEAREST)
    labels[::7, ::5] = 2  # single pixels joining regions diagonally across band borders
    reference = []
    for index in (1, 2, 3):
        count, comp, stats, _ = cv2.connectedComponentsWithStats((labels == index).astype(np.uint8), connectivity=8)
        for c in range(1, count):
            ys, xs = np.nonzero(comp == c)
            reference.append((index, int(stats[c, 4]), tuple(int(v) for v in stats[c, :4]),
                              (int(xs[0]), int(ys[0])), (float(xs.mean()), float(ys.mean()))))
    found = find_elements(labels, list("abcd"), min_area=1, band_rows=band_rows)
    got = [(e.class_index, e.area, e.bbox, e.seed, e.centroid) for e in found]
    assert sorted(g[:4] for g in got) == sorted(r[:4] for r in reference)
    by_seed = {r[3]: r[4] for r in reference}
    assert all(np.allclose(g[4], by_seed[g[3]]) for g in got)
    assert [e.area for e in found] == sorted((e.area for e in found), reverse=True)


def test_element_ids_at_a_working_scale_name_each_pixels_element():
    labels = np.zeros((40, 60), np.uint8)
    labels[4:20, 4:30], labels[24:36, 10:50] = 1, 2
    finder = ElementFinder(["bg", "a", "b"], min_area=1)
    finder.keep_ids(60, 40, 30, 20)
    for top in range(0, 40, 9):
        finder.add(labels[top:top + 9])
    elements, ids = finder.elements(), finder.element_ids()
    assert ids.shape == (20, 30)
    for position, element in enumerate(elements, start=1):
        small = cv2.resize((labels == element.class_index).astype(np.uint8), (30, 20),
                           interpolation=cv2.INTER_NEAREST)
        assert np.array_equal(ids == position, small > 0)


class ColourRule(labeling.Labeler):
    """Class = nearest of fixed colours, per pixel (any window layout gives the same result)."""

    name = "colour-rule-stream"
    COLOURS = np.array([(200, 200, 200), (230, 160, 40), (150, 90, 200), (90, 200, 230),
                        (240, 80, 80), (250, 220, 60)], np.float32)
    scale = 0.5

    def logits(self, tile):
        d = ((tile[..., None, :3].astype(np.float32) - self.COLOURS) ** 2).sum(-1)
        return (-d / 100.0).transpose(2, 0, 1).astype(np.float32)


@pytest.fixture
def colour_rule(monkeypatch):
    monkeypatch.setitem(registry._registry["labeler"], ColourRule.name, ColourRule)
    yield ColourRule.name


def painted_file(tmp_path):
    image = np.full((260, 340, 3), 200, np.uint8)
    image[40:150, 30:120] = (240, 80, 80)
    image[160:230, 200:320] = (90, 200, 230)
    image[20:60, 250:300] = (240, 80, 80)
    path = tmp_path / "mural.tif"
    imageio.write_tiff(path, image)
    return path, image


@pytest.mark.parametrize("in_memory", [True, False])
def test_label_file_streams_the_map_of_what_label_gives_in_memory(tmp_path, colour_rule, monkeypatch, in_memory):
    path, image = painted_file(tmp_path)
    if not in_memory:  # as a 200-Mpx image would: no full-resolution map held
        monkeypatch.setattr(labeling, "IN_MEMORY_PIXELS", 1000)
    summary = labeling.label_file(path, tmp_path / "labels.png", engine=colour_rule,
                                  elements_path=tmp_path / "elements.json", min_area=64,
                                  probabilities_dir=tmp_path / "prob")
    labeler = labeling.create(colour_rule)
    result = labeling.label(image, labeler)
    assert np.array_equal(imageio.read_label_map(tmp_path / "labels.png"), result.labels)
    assert summary["pixels_per_class"] == result.pixels_per_class()
    assert np.array_equal(imageio.read_mask(tmp_path / "prob" / "mural.people.prob.png"),
                          result.probability(4))
    written = json.loads((tmp_path / "elements.json").read_text(encoding="utf-8"))["elements"]
    expected = labeling.elements_of(result, image, labeler, min_area=64)
    assert [(e["class_name"], e["area"], e["bbox"], e["seed"]) for e in written] == \
        [(e.class_name, e.area, list(e.bbox), list(e.seed)) for e in expected]
    for entry, element in zip(written, expected):  # colours at the working scale differ by rounding
        assert np.abs(np.subtract(entry["mean_colour"], element.mean_colour)).max() <= 2
        assert float(np.dot(entry["embedding"], element.embedding)) > 0.98


def test_detect_file_streams_the_maps_detect_gives_in_memory(tmp_path):
    pixels = synth.generate_mural(300, 220, seed=3)[0]
    path = tmp_path / "wall.tif"
    imageio.write_tiff(path, pixels)
    written = detection.detect_file(path, tmp_path / "out", engine="resunet")
    detector = detection.create("resunet")
    result = detection.detect(pixels, detector)
    report = json.loads(written["report"].read_text(encoding="utf-8"))
    for name in result.probabilities:
        assert np.array_equal(imageio.read_mask(written[f"{name} probability"]), result.probabilities[name])
        mask = result.mask(name)
        assert np.array_equal(imageio.read_mask(written[f"{name} mask"]) > 0, mask)
        assert report["classes"][name]["pixels"] == int(mask.sum())


def test_an_interrupted_label_leaves_no_maps_without_their_elements(tmp_path, colour_rule, monkeypatch):
    """Ctrl-C while the elements were made left the label PNG and every probability map but no
    elements JSON — a set that looked finished (a QA engineer, 2026-12-07)."""
    path, _ = painted_file(tmp_path)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(labeling, "embed_elements", interrupted)
    with pytest.raises(KeyboardInterrupt):
        labeling.label_file(path, tmp_path / "labels.png", engine=colour_rule,
                            elements_path=tmp_path / "elements.json", probabilities_dir=tmp_path / "prob")
    assert not (tmp_path / "labels.png").exists() and not (tmp_path / "elements.json").exists()
    assert not list((tmp_path / "prob").glob("*.png"))
