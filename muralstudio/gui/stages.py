"""Translation of the stage texts engines report with their progress.

Engines (no Qt) report plain English such as ``"detecting: window 3 of 40"``; the window shows
them through :func:`translate_stage`, which swaps the numbers for %1, %2, … and looks the
template up in the Qt translation (context "JobStage")."""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

#: every stage template an engine or the window reports (kept here so lupdate sees them)
STAGES = [
    QT_TRANSLATE_NOOP("JobStage", "done"),
    QT_TRANSLATE_NOOP("JobStage", "hashing the source"),
    QT_TRANSLATE_NOOP("JobStage", "loading the model"),
    QT_TRANSLATE_NOOP("JobStage", "preparing"),
    QT_TRANSLATE_NOOP("JobStage", "predicting"),
    QT_TRANSLATE_NOOP("JobStage", "detecting: window %1 of %2"),
    QT_TRANSLATE_NOOP("JobStage", "labeling: window %1 of %2"),
    QT_TRANSLATE_NOOP("JobStage", "labeling: image %1 of %2"),
    QT_TRANSLATE_NOOP("JobStage", "training: step %1 of %2"),
    QT_TRANSLATE_NOOP("JobStage", "pyramid level %1/%2"),
    QT_TRANSLATE_NOOP("JobStage", "pyramid level %1/%2 ready"),
    QT_TRANSLATE_NOOP("JobStage", "region %1/%2"),
]

_NUMBER = re.compile(r"\d+")


def translate_stage(text: str) -> str:
    """``"detecting: window 3 of 40"`` in the interface language (unchanged when unknown)."""
    numbers = _NUMBER.findall(text)
    counter = iter(range(1, len(numbers) + 1))
    template = _NUMBER.sub(lambda _: f"%{next(counter)}", text)
    translated = QCoreApplication.translate("JobStage", template)
    if translated == template:
        return text
    for index, number in enumerate(numbers, start=1):
        translated = translated.replace(f"%{index}", number)
    return translated
