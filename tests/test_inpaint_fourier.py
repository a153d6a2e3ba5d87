"""The ``fourier`` inpainter: an untrained network is exactly Telea, training lowers the loss,
the training command runs, resumes without a jump in the rate and keeps the EMA weights, and
drawn guide lines reach the network."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from muralstudio import cli  # noqa: E402
from muralstudio.core import synth  # noqa: E402
from muralstudio.engines import inpainting  # noqa: E402
from muralstudio.engines.inpaint_networks import FourierInpainter  # noqa: E402
from muralstudio.engines.nets.fourier import FFCBlock, FourierUNet  # noqa: E402
from muralstudio.engines.weights import load_weights, save_weights  # noqa: E402


def test_untrained_network_equals_telea_bit_for_bit_through_the_harness(tmp_path, monkeypatch):
    save_weights(FourierUNet(width=8, blocks=1), tmp_path / "fourier-inpaint.safetensors",
                 FourierUNet(width=8, blocks=1).config)
    monkeypatch.setenv("MURALSTUDIO_MODELS", str(tmp_path))
    image = synth.generate_mural(150, 110, seed=2, bit_depth=16)[0]  # odd sizes: padding needed
    hole = np.zeros((110, 150), bool)
    hole[40:70, 50:95] = True
    hole[10:14, 10:60] = True
    restored = {}
    for name in ("fourier", "telea"):
        result = inpainting.inpaint(image, hole, inpainting.InpaintOptions(engine=name))
        restored[name] = inpainting.apply_patches(image, result.patches)
    assert result.record.engine == "telea"
    assert np.array_equal(restored["fourier"], restored["telea"])
    assert np.array_equal(restored["fourier"][~hole], image[~hole])
    assert not np.array_equal(restored["fourier"][hole], image[hole])


def test_the_fourier_block_sees_the_whole_image():
    """One FFC block's output at a corner changes when a pixel at the opposite corner does
    (a 3×3 convolution stack of that depth could not reach it)."""
    torch.manual_seed(0)
    block = FFCBlock(8).eval()
    x = torch.rand(1, 8, 32, 32)
    y = x.clone()
    y[..., 31, 31] += 1.0
    with torch.no_grad():
        assert (block(x)[..., 0, 0] - block(y)[..., 0, 0]).abs().max() > 1e-6


def test_a_few_training_steps_lower_the_hole_loss_on_a_tiny_batch():
    from muralstudio.train.inpaint_fourier import hole_l1

    torch.manual_seed(0)
    net = FourierUNet(width=8, blocks=1)
    engine = FourierInpainter(network=net)
    rgb = synth.generate_mural(64, 64, seed=3)[0].astype(np.float32) / 255
    hole = synth.jelly_mask((64, 64), (0.2, 0.3), seed=1)
    x = torch.from_numpy(engine.network_input(rgb, hole)).permute(2, 0, 1)[None]
    y = torch.from_numpy(rgb).permute(2, 0, 1)[None]
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        loss = hole_l1(net(x), y, x[:, 3:4])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.9 * losses[0], losses


def test_guide_lines_enter_only_inside_the_hole_and_change_the_fill():
    torch.manual_seed(0)
    net = FourierUNet(width=8, blocks=1)
    with torch.no_grad():  # a trained-like head: let the correction depend on the input
        torch.nn.init.normal_(net.head.weight, std=0.1)
    engine = FourierInpainter(network=net.eval())
    rgb = np.full((64, 64, 3), 0.5, np.float32)
    hole = np.zeros((64, 64), bool)
    hole[16:48, 16:48] = True
    guide = np.zeros((64, 64), bool)
    guide[32, :] = True  # a line across the whole crop: only its part in the hole counts
    x = engine.network_input(rgb, hole, guide)
    assert x[..., 4].sum() == 32 and x[32, 16:48, 4].all() and not x[32, :16, 4].any()
    plain = engine.inpaint(rgb, hole)
    guided = engine.inpaint(rgb, hole, guide=guide)
    assert np.abs(guided - plain)[hole].max() > 1e-4


def test_learning_rate_depends_on_the_step_only():
    from muralstudio.train.inpaint_fourier import lr_at

    assert lr_at(0, 1e-3) == pytest.approx(5e-6)
    assert lr_at(200, 1e-3) == pytest.approx(1e-3)  # warm-up done
    assert lr_at(1199, 1e-3) < 2e-5 and lr_at(1200, 1e-3) == pytest.approx(1e-3)  # restart
    assert lr_at(3200, 1e-3) == pytest.approx(1e-3)  # the next cycle is twice as long


def test_selection_caves_are_training_caves_only(tmp_path):
    from muralstudio.core.datasets import cave_split
    from muralstudio.core.datasets import selection_caves

    paths = [tmp_path / f"beiwei-{100 + i}-a.jpg" for i in range(200)]
    train = cave_split(paths, "train")
    fit, select = selection_caves(train)
    assert select and fit and not set(select) & set(fit)
    assert not set(select) & set(cave_split(paths, "val"))


def _murals(folder, count=4):
    from muralstudio.core import imageio

    folder.mkdir()
    for i in range(count):
        imageio.write_png(folder / f"beiwei-{200 + i}-a.png", synth.generate_mural(160, 140, seed=i)[0])
    return folder


@pytest.mark.parametrize("engine,extra,architecture", [
    ("fourier", ["--width", "8", "--blocks", "1"], "fourier-unet"),
    ("pconv", ["--recipe", "hole-l1", "--layers", "4", "--width", "8"], "pconv"),
    ("edgeconnect", ["--recipe", "hole-l1", "--width", "8", "--residual-blocks", "1"], "edgeconnect-inpaint"),
])
def test_train_command_runs_resumes_and_keeps_the_average_weights(tmp_path, engine, extra, architecture):
    data = _murals(tmp_path / "murals")
    out = tmp_path / "models" / engine
    args = ["train", "inpaint", "--engine", engine, "--data", str(data), "--photos", str(data),
            "--out", str(out), "--batch", "4", "--steps", "2", "--eval-every", "2", "--log-every", "1",
            "--val-samples", "2", "--mask-bank", "8", "--threads", "1", *extra]
    assert cli.main(args) == 0
    args[args.index("--steps") + 1] = "3"
    assert cli.main(args) == 0
    rows = out.with_suffix(".log.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "2", "3"]
    assert "val_gain" in rows[0] and "val_jelly" in rows[0]
    state, config = load_weights(out.with_suffix(".safetensors"))
    assert config["architecture"] == architecture


def test_grain_option_gives_the_fill_the_walls_texture():
    from muralstudio.core import metrics

    rng = np.random.default_rng(0)
    image = np.clip(synth.generate_mural(128, 128, seed=1)[0].astype(int) + rng.integers(-30, 30, (128, 128, 3)),
                    0, 255).astype(np.uint8)
    hole = synth.jelly_mask((128, 128), (0.3, 0.4), seed=3)
    net = FourierUNet(width=8, blocks=1).eval()
    ratios = []
    for grain in (False, True):
        engine = FourierInpainter(network=net, grain=grain)
        result = inpainting.inpaint(image, hole, inpainting.InpaintOptions(engine="fourier"), engine=engine)
        ratios.append(metrics.texture_ratio(inpainting.apply_patches(image, result.patches), hole))
        assert result.record.parameters["engine"]["grain"] is grain
    assert ratios[1] > 5 * ratios[0] and ratios[1] > 0.25, ratios


def test_caves_are_read_from_mural_names_and_photographs_split_by_their_own_name():
    """The three photographs of one wall of the western caves (xi7) were caves of their own,
    one validating while two trained; a pattern that took any letters before digits then made
    all 80 Sun-Hays photographs one 'cave' (a review, 2026-12-07)."""
    from muralstudio.core.datasets import cave_of

    assert {cave_of(s) for s in ("beiwei-xi7-a", "beiweiz-xi7-1a", "beiwei-xi7-d-x100y0")} == {"xi7"}
    assert cave_of("suiz-390-3b") == "390" and cave_of("beiwei-257-a-x10y20") == "257"
    photos = [f"sun-hays80-img_{i:03d}_SRF_8_HR" for i in range(1, 4)]
    assert [cave_of(p) for p in photos] == photos
