"""The inpainting harness and the classical engines."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from conftest import random_image
from muralstudio.core import imageio, metrics, synth
from muralstudio.core.document import Document
from muralstudio.core.errors import Cancelled
from muralstudio.engines import inpainting
from muralstudio.engines.inpainting import Inpainter, InpainterCapabilities, InpaintOptions

ENGINES = ["telea", "ns", "patchmatch"]


def scattered_mask(shape, seed=0, count=6, radius=(4, 10)):
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, bool)
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    for _ in range(count):
        cy, cx = rng.integers(12, shape[0] - 12), rng.integers(12, shape[1] - 12)
        r = rng.integers(*radius)
        mask |= (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    return mask


def test_regions_group_nearby_holes():
    mask = np.zeros((100, 200), bool)
    mask[10:20, 10:20] = True
    mask[10:20, 30:40] = True  # 10 px to the right of the first
    mask[80:90, 150:160] = True
    assert inpainting.find_regions(mask, group_distance=16) == [(10, 10, 30, 10), (150, 80, 10, 10)]
    assert inpainting.find_regions(mask, group_distance=4) == [(10, 10, 10, 10), (30, 10, 10, 10),
                                                                (150, 80, 10, 10)]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_pixels_outside_the_mask_are_bit_identical(rng, engine, dtype, channels):
    shape = (96, 128) if channels == 1 else (96, 128, channels)
    image = random_image(rng, shape, dtype)
    mask = scattered_mask((96, 128), seed=1)
    result = inpainting.inpaint(image, mask, InpaintOptions(engine=engine))
    out = inpainting.apply_patches(image, result.patches)
    assert out.dtype == dtype and out.shape == image.shape
    assert np.array_equal(out[~mask], image[~mask])
    if channels == 4:
        assert np.array_equal(out[..., 3], image[..., 3])  # alpha kept everywhere
    changed = np.any(out != image, axis=-1) if out.ndim == 3 else out != image
    assert changed[mask].mean() > 0.5


@pytest.mark.parametrize("engine", ENGINES)
def test_fills_are_closer_to_the_truth_than_the_damage(engine):
    clean, _ = synth.generate_mural(256, 192, seed=5, bit_depth=16)
    damaged, masks = synth.apply_damage(clean, ("loss",), seed=6)
    hole = masks["loss"]
    result = inpainting.inpaint(damaged, hole, InpaintOptions(engine=engine))
    out = inpainting.apply_patches(damaged, result.patches)
    before = metrics.psnr(clean[hole], damaged[hole], data_range=65535)
    after = metrics.psnr(clean[hole], out[hole], data_range=65535)
    assert after > before + 6, (before, after)
    assert result.record.engine == engine and result.record.mask_pixels == hole.sum()


def test_patchmatch_continues_texture_better_than_diffusion():
    yy, xx = np.mgrid[:128, :128]
    stripes = ((np.sin(xx * 2 * np.pi / 8) > 0) * 200 + 30).astype(np.uint8)
    image = np.repeat(stripes[..., None], 3, axis=2)
    hole = np.zeros((128, 128), bool)
    hole[48:80, 48:80] = True
    scores = {}
    for engine in ("telea", "patchmatch"):
        out = inpainting.apply_patches(image, inpainting.inpaint(image, hole, InpaintOptions(engine=engine)).patches)
        scores[engine] = metrics.psnr(image[hole], out[hole])
    assert scores["patchmatch"] > scores["telea"] + 5, scores


class RecordingEngine(Inpainter):
    """Test double: records what it was given and fills with a fixed colour."""

    name = "recording"

    def __init__(self, capabilities, colour=(1.0, 0.0, 0.0)):
        self.capabilities = capabilities
        super().__init__("cpu")
        self.colour = np.array(colour, np.float32)
        self.shapes = []

    def inpaint(self, rgb, hole, cancelled=None):
        self.shapes.append(rgb.shape)
        out = rgb.copy()
        out[hole] = self.colour
        return out


def test_crops_are_padded_to_the_engine_multiple_and_cropped_back(rng):
    image = random_image(rng, (101, 77, 3), np.uint8)
    mask = np.zeros((101, 77), bool)
    mask[40:50, 30:41] = True
    engine = RecordingEngine(InpainterCapabilities(size_multiple=8))
    result = inpainting.inpaint(image, mask, InpaintOptions(min_context=13), engine=engine)
    assert all(h % 8 == 0 and w % 8 == 0 for h, w, _ in engine.shapes)
    out = inpainting.apply_patches(image, result.patches)
    assert (out[mask] == (255, 0, 0)).all() and np.array_equal(out[~mask], image[~mask])


def test_large_crops_are_downscaled_and_grain_restored():
    rng = np.random.default_rng(3)
    image = np.clip(rng.normal(128, 20, (400, 400, 3)), 0, 255).astype(np.uint8)
    mask = np.zeros((400, 400), bool)
    mask[150:250, 150:250] = True

    class Grey(RecordingEngine):
        def inpaint(self, rgb, hole, cancelled=None):
            self.shapes.append(rgb.shape)
            out = rgb.copy()
            out[hole] = rgb[~hole].mean(axis=0)
            return out

    engine = Grey(InpainterCapabilities(max_side=64))
    result = inpainting.inpaint(image, mask, InpaintOptions(), engine=engine)
    assert max(engine.shapes[0][:2]) == 64
    out = inpainting.apply_patches(image, result.patches)
    fill = out[mask].astype(float)
    assert abs(fill.mean() - 128) < 3
    assert 5 < fill.std() < 40  # grain like the surroundings, not a flat upsampled fill


def test_colour_match_pulls_a_cast_fill_to_its_surroundings():
    image = np.full((120, 120, 3), (90, 140, 100), np.uint8)
    mask = np.zeros((120, 120), bool)
    mask[40:80, 40:80] = True
    engine = RecordingEngine(InpainterCapabilities(), colour=(1.0, 0.2, 0.2))
    plain = inpainting.apply_patches(image, inpainting.inpaint(image, mask, engine=engine).patches)
    matched = inpainting.apply_patches(image, inpainting.inpaint(
        image, mask, InpaintOptions(color_match=True), engine=engine).patches)
    assert np.abs(plain[mask].astype(int) - (90, 140, 100)).mean() > 60
    assert np.abs(matched[mask].astype(int) - (90, 140, 100)).mean() < 3


def test_cancel_stops_at_a_region_checkpoint_and_changes_nothing(rng):
    doc = Document.from_array(random_image(rng, (600, 600, 3), np.uint8))
    mask = scattered_mask((600, 600), seed=2, count=8, radius=(3, 5))  # far apart: 8 crops
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        inpainting.inpaint(doc.source, mask, InpaintOptions(group_distance=0), cancelled=cancelled)
    assert doc.layers == [] and not doc.history.can_undo


def test_patchmatch_polls_cancel_inside_a_large_region():
    import time

    image, _ = synth.generate_mural(400, 300, seed=1)
    hole = np.zeros((300, 400), bool)
    hole[50:250, 60:340] = True
    start = time.perf_counter()
    calls = []
    with pytest.raises(Cancelled):
        inpainting.inpaint(image, hole, InpaintOptions(engine="patchmatch"),
                           cancelled=lambda: calls.append(1) or len(calls) > 2)
    assert time.perf_counter() - start < 5  # one region, stopped between iterations


def test_bad_input_is_refused_clearly(rng):
    image = random_image(rng, (40, 50, 3), np.uint8)
    with pytest.raises(ValueError, match="mask is 50×30 but the image is 50×40"):
        inpainting.inpaint(image, np.ones((30, 50), bool))
    with pytest.raises(ValueError, match="empty"):
        inpainting.inpaint(image, np.zeros((40, 50), bool))
    with pytest.raises(KeyError, match="unknown inpainter engine 'lama'; available: edgeconnect, fourier, ns, patchmatch, pconv, telea"):
        inpainting.inpaint(image, np.ones((40, 50), bool), InpaintOptions(engine="lama"))
    with pytest.raises(ValueError, match="runs on cpu, not 'cuda'"):
        inpainting.create("telea", device="cuda")


def test_document_restoration_from_the_harness_is_exported_with_its_record(tmp_path, rng):
    pixels = random_image(rng, (80, 90, 3), np.uint16)
    doc = Document.from_array(pixels)
    mask = scattered_mask((80, 90), seed=4, count=3)
    result = inpainting.inpaint(doc.source, mask, InpaintOptions(engine="telea"))
    layer = doc.add_restoration(result.patches, result.record)
    doc.apply_restoration(layer)
    restored = doc.restored_image()
    assert np.array_equal(restored[~mask], pixels[~mask]) and not np.array_equal(restored, pixels)
    doc.undo()
    assert np.array_equal(doc.restored_image(), pixels)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "muralstudio", *map(str, args)], capture_output=True,
                          text=True, timeout=300)


def test_cli_inpaint_writes_16_bit_tiff_with_record(tmp_path, srgb_icc):
    clean, _ = synth.generate_mural(200, 150, seed=1, bit_depth=16)
    damaged, masks = synth.apply_damage(clean, ("loss",), seed=2)
    info = imageio.ImageInfo(path=None, format="TIFF", width=0, height=0, channels=3, dtype=np.uint16,
                             icc_profile=srgb_icc)
    imageio.write_tiff(tmp_path / "in.tif", damaged, info)
    imageio.write_png(tmp_path / "mask.png", masks["loss"])
    result = run_cli("inpaint", tmp_path / "in.tif", "--mask", tmp_path / "mask.png", "--engine",
                     "patchmatch", "--param", "patch_size=5", "--out", tmp_path / "out.tif")
    assert result.returncode == 0, result.stderr
    out = imageio.read_image(tmp_path / "out.tif")
    assert out.info.bit_depth == 16 and out.info.icc_profile == srgb_icc
    # the mask grown by 2 px by default (a flake's pale rim comes back as a ghost otherwise):
    # outside the grown mask, which the record gives, nothing changed
    hole = inpainting.grown_mask(masks["loss"], 2)
    assert np.array_equal(out.pixels[~hole], damaged[~hole])
    assert not np.array_equal(out.pixels[hole & ~masks["loss"]], damaged[hole & ~masks["loss"]])
    record = json.loads((tmp_path / "out.tif.record.json").read_text())
    assert record["restorations"][0]["engine"] == "patchmatch"
    assert record["restorations"][0]["parameters"]["engine"]["patch_size"] == 5
    assert record["restorations"][0]["parameters"]["harness"]["grow"] == 2
    assert record["restorations"][0]["mask_pixels"] == int(hole.sum())
    assert json.loads(out.info.record_json) == record
    # --grow 0 keeps to the mask exactly
    result = run_cli("inpaint", tmp_path / "in.tif", "--mask", tmp_path / "mask.png", "--engine", "telea",
                     "--grow", "0", "--out", tmp_path / "exact.tif")
    assert result.returncode == 0, result.stderr
    exact = imageio.read_image(tmp_path / "exact.tif").pixels
    assert np.array_equal(exact[~masks["loss"]], damaged[~masks["loss"]])


def test_cli_inpaint_errors(tmp_path, rng):
    imageio.write_png(tmp_path / "in.png", random_image(rng, (40, 50, 3), np.uint8))
    imageio.write_png(tmp_path / "small.png", np.ones((20, 20), np.uint8))
    imageio.write_png(tmp_path / "empty.png", np.zeros((40, 50), np.uint8))
    cases = [("small.png", "telea", "is 20×20 but the image is 50×40"),
             ("empty.png", "telea", "empty: nothing to restore"),
             ("empty.png", "nosuch", "unknown inpainter engine 'nosuch'")]
    for mask, engine, message in cases:
        result = run_cli("inpaint", tmp_path / "in.png", "--mask", tmp_path / mask, "--engine", engine,
                         "--out", tmp_path / "out.tif")
        assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "out.tif").exists()


def test_bench_inpaint_reports_every_engine(tmp_path):
    for i in range(3):
        image, _ = synth.generate_mural(96, 80, seed=i)
        imageio.write_png(tmp_path / f"m{i}.png", image)
    result = run_cli("bench", "inpaint", "--images", tmp_path, "--masks", "jelly", "--ratio", "0.1-0.2",
                     "--engines", "telea,patchmatch", "--size", "64", "--json", tmp_path / "r.json")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["n_images"] == 3 and report["mask"] == "jelly" and report["ratio"] == [0.1, 0.2]
    for name in ("telea", "patchmatch"):
        r = report["engines"][name]
        assert set(r) == {"psnr", "ssim", "haarpsi", "tv", "texture", "seconds_per_image", "weights_sha256"}
        assert r["weights_sha256"] is None  # classical: no weights
        assert 15 < r["psnr"] < 60 and 0 < r["ssim"] <= 1 and 0 < r["haarpsi"] <= 1
    assert "patchmatch" in result.stdout and "ΔPSNR" in result.stdout
    # diffusion smooths the grain away; PatchMatch copies it (the originals' own ratio beside)
    assert report["engines"]["telea"]["texture"] < report["engines"]["patchmatch"]["texture"]
    assert 0.5 < report["original_texture"] < 2


def test_regions_whose_crops_overlap_are_restored_in_one_crop():
    from muralstudio.engines.inpainting import find_regions, merge_overlapping

    hole = np.zeros((200, 200), bool)
    hole[50:70, 50:70] = True
    hole[50:70, 110:130] = True  # 40 px away: separate regions whose 32 px context crops overlap
    hole[180:190, 5:15] = True  # far away: stays apart
    options = inpainting.InpaintOptions(engine="telea", min_context=32)
    boxes = find_regions(hole, options.group_distance)
    assert len(boxes) == 3
    merged = merge_overlapping(boxes, 200, 200, options)
    assert [box for box, _ in merged] == [(50, 50, 80, 20), (5, 180, 10, 10)]
    assert merged[0][1] == (18, 18, 144, 84)  # the two context crops' bounds
    assert [box for box, _ in merge_overlapping(boxes, 200, 200, options, max_side=100)] == boxes
    result = inpainting.inpaint(np.full((200, 200, 3), 90, np.uint8), hole, options)
    assert len(result.patches) == 2 and sum(int(p.mask.sum()) for p in result.patches) == int(hole.sum())


def test_an_engine_is_one_new_module_found_by_scanning(tmp_path):
    """No list to keep: a module in a $MURALSTUDIO_ENGINES folder that registers an inpainter
    shows in the registry, `models list`, the CLI and the Inpaint dock's choices."""
    folder = tmp_path / "engines"
    folder.mkdir()
    (folder / "mean_fill.py").write_text(
        "import numpy as np\n"
        "from muralstudio.engines.inpainting import Inpainter\n"
        "from muralstudio.engines.registry import register\n\n"
        "@register('inpainter', 'meanfill')\n"
        "class MeanFill(Inpainter):\n"
        "    name = 'meanfill'\n"
        "    def inpaint(self, rgb, hole, cancelled=None, **hints):\n"
        "        out = rgb.copy()\n"
        "        out[hole] = rgb[~hole].mean(axis=0)\n"
        "        return out\n")
    (folder / "helper.py").write_text("raise RuntimeError('never imported: it registers nothing')\n")
    code = (
        "from muralstudio.engines import registry, inpainting\n"
        "import numpy as np\n"
        "assert 'meanfill' in registry.available('inpainter'), registry.available('inpainter')\n"
        "image = np.zeros((20, 20, 3), np.uint8); image[:, :10] = 200\n"
        "hole = np.zeros((20, 20), bool); hole[8:12, 8:12] = True\n"
        "out = inpainting.apply_patches(image, inpainting.inpaint(image, hole, inpainting.InpaintOptions(engine='meanfill')).patches)\n"
        "assert out[10, 10].tolist() == [100, 100, 100], out[10, 10]\n"
        "print('found')\n")
    env = dict(os.environ, MURALSTUDIO_ENGINES=str(folder))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0 and "found" in result.stdout, result.stderr
    assert "never imported" not in result.stderr  # modules that register nothing stay unimported
    listed = subprocess.run([sys.executable, "-m", "muralstudio", "models", "list"], capture_output=True,
                            text=True, env=env, timeout=120)
    assert "meanfill" in listed.stdout, listed.stdout


def test_a_second_job_with_the_same_engine_does_not_build_it_again(monkeypatch):
    from muralstudio.engines import cache

    cache.clear()
    built = []
    original = inpainting.create

    def counting(name, device="cpu", **params):
        built.append(params)
        return original(name, device, **params)

    monkeypatch.setattr(inpainting, "create", counting)
    image = np.zeros((40, 40, 3), np.uint8)
    hole = np.zeros((40, 40), bool)
    hole[10:20, 10:20] = True
    for _ in range(3):
        inpainting.inpaint(image, hole, InpaintOptions(engine="telea"))
    assert len(built) == 1
    inpainting.inpaint(image, hole, InpaintOptions(engine="telea", engine_params={"radius": 3.0}))
    assert len(built) == 2  # other settings: another engine
    cache.clear()


def test_a_large_region_reads_a_bounded_ring_of_context():
    """The context is × the region's size up to max_context px: a 1,500-px accepted area is read
    with 512 px round it, not 1,500 (crops of tens of megapixels took gigabytes)."""
    hole = np.zeros((4000, 4000), bool)
    hole[1000:2500, 1000:2500] = True
    hole[3900:3905, 3900:3905] = True  # a flake: context 1 × its size, at least min_context
    regions = inpainting.plan_regions(hole, 4000, 4000, InpaintOptions(), None)
    crops = sorted(crop for _, crop in regions)
    assert crops[0] == (1000 - 512, 1000 - 512, 1500 + 2 * 512, 1500 + 2 * 512)
    assert crops[1] == (3900 - 32, 3900 - 32, 5 + 2 * 32, 5 + 2 * 32)


def test_colour_match_does_not_bring_back_flakes_left_in_the_ring():
    """A dark robe with pale flakes of loss not marked around the hole: matching the fill to the
    ring must not stretch the fill's own slight variation into pale flakes (the ring's outliers
    doubled its spread: pale blobs reappeared where the fill had covered loss)."""
    from muralstudio.engines.inpainting import match_colour

    rng = np.random.default_rng(4)
    robe = np.clip(rng.normal(0.10, 0.01, (80, 80, 3)), 0, 1).astype(np.float32)
    flakes = rng.random((80, 80)) < 0.06
    robe[flakes] = 0.75  # pale flakes of ground in the ring
    hole = np.zeros((80, 80), bool)
    hole[30:50, 30:50] = True
    fill = robe.copy()
    fill[hole] = np.clip(0.11 + rng.normal(0, 0.02, (hole.sum(), 3)), 0, 1)  # an engine's dark fill
    matched = match_colour(fill, robe, hole, ~hole)
    lightness = cv2.cvtColor(matched, cv2.COLOR_RGB2Lab)[..., 0]
    ring_paint = cv2.cvtColor(robe, cv2.COLOR_RGB2Lab)[..., 0][~hole & ~flakes]
    assert lightness[hole].max() < ring_paint.max() + 5  # no pixel of the fill as pale as a flake
    assert abs(np.median(lightness[hole]) - np.median(ring_paint)) < 2


def test_loading_the_engine_is_its_own_stage_and_a_cancel_before_it_loads_nothing():
    """A first fourier restore spent 40 s importing torch and loading weights under the stage
    "hashing the source", and a cancel then waited for all of it (a QA engineer, 2026-12-07)."""
    from muralstudio.core.errors import Cancelled
    from muralstudio.engines import inpainting

    image = np.full((64, 64, 3), 120, np.uint8)
    hole = np.zeros((64, 64), bool)
    hole[20:30, 20:30] = True
    stages = []
    inpainting.inpaint(image, hole, inpainting.InpaintOptions(engine="telea"),
                       progress=lambda f, stage: stages.append(getattr(stage, "message_id", str(stage))))
    assert stages[0] == "stage_loading_model" and "stage_region" in stages
    from muralstudio.engines import cache

    loaded = []
    original = cache.warm
    try:
        cache.warm = lambda *a, **k: loaded.append(a) or original(*a, **k)
        with pytest.raises(Cancelled):
            inpainting.inpaint(image, hole, inpainting.InpaintOptions(engine="ns"), cancelled=lambda: True)
        assert not loaded
        inpainting.inpaint(image, hole, inpainting.InpaintOptions(engine="ns"))
        assert loaded  # the check above could see a load
    finally:
        cache.warm = original


def test_a_grown_mask_fills_a_flakes_pale_rim_instead_of_carrying_it_inward():
    """A fresh restoration artist found the fills of accepted flakes paler than the wall: the
    detector's masks stop inside each flake's pale rim, and the fill carries the rim inward.
    Grown by 2 px the rim is filled too."""
    wall = np.full((80, 80, 3), 0.25, np.float32)  # dark robe
    yy, xx = np.mgrid[:80, :80]
    distance = np.hypot(yy - 40, xx - 40)
    wall[distance <= 8] = 0.85  # a pale flake of ground, radius 8
    wall[(distance > 8) & (distance <= 10)] = 0.6  # its rim, paler than the robe
    image = (wall * 65535).astype(np.uint16)
    mask = distance <= 8  # the mask stops inside the rim
    results = {}
    for grow in (0, 2):
        result = inpainting.inpaint(image, mask, inpainting.InpaintOptions(engine="telea", grow=grow))
        filled = inpainting.apply_patches(image, result.patches).astype(np.float32) / 65535
        results[grow] = float(np.median(filled[distance <= 8][:, 0]))
        assert result.record.parameters["harness"]["grow"] == grow
    assert results[0] > 0.45  # the rim's lightness carried into the hole
    assert abs(results[2] - 0.25) < 0.05  # the robe's
    grown = inpainting.grown_mask(mask, 2)
    assert grown[distance <= 9.5].all() and not grown[distance > 10.5].any()  # 2 px all round
