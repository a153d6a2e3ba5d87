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


def test_a_time_limit_stops_training_with_validated_weights(tiny_sets, tmp_path):
    murals, cracks = tiny_sets
    out = tmp_path / "det"
    assert main(["train", "detect", "--data", f"{cracks},{murals}", "--out", str(out), "--size", "64",
                 "--batch", "2", "--log-every", "50", "--eval-every", "50", "--val-samples", "4",
                 "--device", "cpu", "--steps", "1000", "--minutes", "0.0001"]) == 0
    logged = rows(out.with_suffix(".log.csv"))
    assert len(logged) == 1 and int(float(logged[0]["step"])) < 1000
    assert "val_f1_loss" in logged[0]  # validated at the stop, though not a multiple of 50
    assert weights.read_metadata(out.with_suffix(".safetensors"))["extra"]["step"] == int(float(logged[0]["step"]))


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

def _two_tone_photo(seed):
    """A 'photograph' with one known thing: a disk of one texture on another."""
    rng = np.random.default_rng(seed)
    image = (rng.normal(0, 6, (120, 160, 3)) + np.array([40, 90, 160])).clip(0, 255).astype(np.uint8)
    disk = np.zeros((120, 160), bool)
    yy, xx = np.mgrid[:120, :160]
    disk[(yy - 60) ** 2 + (xx - 70) ** 2 < 30 ** 2] = True
    image[disk] = (rng.normal(0, 6, (disk.sum(), 3)) + np.array([200, 160, 40])).clip(0, 255)
    return image, disk


def test_photo_regions_follow_the_photographs_edges():
    from muralstudio.train.clicks import region_of, segment_photo

    image, disk = _two_tone_photo(0)
    _, regions = segment_photo(image)
    rng = np.random.default_rng(0)
    found = [region_of(regions, rng, (0.05, 0.5)) for _ in range(10)]
    best = max(((m & disk).sum() / (m | disk).sum() for m in found if m is not None))
    assert best > 0.9  # the disk is found as one region, not cut across


def test_pasted_object_mask_covers_the_pasted_pixels():
    from muralstudio.train.clicks import pasted_object, segment_photo

    thing = segment_photo(_two_tone_photo(1)[0])
    backdrop = segment_photo(np.full((200, 260, 3), 30, np.uint8))
    rng = np.random.default_rng(2)
    for _ in range(10):
        image, mask = pasted_object(thing, backdrop, rng)
        if mask is not None:
            break
    assert mask is not None and mask.shape == (200, 260) and mask.sum() > 100
    changed = np.abs(image.astype(int) - 30).sum(axis=2) > 20
    assert (changed & mask).sum() / mask.sum() > 0.95  # the object is what was pasted
    assert (changed & ~mask).sum() / changed.sum() < 0.1  # and nothing else was


def test_context_crop_stays_inside_the_image_like_the_engine_window():
    from muralstudio.train.clicks import context_crop

    image = np.zeros((100, 100, 3), np.uint8)
    image[..., 0] = np.arange(100)[None, :]  # a ramp: padding would repeat its edge values
    mask = np.zeros((100, 100), bool)
    mask[:60, :50] = True  # in the corner: any context window runs off the image
    crop, crop_mask = context_crop(image, mask, np.random.default_rng(0), 64, scale=(2.5, 2.5))
    assert crop.shape == (64, 64, 3) and crop_mask.shape == (64, 64)
    assert crop[:, 0, 0].max() <= 1  # the window starts at the image's left edge ...
    assert np.all(np.diff(crop[0, :, 0].astype(int)) >= 0)  # ... with no mirrored or smeared border
    assert crop_mask[:, 0].any() and crop_mask[0].any()


def test_train_clicks_with_photographs_fine_tunes_given_weights(tiny_sets, tmp_path):
    murals, _ = tiny_sets
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(6):
        imageio.write_png(photos / f"photo{i}.png", _two_tone_photo(i)[0])
    first = tmp_path / "first"
    common = ["--procedural", "0", "--size", "64", "--batch", "2", "--log-every", "1",
              "--eval-every", "1", "--val-samples", "2", "--device", "cpu", "--warmup", "0"]
    assert main(["train", "clicks", "--data", str(murals), "--out", str(first), "--steps", "1",
                 "--seed", "0"] + common) == 0
    tuned, fresh = tmp_path / "tuned", tmp_path / "fresh"
    for out, init in ((tuned, ["--init", str(first.with_suffix(".safetensors"))]), (fresh, [])):
        # another seed: without --init the network would start from other random weights
        assert main(["train", "clicks", "--data", str(murals), "--natural", str(photos),
                     "--out", str(out), "--steps", "1", "--lr", "0", "--seed", "1"] + init + common) == 0
    given, _ = weights.load_weights(first.with_suffix(".safetensors"))

    def same(path):
        other, _ = weights.load_weights(path.with_suffix(".safetensors"))
        return all(np.allclose(given[k].numpy(), other[k].numpy()) for k in given
                   if "running" not in k and "num_batches" not in k)  # batch-norm statistics aside

    assert same(tuned) and not same(fresh)  # lr 0: fine-tuning keeps exactly the given weights
    card = tuned.with_suffix(".md").read_text()
    assert "fine-tuned from" in card and str(photos) in card


def test_train_clicks_refuses_a_bad_context_range(tiny_sets, tmp_path, capsys):
    murals, _ = tiny_sets
    for bad, message in (("3", "two numbers"), ("3,1", "0 < A ≤ B"), ("0,2", "0 < A ≤ B")):
        assert main(["train", "clicks", "--data", str(murals), "--out", str(tmp_path / "c"),
                     "--context", bad, "--steps", "1", "--device", "cpu"]) != 0
        assert message in capsys.readouterr().err
    assert not (tmp_path / "c.safetensors").exists()


def test_click_training_mix_weighs_the_kinds_of_object_and_the_share_of_stains(tiny_sets):
    from muralstudio.train.clicks import ClickData, damage_object, parse_mix

    assert parse_mix("") == {"damage": 1.0, "labelled": 1.0, "region": 1.0, "pasted": 1.0}
    assert parse_mix("damage=2, pasted=0")["damage"] == 2.0
    murals, _ = tiny_sets
    only_damage = ClickData([str(murals)], procedural=3, mix=parse_mix("labelled=0"))
    assert only_damage.kinds == ["damage"]  # no photographs given, labelled weighed 0
    both = ClickData([str(murals)], procedural=3, mix=parse_mix("damage=3"))
    rng = np.random.default_rng(0)
    drawn = [both.kinds[int(rng.choice(2, p=both.kind_p))] for _ in range(400)]
    assert 0.68 < drawn.count("damage") / 400 < 0.82  # 3 : 1
    # on a flat grey wall, paint loss shows light plaster and a stain darkens it
    grey = np.full((300, 300, 3), 128, np.uint8)
    for share, darker in ((0.0, False), (1.0, True)):
        for seed in range(4):
            image, blob = damage_object(grey, np.random.default_rng(seed), share)
            assert (image[blob].mean() < 128) == darker


def test_train_clicks_refuses_a_bad_mix(tiny_sets, tmp_path, capsys):
    murals, _ = tiny_sets
    for bad, message in (("damage", "KIND=WEIGHT"), ("cats=2", "KIND=WEIGHT"), ("damage=-1", "≥ 0"),
                         ("damage=0,labelled=0,region=0,pasted=0", "weight 0")):
        assert main(["train", "clicks", "--data", str(murals), "--out", str(tmp_path / "c"),
                     "--mix", bad, "--steps", "1", "--device", "cpu"]) != 0
        assert message in capsys.readouterr().err
    assert main(["train", "clicks", "--data", str(murals), "--out", str(tmp_path / "c"),
                 "--stain-share", "1.5", "--steps", "1", "--device", "cpu"]) != 0
    assert "--stain-share" in capsys.readouterr().err
    assert not (tmp_path / "c.safetensors").exists()


def test_train_clicks_evaluate_prints_each_weights_files_validation(tiny_sets, tmp_path, capsys):
    murals, _ = tiny_sets
    common = ["--data", str(murals), "--procedural", "4", "--size", "64", "--val-samples", "3",
              "--device", "cpu"]
    out = tmp_path / "w"
    assert main(["train", "clicks", *common, "--out", str(out), "--steps", "1", "--batch", "2",
                 "--warmup", "0"]) == 0
    weights_file = str(out.with_suffix(".safetensors"))
    capsys.readouterr()
    assert main(["train", "clicks", *common, "--evaluate", f"{weights_file},{weights_file}"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("3 validation windows of 64²") and "IoU@1" in lines[1]
    rows = [line.split() for line in lines[2:]]
    assert [r[0] for r in rows] == [weights_file] * 2 and rows[0] == rows[1]  # same windows
    assert all(0 <= float(v) <= 1 for v in rows[0][1:]) and len(rows[0]) == 4
    assert main(["train", "clicks", *common, "--steps", "1"]) != 0  # neither --out nor --evaluate
    assert "needs --out" in capsys.readouterr().err


def test_train_detect_on_annotated_real_damage_selects_on_held_out_caves(tmp_path):
    from muralstudio.ops.annotate import Session
    from muralstudio.core.datasets import selection_caves

    murals, dataset = tmp_path / "murals", tmp_path / "damage"
    murals.mkdir()
    names = [f"tang-{100 + i}-a" for i in range(12)]
    fit, select = selection_caves([murals / n for n in names])
    assert fit and select  # both parts exist among these caves
    for i, name in enumerate(names):
        image = synth.generate_mural(96, 96, seed=i)[0]
        imageio.write_png(murals / f"{name}.png", image)
        session = Session.create(tmp_path / "sessions" / name, murals / f"{name}.png", "damage")
        session.stroke("paint-loss", [(20, 20), (40, 20), (40, 40), (20, 40)], 0, polygon=True)
        session.stroke("crack", [(50, 10), (90, 60)], 1)
        session.stroke("confusable", [(10, 70), (80, 80)], 4)
        session.save(dataset, annotator="test")
    out = tmp_path / "det"
    assert main(["train", "detect", "--data", f"{dataset},{murals}", "--murals", str(murals), "--out", str(out),
                 "--size", "64", "--batch", "2", "--steps", "2", "--eval-every", "2", "--log-every", "1",
                 "--device", "cpu"]) == 0
    log = rows(out.with_suffix(".log.csv"))
    assert "val_false_alarm" in log[-1] and log[-1]["val_f1_loss"] != ""
    extra = weights.read_metadata(out.with_suffix(".safetensors"))["extra"]
    assert set(extra["thresholds"]) == {"paint loss", "craquelure"}
    # the same run with the top-hat planes added, started from those RGB weights: it begins as the
    # RGB network (the new planes' weights are zero) and the detector engine runs it
    import torch
    from muralstudio.engines import registry
    from muralstudio.engines.nets.resunet import ResUNet, input_tensor
    from muralstudio.train.detect import init_from

    widened, rgb = ResUNet("light", inputs="rgb+specks").eval(), ResUNet("light").eval()
    init_from(widened, out.with_suffix(".safetensors"))
    init_from(rgb, out.with_suffix(".safetensors"))
    image = synth.generate_mural(64, 64, seed=3)[0]
    with torch.inference_mode():
        assert torch.allclose(widened(input_tensor([image], "rgb+specks")), rgb(input_tensor([image])), atol=1e-4)
    specks = tmp_path / "det-specks"
    assert main(["train", "detect", "--data", f"{dataset},{murals}", "--murals", str(murals), "--out", str(specks),
                 "--inputs", "rgb+specks", "--init", str(out.with_suffix(".safetensors")),
                 "--size", "64", "--batch", "2", "--steps", "2", "--eval-every", "2", "--device", "cpu"]) == 0
    _state, config = weights.load_weights(specks.with_suffix(".safetensors"))
    assert config["inputs"] == "rgb+specks"
    detector = registry.get("detector", "resunet")(weights_path=str(specks.with_suffix(".safetensors")))
    tile = synth.generate_mural(64, 96, seed=4)[0]
    probs = detector.probabilities(tile)
    assert probs.shape == (3,) + tile.shape[:2] and np.allclose(probs.sum(0), 1, atol=1e-4)


def test_specks_planes_show_pale_flecks_and_thin_dark_lines_not_broad_areas():
    from muralstudio.engines.nets.resunet import input_planes

    image = np.full((64, 64, 3), 60, np.uint8)  # dark paint
    image[10:13, 10:13] = 220  # a 3-px pale fleck
    image[:, 40:62] = 220  # a broad pale area
    image[50:, 48] = 0  # a 1-px dark line across it
    planes = input_planes(image, "rgb+specks")
    assert planes.shape == (64, 64, 5) and planes.dtype == np.float32
    assert np.allclose(planes[..., :3], image / 255)
    pale, dark = planes[..., 3], planes[..., 4]
    assert pale[11, 11] > 1 and pale[30, 50] < 0.05 and pale[30, 20] < 0.05
    assert dark[55, 48] > 1 and dark[30, 50] < 0.05 and dark[30, 20] < 0.05
    with pytest.raises(ValueError, match="unknown network inputs"):
        input_planes(image, "rgb+depth")


def test_train_flecks_learns_which_pale_specks_are_loss_and_the_engine_uses_it(tmp_path):
    """Beige flecks (the ground showing through a black robe) are labelled loss, bright bluish
    dots of ornament on the same robe are not: the vetter trained on them keeps the first."""
    from muralstudio.ops.annotate import Session
    from muralstudio.engines import detection

    murals, dataset = tmp_path / "murals", tmp_path / "damage"
    murals.mkdir()
    rng = np.random.default_rng(0)

    def robe(seed):
        r = np.random.default_rng(seed)
        rgb = np.full((96, 96, 3), (200, 180, 150), np.uint8)
        rgb[8:88, 8:88] = (30, 25, 25)
        spots = [(int(x), int(y)) for x, y in r.integers(14, 80, (8, 2))]
        spots = [s for i, s in enumerate(spots) if all(abs(s[0] - t[0]) + abs(s[1] - t[1]) > 8 for t in spots[:i])]
        losses, dots = spots[::2], spots[1::2]
        for x, y in losses:
            rgb[y:y + 3, x:x + 3] = (205, 185, 150)
        for x, y in dots:
            rgb[y:y + 2, x:x + 2] = (150, 200, 255)
        return rgb, losses, dots

    for i in range(9):
        name = f"tang-{100 + i}-a"
        rgb, losses, _ = robe(i)
        imageio.write_png(murals / f"{name}.png", rgb)
        session = Session.create(tmp_path / "sessions" / name, murals / f"{name}.png", "damage")
        for x, y in losses:
            session.stroke("paint-loss", [(x, y), (x + 2, y), (x + 2, y + 2), (x, y + 2)], 0, polygon=True)
        session.save(dataset, annotator="test")
    out = tmp_path / "vetter"
    assert main(["train", "flecks", "--data", str(dataset), "--murals", str(murals), "--out", str(out),
                 "--epochs", "150", "--folds", "2"]) == 0
    card = out.with_suffix(".md").read_text(encoding="utf-8")
    assert "## Threshold" in card and "2 folds of caves" in card and "## Command" in card
    extra = weights.read_metadata(out.with_suffix(".safetensors"))["extra"]
    assert 0 < extra["thresholds"]["paint loss"] < 1 and extra["loss_regions"] > 0
    # the 4-px specks' smallest area is chosen with the threshold, recorded and written on the card
    from muralstudio.train.flecks import FIRST_MIN_AREAS

    first_area = extra["min_areas"][0]
    assert first_area in FIRST_MIN_AREAS and first_area <= 9  # the 3×3 flakes stay proposable
    assert f"smallest area {first_area} px for radius 4" in card and "Smallest areas at threshold" in card
    # on a robe it never saw, through the detector engine
    rgb, losses, dots = robe(99)
    detector = detection.create("flecks-vetted", weights_path=str(out.with_suffix(".safetensors")))
    loss = detection.detect(rgb, detector).mask("paint loss", detector.threshold_for("paint loss"))
    assert all(loss[y:y + 3, x:x + 3].any() for x, y in losses)
    assert not any(loss[y:y + 2, x:x + 2].any() for x, y in dots)
    assert not loss[rgb.sum(2) < 200].any()  # the robe's own black paint stays intact
    assert main(["train", "flecks", "--data", str(dataset), "--murals", str(murals), "--out", str(out),
                 "--folds", "1"]) == 2  # no threshold can be chosen without a held-out fold
    # two networks per radius, averaged
    from muralstudio.engines.nets.fleckvet import VetterEnsemble, candidate_regions

    pair = tmp_path / "pair"
    assert main(["train", "flecks", "--data", str(dataset), "--murals", str(murals), "--out", str(pair),
                 "--epochs", "150", "--folds", "2", "--radii", "4", "--members", "2"]) == 0
    assert "2 per radius, seeds 0–1" in pair.with_suffix(".md").read_text(encoding="utf-8")
    detector = detection.create("flecks-vetted", weights_path=str(pair.with_suffix(".safetensors")))
    ensemble = detector.model.nets[0]
    assert isinstance(ensemble, VetterEnsemble) and len(ensemble.members) == 2
    table = candidate_regions(rgb, 4, 40.0)[1]
    first, second = (m.probabilities(table) for m in ensemble.members)
    assert not np.allclose(first, second)  # other seeds, other networks
    np.testing.assert_allclose(ensemble.probabilities(table), (first + second) / 2, rtol=1e-6)
    loss = detection.detect(rgb, detector).mask("paint loss", detector.threshold_for("paint loss"))
    assert all(loss[y:y + 3, x:x + 3].any() for x, y in losses) and not loss[rgb.sum(2) < 200].any()
    assert main(["train", "flecks", "--data", str(dataset), "--murals", str(murals), "--out", str(pair),
                 "--members", "0"]) == 2
    # superpixel candidates beside the specks: trained, chosen or left out by the same rule, and read back
    wide = tmp_path / "wide"
    assert main(["train", "flecks", "--data", str(dataset), "--murals", str(murals), "--out", str(wide),
                 "--epochs", "30", "--folds", "2", "--radii", "4,s8"]) == 0
    assert "Radius superpixels of about 8 px:" in wide.with_suffix(".md").read_text(encoding="utf-8")
    detector = detection.create("flecks-vetted", weights_path=str(wide.with_suffix(".safetensors")))
    assert detector.radii == [4, "s8"] and len(detector.model.nets) == 2
    from muralstudio.engines.nets.fleckvet import speck_probability

    # the superpixel network at work (here it added nothing and training left it out: forced on)
    p = speck_probability(rgb, detector.model, detector.radii, 40.0, [detector.radius_thresholds[0], 0.5],
                          [0, 0], detector.radius_thresholds[0])
    assert p.shape == rgb.shape[:2] and (p > 0).mean() > 0.5  # superpixels cover every pixel


def test_flecks_radii_take_dark_specks_after_the_pale_ones():
    from muralstudio.engines.nets.fleckvet import candidate_regions
    from muralstudio.train.flecks import parse_radii

    assert parse_radii("4,8,d16") == [4, 8, -16]
    for bad in ("", "d8,4", "4,0", "4,x"):
        with pytest.raises(ValueError, match="--radii"):
            parse_radii(bad)
    rgb = np.full((120, 120, 3), (210, 190, 160), np.uint8)  # pale ground
    rgb[20:30, 20:30] = (70, 60, 55)  # a 10-px hole, dark
    rgb[60:115, 60:115] = (40, 35, 30)  # a broad dark robe
    regions, table = candidate_regions(rgb, -16, 40.0)
    assert (regions == regions[25, 25]).sum() == 100 and len(table) == len(np.unique(regions)) - 1
    assert not regions[66:109, 66:109].any()  # at most the robe's corners, never the robe
    assert candidate_regions(rgb, 16, 40.0)[0][25, 25] == 0  # the pale-speck radius leaves it


def test_flecks_radii_take_superpixels_for_losses_wider_than_a_speck():
    from muralstudio.engines.nets.fleckvet import FEATURES, candidate_kind, candidate_regions
    from muralstudio.train.flecks import parse_radii, radius_name

    assert parse_radii("4,8,s16") == [4, 8, "s16"] and radius_name("s16") == "superpixels of about 16 px"
    for bad in ("s16,4", "4,s2", "4,sx"):
        with pytest.raises(ValueError, match="--radii"):
            parse_radii(bad)
    assert candidate_kind("s12") == "s12" and candidate_kind(8.0) == 8
    with pytest.raises(ValueError, match="superpixel"):
        candidate_kind("s1")
    rgb = np.full((96, 128, 3), (150, 40, 35), np.uint8)  # red ground
    rgb[30:70, 40:90] = (215, 195, 160)  # a 40 × 50 px flake down to the pale plaster
    regions, table = candidate_regions(rgb, "s16", 40.0)
    assert regions.min() == 1 and table.shape == (regions.max(), len(FEATURES))  # every pixel, rows 1..n
    inside = np.unique(regions[32:68, 42:88])
    # the flake is a few superpixels of its own: they hold none of the red ground
    assert 1 <= len(inside) <= 20
    assert all((rgb[regions == k] == (215, 195, 160)).all(1).mean() > 0.9 for k in inside
               if (regions == k).sum() > 30)
    lightness = table[:, FEATURES.index("L")]
    assert lightness[inside - 1].min() > lightness.max() - 30  # the flake's are the palest rows
