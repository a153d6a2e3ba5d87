"""Res-UNet damage detection: network layout, losses, sliding windows, weights, CLI, benchmark."""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from muralstudio.core import imageio, metrics, synth
from muralstudio.core.errors import WeightsError
from muralstudio.engines import detection, weights
from muralstudio.engines.nets.resunet import ResUNet, dice_loss, focal_loss, segmentation_loss

SHIPPED = weights.find_weights("detect-resunet-light")
needs_weights = pytest.mark.skipif(SHIPPED is None, reason="shipped detector weights not present")


def test_resnet50_unet_matches_the_reference_checkpoint_layout():
    state = ResUNet("resnet50").state_dict()
    shapes = {k: tuple(v.shape) for k, v in state.items()}
    assert shapes["resnet.conv1.weight"] == (64, 3, 7, 7)
    assert shapes["resnet.layer1.0.downsample.0.weight"] == (256, 64, 1, 1)
    assert shapes["resnet.layer4.2.conv3.weight"] == (2048, 512, 1, 1)
    assert "resnet.layer3.5.bn3.running_var" in shapes and "resnet.layer3.6.conv1.weight" not in shapes
    assert shapes["up_concat4.conv1.weight"] == (512, 3072, 3, 3)
    assert shapes["up_concat1.conv1.weight"] == (64, 192, 3, 3)
    assert shapes["up_conv.1.weight"] == (64, 64, 3, 3) and shapes["up_conv.3.weight"] == (64, 64, 3, 3)
    assert shapes["final.weight"] == (3, 64, 1, 1)
    assert not any(k.startswith(("resnet.fc", "resnet.avgpool")) for k in shapes)
    assert 43.5e6 < sum(v.numel() for v in state.values() if v.dtype.is_floating_point) < 44.5e6


@pytest.mark.parametrize("encoder", ["light", "resnet50"])
def test_networks_keep_the_input_size(encoder):
    model = ResUNet(encoder).eval()
    with torch.inference_mode():
        out = model(torch.rand(1, 3, 64, 96))
    assert out.shape == (1, 3, 64, 96)


def test_losses_on_hand_made_cases():
    target = torch.tensor([[[0, 1], [2, 1]]])
    perfect = torch.nn.functional.one_hot(target, 3).permute(0, 3, 1, 2).float() * 40
    assert focal_loss(perfect, target).item() < 1e-6
    assert dice_loss(perfect, target).item() < 1e-4
    flat = torch.zeros(1, 3, 2, 2)
    # uniform prediction: CE = log 3, p_t = 1/3 → α (1 − 1/3)² log 3
    assert focal_loss(flat, target).item() == pytest.approx(0.5 * (2 / 3) ** 2 * math.log(3), rel=1e-5)
    # every pixel confidently wrong: soft dice score ≈ 0 for every class → loss ≈ 1
    wrong = torch.nn.functional.one_hot((target + 1) % 3, 3).permute(0, 3, 1, 2).float() * 40
    assert dice_loss(wrong, target).item() == pytest.approx(1.0, abs=1e-4)
    mixed = segmentation_loss(flat, target, "dice+focal", focal_weight=2.0)
    assert mixed.item() == pytest.approx(dice_loss(flat, target).item() + 2 * focal_loss(flat, target).item())
    with pytest.raises(ValueError, match="unknown loss"):
        segmentation_loss(flat, target, "hinge")


def test_a_few_training_steps_reduce_the_loss():
    torch.manual_seed(0)
    model = ResUNet("light")
    x = torch.rand(2, 3, 64, 64)
    y = torch.zeros(2, 64, 64, dtype=torch.long)
    y[:, 20:24, :] = 1
    y[:, 40:56, 10:30] = 2
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    losses = []
    for _ in range(8):
        loss = segmentation_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.05


class BlurDetector(detection.Detector):
    """Deterministic, translation-equivariant stand-in with a 7-pixel footprint."""

    classes = ("background", "dark")
    multiple = 8

    def probabilities(self, tile):
        dark = cv2.blur(255 - tile[..., 0].astype(np.float32), (7, 7), borderType=cv2.BORDER_REFLECT) / 255
        return np.stack([1 - dark, dark])


def test_sliding_windows_equal_the_whole_image_result():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (301, 467, 3), dtype=np.uint8)
    whole = BlurDetector().probabilities(image)[1]
    result = detection.detect(image, BlurDetector(), window=96, overlap=16)
    tiled = result.probabilities["dark"].astype(np.float32) / 255
    interior = np.s_[4:-4, 4:-4]  # the image border itself is padded differently
    assert np.abs(tiled[interior] - whole[interior]).max() <= 1 / 255 + 1e-6


def test_sliding_windows_with_the_network_match_one_pass():
    torch.manual_seed(1)

    class NetDetector(detection.Detector):
        classes = ("background", "craquelure", "paint loss")

        def __init__(self):
            super().__init__()
            self.model = ResUNet("light").eval()

        @torch.inference_mode()
        def probabilities(self, tile):
            x = torch.from_numpy(tile).permute(2, 0, 1)[None].float() / 255
            return torch.softmax(self.model(x), 1)[0].numpy()

    image = synth.generate_mural(320, 256, seed=4)[0]
    net = NetDetector()
    whole = net.probabilities(image)
    tiled = detection.detect(image, net, window=128, overlap=32)
    for index, name in enumerate(("craquelure", "paint loss"), start=1):
        diff = np.abs(tiled.probabilities[name] / 255 - whole[index])
        assert diff.mean() < 0.01 and np.percentile(diff, 99) < 0.05


def test_detection_can_be_cancelled():
    from muralstudio.core.errors import Cancelled

    image = np.zeros((300, 300, 3), np.uint8)
    with pytest.raises(Cancelled):
        detection.detect(image, BlurDetector(), window=64, overlap=8, cancelled=lambda: True)


def test_missing_corrupt_and_mismatched_weights_give_clear_errors(tmp_path):
    with pytest.raises(WeightsError, match="not found"):
        weights.load_weights(tmp_path / "absent.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    with pytest.raises(WeightsError, match="safetensors"):
        weights.load_weights(bad)
    small = weights.save_weights(ResUNet("light"), tmp_path / "light.safetensors",
                                 {"architecture": "resunet", "encoder": "light", "n_classes": 3})
    state, config = weights.load_weights(small)
    with pytest.raises(WeightsError) as info:
        weights.load_into(ResUNet("resnet18"), state, small)
    message = str(info.value)
    assert "missing keys" in message and "shape mismatches" in message
    assert "resnet.layer1.1.conv1.weight" in message  # resnet18 has two blocks per stage


def test_checkpoints_that_need_code_are_refused(tmp_path):
    class Payload:
        def __reduce__(self):
            return (print, ("this must never run",))

    evil = tmp_path / "evil.pth"
    evil.write_bytes(pickle.dumps({"state_dict": {"w": Payload()}}))
    with pytest.raises(WeightsError, match="refused") as refused:
        weights.read_checkpoint(evil)
    assert "weights_only` set to `False`" not in str(refused.value)  # torch's advice to load it unsafely
    wrapped = tmp_path / "wrapped.pth"
    torch.save({"model": {"module.final.weight": torch.ones(2)}, "epoch": 3}, wrapped)
    assert list(weights.read_checkpoint(wrapped)) == ["final.weight"]


def test_a_pytorch_checkpoint_given_as_weights_says_how_to_bring_it_in(tmp_path):
    """A .pth passed where safetensors weights go said 'header too large' (a QA engineer)."""
    plain = tmp_path / "plain.pth"
    torch.save({"w": torch.zeros(2)}, plain)
    with pytest.raises(WeightsError, match="a PyTorch checkpoint, not safetensors: .*models import"):
        weights.read_metadata(plain)


def test_the_detector_explains_missing_weights(monkeypatch, tmp_path):
    monkeypatch.setattr(weights, "find_weights", lambda name: None)
    with pytest.raises(WeightsError, match="train detect"):
        detection.create("resunet")


def cracked_mural(seed=5):
    image = synth.generate_mural(384, 320, seed=seed)[0]
    damaged, labels = synth.render_damage_classes(image, np.random.default_rng(seed), ("cracks", "loss"))
    return damaged, labels


@needs_weights
def test_shipped_detector_finds_synthetic_cracks_and_paint_loss():
    """Generated murals (not the real murals it was trained on), four seeds: paint-loss IoU
    and crack precision/recall with one pixel of tolerance, as crack benchmarks score thin lines."""
    detector = detection.create("resunet")
    losses, precisions, recalls = [], [], []
    kernel = np.ones((3, 3), np.uint8)
    for seed in (5, 6, 7, 8):
        damaged, labels = cracked_mural(seed)
        result = detection.detect(damaged, detector)
        losses.append(metrics.iou(labels == synth.LOSS_CLASS, result.mask("paint loss")))
        predicted, truth = result.mask("craquelure"), labels == synth.CRACK_CLASS
        near_truth = cv2.dilate(truth.astype(np.uint8), kernel) > 0
        near_predicted = cv2.dilate(predicted.astype(np.uint8), kernel) > 0
        precisions.append((predicted & near_truth).sum() / max(1, predicted.sum()))
        recalls.append((truth & near_predicted).sum() / truth.sum())
    assert np.mean(losses) > 0.7 and min(losses) > 0.45, losses
    assert np.mean(precisions) > 0.6 and np.mean(recalls) > 0.6, (precisions, recalls)
    intact = synth.generate_mural(384, 320, seed=5)[0]
    clean = detection.detect(intact, detector)
    assert clean.mask("paint loss").mean() < 0.02


@needs_weights
def test_cli_detect_writes_maps_masks_and_report(tmp_path):
    from muralstudio.cli import main

    damaged, labels = cracked_mural(6)
    image = imageio.write_tiff(tmp_path / "mural.tif", damaged)
    assert main(["detect", str(image), "--out-dir", str(tmp_path / "out"), "--min-area", "20",
                 "--engine", "resunet"]) == 0
    mask = imageio.read_image(tmp_path / "out" / "mural.paint-loss.mask.png").pixels
    prob = imageio.read_image(tmp_path / "out" / "mural.craquelure.prob.png").pixels
    assert mask.shape == prob.shape == labels.shape
    assert set(np.unique(mask)) <= {0, 255}
    direct = detection.detect(damaged, detection.create("resunet"))
    assert np.array_equal(mask > 0, direct.mask("paint loss", min_area=20))
    assert np.array_equal(prob, direct.probabilities["craquelure"])
    report = json.loads((tmp_path / "out" / "mural.detect.json").read_text())
    assert report["weights_sha256"] == weights.file_sha256(SHIPPED)
    assert report["classes"]["paint loss"]["pixels"] == int((mask > 0).sum())


@needs_weights
def test_bench_detect_json(tmp_path):
    from muralstudio.cli import main

    folder = tmp_path / "murals"
    folder.mkdir()
    for seed in range(3):
        imageio.write_png(folder / f"tang-{seed}-a.png", synth.generate_mural(256, 192, seed=seed)[0])
    out = tmp_path / "bench.json"
    assert main(["bench", "detect", "--images", str(folder), "--synthetic", "loss", "--json", str(out),
                 "--engine", "resunet"]) == 0
    report = json.loads(out.read_text())
    assert report["n_images"] == 3 and report["class"] == "paint loss"
    scores = report["engines"]["resunet"]
    assert set(scores) >= {"accuracy", "precision", "recall", "f1", "miou", "images_per_second"}
    assert 0.5 < scores["f1"] <= 1 and scores["images_per_second"] > 0


def test_every_entry_point_starts_with_the_detector_best_on_real_walls(tmp_path, capsys):
    """The command line, the batch runner, detect requests and the window's dock all start with
    ``flecks-vetted`` (``resunet`` flags intact dark paint of real murals and finds no real loss);
    the command line's report names it and its weights."""
    from muralstudio.cli import main
    from muralstudio.ops.batch import DEFAULT_ENGINES
    from muralstudio.ops.detect import DetectRequest

    assert detection.DEFAULT_DETECTOR == "flecks-vetted"
    assert DEFAULT_ENGINES["detect"] == DetectRequest(Path("a"), Path("b")).engine == detection.DEFAULT_DETECTOR
    rgb = np.full((96, 96, 3), 40, np.uint8)  # dark robe with pale flakes of ground
    for y, x in ((20, 20), (50, 70), (75, 30)):
        rgb[y:y + 4, x:x + 4] = 215
    image = imageio.write_png(tmp_path / "robe.png", rgb)
    assert main(["detect", str(image), "--out-dir", str(tmp_path / "out")]) == 0
    report = json.loads((tmp_path / "out" / "robe.detect.json").read_text())
    assert report["engine"] == "flecks-vetted" and report["weights_sha256"]
    flakes = imageio.read_image(tmp_path / "out" / "robe.paint-loss.mask.png").pixels > 0
    assert flakes.sum() == 48 and flakes[20:24, 20:24].all()  # the three flakes, nothing of the robe
    # it does not look for cracks: no empty crack map an archive would read as "no cracks"
    assert not list((tmp_path / "out").glob("robe.craquelure.*"))
    assert "craquelure" not in report.get("classes", ["paint loss"])
    # and it says so: on the console and in the report, craquelure was not looked for
    assert report["not_assessed"] == ["craquelure"]
    assert "craquelure: not assessed (flecks-vetted does not look for it" in capsys.readouterr().out
    # an --out-dir that is a file is said before the detection, in words, naming it
    assert main(["detect", str(image), "--out-dir", str(image)]) == 2
    assert f"{image}: a file, not a folder" in capsys.readouterr().err


def test_bench_detect_needs_masks_or_synthetic(capsys):
    from muralstudio.cli import main

    assert main(["bench", "detect", "--images", "."]) == 2
    assert "--synthetic" in capsys.readouterr().err


def test_tolerant_f1_counts_near_misses_and_pools_images():
    from muralstudio.core.metrics import pool_tolerant, tolerant_scores

    truth = np.zeros((40, 40), bool)
    truth[20, 5:35] = True  # a one-pixel crack
    shifted = np.roll(truth, 2, axis=0)  # drawn 2 px off
    exact = tolerant_scores(truth, shifted, tolerance=0)
    near = tolerant_scores(truth, shifted, tolerance=2)
    assert exact["f1"] == 0.0 and near["f1"] == 1.0
    far = tolerant_scores(truth, np.roll(truth, 3, axis=0), tolerance=2)
    assert far["f1"] == 0.0
    half = truth.copy()
    half[20, 20:35] = False  # finds half the crack, no false pixels
    scores = tolerant_scores(truth, half, tolerance=2)
    assert scores["precision"] == 1.0 and 0.5 <= scores["recall"] < 0.6
    pooled = pool_tolerant([tolerant_scores(truth, truth), tolerant_scores(truth, np.zeros_like(truth))])
    assert pooled["precision"] == 1.0 and pooled["recall"] == 0.5


def test_false_alarm_rate_on_confusable_paint():
    from muralstudio.core.metrics import false_alarm_rate

    intact = np.zeros((10, 10), bool)
    intact[:, :4] = True  # 40 pixels of dark paint
    predicted = np.zeros((10, 10), bool)
    predicted[:2, :] = True  # 8 of them flagged, plus 12 elsewhere that do not count here
    assert false_alarm_rate(predicted, intact) == pytest.approx(8 / 40)
    assert np.isnan(false_alarm_rate(predicted, np.zeros_like(intact)))


def test_real_damage_targets_keep_confusable_apart():
    from muralstudio.train.detect import CRACK, LOSS, real_targets, split_targets

    labels = np.array([[0, 1, 2, 3]], np.uint8)
    classes, confusable = split_targets(real_targets(labels))
    assert classes.tolist() == [[0, LOSS, CRACK, 0]]
    assert confusable.tolist() == [[False, False, False, True]]


def test_bootstrap_interval_shows_how_much_a_score_hangs_on_a_few_images():
    from muralstudio.core.metrics import bootstrap_f1_interval, exact_counts, pool_tolerant

    truth = np.zeros((20, 20), bool)
    truth[5:10, 5:10] = True
    same = [exact_counts(truth, truth)] * 10  # every image scored alike: no spread
    assert bootstrap_f1_interval(same) == (1.0, 1.0)
    # one image holds all the found damage, nine others only misses: a wide interval
    found = exact_counts(truth, truth)
    missed = exact_counts(truth, np.zeros_like(truth))
    mixed = [found] + [missed] * 9
    low, high = bootstrap_f1_interval(mixed)
    f1 = pool_tolerant(mixed)["f1"]
    assert low < f1 < high and high - low > 0.2
    assert found == {"pred": 25, "pred_hit": 25, "true": 25, "true_hit": 25}


def _tiny_real_damage_set(tmp_path):
    """Two walls with a dark robe (confusable) and a pale loss each, labelled as annotate saves."""
    import json

    from PIL import Image

    murals = tmp_path / "murals"
    murals.mkdir()
    dataset = tmp_path / "damage"
    (dataset / "labels").mkdir(parents=True)
    (dataset / "records").mkdir()
    for i in range(2):
        pixels = np.full((96, 128, 3), 170, np.uint8)
        pixels[20:40, 20:50] = 20  # dark robe: intact, confusable
        pixels[60:70, 80:100] = 245  # a pale loss
        imageio.write_png(murals / f"wall-{i}.png", pixels)
        labels = np.zeros((96, 128), np.uint8)
        labels[20:40, 20:50] = 3
        labels[60:70, 80:100] = 1
        Image.fromarray(labels, mode="L").save(dataset / "labels" / f"wall-{i}.png")
        record = {"image": f"wall-{i}", "box": [0, 0, 128, 96], "split": "val"}
        (dataset / "records" / f"wall-{i}.json").write_text(json.dumps(record), encoding="utf-8")
    return dataset, murals


def test_bench_on_real_damage_reports_false_alarms_and_intervals(tmp_path):
    from muralstudio.benchmarks.detect import run_real

    dataset, murals = _tiny_real_damage_set(tmp_path)
    report = run_real(dataset, murals, ["resunet"], log=lambda m: None)
    scores = report["engines"]["resunet"]
    assert report["n_images"] == 2 and scores["confusable_pixels"] == 2 * 20 * 30
    assert 0.0 <= scores["confusable_false_alarm"] <= 1.0
    loss = scores["paint loss"]
    assert loss["crops_with_damage"] == 2 and scores["craquelure"]["crops_with_damage"] == 0
    assert loss["f1_interval"][0] <= loss["f1"] <= loss["f1_interval"][1]
    assert loss["regions_true"] == 2  # one pale loss in each crop
    assert 0.0 <= loss["region_recall"] <= 1.0 and 0.0 <= loss["region_precision"] <= 1.0
    from muralstudio.benchmarks.detect import format_real_table

    assert "regions found" in format_real_table(report)


def test_bench_on_real_damage_takes_the_threshold_asked_for(tmp_path, capsys):
    """--threshold with --real used to be ignored silently (each engine's own was used)."""
    import json

    from muralstudio.cli import main

    dataset, murals = _tiny_real_damage_set(tmp_path)
    base = ["bench", "detect", "--real", str(dataset), "--images", str(murals), "--engine", "flecks"]

    def scores(*extra):
        out = tmp_path / "report.json"
        assert main(base + list(extra) + ["--json", str(out)]) == 0
        return json.loads(out.read_text(encoding="utf-8"))["engines"]["flecks"]

    everything = scores("--threshold", "0")  # every pixel is damage at threshold 0
    assert everything["confusable_false_alarm"] == 1.0
    assert everything["paint loss"]["threshold"] == 0.0 and everything["craquelure"]["threshold"] == 0.0
    one_class = scores("--threshold", "0", "--class", "paint loss")
    assert one_class["paint loss"]["threshold"] == 0.0 and one_class["craquelure"]["threshold"] == 0.5
    assert scores()["paint loss"]["threshold"] == 0.5  # the engine's own
    assert main(base + ["--threshold", "0.3", "--class", "loss"]) != 0
    assert "paint loss or craquelure" in capsys.readouterr().err
    assert main(base + ["--class", "loss"]) != 0  # not ignored without a threshold either
    assert "paint loss or craquelure" in capsys.readouterr().err


def test_mirror_averaging_makes_the_detector_blind_to_mirroring():
    from muralstudio.engines import detection

    tile = np.random.default_rng(3).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    tile[20:40, 10:50] = 30  # some structure
    plain = detection.create("resunet")
    averaged = detection.create("resunet", flips=True)
    mirrored = np.ascontiguousarray(tile[:, ::-1])
    a, b = averaged.probabilities(tile), averaged.probabilities(mirrored)[:, :, ::-1]
    np.testing.assert_allclose(a, b, atol=1e-5)  # the same answer for the mirror image
    assert not np.allclose(plain.probabilities(tile), plain.probabilities(mirrored)[:, :, ::-1], atol=1e-5)
    from muralstudio.engines.detect_resunet import RealDamageResUNetDetector
    from muralstudio.engines.settings import schema_of

    assert "flips" in [s.name for s in schema_of(RealDamageResUNetDetector)]  # the dock shows it


def test_fleck_detector_proposes_pale_flakes_in_dark_paint_and_leaves_pale_areas_alone():
    from muralstudio.engines import detection

    rgb = np.full((120, 160, 3), 215, np.uint8)  # pale ground
    rgb[20:100, 20:100] = 25  # a black robe
    rgb[50:54, 40:44] = 225  # a flake of loss in it
    rgb[30:90, 115:150] = 240  # a broad pale area: painted, not a fleck
    result = detection.detect(rgb, detection.create("flecks"))
    loss = result.mask("paint loss", 0.5)
    assert loss[50:54, 40:44].all()
    assert loss.sum() <= 2 * 16 and not loss[30:90, 115:150].any()
    assert not result.mask("craquelure", 0.5).any()


def _robe_with_flecks(seed=1):
    return synth.flakes_in_dark_paint(seed=seed)[0]


def test_vetted_flecks_give_each_speck_one_probability_so_review_keeps_or_drops_it_whole():
    from muralstudio.engines import detection
    from muralstudio.engines.nets.fleckvet import candidate_regions, rescaled, speck_areas

    rgb = _robe_with_flecks()
    detector = detection.create("flecks-vetted")
    common = detector.threshold_for("paint loss")
    assert 0 < common < 1 and detector.weights_sha256 and len(detector.radii) == len(detector.model.nets)
    probability = detector.probabilities(rgb)[detector.classes.index("paint loss")]
    # each radius's specks, each with its own network's row, mapped onto the common threshold
    per_radius = []
    for net, radius, own, min_area in zip(detector.model.nets, detector.radii, detector.radius_thresholds,
                                          detector.min_areas):
        if own >= 1:  # a radius training left out
            continue
        regions, table = candidate_regions(rgb, radius, detector.config["contrast"])
        p = rescaled(net.probabilities(table), own, common)  # row k - 1 describes region k
        p[speck_areas(regions, len(p)) < min_area] = 0
        per_radius.append((regions, p))
    regions, p = per_radius[0]
    assert len(p) >= 10 and len(np.unique(np.round(p, 4))) > 1  # the checks below tell specks apart
    covered_wider = np.zeros(rgb.shape[:2], bool)
    for wider, q in per_radius[1:]:
        covered_wider |= np.concatenate([[False], q > 0])[wider]
    for k in range(1, len(p) + 1):
        values = probability[regions == k]
        assert values.min() >= p[k - 1] - 1e-6  # never below its own network's word
        if not covered_wider[regions == k].any():  # a speck alone: one value, its own
            assert values.max() - values.min() < 1e-6 and values[0] == pytest.approx(p[k - 1], abs=1e-6)
    expected = np.zeros(rgb.shape[:2], np.float32)
    for wider, q in per_radius:
        expected = np.maximum(expected, np.concatenate([[0.0], q])[wider])
    np.testing.assert_allclose(probability, expected, atol=1e-6)  # the highest any radius gives
    assert not probability[expected == 0].any()  # only candidate specks are ever proposed


def test_vetted_flecks_of_one_radius_still_load_and_mismatched_lists_are_refused(tmp_path):
    from muralstudio.engines import detection
    from muralstudio.engines.nets.fleckvet import FleckVetter, FleckVetters
    from muralstudio.engines.weights import save_weights

    config = {"architecture": "fleckvet", "features": 19, "width": 16, "contrast": 40.0}
    one = save_weights(FleckVetter(19, 16), tmp_path / "one.safetensors", {**config, "radius": 6},
                       {"thresholds": {"paint loss": 0.4}})  # a file of the first version
    detector = detection.create("flecks-vetted", weights_path=str(one))
    assert detector.radii == [6] and detector.radius_thresholds == [0.4] and detector.min_areas == [0]
    assert detector.probabilities(_robe_with_flecks()).shape == (2, 160, 160)  # background, paint loss
    two = save_weights(FleckVetters(2, 19, 16), tmp_path / "two.safetensors", {**config, "radii": [4, -16]},
                       {"thresholds": {"paint loss": 0.3}, "radius_thresholds": [0.3], "min_areas": [0, 20]})
    with pytest.raises(WeightsError, match="2 radii but 1 thresholds"):
        detection.create("flecks-vetted", weights_path=str(two))


def test_a_photograph_at_several_times_the_resolution_needs_the_working_scale():
    """The flakes the fleck detectors know are 4–8 px wide; on an archive photograph at four
    times the resolution they are 16–32 px and were missed. ``scale`` = 1/4 finds them again."""
    import cv2

    from muralstudio.engines import detection

    rgb, truth = synth.flakes_in_dark_paint(seed=1)
    big = cv2.resize(rgb, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
    big_truth = cv2.resize(truth.astype(np.uint8), None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST) > 0
    for engine in ("flecks", "flecks-vetted"):
        native = detection.detect(rgb, detection.create(engine)).mask("paint loss")
        plain = detection.detect(big, detection.create(engine)).mask("paint loss")
        scaled = detection.detect(big, detection.create(engine, scale=0.25)).mask("paint loss")
        found = (native & truth).sum() / truth.sum()
        assert found > 0.3, engine
        assert (plain & big_truth).sum() / big_truth.sum() < found / 3, engine  # what an archive got
        assert (scaled & big_truth).sum() / big_truth.sum() > 0.7 * found, engine


def test_the_working_scale_gives_the_same_maps_whatever_the_windows():
    """Windows count working-scale pixels: each 640-px window shrunk on its own (128 px with
    3 px of overlap at scale 0.2) changed the maps along the window edges."""
    import cv2

    from muralstudio.engines import detection

    rgb, _ = synth.flakes_in_dark_paint(size=160, seed=1)
    big = cv2.resize(np.tile(rgb, (3, 6, 1)), None, fx=5, fy=5, interpolation=cv2.INTER_CUBIC)  # 2400 × 4800
    detector = detection.create("flecks-vetted", scale=0.2)
    tiled = detection.detect(big, detector).probabilities["paint loss"].astype(int)
    whole = detection.detect(big, detector, window=10000).probabilities["paint loss"].astype(int)
    assert (tiled >= 64).any() and np.abs(tiled - whole).max() <= 2


def test_a_large_photograph_detected_at_scale_1_with_almost_nothing_proposed_gets_a_scale_hint(tmp_path, capsys):
    """A 4000-px photograph at scale 1 gave 30 px of proposals and no clue why (a conservator,
    2026-12-07): the detector knows flakes as they look at ~500 px a wall section."""
    from muralstudio.cli import main

    assert detection.scale_hint("flecks-vetted", {}, 4000, 2812, 0.0) == 0.14
    assert detection.scale_hint("flecks-vetted", {"scale": 0.2}, 4000, 2812, 0.0) is None  # scale chosen
    assert detection.scale_hint("flecks-vetted", {}, 600, 400, 0.0) is None  # a photograph like theirs
    assert detection.scale_hint("flecks-vetted", {}, 4000, 2812, 0.01) is None  # it found plenty
    assert detection.scale_hint("resunet", {}, 4000, 2812, 0.0) is None  # no working scale to set
    image = imageio.write_png(tmp_path / "wall.png", np.full((1700, 1800, 3), 200, np.uint8))
    assert main(["detect", str(image), "--out-dir", str(tmp_path / "out"), "--engine", "flecks"]) == 0
    assert json.loads((tmp_path / "out" / "wall.detect.json").read_text())["scale_hint"] == 0.3
    assert "--engine flecks:scale=0.3" in capsys.readouterr().err
