"""Console tables whose columns fit their contents and stay aligned with Chinese text (a wide
character takes two columns of a terminal)."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def text_table(header: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:
    """``rows`` of strings under ``header``, each column as wide as its widest cell, nothing cut;
    the columns numbered in ``right`` aligned right (numbers)."""
    widths = [max(display_width(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells) -> str:
        parts = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - display_width(str(cell)))
            parts.append(pad + str(cell) if i in right else str(cell) + pad)
        return "  ".join(parts).rstrip()

    return "\n".join([line(header), *(line(row) for row in rows)])
