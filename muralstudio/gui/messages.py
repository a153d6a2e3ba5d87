"""Texts of the Qt-free layers in the interface language.

Errors and job stages raised or reported by core, engines and ops are
:class:`~muralstudio.core.messages.Text` objects: English strings that keep their message id and
fields. The window translates them by the id (Qt context "Message", filled from
``tools/zh_CN.py``); any other text is shown as it is."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from muralstudio.core.errors import MuralStudioError, os_error_text
from muralstudio.core.messages import Text


def translate_message(message) -> str:
    """``message`` (a Text, an exception, or plain text) in the interface language."""
    if isinstance(message, OSError) and not isinstance(message, MuralStudioError):
        message = os_error_text(message)  # "FILE: reason", not "[Errno 2] reason: 'FILE'"
    elif isinstance(message, BaseException):
        message = str(message) or type(message).__name__
    if not isinstance(message, Text):
        return str(message)
    translated = QCoreApplication.translate("Message", message.message_id)
    if translated == message.message_id:
        return str.__str__(message)
    return message.render(translated)
