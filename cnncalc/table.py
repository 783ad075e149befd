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

BOLD, RESET = "\x1b[1m", "\x1b[0m"
# "│ " + " │ " + " │": the borders and padding around two columns.
FRAME = 7


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


def draw(rows: list[tuple[str, str]], width: int, colour: bool = False) -> list[str]:
    """The table's lines, at most ``width`` wide; long values wrap at spaces.

    >>> print("\\n".join(draw([("output", "3×3"), ("params", "10")], 40)))
    ┌────────┬─────┐
    │ output │ 3×3 │
    │ params │ 10  │
    └────────┴─────┘
    """
    label_width = max((len(name) for name, _ in rows), default=0)
    room = max(10, width - label_width - FRAME)
    value_width = min(room, max((len(value) for _, value in rows), default=0))
    lines = [f"┌─{'─' * label_width}─┬─{'─' * value_width}─┐"]
    for name, value in rows:
        label = name.ljust(label_width)
        if colour:
            label = f"{BOLD}{label}{RESET}"
        pieces = textwrap.wrap(value, value_width, break_on_hyphens=False) or [""]
        for i, piece in enumerate(pieces):
            left = label if i == 0 else " " * label_width
            lines.append(f"│ {left} │ {piece.ljust(value_width)} │")
    lines.append(f"└─{'─' * label_width}─┴─{'─' * value_width}─┘")
    return lines
