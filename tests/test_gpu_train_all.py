"""The prepared GPU-loan training script at tiny size on the CPU: tools/gpu_pack.py packs a few
images of each training set, tools/gpu_train_all.py --smoke trains every model for two steps
from that pack alone, with Qt imports forbidden, and leaves each model's weights and card in an
OUT folder within the device tool's limits."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
sys.path.insert(0, str(ROOT / "tools"))

import gpu_train_all  # noqa: E402

HAVE_SHARED = all((SHARED / p).is_dir() for p in ("murals", "natural", "cracks", "mural-labels"))


def test_overrides_replace_drop_and_add():
    words = ["clicks", "--steps", "1500", "--minutes", "2", "--flag", "--lr", "3e-4"]
    out = gpu_train_all.with_overrides(words, {"--steps": "2", "--minutes": None, "--limit": "3"})
    assert out == ["clicks", "--steps", "2", "--flag", "--lr", "3e-4", "--limit", "3"]


def test_shares_follow_the_time_left(tmp_path):
    """Each model's minutes: the time the lanes have left less the overheads of what is still to
    run, shared by planned minutes; a model never gets more than its lane's time allows."""
    args = type("A", (), {"pack": tmp_path, "out": tmp_path / "o", "work": None,
                          "deadline": 300 + gpu_train_all.RESERVE, "lanes": 1})()
    runner = gpu_train_all.Runner(args)
    a = gpu_train_all.Job("a", [], minutes=2, overhead=30, needs=[])
    b = gpu_train_all.Job("b", [], minutes=1, overhead=30, needs=[])
    assert runner.share(a, [a, b]) == pytest.approx((300 - 60) * 2 / 3 / 60, abs=0.02)
    args.lanes = 2  # the other lane idle: capped by this lane's own time
    assert runner.share(a, [a, b]) == pytest.approx((300 - 30) / 60, abs=0.02)
    runner.busy["c"] = runner.deadline - gpu_train_all.RESERVE - 100  # the other lane free 100 s before the end
    assert runner.share(a, [a, b]) == pytest.approx((300 + 100 - 60) * 2 / 3 / 60, abs=0.02)


def test_qt_guard_refuses_qt():
    done = subprocess.run([sys.executable, "-c", gpu_train_all.QT_BLOCK + "import PySide6.QtCore"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "training imported Qt" in done.stderr


def test_half_weights_come_back_as_float32(tmp_path):
    """The shipped start weights travel as float16 and are restored to float32 files that the
    strict loaders accept, within fp16's rounding."""
    import torch
    from safetensors.torch import load_file

    import gpu_pack
    from muralstudio.engines.weights import load_weights

    source = ROOT / "models" / "clicknet.safetensors"
    if not source.exists():
        pytest.skip("models/clicknet.safetensors is not here")
    (tmp_path / "pack" / "init").mkdir(parents=True)
    error = gpu_pack.half_copy(source, tmp_path / "pack" / "init" / source.name)
    assert 0 < error < 1e-3
    assert (tmp_path / "pack" / "init" / source.name).stat().st_size < 0.6 * source.stat().st_size
    restored = gpu_train_all.restore_init(tmp_path / "pack", tmp_path / "init")["clicknet"]
    state, config = load_weights(restored)
    original = load_file(str(source))
    assert config == load_weights(source)[1]
    for key, tensor in original.items():
        assert state[key].dtype == tensor.dtype
        if tensor.dtype == torch.float32:
            assert torch.allclose(state[key], tensor, rtol=1e-3, atol=1e-3 * float(tensor.abs().max()))


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_SHARED, reason="../shared/datasets is not here")
def test_tiny_pack_trains_every_model(tmp_path):
    pack, out = tmp_path / "pack", tmp_path / "out"
    subprocess.run([sys.executable, str(ROOT / "tools" / "gpu_pack.py"), "--out", str(pack), "--tiny"],
                   cwd=ROOT, check=True, capture_output=True, timeout=120)
    manifest = json.loads((pack / "PACK.json").read_text(encoding="utf-8"))
    assert manifest["tiny"] and manifest["mural-damage"]["records"] > 0
    assert manifest["mural-damage"]["crop_error_mean"] < 0.5  # the crops come back almost as they were

    done = subprocess.run([sys.executable, str(ROOT / "tools" / "gpu_train_all.py"), str(pack), str(out),
                           "--smoke", "--lanes", "2", "--job-limit", "150"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]

    files = sorted(out.iterdir())
    assert len(files) <= 8 and all(p.is_file() and p.stat().st_size <= 16 * 2**20 for p in files)
    data = b"".join(p.read_bytes() for p in sorted(out.glob("models.tar*")))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = set(tar.getnames())
        cards = {n: tar.extractfile(n).read().decode() for n in names if n.endswith(".md")}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    everything = [job.name for job in gpu_train_all.plan(str(pack), 1)]
    assert set(summary["models"]) == set(everything)
    for name in everything:
        assert summary["models"][name]["status"].startswith("ok"), (name, summary["models"][name])
        assert f"{name}/{name}.safetensors" in names, name
        card = cards[f"{name}/{name}.md"]
        assert "## GPU run (tools/gpu_train_all.py)" in card and "muralstudio train" in card
    assert not any(n.endswith(".ckpt.pt") for n in names)
    assert "done in" in (out / "run.log").read_text(encoding="utf-8")
