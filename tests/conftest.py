"""Shared fixtures. Every test gets private cache and recovery folders; Qt runs offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def private_folders(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("MURALSTUDIO_CACHE", str(base / "cache"))
    monkeypatch.setenv("MURALSTUDIO_DATA", str(base / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))  # QSettings of the tests
    monkeypatch.delenv("MURALSTUDIO_MAX_PIXELS", raising=False)
    return base


@pytest.fixture(scope="session")
def srgb_icc() -> bytes:
    """A real sRGB ICC profile made by Pillow (no file shipped)."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def random_image(rng, shape, dtype):
    top = np.iinfo(dtype).max
    return rng.integers(0, top + 1, size=shape, dtype=np.int64).astype(dtype)


def running_qthreads() -> list:
    """QThreads (with a Python wrapper) that are still running."""
    import gc

    from PySide6.QtCore import QThread

    def is_running(thread) -> bool:
        try:
            return thread.isRunning()
        except RuntimeError:  # its C++ object is already deleted: certainly not running
            return False

    # type() rather than isinstance(): isinstance reads __class__, which some lazy proxies warn on
    return [t for t in gc.get_objects() if issubclass(type(t), QThread) and is_running(t)]


@pytest.fixture(autouse=True)
def no_dangling_qthreads():
    """Fail any test that leaves a QThread running (napari's guard, in spirit)."""
    yield
    import sys

    if "PySide6.QtCore" not in sys.modules:
        return
    running = running_qthreads()
    for thread in running:  # stop them so one leak does not fail every later test
        thread.quit()
        thread.wait(5000)
    assert not running, f"test left {len(running)} QThread(s) running: {[t.objectName() for t in running]}"


@pytest.fixture(autouse=True)
def no_unexpected_modal_dialogs(monkeypatch):
    """A modal question offscreen would wait forever: fail the test instead (tests that expect
    one patch QMessageBox themselves, after this)."""
    try:
        from PySide6.QtWidgets import QMessageBox
    except ImportError:
        yield
        return

    def refuse(*args, **kwargs):
        raise AssertionError(f"unexpected modal dialog: {args[1:3]}")

    for name in ("question", "warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, refuse)
    yield


@pytest.fixture(autouse=True)
def cold_engine_cache():
    """Every test builds its own engines (tests swap factories and weights folders)."""
    try:
        from muralstudio.engines import cache
    except ImportError:
        yield
        return
    cache.clear()
    yield
    cache.clear()


def small_damaged_mural(folder, name: str = "in.png"):
    """A 64×48 generated mural and a 10×10 loss mask written to ``folder``: (image path, mask
    path, the mask as uint8) for command-line tests."""
    from muralstudio.core import imageio, synth

    hole = np.zeros((48, 64), np.uint8)
    hole[10:20, 10:20] = 255
    imageio.write_png(folder / name, synth.generate_mural(64, 48, seed=1)[0])
    imageio.write_png(folder / "mask.png", hole)
    return folder / name, folder / "mask.png", hole


@pytest.fixture
def dark_detector(monkeypatch):
    """Every detector the code creates becomes one that calls dark pixels craquelure and paint
    loss at half their darkness each (a band of value 40 is "damage" at 0.42)."""
    import numpy as np

    from muralstudio.engines import detection

    class DarkDetector(detection.Detector):
        classes = ("background", "craquelure", "paint loss")

        def probabilities(self, tile):
            dark = 1 - tile[..., 0].astype(np.float32) / 255
            return np.stack([1 - dark, dark * 0.5, dark * 0.5])

    monkeypatch.setattr(detection, "create", lambda name, device="cpu", **kw: DarkDetector())
    return DarkDetector


@pytest.fixture
def window(qtbot):
    """An empty main window, closed without a save prompt; its job thread must stop."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from muralstudio.gui.main_window import MainWindow

    win = MainWindow()
    yield win
    if win.doc is not None:
        win.doc.mark_clean()  # no save prompt when the test closes it
    win.close()  # stops the job thread
    assert not win.jobs.is_running()
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
