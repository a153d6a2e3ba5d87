"""Training commands at toy size: they run, log, plot, write weights + card, and resume."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from muralstudio.cli import main
from muralstudio.core import imageio, synth
from muralstudio.engines import weights


@pytest.fixture
def tiny_sets(tmp_path):
    murals = tmp_path / "murals"
    cracks = tmp_path / "cracks"
    for folder in (murals, cracks / "images", cracks / "masks"):
        folder.mkdir(parents=True)
    for i in range(4):
        image = synth.generate_mural(160, 128, seed=i)[0]
        imageio.write_png(murals / f"tang-{100 + i}-a.png", image)
        cracked, labels = synth.render_damage_classes(image, np.random.default_rng(i), ("cracks",))
        imageio.write_png(cracks / "images" / f"c{i}.png", cracked)
        imageio.write_png(cracks / "masks" / f"c{i}.png", (labels > 0).astype(np.uint8) * 255)
    return murals, cracks


def rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_train_detect_writes_weights_card_log_and_resumes(tiny_sets, tmp_path):
    murals, cracks = tiny_sets
    out = tmp_path / "models" / "det"
    args = ["train", "detect", "--data", f"{cracks},{murals}", "--out", str(out), "--size", "64",
            "--batch", "2", "--log-every", "1", "--eval-every", "2", "--val-samples", "4",
            "--lr", "1e-3", "--device", "cpu"]
    assert main(args + ["--steps", "2"]) == 0
    for suffix in (".safetensors", ".md", ".log.csv", ".loss.png", ".ckpt.pt"):
        assert out.with_suffix(suffix).exists(), suffix
    assert [int(float(r["step"])) for r in rows(out.with_suffix(".log.csv"))] == [1, 2]
    assert main(args + ["--steps", "3"]) == 0  # resumes at step 2, runs one more
    assert [int(float(r["step"])) for r in rows(out.with_suffix(".log.csv"))] == [1, 2, 3]
    card = out.with_suffix(".md").read_text()
    assert "## Data" in card and "## Command" in card and "3 steps" in card
    state, config = weights.load_weights(out.with_suffix(".safetensors"))
    assert config == {"architecture": "resunet", "encoder": "light", "n_classes": 3}
    assert imageio.read_image(out.with_suffix(".loss.png")).pixels.shape[2] == 3


def test_train_clicks_runs_and_resumes(tiny_sets, tmp_path):
    murals, _ = tiny_sets
    out = tmp_path / "clicknet"
    args = ["train", "clicks", "--data", str(murals), "--procedural", "4", "--out", str(out),
            "--size", "64", "--batch", "2", "--log-every", "1", "--eval-every", "2",
            "--val-samples", "2", "--device", "cpu", "--warmup", "0"]
    assert main(args + ["--steps", "2"]) == 0
    assert main(args + ["--steps", "3"]) == 0
    assert [int(float(r["step"])) for r in rows(out.with_suffix(".log.csv"))] == [1, 2, 3]
    state, config = weights.load_weights(out.with_suffix(".safetensors"))
    assert config["architecture"] == "clicknet" and config["size"] == 64


def test_frozen_encoder_warm_up_keeps_the_initialised_encoder(tiny_sets, tmp_path):
    from muralstudio.engines.nets.resunet import ResUNet

    murals, cracks = tiny_sets
    start = ResUNet("light")
    init = weights.save_weights(start, tmp_path / "init.safetensors", start.config)
    out = tmp_path / "frozen"
    assert main(["train", "detect", "--data", f"{cracks},{murals}", "--out", str(out), "--size", "64",
                 "--batch", "2", "--steps", "2", "--init-encoder", str(init), "--freeze-steps", "2",
                 "--log-every", "1", "--eval-every", "100", "--val-samples", "2", "--lr", "1e-2",
                 "--device", "cpu"]) == 0
    trained, _ = weights.load_weights(out.with_suffix(".safetensors"))
    before = start.state_dict()
    encoder = [k for k in before if k.startswith("resnet.") and "running" not in k and "num_batches" not in k]
    decoder = [k for k in before if k.startswith("up_concat")]
    assert all(np.array_equal(trained[k].numpy(), before[k].numpy()) for k in encoder)
    assert any(not np.array_equal(trained[k].numpy(), before[k].numpy()) for k in decoder)
