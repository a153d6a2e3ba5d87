"""XMP in restored exports: Dublin Core title, one history event per intervention, the source's
SHA-256; read back the same (Chinese names included), in TIFF and PNG, and shown by info."""

from __future__ import annotations

import json

from conftest import small_damaged_mural
from muralstudio import cli
from muralstudio.core import imageio
from muralstudio.core.xmp import build_xmp, parse_xmp
from muralstudio.engines.inpainting import default_engine


def test_xmp_round_trips_with_chinese_text():
    record = json.dumps({"muralstudio": "0.1.0", "source": {"path": "/档案/壁画.tif", "sha256": "ab" * 32},
                         "restorations": [{"engine": "telea", "created": "2026-12-05T10:00:00",
                                           "software_version": "0.1.0", "mask_pixels": 12,
                                           "parameters": {"engine": {"radius": 5.0}}}]})
    packet = build_xmp(record, title="莫高窟第 257 窟 西壁", creator="敦煌研究院", rights="研究使用")
    back = parse_xmp(packet)
    assert back["title"] == "莫高窟第 257 窟 西壁" and back["creator"] == "敦煌研究院"
    assert back["rights"] == "研究使用" and back["source_sha256"] == "ab" * 32
    assert len(back["history"]) == 1 and back["history"][0]["softwareAgent"] == "MuralStudio 0.1.0"
    assert back["history"][0]["parameters"]["engine"] == "telea"


def test_cli_restoration_carries_xmp_in_tiff_and_png_and_info_shows_it(tmp_path, capsys):
    small_damaged_mural(tmp_path, "壁画.png")
    for suffix in (".tif", ".png"):
        out = tmp_path / f"restored{suffix}"
        assert cli.main(["inpaint", str(tmp_path / "壁画.png"), "--mask", str(tmp_path / "mask.png"),
                         "--out", str(out)]) == 0
        xmp = parse_xmp(imageio.read_image(out).info.xmp)
        assert xmp["title"] == "壁画" and xmp["history"][0]["parameters"]["engine"] == default_engine()
        assert len(xmp["source_sha256"]) == 64
    capsys.readouterr()
    assert cli.main(["info", str(tmp_path / "restored.tif"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["xmp"]["title"] == "壁画"


def test_xmp_sidecar_on_request_equals_the_embedded_packet(tmp_path):
    small_damaged_mural(tmp_path, "壁画.png")
    out = tmp_path / "修复.tif"
    assert cli.main(["inpaint", str(tmp_path / "壁画.png"), "--mask", str(tmp_path / "mask.png"),
                     "--out", str(out), "--xmp-sidecar"]) == 0
    sidecar = out.with_suffix(".xmp")
    assert parse_xmp(sidecar.read_text(encoding="utf-8")) == parse_xmp(imageio.read_image(out).info.xmp)
    plain = tmp_path / "plain.tif"
    assert cli.main(["inpaint", str(tmp_path / "壁画.png"), "--mask", str(tmp_path / "mask.png"),
                     "--out", str(plain)]) == 0
    assert not plain.with_suffix(".xmp").exists()
