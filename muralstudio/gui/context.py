"""What a dock may use of the window: the document, the job runner, messages, the canvas's
view, the tools, and the other docks by name. Docks get this small context instead of the
window, so each one can be built and tested alone with a stand-in (``tests/test_docks.py``)."""

from __future__ import annotations


class WindowContext:
    """The main window seen by its docks."""

    def __init__(self, window):
        self._window = window

    @property
    def parent(self):
        """The widget dialogs and docks are parented to."""
        return self._window

    @property
    def doc(self):
        return self._window.doc

    @property
    def jobs(self):
        return self._window.jobs

    @property
    def click_tool(self):
        return self._window.click_tool

    def show_error(self, message) -> None:
        self._window.show_error(message)

    def show_status(self, text: str, milliseconds: int = 5000) -> None:
        self._window.statusBar().showMessage(text, milliseconds)

    def center_on(self, x: float, y: float) -> None:
        self._window.view.centerOn(x, y)

    def show_rect(self, x: int, y: int, w: int, h: int) -> None:
        self._window.view.show_rect(x, y, w, h)

    def highlight(self, box) -> None:
        """Frame the image rectangle (x, y, w, h) on the canvas — which then takes the keyboard,
        for the Review tool's keys — or nothing (None)."""
        self._window.view.set_highlight(box)
        if box is not None:
            self._window.view.setFocus()

    def select_layer(self, layer) -> None:
        self._window.layer_panel.select(layer)

    def set_brush_size(self, pixels: int) -> None:
        self._window.brush_size.setValue(pixels)

    def use_tool(self, name: str) -> None:
        """Switch the canvas to a tool: "brush", "review", …"""
        self._window.tool_actions[name].trigger()

    def dock(self, attribute: str):
        """Another dock, by its registry attribute (e.g. "detect_dock"); None when absent."""
        return getattr(self._window, attribute, None)
