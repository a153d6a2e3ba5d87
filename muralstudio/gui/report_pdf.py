"""The condition report (``ops.report``) as an A4 PDF, drawn by Qt's own PDF writer from the
report's HTML; the fonts it uses (a CJK one for Chinese text) are embedded by Qt."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF, QUrl
from PySide6.QtGui import (QFont, QFontDatabase, QImage, QPageLayout, QPageSize, QPdfWriter, QTextBlockFormat,
                           QTextCursor, QTextDocument)

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


#: A4 with 15-mm margins at 150 dpi: the report's pages
PAGE_MARGIN_MM, PAGE_DPI = 15, 150


def write_pdf(report, path) -> Path:
    """Write ``report`` (:class:`muralstudio.ops.report.Report`) as an A4 PDF, atomically."""
    from muralstudio.core.atomic import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:  # the old report stays until the new one is whole
        writer = QPdfWriter(str(tmp))
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                         QMarginsF(*[PAGE_MARGIN_MM] * 4), QPageLayout.Unit.Millimeter))
        writer.setResolution(PAGE_DPI)
        writer.setTitle(report.title or "MuralStudio report")
        writer.setCreator("MuralStudio")
        layout = writer.pageLayout().paintRectPixels(writer.resolution())
        paged_document(report, QSizeF(layout.width(), layout.height())).print_(writer)
        del writer  # finishes the file
        # Qt reports no write errors: a full disk left an empty file, and the command said
        # it had written the report
        if not complete_pdf(tmp):
            raise OSError(errno.ENOSPC, "the PDF could not be written completely (is the disk full?)", str(path))
    return path


def _document(report, images: dict, font: QFont, page: QSizeF, breaks: list[int]) -> QTextDocument:
    """The report's HTML (``images``: its figures as QImages) laid out on pages of ``page`` px,
    a page break before each block numbered in ``breaks``."""
    document = QTextDocument()
    document.setDefaultFont(font)
    for name, image in images.items():
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    document.setHtml(report.html)
    document.setPageSize(page)
    for number in breaks:
        block = document.findBlockByNumber(number)
        form = QTextBlockFormat(block.blockFormat())
        form.setPageBreakPolicy(QTextBlockFormat.PageBreakFlag.PageBreak_AlwaysBefore)
        QTextCursor(block).setBlockFormat(form)
    document.pageCount()  # laid out whole
    return document


def paged_document(report, page: QSizeF, most: int = 100) -> QTextDocument:
    """The report on pages of ``page`` px with each heading or caption that would be left at the
    foot of a page, parted from the table or figure it introduces, moved to the next page with
    the headings just before it (users found figures parted from their headings; Qt's HTML
    takes no ``break-after: avoid``). Breaks are found one at a time, each in a document laid
    out afresh: Qt's incremental relayout after a format change miscounted the pages and left
    content out of the PDF."""
    images = {name: QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888).copy()
              for name, rgb in report.images.items()}
    font = report_font(report.language, report.html)
    breaks: list[int] = []
    while True:
        document = _document(report, images, font, page, breaks)
        number = _parted_heading(document)
        if number is None or len(breaks) >= most:
            return document
        breaks.append(number)


def _has_image(block) -> bool:
    fragments = block.begin()
    while not fragments.atEnd():
        if fragments.fragment().charFormat().isImageFormat():
            return True
        fragments += 1
    return False


def _keeps_with_next(block) -> bool:
    """A heading, or a caption (the paragraph just before an image), belongs on its next
    block's page."""
    following = block.next()
    return (following.isValid() and not _has_image(block)
            and (block.blockFormat().headingLevel() > 0 or _has_image(following)))


def _parted_heading(document: QTextDocument) -> int | None:
    """The number of the first block to move to the next page: the first heading or caption
    whose next block starts a later page, or the first of the headings right before it; None
    when none is parted (or the one parted is first on its page already: its figure is taller
    than a page)."""
    height = document.pageSize().height()
    layout = document.documentLayout()

    def page(block) -> int:  # of its first line: a line that does not fit is moved down, its block not
        lines = block.layout()
        first = lines.lineAt(0).y() if lines is not None and lines.lineCount() else 0.0
        return int((layout.blockBoundingRect(block).top() + first) // height)

    block = document.begin()
    while block.isValid():
        if _keeps_with_next(block) and page(block.next()) > page(block):
            start = block
            while (start.previous().isValid() and _keeps_with_next(start.previous())
                   and page(start.previous()) == page(block)):
                start = start.previous()
            if start.previous().isValid() and page(start.previous()) == page(start):
                return start.blockNumber()
        block = block.next()
    return None


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
