"""The Windows installer script and its CI workflow, checked here where neither can run: every
file the script names exists, the vendored Chinese messages are UTF-8 with a BOM (how Inno
Setup 6 reads non-ASCII), and every {cm:…} message the script uses exists in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ISS = ROOT / "packaging" / "muralstudio.iss"
ISL = ROOT / "packaging" / "ChineseSimplified-MuralStudio.isl"
STOCK_CUSTOM = {"CreateDesktopIcon", "AdditionalIcons", "UninstallProgram", "LaunchProgram"}


def test_the_installer_script_names_only_files_that_exist():
    script = ISS.read_bytes()
    assert script.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: the script holds Chinese text
    text = script.decode("utf-8-sig")
    for files in re.findall(r'MessagesFile: "([^"]+)"', text):
        for name in files.split(","):
            if not name.startswith("compiler:"):
                assert (ISS.parent / name).is_file(), name
            else:
                assert name == "compiler:Default.isl", f"{name} is not shipped with stock Inno Setup 6"
    assert (ISS.parent / ".." / "resources" / "muralstudio.ico").resolve().is_file()


def test_vendored_chinese_messages_cover_what_the_script_uses():
    raw = ISL.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    isl = raw.decode("utf-8-sig")
    assert "LanguageID=$0804" in isl
    defined = set(re.findall(r"^(\w+)=", isl.split("[CustomMessages]")[1], re.M))
    script = ISS.read_text(encoding="utf-8-sig")
    used = set(re.findall(r"\{cm:(\w+)", script))
    in_script = set(re.findall(r"^chinesesimplified\.(\w+)=", script, re.M))
    missing = used - defined - in_script
    assert not missing, missing
    assert STOCK_CUSTOM <= defined
    for key in ("ButtonNext", "ButtonCancel", "WelcomeLabel1", "ClickFinish"):
        value = re.search(rf"^{key}=(.+)$", isl, re.M).group(1)
        assert not value.isascii(), key


def test_the_windows_workflow_builds_installs_tests_and_uninstalls():
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "windows.yml").read_text())
    steps = workflow["jobs"]["installer"]["steps"]
    text = "\n".join(str(step.get("run", "")) for step in steps)
    assert workflow["jobs"]["installer"]["runs-on"].startswith("windows")
    assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in text  # never CUDA
    for needle in ("packaging/muralstudio.spec", "muralstudio-cli.exe\" --selftest", "muralstudio.iss",
                   "/VERYSILENT", "unins000.exe"):
        assert needle in text, needle
