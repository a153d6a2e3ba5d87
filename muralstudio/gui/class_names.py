"""The labeler's class names in the window's language (a class the user added or renamed
stays as written), and element names made from them ("people 1" → 人物 1), as the report
names them."""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

#: the built-in element classes (core.document.DEFAULT_LABEL_CLASSES), for lupdate
BUILT_IN = (QT_TRANSLATE_NOOP("ClassNames", "background"), QT_TRANSLATE_NOOP("ClassNames", "animal"),
            QT_TRANSLATE_NOOP("ClassNames", "building"), QT_TRANSLATE_NOOP("ClassNames", "cloud"),
            QT_TRANSLATE_NOOP("ClassNames", "people"), QT_TRANSLATE_NOOP("ClassNames", "Buddha"))


def class_label(name: str) -> str:
    """A class as the user reads it."""
    return QCoreApplication.translate("ClassNames", name) if name in BUILT_IN else name


def element_label(display_name: str, class_name: str) -> str:
    """An element's name as the window shows it: "people 1" in the class's words, a name the
    user gave as written."""
    match = re.fullmatch(rf"{re.escape(class_name)} (\d+)", display_name)
    return f"{class_label(class_name)} {match.group(1)}" if match else display_name
