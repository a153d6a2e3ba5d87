"""Element labeling: sliding windows at a working scale, elements of known synthetic regions,
find-similar, PSP-M training / loading, the label CLI and the benchmark."""

from __future__ import annotations

import json

import numpy as np
import pytest

from muralstudio.core import elements as core_elements
from muralstudio.core import imageio, synth
from muralstudio.engines import labeling


class ColourRule(labeling.Labeler):
    """Translation-equivariant stand-in: class = nearest of fixed colours (per pixel), so any
    window layout must give the same labels as one whole pass."""

    name = "colour-rule"
    COLOURS = np.array([(200, 200, 200), (230, 160, 40), (150, 90, 200), (90, 200, 230),
                        (240, 80, 80), (250, 220, 60)], np.float32)

    def __init__(self, scale=1.0):
        super().__init__("cpu", scale=scale)

    def logits(self, tile):
        d = ((tile[..., None, :3].astype(np.float32) - self.COLOURS) ** 2).sum(-1)
        return (-d / 100.0).transpose(2, 0, 1).astype(np.float32)


def painted(width=700, height=500):
    """Background with a person (4) rectangle, a cloud (3) ellipse and a small Buddha (5)."""
    image = np.full((height, width, 3), 200, np.uint8)
    truth = np.zeros((height, width), np.uint8)
    image[100:300, 80:200], truth[100:300, 80:200] = (240, 80, 80), 4
    yy, xx = np.mgrid[:height, :width]
    cloud = ((xx - 480) / 140.0) ** 2 + ((yy - 250) / 80.0) ** 2 < 1
    image[cloud], truth[cloud] = (90, 200, 230), 3
    image[400:440, 600:650], truth[400:440, 600:650] = (250, 220, 60), 5
    return image, truth


def test_windows_at_half_stride_give_the_whole_image_result():
    image, truth = painted()
    labeler = ColourRule()
    whole = labeling.label(image, labeler, window=1024)
    windowed = labeling.label(image, labeler, window=128)
    assert windowed.params["stride"] == 64
    assert np.array_equal(whole.labels, truth) and np.array_equal(windowed.labels, truth)
    assert whole.probabilities.shape == (6, 500, 700)
    assert whole.pixels_per_class()["people"] == 200 * 120


def test_working_scale_labels_full_resolution_with_borders_within_a_pixel_or_two():
    image, truth = painted()
    result = labeling.label(image, ColourRule(scale=0.5), window=128)
    assert result.labels.shape == truth.shape and result.probabilities.shape == (6, 250, 350)
    wrong = result.labels != truth
    assert wrong.mean() < 0.01
    # every mistake lies within two pixels of a true border
    import cv2
    edges = cv2.dilate((cv2.Canny(truth * 40, 1, 1) > 0).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert not (wrong & ~edges).any()


def test_labeling_reads_windows_from_a_source_and_can_be_cancelled(tmp_path):
    from muralstudio.core.errors import Cancelled
    from muralstudio.core.pyramid import FileSource

    image, truth = painted()
    imageio.write_tiff(tmp_path / "m.tif", image.astype(np.uint16) * 257)
    source = FileSource(tmp_path / "m.tif")
    assert np.array_equal(labeling.label(source, ColourRule(), window=256).labels, truth)
    with pytest.raises(Cancelled):
        labeling.label(source, ColourRule(), window=128, cancelled=lambda: True)
    with pytest.raises(ValueError, match="scale"):
        labeling.label(image, ColourRule(), scale=1.5)


def test_elements_of_the_synthetic_generator_match_its_regions():
    image, labels = synth.generate_mural(640, 480, seed=3)
    found = core_elements.find_elements(labels, [n for n in "abcdef"], image, min_area=1)
    import cv2
    expected = 0
    for value in range(1, 6):
        count, _, stats, _ = cv2.connectedComponentsWithStats((labels == value).astype(np.uint8), connectivity=8)
        expected += count - 1
    assert len(found) == expected > 0
    for element in found:
        x, y, w, h = element.bbox
        region = element.region(labels)
        assert region.sum() == element.area
        assert (labels[y:y + h, x:x + w][region] == element.class_index).all()
        assert labels[element.seed[1], element.seed[0]] == element.class_index
        mean = image[y:y + h, x:x + w][region].mean(0)
        assert np.allclose(element.mean_colour, mean, atol=0.5)
    assert [e.area for e in found] == sorted((e.area for e in found), reverse=True)
    small = core_elements.find_elements(labels, list("abcdef"), min_area=10 ** 9)
    assert small == []


def test_export_writes_crops_csv_and_coco_polygons(tmp_path):
    image, truth = painted()
    found = core_elements.find_elements(truth, [c[0] for c in labeling.Labeler.classes], image)
    found[0].name = "flying apsara"
    paths = core_elements.export_elements(found, truth, image, tmp_path, labeling.Labeler.classes, "m.png")
    rows = (tmp_path / "elements.csv").read_text().splitlines()
    assert len(rows) == 1 + len(found) == 4
    assert rows[1].split(",")[2:5] == ["cloud", "flying apsara", str(found[0].area)]
    coco = json.loads(paths["coco"].read_text())
    assert {c["name"] for c in coco["categories"]} == {"animal", "building", "cloud", "people", "Buddha"}
    person = next(a for a in coco["annotations"] if a["category_id"] == 4)
    xs, ys = person["segmentation"][0][0::2], person["segmentation"][0][1::2]
    assert (min(xs), max(xs), min(ys), max(ys)) == (80, 199, 100, 299)
    assert person["bbox"] == [80, 100, 120, 200]
    crop = imageio.read_image(tmp_path / "crops" / "0002-people.png").pixels
    assert crop.shape == (216, 136, 4) and crop[8, 8, 3] == 255 and crop[0, 0, 3] == 0


def test_find_similar_ranks_the_same_kind_of_element_first():
    image, truth = painted(900, 500)
    image[350:450, 300:340], truth[350:450, 300:340] = (238, 82, 78), 4  # a second person
    labeler = ColourRule()
    result = labeling.label(image, labeler, window=512)
    found = labeling.elements_of(result, image, labeler, min_area=100)
    query = next(e for e in found if e.class_index == 4 and e.bbox[0] == 80)
    ranking = core_elements.rank_similar(query.embedding, [e for e in found if e is not query])
    assert ranking[0][1].class_index == 4 and ranking[0][0] > ranking[1][0]


def test_folder_elements_are_labelled_once_and_cached(tmp_path, monkeypatch):
    image, _ = painted()
    folder = tmp_path / "murals"
    folder.mkdir()
    imageio.write_png(folder / "a.png", image)
    imageio.write_png(folder / "b.png", image[:, ::-1])
    calls = []
    original = labeling.label
    monkeypatch.setattr(labeling, "label", lambda *a, **k: calls.append(1) or original(*a, **k))
    first = labeling.folder_elements(folder, ColourRule(), tmp_path / "cache", min_area=100)
    again = labeling.folder_elements(folder, ColourRule(), tmp_path / "cache", min_area=100)
    assert len(calls) == 2 and len(first) == len(again) == 6
    assert {e.source.rsplit("/", 1)[-1] for e in again} == {"a.png", "b.png"}
    assert all(np.allclose(a.embedding, b.embedding, atol=1e-4) for a, b in zip(first, again))
