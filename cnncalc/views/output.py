"""Printing a command's output to the terminal, and saving it as SVG or HTML."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InvalidParameter
from . import table
from .table import Section


def print_table(
    title: str,
    sections: Sequence[Section],
    explain: list[str] | None = None,
    pictures: list[str] | None = None,
    export: Export | None = None,
) -> None:
    """Print the title, the tables, any explanation and pictures; save them as SVG/HTML if asked."""
    width, colour = table.terminal_width(), table.use_colour(sys.stdout)
    lines = table.fold(title, width)
    for section in sections:
        if section.caption:
            lines += table.fold(section.caption, width)
        lines += table.draw(section.rows, width, colour, section.header, section.separate_rows)
    lines += [piece for line in explain or [] for piece in table.fold(line, width)]
    lines += pictures or []  # drawn to scale: a picture is not folded
    sys.stdout.write("\n".join(lines) + "\n")
    if export is not None:
        plain = [title, *(line for s in sections for line in section_lines(s, width)), *(explain or [])]
        export.save(title, [*plain, *(pictures or [])])


def section_lines(section: Section, width: int) -> list[str]:
    return ([section.caption] if section.caption else []) + table.draw(
        section.rows, width, False, section.header, section.separate_rows
    )


@dataclass(frozen=True)
class Export:
    """Where to save what was printed: rich records the text and writes SVG or HTML."""

    svg: str | None = None
    html: str | None = None

    def save(self, title: str, lines: list[str]) -> None:
        import io

        from rich.console import Console  # noqa: TID251  (the one place cnncalc draws with rich)

        width = max((len(line) for line in lines), default=80) + 2
        console = Console(record=True, file=io.StringIO(), width=width, color_system=None)
        for line in lines:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        for option, path in (("svg", self.svg), ("html", self.html)):
            if not path:
                continue
            try:
                if option == "svg":
                    console.save_svg(path, title=title, clear=False)
                else:
                    console.save_html(path, clear=False)
            except OSError as error:
                raise InvalidParameter(option, path, "a file cnncalc can write", error.strerror or str(error)) from None
