"""The condition report (``ops.report``) as an A4 PDF, drawn by Qt's own PDF writer from the
report's HTML; the fonts it uses (a CJK one for Chinese text) are embedded by Qt."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF, QUrl
from PySide6.QtGui import QFont, QFontDatabase, QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from muralstudio.core.errors import MuralStudioError

#: families with Chinese characters, one of which must be installed for Chinese text
FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "SimSun",
            "WenQuanYi Micro Hei", "Noto Sans", "DejaVu Sans")
#: the report's own font, tried in order: a Latin family (Qt draws Chinese characters with an
#: installed CJK family in its place). Not a CJK family: Qt's PDF writer gives the digits of a
#: CJK font's mixed runs ("1536 × 1024 px", a SHA-256) no text, so they could not be searched
#: or copied from the PDF
LATIN_FAMILIES = ("DejaVu Sans", "Noto Sans", "Liberation Sans", "Arial", "Helvetica")
class MissingFontError(MuralStudioError, RuntimeError):
    """No installed font has the report's characters (shown as a message, never a traceback)."""


#: CJK ideographs (unified, extension A, compatibility)
CHINESE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def report_font(language: str, text: str = "") -> QFont:
    """A font that has the report's glyphs (a CJK family for Chinese, or for any report whose
    ``text`` holds Chinese characters, such as an English report of 莫高窟), raising when none is
    installed rather than writing blanks in their place."""
    chinese = language == "zh_CN" or CHINESE.search(text) is not None
    installed = set(QFontDatabase.families())
    has_chinese = any(family in installed and QFontDatabase.WritingSystem.SimplifiedChinese
                      in QFontDatabase.writingSystems(family) for family in FAMILIES)
    if has_chinese or not chinese:
        for family in LATIN_FAMILIES + FAMILIES:
            if family in installed:
                font = QFont(family)
                font.setPointSizeF(10)
                return font
        return QFont()
    if language == "zh_CN":
        raise MissingFontError("no font with Chinese characters is installed (e.g. Noto Sans CJK SC): "
                           "the Chinese report cannot be written")
    if chinese:
        raise MissingFontError(f"the report's text has Chinese characters ({CHINESE.search(text).group()}…) and no "
                           "font with Chinese characters is installed (e.g. Noto Sans CJK SC): install one, "
                           "or export the report as HTML")
    return QFont()


def write_pdf(report, path) -> Path:
    """Write ``report`` (:class:`muralstudio.ops.report.Report`) as an A4 PDF, atomically."""
    from muralstudio.core.atomic import atomic_path

    path = Path(path)
    document = QTextDocument()
    document.setDefaultFont(report_font(report.language, report.html))
    for name, rgb in report.images.items():
        image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888).copy()
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    document.setHtml(report.html)
    with atomic_path(path) as tmp:  # the old report stays until the new one is whole
        writer = QPdfWriter(str(tmp))
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                         QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
        writer.setResolution(150)
        writer.setTitle(report.title or "MuralStudio report")
        writer.setCreator("MuralStudio")
        layout = writer.pageLayout().paintRectPixels(writer.resolution())
        document.setPageSize(QSizeF(layout.width(), layout.height()))
        document.print_(writer)
        del writer  # finishes the file
        # Qt reports no write errors: a full disk left an empty file, and the command said
        # it had written the report
        if not complete_pdf(tmp):
            raise OSError(errno.ENOSPC, "the PDF could not be written completely (is the disk full?)", str(path))
    return path


def complete_pdf(path) -> bool:
    """Whether ``path`` holds a whole PDF: its header and, near the end, its end-of-file mark."""
    with open(path, "rb") as handle:
        head = handle.read(5)
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 1024))
        tail = handle.read()
    return head == b"%PDF-" and b"%%EOF" in tail


def write_pdf_without_window(report, path) -> Path:
    """:func:`write_pdf` from the command line: Qt needs an application for its fonts, not a
    display (the offscreen platform)."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        _APPLICATION.append(QApplication(["muralstudio"]))  # lives as long as the process
    return write_pdf(report, path)


_APPLICATION: list = []
