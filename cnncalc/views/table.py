"""A two-column box table, drawn in rich's default style without importing rich.

Importing rich.console and rich.table costs about half of a bare
``import typer, rich`` again (measured by ``make bench``), and every table
cnncalc prints is two columns of plain text: drawing it here keeps start-up
within its budget. Colour only on a terminal, never with NO_COLOR.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
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
    words, pieces = ([max(_longest(row[c], p) if c < len(row) else 0 for row in table) for c in range(columns)]
                     for p in (False, True))  # fmt: skip
    # A space each side of a cell, unless the words would not fit then: one space, on the left. Words stay whole
    # if they can; else they break at their break points.
    for pad in (2, 1):
        room = width - ((pad + 1) * columns + 1)
        minimal = words if sum(words) <= room else pieces
        if sum(minimal) <= room:
            break
    widths = _fit(natural, minimal, room)
    lines = [_rule("┌", "┬", "┐", widths, pad)]
    if header:
        lines += _row(header, widths, colour, pad)
        lines.append(_rule("├", "┼", "┤", widths, pad))
    for n, row in enumerate(rows):
        if separate_rows and n:
            lines.append(_rule("├", "┼", "┤", widths, pad))
        lines += _row(row, widths, colour and not header, pad)
    lines.append(_rule("└", "┴", "┘", widths, pad))
    return lines


def _fit(natural: list[int], words: list[int], room: int) -> list[int]:
    """Column widths that add up to at most ``room``, narrowing the widest first.

    The first column (the labels) keeps its width while the others can give; no column is narrowed below its
    longest word while another can still give, so text breaks at spaces and a word is folded only when it alone
    is wider than any column could be.
    """
    widths = list(natural)
    while sum(widths) > room:
        others = range(1, len(widths))
        candidates = [c for c in others if widths[c] > words[c]] or [c for c in others if widths[c] > 1]
        if not candidates:
            candidates = [c for c in range(len(widths)) if widths[c] > 1]
            if not candidates:
                break
        widest = max(candidates, key=lambda c: widths[c])
        widths[widest] -= 1
    return widths


def _longest(text: str, pieces: bool = False) -> int:
    """The widest word of ``text`` (with ``pieces``: the widest piece a word may break into)."""
    return max((width_of(part) for part in (_pieces(text) if pieces else text.split())), default=0)


# Where a word too wide for its column may break: after an opening parenthesis, an equals sign, or a comma not
# inside a number (Conv2d(|3, padding=|1); never 62,|730 or weight_ih_l0[|0:4]).
_BREAK = re.compile(r"(?<=[(=])|(?<=,)(?!\d)")


def _cut(word: str) -> list[str]:
    """A word cut where it may break."""
    return [piece for piece in _BREAK.split(word) if piece]


def _pieces(text: str) -> list[str]:
    """The text's words, each cut where it may break."""
    return [piece for word in text.split() for piece in _cut(word)]


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width``, broken at spaces. A word wider than the line breaks at its break
    points; a piece still wider is folded, as nothing else can fit it. Text that fits keeps its spacing."""
    if width_of(text) <= width:
        return [text] if text else []
    lines: list[str] = []
    line = ""
    for word in text.split():
        parts = [word] if width_of(word) <= width else _cut(word)
        for i, part in enumerate(parts):
            glue = " " if line and i == 0 else ""
            if width_of(line + glue + part) <= width:
                line += glue + part
                continue
            if line:
                lines.append(line)
            while width_of(part) > width:
                lines.append(part[:width])
                part = part[width:]
            line = part
    if line:
        lines.append(line)
    return lines


def fold(line: str, width: int) -> list[str]:
    """A line of prose (a title, a caption, a step of --explain) in lines of at most ``width``: its indentation
    kept, continuation lines indented two more."""
    if width_of(line) <= width:
        return [line]
    indent = line[: len(line) - len(line.lstrip(" "))]
    first, *rest = wrap(line.strip(), max(width - len(indent) - 2, 10))
    return [indent + first, *(indent + "  " + piece for piece in rest)]


def width_of(text: str) -> int:
    """Columns the text takes: combining marks (the tilde of c̃) take none."""
    return sum(not unicodedata.combining(ch) for ch in text)


def _rule(left: str, middle: str, right: str, widths: list[int], pad: int = 2) -> str:
    return left + middle.join("─" * (w + pad) for w in widths) + right


def _row(cells: tuple[str, ...], widths: list[int], bold_first: bool, pad: int = 2) -> list[str]:
    wrapped = [wrap(cell, w) or [""] for cell, w in zip(cells, widths, strict=False)]
    wrapped += [[""]] * (len(widths) - len(wrapped))
    lines = []
    for i in range(max(len(pieces) for pieces in wrapped)):
        parts = []
        for c, (pieces, w) in enumerate(zip(wrapped, widths, strict=True)):
            piece = pieces[i] if i < len(pieces) else ""
            text = piece + " " * (w - width_of(piece))
            parts.append(f"{BOLD}{text}{RESET}" if bold_first and c == 0 and i == 0 else text)
        lines.append("│ " + " │ ".join(parts) + " │" if pad == 2 else "│ " + "│ ".join(parts) + "│")
    return lines
