"""History dock: the undo stack as a list; clicking a step undoes or redoes up to it."""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem


def _tr(text: str) -> str:
    return QCoreApplication.translate("HistoryList", text)


#: the undo steps the Qt-free layers name in English, as patterns with their translated forms
#: (the names users give layers stay as they are)
STEP_PATTERNS = [(re.compile(pattern), template) for pattern, template in (
    (r"^Add layer '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Add layer '%1'")),
    (r"^Delete layer '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Delete layer '%1'")),
    (r"^Move layer '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Move layer '%1'")),
    (r"^Duplicate '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Duplicate '%1'")),
    (r"^Merge '(.*)' into '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Merge '%1' into '%2'")),
    (r"^Propose restoration \((.*)\)$", QT_TRANSLATE_NOOP("HistoryList", "Propose restoration (%1)")),
    (r"^Apply restoration '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Apply restoration '%1'")),
    (r"^Accept (.*) region$", QT_TRANSLATE_NOOP("HistoryList", "Accept a region of '%1'")),
    (r"^Reject (.*) region$", QT_TRANSLATE_NOOP("HistoryList", "Reject a region of '%1'")),
    (r"^Accept all of (.*)$", QT_TRANSLATE_NOOP("HistoryList", "Accept all of '%1'")),
    (r"^Reject all of (.*)$", QT_TRANSLATE_NOOP("HistoryList", "Reject all of '%1'")),
    (r"^Set visible of '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Show or hide '%1'")),
    (r"^Set opacity of '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Set the opacity of '%1'")),
    (r"^Set locked of '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Lock or unlock '%1'")),
    (r"^Set name of '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Rename '%1'")),
    (r"^Set color of '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Set the colour of '%1'")),
    (r"^Set classes of '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Change the classes of '%1'")),
    (r"^Set element_names of '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Name an element of '%1'")),
    (r"^Set pending of '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Apply or withdraw '%1'")),
    (r"^Set (\w+) of '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Set %1 of '%2'")),
    (r"^Detect (.*)$", QT_TRANSLATE_NOOP("HistoryList", "Detect %1")),
    (r"^Union '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Add '%1' to the mask")),
    (r"^Intersect '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Keep only what '%1' also marks")),
    (r"^Subtract '(.*)'$", QT_TRANSLATE_NOOP("HistoryList", "Take '%1' out of the mask")),
)]
#: steps named without a layer, translated as they are
PLAIN_STEPS = (QT_TRANSLATE_NOOP("HistoryList", "Set scale"), QT_TRANSLATE_NOOP("HistoryList", "Paint"),
               QT_TRANSLATE_NOOP("HistoryList", "Reject"), QT_TRANSLATE_NOOP("HistoryList", "Record detection"),
               QT_TRANSLATE_NOOP("HistoryList", "Count review"), QT_TRANSLATE_NOOP("HistoryList", "Apply proposals"),
               QT_TRANSLATE_NOOP("HistoryList", "Fill polygon"), QT_TRANSLATE_NOOP("HistoryList", "Erase polygon"),
               QT_TRANSLATE_NOOP("HistoryList", "Brush"), QT_TRANSLATE_NOOP("HistoryList", "Erase"))


def translated_step(name: str) -> str:
    """An undo step's name in the window's language (names made in the window are already)."""
    if name in PLAIN_STEPS:
        return _tr(name)
    for pattern, template in STEP_PATTERNS:
        match = pattern.match(name)
        if match:
            text = _tr(template)
            for index, value in enumerate(match.groups(), start=1):
                text = text.replace(f"%{index}", value)
            return text
    return name


class HistoryList(QListWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.doc = None
        self.itemClicked.connect(lambda item: self.doc and self.doc.history.go_to(self.row(item)))

    def set_document(self, doc) -> None:
        self.doc = doc
        doc.history.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        history = self.doc.history
        applied = len(history.undo_stack)
        self.blockSignals(True)
        self.clear()
        self.addItem(QListWidgetItem(self.tr("Opened")))
        for i, name in enumerate(history.names(), start=1):
            item = QListWidgetItem(translated_step(name))
            if i > applied:
                item.setForeground(QBrush(QColor(150, 150, 150)))  # undone: can be redone
            self.addItem(item)
        self.setCurrentRow(applied)
        self.blockSignals(False)
