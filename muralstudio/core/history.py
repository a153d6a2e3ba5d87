"""Undo/redo that stores only what changed, grouped per user action, capped by memory.

A pixel change keeps the bounding box and the values that are *not* currently in the array:
undo swaps them in (keeping the current values for redo), so one copy of the touched box is
held at any time, never a copy of the whole layer.
"""

from __future__ import annotations

import contextlib
from collections import deque

import numpy as np

from muralstudio.core.events import Event

DEFAULT_LIMIT_BYTES = 1 << 30  # 1 GB


class Change:
    """One reversible change. ``apply_swap`` turns it into its own inverse."""

    nbytes = 64

    def apply_swap(self) -> None:
        raise NotImplementedError


class PixelChange(Change):
    """Values of ``array[y0:y1, x0:x1]`` before the change (after an undo: after it)."""

    def __init__(self, array: np.ndarray, bbox: tuple[int, int, int, int], saved: np.ndarray,
                 notify):
        self.array = array
        self.bbox = bbox
        self.saved = saved
        self.notify = notify

    @property
    def nbytes(self) -> int:
        return int(self.saved.nbytes) + 64

    def apply_swap(self) -> None:
        y0, y1, x0, x1 = self.bbox
        current = self.array[y0:y1, x0:x1].copy()
        self.array[y0:y1, x0:x1] = self.saved
        self.saved = current
        self.notify(self.bbox)


class ScatterChange(Change):
    """Values of ``array`` at the flat indices ``index`` before the change (after an undo: after
    it): a change of pixels spread thin over a large layer (accepting every proposal) costs
    their values, not a copy of the box they span. ``bbox``: that box, for the redraw."""

    def __init__(self, array: np.ndarray, index: np.ndarray, saved: np.ndarray,
                 bbox: tuple[int, int, int, int], notify):
        self.array, self.index, self.saved, self.bbox, self.notify = array, index, saved, bbox, notify

    @property
    def nbytes(self) -> int:
        return int(self.index.nbytes + self.saved.nbytes) + 64

    def apply_swap(self) -> None:
        flat = self.array.reshape(-1)  # a view: layers are C-contiguous
        current = flat[self.index]
        flat[self.index] = self.saved
        self.saved = current
        self.notify(self.bbox)


class CallbackChange(Change):
    """A change described by two callables (layer properties, layer list edits)."""

    def __init__(self, undo, redo, nbytes: int = 64):
        self._undo, self._redo = undo, redo
        self.nbytes = nbytes
        self._undone = False

    def apply_swap(self) -> None:
        (self._redo if self._undone else self._undo)()
        self._undone = not self._undone


class Step:
    """The changes of one user action, undone and redone together."""

    def __init__(self, name: str):
        self.name = name
        self.changes: list[Change] = []

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self.changes)


class History:
    """Undo and redo stacks of :class:`Step`. ``changed`` fires after every modification."""

    def __init__(self, limit_bytes: int = DEFAULT_LIMIT_BYTES):
        self.limit_bytes = int(limit_bytes)
        self.undo_stack: deque[Step] = deque()
        self.redo_stack: deque[Step] = deque()
        self._open: Step | None = None
        self._depth = 0
        self._replaying = False
        self.changed = Event("history.changed")

    # recording ---------------------------------------------------------------------------
    def state(self) -> tuple:
        """Changes whenever the document's content may have changed (an edit, undo or redo):
        a key for caches of values computed from the document."""
        return (len(self.undo_stack), len(self.redo_stack),
                id(self.undo_stack[-1]) if self.undo_stack else None,
                len(self.undo_stack[-1].changes) if self.undo_stack else 0)

    @contextlib.contextmanager
    def group(self, name: str):
        """Group every change made inside the block into one undo step (nesting allowed)."""
        if self._depth == 0:
            self._open = Step(name)
        self._depth += 1
        try:
            yield self._open
        finally:
            self._depth -= 1
            if self._depth == 0:
                step, self._open = self._open, None
                if step.changes:
                    self._push(step)

    def record(self, change: Change, name: str = "Edit") -> None:
        if self._replaying:
            return
        if self._open is not None:
            self._open.changes.append(change)
        else:
            step = Step(name)
            step.changes.append(change)
            self._push(step)

    def amend(self, change: Change, name: str = "Edit") -> None:
        """Add ``change`` to the last step instead of a step of its own: a consequence of that
        step (the numbers of the elements an edit made), undone and redone with it. With no step
        to amend, or inside an open group, it is recorded as usual."""
        if self._replaying:
            return
        if self._open is not None or not self.undo_stack:
            self.record(change, name)
            return
        self.undo_stack[-1].changes.append(change)
        self.changed.emit()

    def _push(self, step: Step) -> None:
        self.undo_stack.append(step)
        self.redo_stack.clear()  # a new action makes the undone future unreachable
        self._enforce_limit()
        self.changed.emit()

    def _enforce_limit(self) -> None:
        while self.nbytes > self.limit_bytes and len(self.undo_stack) > 1:
            self.undo_stack.popleft()
        while self.nbytes > self.limit_bytes and self.redo_stack:
            self.redo_stack.popleft()

    # replay ------------------------------------------------------------------------------
    def undo(self) -> str | None:
        if not self.undo_stack or self._open is not None:
            return None
        step = self.undo_stack.pop()
        self._replay(reversed(step.changes))
        self.redo_stack.append(step)
        self.changed.emit()
        return step.name

    def redo(self) -> str | None:
        if not self.redo_stack or self._open is not None:
            return None
        step = self.redo_stack.pop()
        self._replay(step.changes)
        self.undo_stack.append(step)
        self.changed.emit()
        return step.name

    def _replay(self, changes) -> None:
        self._replaying = True
        try:
            for change in changes:
                change.apply_swap()
        finally:
            self._replaying = False

    def go_to(self, index: int) -> None:
        """Undo or redo until ``index`` steps are applied (the History dock's click)."""
        while len(self.undo_stack) > index and self.undo():
            pass
        while len(self.undo_stack) < index and self.redo():
            pass

    # queries -----------------------------------------------------------------------------
    @property
    def replaying(self) -> bool:
        """Whether an undo or redo is being applied (its changes' events fire meanwhile)."""
        return self._replaying

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.undo_stack) + sum(s.nbytes for s in self.redo_stack)

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    @property
    def can_redo(self) -> bool:
        return bool(self.redo_stack)

    def names(self) -> list[str]:
        """Step names, oldest first: applied steps then the redoable ones (nearest first)."""
        return [s.name for s in self.undo_stack] + [s.name for s in reversed(self.redo_stack)]

    def clear(self) -> None:
        self.undo_stack.clear()
        self.redo_stack.clear()
        self.changed.emit()
