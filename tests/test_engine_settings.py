"""One engine contract with a settings schema: checks and conversions from the schema, the
same errors everywhere, and a new engine added by dropping one module into an engines folder is
found by the CLI, `models list`, the dock's engine list and gets a generated settings widget."""

import subprocess
import sys
import textwrap

import pytest

from muralstudio.engines import inpainting, registry
from muralstudio.engines.settings import Setting, schema_of, validate

ENGINE = textwrap.dedent('''
    import numpy as np

    from muralstudio.engines.inpainting import Inpainter, InpainterCapabilities
    from muralstudio.engines.registry import register
    from muralstudio.engines.settings import Setting


    @register("inpainter", "flatgrey")
    class FlatGrey(Inpainter):
        """Fills every hole with one grey level (a plug-in example)."""

        name = "flatgrey"
        version = "1"
        capabilities = InpainterCapabilities()
        settings = (Setting("level", "float", 0.5, 0.0, 1.0, help="grey level of the fill", label="Level"),
                    Setting("mode", "choice", "flat", choices=("flat", "noisy")))

        def __init__(self, device="cpu", level=0.5, mode="flat"):
            super().__init__(device, level=level, mode=mode)

        def inpaint(self, rgb, hole, cancelled=None, **hints):
            out = rgb.copy()
            out[hole] = self.params["level"]
            return out
''')


def test_schema_converts_and_checks_values():
    factory = registry.get("inpainter", "patchmatch")
    assert validate(factory, {"patch_size": "9", "texture": "false"}, "patchmatch") == {"patch_size": 9, "texture": False}
    with pytest.raises(ValueError, match="patch_size must be at most 31, not 99"):
        validate(factory, {"patch_size": 99}, "patchmatch")
    with pytest.raises(ValueError, match="texture must be true or false"):
        validate(factory, {"texture": "maybe"}, "patchmatch")
    with pytest.raises(ValueError, match="has no setting 'patch'; its settings: patch_size"):
        validate(factory, {"patch": 7}, "patchmatch")
    assert Setting("mode", "choice", "a", choices=("a", "b")).coerce("b") == "b"
    with pytest.raises(ValueError, match="one of a, b"):
        Setting("mode", "choice", "a", choices=("a", "b")).coerce("c")


def test_every_builtin_engine_has_a_schema_whose_defaults_pass_it():
    registry.load_builtin_engines()
    for kind in registry.ENGINE_KINDS:
        for name in registry.available(kind):
            factory = registry.get(kind, name)
            for setting in schema_of(factory):
                if setting.default is not None or setting.optional:
                    setting.coerce(setting.default, name)


def test_cli_settings_errors_come_from_the_schema(tmp_path):
    with pytest.raises(ValueError, match="radius must be at least 1"):
        inpainting.create_from_spec("telea:radius=0")


def test_a_dropped_in_engine_module_is_found_everywhere(tmp_path, qtbot, monkeypatch):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "flatgrey_engine.py").write_text(ENGINE, encoding="utf-8")
    env = {"MURALSTUDIO_ENGINES": str(folder)}
    listing = subprocess.run([sys.executable, "-m", "muralstudio", "models", "list"], capture_output=True,
                             text=True, env={**__import__("os").environ, **env})
    assert listing.returncode == 0 and "flatgrey" in listing.stdout
    from muralstudio.core import imageio, synth

    import numpy as np

    image = tmp_path / "in.png"
    mask = tmp_path / "mask.png"
    imageio.write_png(image, synth.generate_mural(64, 48, seed=1)[0])
    hole = np.zeros((48, 64), np.uint8)
    hole[10:20, 10:20] = 255
    imageio.write_png(mask, hole)
    run = subprocess.run([sys.executable, "-m", "muralstudio", "inpaint", str(image), "--mask", str(mask),
                          "--engine", "flatgrey", "--param", "level=0.25", "--out", str(tmp_path / "out.png")],
                         capture_output=True, text=True, env={**__import__("os").environ, **env})
    assert run.returncode == 0, run.stderr
    assert (imageio.read_image(tmp_path / "out.png").pixels[12, 12] == 64).all()  # 0.25 × 255
    bad = subprocess.run([sys.executable, "-m", "muralstudio", "inpaint", str(image), "--mask", str(mask),
                          "--engine", "flatgrey:level=2", "--out", str(tmp_path / "bad.png")],
                         capture_output=True, text=True, env={**__import__("os").environ, **env})
    assert bad.returncode == 2 and "level must be at most 1" in bad.stderr
    # in this process: the window's dock lists it and builds its settings form from the schema
    # (on copies of the registry's tables, so the plug-in does not outlive this test)
    monkeypatch.setattr(registry, "_registry", {kind: dict(engines) for kind, engines in registry._registry.items()})
    monkeypatch.setattr(registry, "_scanned", set(registry._scanned))
    monkeypatch.setenv("MURALSTUDIO_ENGINES", str(folder))
    registry.load_builtin_engines()
    from muralstudio.gui.main_window import MainWindow

    window = MainWindow()
    try:
        dock = window.inpaint_dock
        assert dock.engine.findData("flatgrey") >= 0
        dock.engine.setCurrentIndex(dock.engine.findData("flatgrey"))
        form = dock.settings_form
        assert set(form.widgets) == {"level", "mode"}
        form.widgets["level"].setValue(0.75)
        form.widgets["mode"].setCurrentIndex(form.widgets["mode"].findData("noisy"))
        assert dock.options().engine_params == {"level": 0.75, "mode": "noisy"}
    finally:
        window.close()


def test_every_builtin_setting_label_and_help_is_marked_for_translation():
    from muralstudio.gui.engine_labels import ENGINE_SETTING_TEXTS

    registry.load_builtin_engines()
    for kind in registry.ENGINE_KINDS:
        for name in registry.available(kind):
            factory = registry.get(kind, name)
            if factory.__module__.startswith("muralstudio.") and isinstance(getattr(factory, "settings", None), tuple):
                for setting in factory.settings:
                    for text in (setting.label, setting.help):
                        assert not text or text in ENGINE_SETTING_TEXTS, (name, text)


def test_a_new_dock_is_one_registry_entry_and_gets_the_windows_events(qtbot, monkeypatch):
    """A dock added to gui/dock_registry.DOCKS is built, tabbed, and receives the document,
    layer and settings events through its hooks; the main window needs no edit."""
    from PySide6.QtWidgets import QLabel

    from muralstudio.gui import dock_registry
    from muralstudio.gui.main_window import MainWindow, demo_document

    class CountingDock(QLabel):
        def __init__(self, window):
            super().__init__("counting")
            self.events = []

        def set_document(self, doc):
            self.events.append("document")

        def on_layers_changed(self):
            self.events.append("layers")

        def on_layer_pixels(self, layer):
            self.events.append(f"pixels:{layer.name}")

        def apply_settings(self, settings):
            self.events.append(f"settings:{settings.get('tile_size')}")

    spec = dock_registry.DockSpec("counting_dock", "counting", "Counting", CountingDock)
    monkeypatch.setattr(dock_registry, "DOCKS", [*dock_registry.DOCKS, spec])
    import muralstudio.gui.main_window as main_window

    monkeypatch.setattr(main_window, "DOCKS", dock_registry.DOCKS)
    window = MainWindow()
    try:
        assert window.findChild(type(window.docks[0][2]), "counting") is not None
        doc = demo_document()
        window.set_document(doc)
        dock = window.counting_dock
        assert "document" in dock.events and "layers" in dock.events and any(e.startswith("settings:") for e in dock.events)
        layer = doc.layer_by_name("paint loss")
        layer.data[:4, :4] = 255
        doc.layer_changed.emit(layer, "pixels", (0, 0, 4, 4))  # what a brush stroke announces
        assert "pixels:paint loss" in dock.events
    finally:
        window.doc.mark_clean()
        window.close()

