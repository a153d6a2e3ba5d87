"""The labeler's class names in the window's language (a class the user added or renamed
stays as written), and element names made from them ("people 1" → 人物 1), as the report
names them."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from muralstudio.core.elements import translated_element_name

#: the built-in element classes (core.document.DEFAULT_LABEL_CLASSES, a test keeps them alike),
#: spelt out for lupdate
BUILT_IN = (QT_TRANSLATE_NOOP("ClassNames", "background"), QT_TRANSLATE_NOOP("ClassNames", "animal"),
            QT_TRANSLATE_NOOP("ClassNames", "building"), QT_TRANSLATE_NOOP("ClassNames", "cloud"),
            QT_TRANSLATE_NOOP("ClassNames", "people"), QT_TRANSLATE_NOOP("ClassNames", "Buddha"))


def class_label(name: str) -> str:
    """A class as the user reads it."""
    return QCoreApplication.translate("ClassNames", name) if name in BUILT_IN else name


def element_label(display_name: str, class_name: str) -> str:
    """An element's name as the window shows it: "people 1" in the class's words, a name the
    user gave as written."""
    return translated_element_name(display_name, class_name, class_label)
