"""A two-column box table, drawn in rich's default style without importing rich.

Importing rich.console and rich.table costs about half of a bare
``import typer, rich`` again (measured by ``make bench``), and every table
cnncalc prints is two columns of plain text: drawing it here keeps start-up
within its budget. Colour only on a terminal, never with NO_COLOR.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

BOLD, RESET = "\x1b[1m", "\x1b[0m"


@dataclass(frozen=True)
class Section:
    """One table of a command's output, with an optional caption above it."""

    rows: Sequence[tuple[str, ...]]
    header: tuple[str, ...] | None = None
    caption: str = ""
    separate_rows: bool = False


def use_colour(stream: object = None) -> bool:
    """Colour a terminal (or FORCE_COLOR), never with NO_COLOR or TERM=dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream if stream is not None else sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def terminal_width() -> int:
    """COLUMNS if set, else the terminal's width, else 80."""
    return shutil.get_terminal_size((80, 24)).columns


def draw(
    rows: Sequence[tuple[str, ...]],
    width: int,
    colour: bool = False,
    header: tuple[str, ...] | None = None,
    separate_rows: bool = False,
) -> list[str]:
    """The table's lines, at most ``width`` wide; cells after the first wrap at spaces.

    >>> print("\\n".join(draw([("output", "3×3"), ("params", "10")], 40)))
    ┌────────┬─────┐
    │ output │ 3×3 │
    │ params │ 10  │
    └────────┴─────┘
    """
    table = [header, *rows] if header else rows
    columns = max(len(row) for row in table)
    natural = [max(width_of(row[c]) if c < len(row) else 0 for row in table) for c in range(columns)]
    widths = _fit(natural, width - (3 * columns + 1))
    lines = [_rule("┌", "┬", "┐", widths)]
    if header:
        lines += _row(header, widths, colour)
        lines.append(_rule("├", "┼", "┤", widths))
    for n, row in enumerate(rows):
        if separate_rows and n:
            lines.append(_rule("├", "┼", "┤", widths))
        lines += _row(row, widths, colour and not header)
    lines.append(_rule("└", "┴", "┘", widths))
    return lines


def _fit(natural: list[int], room: int) -> list[int]:
    # The first column (the labels) keeps its width. The others are capped at
    # one common width, the largest that fits (at least 10): narrow columns
    # stay whole and only the widest ones wrap.
    rest = room - natural[0]
    others = natural[1:]
    if sum(others) <= rest:
        return natural
    cap = max(others)
    while cap > 10 and sum(min(n, cap) for n in others) > rest:
        cap -= 1
    return [natural[0], *(min(n, cap) for n in others)]


def width_of(text: str) -> int:
    """Columns the text takes: combining marks (the tilde of c̃) take none."""
    return sum(not unicodedata.combining(ch) for ch in text)


def _rule(left: str, middle: str, right: str, widths: list[int]) -> str:
    return left + middle.join("─" * (w + 2) for w in widths) + right


def _row(cells: tuple[str, ...], widths: list[int], bold_first: bool) -> list[str]:
    wrapped = [textwrap.wrap(cell, w, break_on_hyphens=False) or [""] for cell, w in zip(cells, widths, strict=False)]
    wrapped += [[""]] * (len(widths) - len(wrapped))
    lines = []
    for i in range(max(len(pieces) for pieces in wrapped)):
        parts = []
        for c, (pieces, w) in enumerate(zip(wrapped, widths, strict=True)):
            piece = pieces[i] if i < len(pieces) else ""
            text = piece + " " * (w - width_of(piece))
            parts.append(f"{BOLD}{text}{RESET}" if bold_first and c == 0 and i == 0 else text)
        lines.append("│ " + " │ ".join(parts) + " │")
    return lines
