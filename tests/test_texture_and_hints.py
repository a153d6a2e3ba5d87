"""Fills that carry the wall's grain, and the user's hints: the texture measure, PatchMatch's
texture synthesis, the sampling area it must respect, and guide lines that steer EdgeConnect."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from muralstudio.core import metrics, synth
from muralstudio.engines import inpainting


def grain(shape, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random(shape) * 255).astype(np.uint8)


def square_hole(size=96, lo=30, hi=66):
    hole = np.zeros((size, size), bool)
    hole[lo:hi, lo:hi] = True
    return hole


def test_texture_ratio_is_one_for_the_same_grain_and_near_zero_for_a_flat_fill():
    image = grain((96, 96, 3))
    hole = square_hole()
    assert metrics.texture_ratio(image, hole) == pytest.approx(1.0, abs=0.1)
    flat = image.copy()
    flat[hole] = 128
    assert metrics.texture_ratio(flat, hole) < 0.05
    assert np.isnan(metrics.texture_ratio(image, np.zeros_like(hole)))


def test_patchmatch_synthesises_texture_where_telea_smears():
    image = synth.generate_mural(160, 160, seed=4)[0]
    rng = np.random.default_rng(1)
    image = np.clip(image.astype(np.int16) + rng.integers(-40, 40, image.shape), 0, 255).astype(np.uint8)
    hole = synth.jelly_mask((160, 160), (0.3, 0.4), seed=2)
    ratios = {}
    for name, params in (("telea", {}), ("patchmatch", {}), ("patchmatch", {"texture": False})):
        options = inpainting.InpaintOptions(engine=name, engine_params=params)
        out = inpainting.apply_patches(image, inpainting.inpaint(image, hole, options).patches)
        ratios[(name, bool(params))] = metrics.texture_ratio(out, hole)
    assert ratios[("patchmatch", False)] >= 0.8, ratios
    assert ratios[("telea", False)] < 0.5 and ratios[("patchmatch", True)] < ratios[("patchmatch", False)]


def rays(rgb, cx, cy, r0, r1) -> float:
    """Inside a disk: mean change along the radius over mean change along the circle (per px).
    A fill made of rays from the rim (diffusion across a wide loss) scores well below 1."""
    lum = rgb.astype(np.float32).mean(axis=2)
    polar = cv2.warpPolar(lum, (r1, 720), (cx, cy), r1, cv2.WARP_POLAR_LINEAR)[:, r0:r1]
    radial = np.abs(np.diff(polar, axis=1)).mean()
    angular = np.abs(np.diff(polar, axis=0)).mean() * 720 / (2 * np.pi) / np.mean(np.arange(r0, r1))
    return float(radial / angular)


def test_patchmatch_fills_a_wide_loss_without_rays_from_its_rim():
    """A restoration artist saw a starburst of rays across a 330-px loss: deep inside a wide
    loss the structure comes from the coarser level's synthesis, not from diffusion."""
    image = synth.generate_mural(320, 320, seed=4)[0]
    yy, xx = np.mgrid[:320, :320]
    hole = (yy - 160) ** 2 + (xx - 160) ** 2 < 70 ** 2  # a cloud's edge runs into it
    scores = {}
    for deep in (True, False):
        options = inpainting.InpaintOptions(engine="patchmatch", engine_params={"deep_structure": deep})
        out = inpainting.apply_patches(image, inpainting.inpaint(image, hole, options).patches)
        scores[deep] = rays(out, 160, 160, 10, 60)
    assert rays(image, 160, 160, 10, 60) > 0.8  # the painting itself
    assert scores[True] >= 0.75 > scores[False], scores


def two_walls():
    """Left half red grain, right half blue grain, a hole in the middle, and a sampling area
    on the right only."""
    image = np.zeros((96, 128, 3), np.uint8)
    image[:, :64, 0] = 150 + grain((96, 64), 1) // 4
    image[:, 64:, 2] = 150 + grain((96, 64), 2) // 4
    hole = np.zeros((96, 128), bool)
    hole[36:60, 52:76] = True
    sample = np.zeros_like(hole)
    sample[:, 90:] = True
    return image, hole, sample


def test_patchmatch_copies_only_from_the_sampling_area_and_records_it():
    image, hole, sample = two_walls()
    result = inpainting.inpaint(image, hole, inpainting.InpaintOptions(engine="patchmatch"),
                                hints={"sample_area": sample})
    out = inpainting.apply_patches(image, result.patches)
    source_values = {tuple(v) for v in image[:, 90:].reshape(-1, 3)}
    assert all(tuple(v) in source_values for v in out[hole])  # nothing from outside it
    assert out[hole][:, 0].max() == 0  # no red at all
    recorded = result.record.parameters["hints"]["sample_area"]
    assert recorded["pixels"] == int(sample.sum()) and recorded["bbox"] == [90, 0, 38, 96]
    with pytest.raises(ValueError, match="cannot use a sampling area; use patchmatch"):
        inpainting.inpaint(image, hole, inpainting.InpaintOptions(engine="telea"),
                           hints={"sample_area": sample})
    with pytest.raises(ValueError, match="holds no intact pixels"):
        inpainting.inpaint(image, hole, inpainting.InpaintOptions(engine="patchmatch"),
                           hints={"sample_area": hole})


def test_cli_inpaint_takes_a_sampling_area_and_refuses_it_for_an_engine_without_one(tmp_path):
    import json
    import subprocess
    import sys

    from muralstudio.core import imageio

    image, hole, sample = two_walls()
    imageio.write_png(tmp_path / "in.png", image)
    imageio.write_png(tmp_path / "mask.png", hole.astype(np.uint8) * 255)
    imageio.write_png(tmp_path / "area.png", sample.astype(np.uint8) * 255)

    def run(engine):
        return subprocess.run([sys.executable, "-m", "muralstudio", "inpaint", str(tmp_path / "in.png"),
                               "--mask", str(tmp_path / "mask.png"), "--sample-area", str(tmp_path / "area.png"),
                               "--engine", engine, "--out", str(tmp_path / f"{engine}.png")],
                              capture_output=True, text=True, timeout=300)

    result = run("patchmatch")
    assert result.returncode == 0, result.stderr
    out = imageio.read_image(tmp_path / "patchmatch.png").pixels
    assert out[hole][:, 0].max() == 0
    record = json.loads((tmp_path / "patchmatch.png.record.json").read_text())
    assert record["restorations"][0]["parameters"]["hints"]["sample_area"]["pixels"] == int(sample.sum())
    refused = run("telea")
    assert refused.returncode != 0 and "cannot use a sampling area" in refused.stderr
    assert not (tmp_path / "telea.png").exists()


def test_patchmatch_reports_progress_inside_one_region():
    image = synth.generate_mural(200, 200, seed=3)[0]
    hole = np.zeros((200, 200), bool)
    hole[60:140, 60:140] = True  # one region
    seen = []
    inpainting.inpaint(image, hole, inpainting.InpaintOptions(engine="patchmatch"),
                       progress=lambda fraction, stage: seen.append((round(fraction, 3), stage)))
    inside = [f for f, stage in seen if stage == "region 1/1" and 0 < f < 1]
    assert len(inside) >= 4 and inside == sorted(inside), seen
    assert seen[-1] == (1.0, "done")


def test_drawn_guide_lines_continue_the_contour_in_its_colour():
    from muralstudio.engines.inpainting import paint_guide_lines

    rgb = np.full((64, 64, 3), 0.85, np.float32)  # pale plaster
    rgb[30:33, :] = (0.8, 0.1, 0.1)  # a red contour across the wall
    hole = np.zeros((64, 64), bool)
    hole[16:48, 16:48] = True
    guide = np.zeros_like(hole)
    guide[31, 10:54] = True  # the artist redraws it (past the loss's edges too)
    painted, remaining = paint_guide_lines(rgb, hole, guide)
    assert np.allclose(painted[31, 16:48], (0.8, 0.1, 0.1), atol=0.05)
    assert remaining.sum() == hole.sum() - 32 and not remaining[31, 20]
    assert np.array_equal(painted[~hole], rgb[~hole])  # nothing outside the loss
    # its edges are feathered into the fill beside it (a pasted stair-stepped band read as a
    # stroke of another hand); a few pixels away the fill is left as it was
    filled = rgb.copy()
    filled[hole] = 0.85  # an engine's plain fill of the loss
    painted = paint_guide_lines(filled, hole, guide)[0]
    assert np.allclose(painted[31, 20], (0.8, 0.1, 0.1), atol=0.05)
    beside = painted[32, 20]
    assert 0.1 + 0.05 < beside[1] < 0.85 - 0.05 and np.allclose(painted[35, 20], filled[35, 20])
