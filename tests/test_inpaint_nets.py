"""EdgeConnect and PConv networks: the official checkpoint layouts load strictly, imports refuse
bad or mismatched files with clear reasons, the partial convolution renormalises as the common
implementation does, and a training step lowers the loss."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from muralstudio import cli  # noqa: E402
from muralstudio.core.errors import WeightsError  # noqa: E402
from muralstudio.engines.model_import import import_checkpoint  # noqa: E402
from muralstudio.engines.nets.edgeconnect import Discriminator, EdgeGenerator, InpaintGenerator  # noqa: E402
from muralstudio.engines.nets.pconv import PartialConv, PConvUNet  # noqa: E402
from muralstudio.engines.weights import load_weights  # noqa: E402


def shapes(model):
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def test_edgeconnect_generators_have_the_official_keys_and_shapes():
    g1 = shapes(EdgeGenerator())
    assert len(g1) == 70 and sum(p.numel() for p in EdgeGenerator().parameters()) == 10_761_089
    assert g1["encoder.1.weight_orig"] == (64, 3, 7, 7) and g1["encoder.1.weight_v"] == (147,)
    assert g1["encoder.1.bias"] == (64,) and g1["encoder.7.weight_u"] == (256,)
    assert g1["middle.7.conv_block.5.weight_orig"] == (256, 256, 3, 3)
    assert "middle.0.conv_block.1.bias" not in g1  # residual convs have no bias under SN
    # ConvTranspose2d: spectral norm over dim 1 (out channels)
    assert g1["decoder.0.weight_u"] == (128,) and g1["decoder.0.weight_v"] == (4096,)
    assert g1["decoder.3.weight_v"] == (2048,) and g1["decoder.7.weight"] == (1, 64, 7, 7)
    g2 = shapes(InpaintGenerator())
    assert len(g2) == 44 and sum(p.numel() for p in InpaintGenerator().parameters()) == 10_774_595
    assert g2["encoder.1.weight"] == (64, 4, 7, 7) and g2["decoder.7.weight"] == (3, 64, 7, 7)
    assert not any("weight_orig" in k for k in g2)
    d = shapes(Discriminator(2))
    assert len(d) == 18 and d["conv1.0.weight_orig"] == d["features.0.weight_orig"] == (64, 2, 4, 4)


def test_pconv_unet_has_the_common_layout():
    state = shapes(PConvUNet())
    assert len(state) == 89
    assert sum(p.numel() for p in PConvUNet().parameters() if p.requires_grad) == 25_779_796
    assert state["enc_1.conv.input_conv.weight"] == (64, 3, 7, 7) == state["enc_1.conv.mask_conv.weight"]
    assert state["dec_7.conv.input_conv.weight"] == (512, 1024, 3, 3)
    assert state["dec_1.conv.input_conv.weight"] == (3, 67, 3, 3) and state["dec_1.conv.input_conv.bias"] == (3,)
    assert "enc_1.bn.weight" not in state and state["enc_2.bn.running_var"] == (128,)
    out, mask = PConvUNet().eval()(torch.rand(1, 3, 128, 128), torch.ones(1, 3, 128, 128))
    assert out.shape == (1, 3, 128, 128) and mask.shape == (1, 3, 128, 128)


def test_legacy_partial_conv_averages_the_valid_inputs_and_updates_the_mask():
    layer = PartialConv(1, 1, 3, padding=1, bias=True, window_scaling=False)
    with torch.no_grad():
        layer.input_conv.weight.fill_(1.0)
        layer.input_conv.bias.fill_(0.5)
    x = torch.arange(25, dtype=torch.float32).view(1, 1, 5, 5)
    mask = torch.ones(1, 1, 5, 5)
    mask[..., 1:4, 1:4] = 0  # a 3×3 hole: its centre sees no valid pixel
    out, new_mask = layer(x, mask)
    window = x[0, 0, 0:3, 0:3]
    valid = mask[0, 0, 0:3, 0:3]
    expected = (window * valid).sum() / valid.sum() + 0.5  # mean of the valid pixels + bias
    assert torch.isclose(out[0, 0, 1, 1], expected)
    assert out[0, 0, 2, 2] == 0 and new_mask[0, 0, 2, 2] == 0 and new_mask[0, 0, 1, 1] == 1


def test_partial_conv_equals_a_per_window_computation_and_a_plain_conv_where_all_is_valid():
    torch.manual_seed(0)
    layer = PartialConv(2, 3, 3, padding=1, bias=True)
    x = torch.rand(1, 2, 6, 7)
    mask = (torch.rand(1, 2, 6, 7) > 0.4).float()
    mask[..., 2:5, 2:5] = 0
    out, new_mask = layer(x, mask)
    weight, bias = layer.input_conv.weight, layer.input_conv.bias
    xp, mp = torch.nn.functional.pad(x, (1, 1, 1, 1)), torch.nn.functional.pad(mask, (1, 1, 1, 1))
    for y in range(6):
        for xx in range(7):
            window, valid = xp[0, :, y:y + 3, xx:xx + 3], mp[0, :, y:y + 3, xx:xx + 3]
            for c in range(3):
                if valid.sum() == 0:
                    assert out[0, c, y, xx] == 0 and new_mask[0, c, y, xx] == 0
                    continue
                expected = (weight[c] * window * valid).sum() * (2 * 9) / valid.sum() + bias[c]
                assert torch.isclose(out[0, c, y, xx], expected, atol=1e-5)
    # a fully valid input: exactly the plain convolution (the legacy form divides by 2·3² = 18)
    full = torch.ones_like(mask)
    plain = layer.input_conv(x)
    assert torch.allclose(layer(x, full)[0][..., 1:-1, 1:-1], plain[..., 1:-1, 1:-1], atol=1e-6)
    legacy = PartialConv(2, 3, 3, padding=1, bias=True, window_scaling=False)
    legacy.load_state_dict(layer.state_dict())
    inner = legacy(x, full)[0][..., 1:-1, 1:-1]
    assert torch.allclose(inner - bias.view(1, 3, 1, 1), (plain[..., 1:-1, 1:-1] - bias.view(1, 3, 1, 1)) / 18,
                          atol=1e-6)


def test_weights_without_the_scaling_key_load_with_the_old_renormalisation(tmp_path, monkeypatch):
    """Weights saved before the fix (config without ``window_scaling``) keep their old output."""
    import numpy as np

    from muralstudio.engines.inpaint_networks import PConvInpainter
    from muralstudio.engines.weights import save_weights

    torch.manual_seed(1)
    old = PConvUNet(layer_size=4, width=8, window_scaling=False).eval()
    config = {k: v for k, v in old.config.items() if k != "window_scaling"}
    save_weights(old, tmp_path / "pconv.safetensors", config)
    monkeypatch.setenv("MURALSTUDIO_MODELS", str(tmp_path))
    engine = PConvInpainter()
    assert engine.model.enc_1.conv.window_size == 1.0
    rgb = np.random.default_rng(0).random((64, 64, 3)).astype(np.float32)
    hole = np.zeros((64, 64), bool)
    hole[20:40, 20:40] = True
    expected = PConvInpainter(network=old).inpaint(rgb, hole)
    assert np.allclose(engine.inpaint(rgb, hole), expected, atol=1e-6)


def _official_file(tmp_path, model, container, prefix=""):
    path = tmp_path / "official.pth"
    torch.save({container: {prefix + k: v for k, v in model.state_dict().items()}, "iteration": 7}, path)
    return path


@pytest.mark.parametrize("kind,model,container", [
    ("edgeconnect-edge", EdgeGenerator, "generator"),
    ("edgeconnect-inpaint", InpaintGenerator, "generator"),
    ("pconv", PConvUNet, "model"),
])
def test_import_converts_official_checkpoints_strictly(tmp_path, capsys, kind, model, container):
    torch.manual_seed(0)
    source = model().eval()
    path = _official_file(tmp_path, source, container, prefix="module.")  # DataParallel prefix
    assert cli.main(["models", "import", str(path), "--as", kind, "--out", str(tmp_path / "w")]) == 0
    assert f"-> {tmp_path / 'w.safetensors'}" in capsys.readouterr().out
    state, config = load_weights(tmp_path / "w.safetensors")
    assert config["architecture"] == kind
    rebuilt = model()
    rebuilt.load_state_dict(state, strict=True)
    rebuilt.eval()
    with torch.no_grad():
        if kind == "pconv":
            x, m = torch.rand(1, 3, 128, 128), torch.ones(1, 3, 128, 128)
            m[..., 40:80, 40:80] = 0
            assert torch.allclose(source(x, m)[0], rebuilt(x, m)[0], atol=1e-5)
        else:
            x = torch.rand(1, 3 if kind.endswith("edge") else 4, 32, 32)
            assert torch.allclose(source(x), rebuilt(x), atol=1e-5)


def test_import_explains_mismatched_and_refuses_unsafe_checkpoints(tmp_path):
    state = InpaintGenerator().state_dict()
    state.pop("middle.3.conv_block.5.bias")
    state["decoder.7.weight"] = torch.zeros(3, 32, 7, 7)
    path = tmp_path / "bad.pth"
    torch.save({"generator": state}, path)
    with pytest.raises(WeightsError) as error:
        import_checkpoint(path, "edgeconnect-inpaint", tmp_path / "out")
    message = str(error.value)
    assert "does not look like a EdgeConnect InpaintingModel_gen.pth" in message
    assert "middle.3.conv_block.5.bias" in message and "decoder.7.weight" in message and "(3, 32, 7, 7)" in message
    # G2 weights offered as G1: every spectral-norm key is missing
    torch.save({"generator": InpaintGenerator().state_dict()}, path)
    with pytest.raises(WeightsError, match="weight_orig"):
        import_checkpoint(path, "edgeconnect-edge", tmp_path / "out")
    # a pickle that would run code is refused, nothing is written
    torch.save({"generator": Exploit()}, path)
    with pytest.raises(WeightsError, match="code"):
        import_checkpoint(path, "pconv", tmp_path / "out")
    assert not (tmp_path / "out.safetensors").exists()
    # PConv with learned (non-constant) mask convolutions is not the partial-conv layout
    pconv = PConvUNet().state_dict()
    pconv["enc_3.conv.mask_conv.weight"] = pconv["enc_3.conv.mask_conv.weight"] * 0.5
    torch.save({"model": pconv}, path)
    with pytest.raises(WeightsError, match="mask_conv weights are not all ones"):
        import_checkpoint(path, "pconv", tmp_path / "out")


class Exploit:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_a_few_steps_lower_the_loss_of_small_generators():
    torch.manual_seed(0)
    image = torch.rand(2, 3, 32, 32)
    hole = torch.zeros(2, 1, 32, 32)
    hole[..., 8:20, 8:20] = 1
    g2 = InpaintGenerator(residual_blocks=1, width=8)
    opt = torch.optim.Adam(g2.parameters(), lr=1e-3)
    x = torch.cat([image * (1 - hole) + hole, torch.zeros(2, 1, 32, 32)], 1)
    losses = []
    for _ in range(5):
        loss = torch.nn.functional.l1_loss(g2(x), image)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    pconv = PConvUNet(layer_size=4, width=8)
    opt = torch.optim.Adam([p for p in pconv.parameters() if p.requires_grad], lr=1e-3)
    valid = (1 - hole).expand(2, 3, 32, 32).contiguous()
    losses = []
    from muralstudio.train.inpaint import pconv_loss

    for _ in range(5):
        out, _ = pconv(image * valid, valid)
        loss = pconv_loss(out, image, valid, None)["total"]  # the training loss, L1 + TV terms
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert torch.all(pconv.enc_1.conv.mask_conv.weight == 1)  # never trained


@pytest.fixture
def tiny_network_weights(tmp_path, monkeypatch):
    """Small random-weight EdgeConnect and PConv files on $MURALSTUDIO_MODELS."""
    from muralstudio.engines.weights import save_weights

    torch.manual_seed(0)  # the same small networks every run
    folder = tmp_path / "models"
    for name, model in (("edgeconnect-edge", EdgeGenerator(residual_blocks=1, width=8)),
                        ("edgeconnect-inpaint", InpaintGenerator(residual_blocks=1, width=8)),
                        ("pconv", PConvUNet(layer_size=5, width=8))):
        save_weights(model, folder / f"{name}.safetensors", model.config)
    monkeypatch.setenv("MURALSTUDIO_MODELS", str(folder))
    return folder


@pytest.mark.parametrize("engine", ["edgeconnect", "pconv"])
def test_network_engines_fill_only_the_hole_through_the_harness(tiny_network_weights, engine):
    import numpy as np

    from muralstudio.core import synth
    from muralstudio.engines import inpainting

    image = synth.generate_mural(150, 110, seed=2, bit_depth=16)[0]  # odd sizes: padding needed
    hole = np.zeros((110, 150), bool)
    hole[40:70, 50:95] = True
    result = inpainting.inpaint(image, hole, inpainting.InpaintOptions(engine=engine))
    assert result.record.engine == engine and result.record.weights_sha256
    restored = image.copy()
    for patch in result.patches:
        region = restored[patch.y:patch.y + patch.mask.shape[0], patch.x:patch.x + patch.mask.shape[1]]
        region[patch.mask] = patch.pixels[patch.mask]
    assert np.array_equal(restored[~hole], image[~hole]) and restored.dtype == np.uint16
    assert sum(int(p.mask.sum()) for p in result.patches) == int(hole.sum())


def test_edgeconnect_keeps_the_intact_canny_edges_and_predicts_inside_the_hole(tiny_network_weights):
    import numpy as np

    from muralstudio.engines import inpainting
    from muralstudio.engines.inpaint_networks import canny_edges, rgb_to_grey

    rgb = np.zeros((64, 64, 3), np.float32)
    rgb[:, 32:] = 1.0  # one vertical edge
    hole = np.zeros((64, 64), bool)
    hole[20:40, 20:44] = True
    engine = inpainting.create("edgeconnect")
    edges = engine.edges(rgb, hole)
    known = canny_edges(rgb_to_grey(rgb), hole)
    assert known[:, 31:33].sum() > 20 and known[hole].sum() == 0
    assert np.array_equal(edges[~hole], known[~hole])  # outside the hole: Canny as it is


def test_network_engines_without_weights_say_how_to_install_them(monkeypatch, tmp_path):
    from muralstudio.engines import catalogue, inpainting, modelfiles

    monkeypatch.setattr(modelfiles, "model_dirs", lambda: [])
    with pytest.raises(WeightsError, match="models import CHECKPOINT --as pconv"):
        inpainting.create("pconv")
    rows = {r["name"]: r for r in catalogue.list_engines()}
    assert not rows["pconv"]["present"]
    assert "MISSING" in catalogue.format_table(list(rows.values()))


def test_models_list_shows_both_edgeconnect_files_and_needs_both(tiny_network_weights, monkeypatch):
    from muralstudio.engines import catalogue, modelfiles

    monkeypatch.setattr(modelfiles, "model_dirs", lambda: [tiny_network_weights])  # not the shipped ones

    rows = {r["name"]: r for r in catalogue.list_engines()}
    edge = rows["edgeconnect"]["companions"][0]
    assert edge["weights"] == "edgeconnect-edge" and edge["present"] and len(edge["sha256"]) == 64
    assert rows["edgeconnect"]["present"]
    assert "+ edgeconnect-edge" in catalogue.format_table(list(rows.values()))
    (tiny_network_weights / "edgeconnect-edge.safetensors").unlink()
    rows = {r["name"]: r for r in catalogue.list_engines()}
    assert not rows["edgeconnect"]["present"]  # G2 alone cannot restore anything


def test_models_list_does_not_call_another_networks_weights_ready(tiny_network_weights, monkeypatch):
    """pconv's file copied over fourier-inpaint was listed "ready"; the engine then refused it
    (a QA engineer, 2026-12-07)."""
    import shutil

    from muralstudio.engines import catalogue, modelfiles

    monkeypatch.setattr(modelfiles, "model_dirs", lambda: [tiny_network_weights])
    shutil.copy(tiny_network_weights / "pconv.safetensors", tiny_network_weights / "fourier-inpaint.safetensors")
    rows = {r["name"]: r for r in catalogue.list_engines()}
    assert rows["pconv"]["present"] and not rows["fourier"]["present"]
    assert "not fourier-unet weights (architecture 'pconv')" in rows["fourier"]["damaged"]
    assert "DAMAGED" in catalogue.format_table(list(rows.values()))


def test_train_inpaint_pconv_runs_resumes_and_writes_a_card(tmp_path):
    from muralstudio.core import imageio, synth
    from muralstudio.engines.weights import save_weights
    from muralstudio.train import backbone

    data = tmp_path / "murals"
    data.mkdir()
    for i in range(4):
        imageio.write_png(data / f"beiwei-{200 + i}-a.png", synth.generate_mural(160, 140, seed=i)[0])
    pre = backbone.BackbonePretrainer(width=0.25)
    save_weights(pre, tmp_path / "bb.safetensors", pre.config)  # the perceptual/style features
    out = tmp_path / "models" / "pconv"
    args = ["train", "inpaint", "--data", str(data), "--out", str(out), "--layers", "4", "--width", "8",
            "--size", "64", "--batch", "2", "--steps", "2", "--eval-every", "2", "--log-every", "1",
            "--val-samples", "2", "--feature-net", str(tmp_path / "bb.safetensors"), "--threads", "1"]
    assert cli.main(args) == 0
    args[args.index("--steps") + 1] = "3"
    assert cli.main(args) == 0
    rows = out.with_suffix(".log.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "2", "3"]
    assert "val_psnr" in rows[0]
    card = out.with_suffix(".md").read_text()
    assert "--feature-net" in card and "bb.safetensors features" in card
    state, config = load_weights(out.with_suffix(".safetensors"))
    assert config == {"architecture": "pconv", "layer_size": 4, "input_channels": 3, "width": 8,
                      "window_scaling": True}


def test_train_inpaint_edgeconnect_edge_then_inpaint_with_the_edge_model_frozen(tmp_path):
    from muralstudio.core import imageio, synth

    data = tmp_path / "murals"
    data.mkdir()
    for i in range(4):
        imageio.write_png(data / f"beiwei-{200 + i}-a.png", synth.generate_mural(160, 140, seed=i)[0])
    common = ["--data", str(data), "--width", "4", "--residual-blocks", "1", "--disc-width", "4",
              "--size", "64", "--batch", "2", "--steps", "2", "--eval-every", "2", "--log-every", "1",
              "--val-samples", "2", "--feature-net", "none", "--threads", "1"]
    g1_path = tmp_path / "models" / "edge"
    assert cli.main(["train", "inpaint", "--engine", "edgeconnect", "--part", "edge",
                     "--out", str(g1_path), *common]) == 0
    rows = g1_path.with_suffix(".log.csv").read_text().splitlines()
    assert "val_edge_f1" in rows[0] and len(rows) == 3
    _, config = load_weights(g1_path.with_suffix(".safetensors"))
    assert config["architecture"] == "edgeconnect-edge" and config["width"] == 4
    g1_before = load_weights(g1_path.with_suffix(".safetensors"))[0]
    g2_path = tmp_path / "models" / "inpaint"
    assert cli.main(["train", "inpaint", "--engine", "edgeconnect", "--part", "inpaint",
                     "--edge-model", str(g1_path.with_suffix(".safetensors")),
                     "--out", str(g2_path), *common]) == 0
    state, config = load_weights(g2_path.with_suffix(".safetensors"))
    assert config == {"architecture": "edgeconnect-inpaint", "residual_blocks": 1, "width": 4,
                      "prefill": "telea"}
    assert not any(k.startswith("discriminator") for k in state)  # the generator only
    g1_after = load_weights(g1_path.with_suffix(".safetensors"))[0]
    assert all(torch.equal(g1_before[k], g1_after[k]) for k in g1_before)  # G1 stayed frozen
    card = g2_path.with_suffix(".md").read_text()
    assert "edge.safetensors (frozen)" in card and "hole prefill telea" in card
    checkpoint = torch.load(g2_path.with_suffix(".ckpt.pt"), weights_only=True)
    assert set(checkpoint["optimizer"]) == {"generator", "discriminator"}  # both resume


def test_train_edgeconnect_inpaint_without_adversarial_term_runs_no_discriminator(tmp_path, capsys):
    from muralstudio.core import imageio, synth

    data = tmp_path / "murals"
    data.mkdir()
    for i in range(3):
        imageio.write_png(data / f"beiwei-{200 + i}-a.png", synth.generate_mural(120, 120, seed=i)[0])
    out = tmp_path / "g2"
    common = ["train", "inpaint", "--engine", "edgeconnect", "--part", "inpaint", "--data", str(data),
              "--width", "4", "--residual-blocks", "1", "--disc-width", "4", "--size", "64", "--batch", "2",
              "--eval-every", "2", "--log-every", "1", "--val-samples", "2", "--feature-net", "none",
              "--threads", "1", "--out", str(out)]
    assert cli.main([*common, "--steps", "2", "--adv-weight", "0"]) == 0
    checkpoint = torch.load(out.with_suffix(".ckpt.pt"), weights_only=True)
    assert checkpoint["optimizer"]["discriminator"]["state"] == {}  # never stepped
    assert tuple(checkpoint["optimizer"]["generator"]["param_groups"][0]["betas"]) == (0.9, 0.999)
    assert checkpoint["optimizer"]["generator"]["state"]  # the generator did learn
    assert "no discriminator" in out.with_suffix(".md").read_text()
    capsys.readouterr()
    refused = [*common[:-1], str(tmp_path / "refused"), "--steps", "1"]
    assert cli.main([*refused, "--adv-weight", "-0.1"]) == 2
    assert "--adv-weight must be 0 or more" in capsys.readouterr().err
    for ratio, message in (("0.1,0.5", "ratio must look like 0.1-0.2"), ("0.5-0.1", "0 < low <= high < 1")):
        with pytest.raises(SystemExit):
            cli.main([*refused, "--ratio", ratio])
        assert message in capsys.readouterr().err
    assert not (tmp_path / "refused.ckpt.pt").exists()


def test_telea_prefilled_generator_starts_as_the_telea_fill_and_learns_a_correction():
    import numpy as np

    from muralstudio.core import synth
    from muralstudio.engines import inpainting
    from muralstudio.engines.inpaint_networks import EdgeConnectInpainter, prefill
    from muralstudio.train.inpaint import hinge_d_loss

    rgb = synth.generate_mural(64, 64, seed=3)[0].astype(np.float32) / 255
    hole = np.zeros((64, 64), bool)
    hole[20:44, 16:40] = True
    g2 = InpaintGenerator(residual_blocks=1, width=4, prefill="telea")
    engine = EdgeConnectInpainter(networks=(EdgeGenerator(1, 4).eval(), g2.eval()))
    telea = inpainting.create("telea").inpaint(rgb, hole)
    assert np.allclose(engine.inpaint(rgb, hole)[hole], telea[hole], atol=1e-4)
    assert np.allclose(prefill(rgb, hole, "white")[hole], 1.0)
    with pytest.raises(ValueError, match="prefill must be one of white, telea"):
        InpaintGenerator(prefill="grey")
    # the hinge loss is zero once real scores pass +1 and fake ones -1
    assert hinge_d_loss(torch.full((4,), 2.0), torch.full((4,), -2.0)).item() == 0.0
    assert hinge_d_loss(torch.zeros(4), torch.zeros(4)).item() == 2.0


def test_pconv_loss_terms_and_stroke_masks():
    import numpy as np

    from muralstudio.train.inpaint import pconv_loss, strokes_mask

    target = torch.rand(2, 3, 32, 32)
    valid = torch.ones(2, 3, 32, 32)
    valid[..., 8:24, 8:24] = 0
    perfect = pconv_loss(target, target, valid, None)
    assert perfect["valid"] == 0 and perfect["hole"] == 0 and "style" not in perfect
    wrong_hole = target.clone()
    wrong_hole[..., 8:24, 8:24] += 0.5
    terms = pconv_loss(wrong_hole, target, valid, None)
    assert terms["valid"] == 0 and torch.isclose(terms["hole"], torch.tensor(0.5 * 256 / 1024))
    assert torch.isclose(terms["total"], terms["valid"] + 6 * terms["hole"] + 0.1 * terms["tv"])
    hole = strokes_mask(128, (0.2, 0.3), np.random.default_rng(1))
    assert 0.2 <= hole.mean() < 0.45


@pytest.mark.parametrize("engine", ["edgeconnect", "pconv"])
def test_shipped_weights_restore_a_synthetic_mural_better_than_the_damaged_input(engine):
    import numpy as np

    from muralstudio.core import metrics, synth
    from muralstudio.engines import inpainting, registry
    from muralstudio.engines.weights import find_weights

    if find_weights(registry.get("inpainter", engine).weights_name) is None:
        pytest.skip(f"no {engine} weights installed")
    truth = synth.generate_mural(256, 256, seed=5)[0]
    hole = synth.jelly_mask((256, 256), (0.2, 0.3), seed=1)
    damaged = truth.copy()
    damaged[hole] = 255
    result = inpainting.inpaint(damaged, hole, inpainting.InpaintOptions(engine=engine))
    restored = inpainting.apply_patches(damaged, result.patches)
    assert np.array_equal(restored[~hole], truth[~hole])
    before, after = metrics.psnr(truth, damaged), metrics.psnr(truth, restored)
    assert after > before + 10, (before, after)
    # (how they compare with Telea is the benchmark's business: README, "Network inpainters")
    assert result.record.weights_sha256 and result.record.engine == engine


def test_models_average_writes_the_mean_and_refuses_other_networks(tmp_path, capsys):
    import torch

    from muralstudio.cli import main
    from muralstudio.engines import weights
    from muralstudio.engines.nets.clicknet import ClickNet

    paths = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        model = ClickNet(width=0.5, size=64)
        paths.append(weights.save_weights(model, tmp_path / f"w{seed}.safetensors", model.config))
    assert main(["models", "average", *map(str, paths), "--out", str(tmp_path / "soup.safetensors")]) == 0
    (a, _), (b, _) = weights.load_weights(paths[0]), weights.load_weights(paths[1])
    soup, config = weights.load_weights(tmp_path / "soup.safetensors")
    assert config == {"architecture": "clicknet", "width": 0.5, "size": 64}
    key = next(k for k in a if k.endswith("weight") and a[k].dim() == 4)
    assert not torch.equal(a[key], b[key])
    assert torch.allclose(soup[key], (a[key] + b[key]) / 2, atol=1e-7)
    extra = weights.read_metadata(tmp_path / "soup.safetensors")["extra"]
    assert [e["path"] for e in extra["averaged"]] == [str(p) for p in paths]
    wider = ClickNet(width=1.0, size=64)
    other = weights.save_weights(wider, tmp_path / "wide.safetensors", wider.config)
    assert main(["models", "average", str(paths[0]), str(other),
                 "--out", str(tmp_path / "x.safetensors")]) != 0
    assert "differs from w0.safetensors's" in capsys.readouterr().err
    assert not (tmp_path / "x.safetensors").exists()


def test_drawn_guide_lines_change_the_edgeconnect_fill_along_the_line(tiny_network_weights):
    import numpy as np

    from muralstudio.core import synth
    from muralstudio.engines import inpainting

    image = synth.generate_mural(128, 128, seed=6)[0]
    hole = np.zeros((128, 128), bool)
    hole[32:96, 32:96] = True
    guide = np.zeros_like(hole)
    guide[64, :] = True  # a contour drawn straight across the loss
    options = inpainting.InpaintOptions(engine="edgeconnect")
    plain = inpainting.apply_patches(image, inpainting.inpaint(image, hole, options).patches)
    result = inpainting.inpaint(image, hole, options, hints={"guide": guide})
    guided = inpainting.apply_patches(image, result.patches)
    change = np.abs(guided.astype(int) - plain.astype(int)).sum(axis=2)
    near = change[62:67, 36:92].mean()
    far = change[36:50, 36:92].mean()
    assert near > 0 and near > 2 * far, (near, far)
    assert np.array_equal(guided[~hole], image[~hole])
    assert result.record.parameters["hints"]["guide"]["pixels"] == 128
