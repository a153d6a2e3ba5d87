"""Application start-up: QApplication, the main window, the demo document or a file."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from muralstudio import __version__


def create_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("MuralStudio")
    app.setOrganizationName("MuralStudio")
    app.setApplicationVersion(__version__)
    return app


def run(path: Path | None = None) -> int:
    """Open the window with ``path`` (image or project), or the demo document. Blocks."""
    from muralstudio.gui.main_window import MainWindow, demo_document

    app = create_app()
    window = MainWindow()
    opened = window.open_path(path) if path else window.offer_recovery()
    if not opened:
        window.set_document(demo_document())
    window.show()
    return app.exec()
