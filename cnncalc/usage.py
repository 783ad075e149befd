"""Run the Typer app so that usage errors (unknown option, missing value) read
as one line on stderr with exit code 2, like every other bad input."""

from __future__ import annotations

import sys
from typing import Any

import typer

try:  # newer typer vendors Click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - older typer with Click installed
    from click.exceptions import ClickException  # type: ignore[no-redef,import-not-found,unused-ignore]


def run(app: typer.Typer, args: list[str] | None = None) -> None:
    try:
        code: Any = app(args=args, standalone_mode=False)
    except ClickException as error:
        message = error.format_message()
        if message:  # a bare `cnncalc` has printed its help and has nothing to add
            sys.stderr.write(f"cnncalc: error: {message}\n")
        sys.exit(error.exit_code)
    except typer.Abort:
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
