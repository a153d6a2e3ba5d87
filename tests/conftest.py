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
