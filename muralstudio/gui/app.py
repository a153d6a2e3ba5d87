"""Application start-up: QApplication, the main window, the demo document or a file."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from muralstudio import __version__


def create_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("MuralStudio")
    app.setOrganizationName("MuralStudio")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(QIcon(str(Path(__file__).with_name("icons") / "muralstudio.png")))
    return app


log = logging.getLogger("muralstudio")


def install_excepthook() -> None:
    """Unexpected errors become a message box with the message; the traceback goes to the log."""

    def hook(kind, value, tb):
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, value, tb)))
        from PySide6.QtWidgets import QMessageBox

        if QApplication.instance() and QApplication.instance().platformName() != "offscreen":
            QMessageBox.critical(None, "MuralStudio", f"{kind.__name__}: {value}")

    sys.excepthook = hook


I18N = Path(__file__).resolve().parent / "i18n"


def install_translation(app: QApplication, language: str) -> QTranslator | None:
    """Load the interface language ("system", "en", "zh_CN"); returns the translator used."""
    if language == "system":
        language = "zh_CN" if QLocale.system().name().startswith("zh") else "en"
    if language == "en":
        return None
    translator = QTranslator(app)
    if not translator.load(str(I18N / f"muralstudio_{language}.qm")):
        log.warning("no translation for %s in %s", language, I18N)
        return None
    # Qt's own strings (Save/Discard/Cancel, OK/Cancel of standard dialogs) come from qtbase
    qt_strings = QTranslator(translator)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt_strings.load(f"qtbase_{language}", folder):
        app.installTranslator(qt_strings)
        translator.qt_strings = qt_strings  # removed together (tests)
    else:
        log.warning("Qt's own %s translation not found in %s", language, folder)
    app.installTranslator(translator)
    return translator


def run(path: Path | None = None) -> int:
    """Open the window with ``path`` (image or project), or the demo document. Blocks."""
    from muralstudio.gui.main_window import MainWindow, demo_document

    app = create_app()
    install_excepthook()
    from muralstudio.gui import settings

    settings.apply_runtime_settings()
    install_translation(app, settings.get("language"))
    window = MainWindow()
    opened = window.open_path(path) if path else window.offer_recovery()
    if not opened:
        window.set_document(demo_document())
    window.show()
    return app.exec()
