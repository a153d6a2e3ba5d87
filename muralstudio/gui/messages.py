"""Translation of error messages raised by the Qt-free layers (core, engines).

Their messages are plain English with values inside (file names, sizes, numbers). Each known
message is a template with %1, %2 … for the values; :func:`translate_message` finds a template
anywhere in the text (after the file name that prefixes most messages), and replaces that part
with its translation, the captured values put back. Unknown messages are shown as they are."""

from __future__ import annotations

import re
from functools import lru_cache

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

MESSAGES = [
    QT_TRANSLATE_NOOP("Message", "file not found"),
    QT_TRANSLATE_NOOP("Message", "is a folder, not an image file"),
    QT_TRANSLATE_NOOP("Message", "permission denied"),
    QT_TRANSLATE_NOOP("Message", "file is empty (0 bytes)"),
    QT_TRANSLATE_NOOP("Message", "image is empty (%1 pixels)"),
    QT_TRANSLATE_NOOP("Message", "PNG header (IHDR) is missing or damaged"),
    QT_TRANSLATE_NOOP("Message", "image mode %1 is not supported"),
    QT_TRANSLATE_NOOP("Message", "16-bit PNG data could not be decoded (truncated?)"),
    QT_TRANSLATE_NOOP("Message", "cannot read the %1 header (%2)"),
    QT_TRANSLATE_NOOP("Message", "decoded size does not match the header"),
    QT_TRANSLATE_NOOP("Message", "cannot decode region (%1)"),
    QT_TRANSLATE_NOOP("Message", "does not start like a %1 file"),
    QT_TRANSLATE_NOOP("Message", "image has %1 pixels, more than the limit of %2; raise it with "
                                 "--max-pixels N (command line) or the MURALSTUDIO_MAX_PIXELS "
                                 "environment variable"),
    QT_TRANSLATE_NOOP("Message", "this is an original image opened as a source; MuralStudio "
                                 "never writes to originals, choose another name"),
    QT_TRANSLATE_NOOP("Message", "the compute server %1 cannot be reached (%2); the job did not run. "
                                 "Choose 'This computer' in Settings → Compute to work locally."),
    QT_TRANSLATE_NOOP("Message", "no file name given for the project"),
    QT_TRANSLATE_NOOP("Message", "not a MuralStudio project or damaged (%1)"),
    QT_TRANSLATE_NOOP("Message", "damaged project: manifest.json is missing"),
    QT_TRANSLATE_NOOP("Message", "not a MuralStudio project (unknown format)"),
    QT_TRANSLATE_NOOP("Message", "source image %1 was not found; locate it to continue"),
    QT_TRANSLATE_NOOP("Message", "%1 is not this project's source image (SHA-256 %2, expected %3)"),
    QT_TRANSLATE_NOOP("Message", "weights file not found (see models/README.md for how to train "
                                 "or import weights)"),
    QT_TRANSLATE_NOOP("Message", "the Res-UNet detector's weights are not installed; train them "
                                 "with 'muralstudio train detect' (see models/README.md)"),
    QT_TRANSLATE_NOOP("Message", "the click model's weights are not installed; train them with "
                                 "'muralstudio train clicks' (see models/README.md)"),
    QT_TRANSLATE_NOOP("Message", "checkpoint does not fit the network — %1"),
    QT_TRANSLATE_NOOP("Message", "CUDA was requested but this torch build or machine has no CUDA "
                                 "device; use --device cpu"),
    QT_TRANSLATE_NOOP("Message", "cancelled"),
    QT_TRANSLATE_NOOP("Message", "detection cancelled"),
    QT_TRANSLATE_NOOP("Message", "labeling cancelled"),
    QT_TRANSLATE_NOOP("Message", "the %1's weights are not installed; import the official checkpoint "
                                 "with 'muralstudio models import CHECKPOINT --as %2' (see models/README.md)"),
    QT_TRANSLATE_NOOP("Message", "training cancelled"),
    QT_TRANSLATE_NOOP("Message", "the PSP-M labeler's weights are not installed; train them with "
                                 "'muralstudio train label' (see models/README.md)"),
]


@lru_cache(maxsize=None)
def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"(%\d)", template)
    regex = "".join("(.+?)" if re.fullmatch(r"%\d", p) else re.escape(p) for p in parts)
    return re.compile(regex + r"(?=$|\n)", re.DOTALL)


def translate_message(text: str) -> str:
    """``"/a/b.tif: file not found"`` in the interface language (unknown parts unchanged)."""
    for template in sorted(MESSAGES, key=len, reverse=True):
        translated = QCoreApplication.translate("Message", template)
        if translated == template:
            continue
        match = _pattern(template).search(text)
        if match is None:
            continue
        for index, value in enumerate(match.groups(), start=1):
            translated = translated.replace(f"%{index}", value)
        return text[:match.start()] + translated + text[match.end():]
    return text
