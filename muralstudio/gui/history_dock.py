"""History dock: the undo stack as a list; clicking a step undoes or redoes up to it."""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem


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
            item = QListWidgetItem(name)
            if i > applied:
                item.setForeground(QBrush(QColor(150, 150, 150)))  # undone: can be redone
            self.addItem(item)
        self.setCurrentRow(applied)
        self.blockSignals(False)
