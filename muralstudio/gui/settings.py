"""User settings (QSettings) and the settings dialog.

Stored per user: compute device, CPU threads, processing tile size, memory caps (undo
history, tile cache), pixel limit for opening, interface language. Language changes apply at the next start.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
)

DEFAULTS = {
    "device": "cpu",
    "threads": max(1, os.cpu_count() or 1),
    "history_mb": 1024,
    "tile_cache_mb": 256,
    # side of the windows the networks (detection) process at once: larger is faster on a
    # GPU, smaller needs less memory
    "tile_size": 640,
    "max_megapixels": 1000,
    "language": "system",
    # "" = this computer; else a Dask scheduler address that runs the window's jobs
    "compute_server": "",
}
LANGUAGES = {"system": "System", "en": "English", "zh_CN": "简体中文"}


def settings() -> QSettings:
    return QSettings("MuralStudio", "MuralStudio")


def get(key: str):
    default = DEFAULTS[key]
    value = settings().value(key, default)
    return type(default)(value) if value is not None else default


def put(key: str, value) -> None:
    settings().setValue(key, value)


def cuda_available() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - no torch or a broken CUDA runtime: CPU only
        return False


def apply_runtime_settings() -> None:
    """Threads and the pixel limit take effect now; the rest is read where it is used."""
    import cv2

    cv2.setNumThreads(get("threads"))
    os.environ["MURALSTUDIO_MAX_PIXELS"] = str(get("max_megapixels") * 1_000_000)


def recent_files() -> list[str]:
    value = settings().value("recent", [])
    if isinstance(value, str):
        value = [value]
    return [v for v in (value or []) if os.path.exists(v)]


def add_recent_file(path) -> None:
    files = [str(path)] + [f for f in recent_files() if f != str(path)]
    put("recent", files[:10])


class SettingsDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.device = QComboBox()
        self.device.addItem(self.tr("CPU"), "cpu")
        if cuda_available():
            self.device.addItem(self.tr("CUDA GPU"), "cuda")
        self.device.setCurrentIndex(max(0, self.device.findData(get("device"))))
        self.threads = self._spin(1, 256, get("threads"))
        self.tile_size = QComboBox()
        for side in (256, 384, 512, 640, 768, 1024, 2048):
            self.tile_size.addItem(f"{side} × {side}", side)
        self.tile_size.setCurrentIndex(max(0, self.tile_size.findData(get("tile_size"))))
        self.history = self._spin(16, 65536, get("history_mb"), " MiB")
        self.tile_cache = self._spin(32, 65536, get("tile_cache_mb"), " MiB")
        self.max_megapixels = self._spin(1, 100000, get("max_megapixels"), " Mpx")
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(get("language"))))
        self.compute = QComboBox()
        self.compute.addItem(self.tr("This computer"), "local")
        self.compute.addItem(self.tr("Dask scheduler at"), "server")
        self.server = QLineEdit(get("compute_server"))
        self.server.setPlaceholderText("tcp://gpu-server:8786")
        self.compute.setCurrentIndex(1 if get("compute_server") else 0)
        self.server.setEnabled(bool(get("compute_server")))
        self.compute.currentIndexChanged.connect(lambda i: self.server.setEnabled(i == 1))
        form = QFormLayout(self)
        form.addRow(self.tr("Compute"), self.compute)
        form.addRow(self.tr("Scheduler address"), self.server)
        form.addRow(self.tr("Compute device"), self.device)
        form.addRow(self.tr("CPU threads"), self.threads)
        form.addRow(self.tr("Processing tile size"), self.tile_size)
        form.addRow(self.tr("Undo history memory"), self.history)
        form.addRow(self.tr("Tile cache memory"), self.tile_cache)
        form.addRow(self.tr("Largest image to open whole"), self.max_megapixels)
        form.addRow(self.tr("Language"), self.language)
        form.addRow(QLabel(self.tr("A new language applies after a restart.")))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @staticmethod
    def _spin(low, high, value, suffix=""):
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setValue(int(value))
        spin.setSuffix(suffix)
        return spin

    def save(self) -> None:
        put("device", self.device.currentData())
        put("threads", self.threads.value())
        put("tile_size", self.tile_size.currentData())
        put("history_mb", self.history.value())
        put("tile_cache_mb", self.tile_cache.value())
        put("max_megapixels", self.max_megapixels.value())
        put("language", self.language.currentData())
        server = self.server.text().strip()
        put("compute_server", server if self.compute.currentData() == "server" and server else "")
        apply_runtime_settings()
